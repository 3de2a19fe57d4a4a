//! Routes: API Gateway methods and path templates (or HTTP API route keys) mapped to Cedar actions,
//! resources and context, as `authorizer.json` lists them.
//!
//! The default action is Verified Permissions' API-linked naming, lowercased `<method> <path template>`
//! (`get /riders/{id}`), in the store's namespace; the default resource is
//! `<Namespace>::Application::"<Namespace>"`. Resource ids and context values are templates over the
//! request: `{path.<name>}`, `{query.<name>}`, `{header.<name>}`, `{sourceIp}`, `{method}`, `{path}`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::errors::{Code, Error};
use crate::request::entity_ref::EntityRef;
use crate::request::path;
use crate::store::config::{AuthorizerConfig, RouteConfig};

mod iam;
mod query;
pub(crate) mod request;
mod template;
#[cfg(test)]
mod tests;

pub use iam::STANDARD_METHODS;
pub use query::{Query, QueryValue};
pub use request::HttpRequest;
use template::{parse_segments, Refusal, Segment, Template};

/// What a route's resource and context depend on, besides which route it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub enum Dependence {
    /// Nothing: every request on the route is the same Cedar request.
    None,
    /// The method and path only (`{path.id}`, `{path}`, `{method}`): fixed by an `execute-api` ARN.
    Path,
    /// Values an ARN does not carry (`{query.x}`, `{header.x}`, `{sourceIp}`).
    Request,
}

/// One route, ready to match.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Route {
    /// `GET /riders/{id}`, `ANY /{proxy+}` or `$default`.
    pub route_key: String,
    /// `None` for `ANY` and `$default`.
    #[serde(skip)]
    method: Option<String>,
    #[serde(skip)]
    segments: Vec<Segment>,
    #[serde(skip)]
    is_default: bool,
    pub action: EntityRef,
    pub resource_type: String,
    #[serde(skip)]
    resource_id: Template,
    /// The resource id as written, with its templates.
    pub resource_id_template: String,
    #[serde(skip)]
    context: Vec<(String, Template, Value)>,
    /// Context attributes as written.
    pub context_templates: Map<String, Value>,
    /// What the resource and context depend on: a route that depends on the request cannot be decided for
    /// other requests in advance.
    pub dependence: Dependence,
}

/// A matched route: the Cedar action, resource and context for a request.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct RouteMatch {
    pub route_key: String,
    pub action: EntityRef,
    pub resource: EntityRef,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value>"))]
    pub context: Map<String, Value>,
}

const METHODS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

impl Route {
    fn from_config(config: &RouteConfig, namespace: Option<&str>) -> Result<Route, String> {
        let (method, path, is_default) = match (&config.route, &config.method, &config.path) {
            (Some(key), None, None) if key == "$default" => ("ANY".to_string(), String::new(), true),
            (Some(key), None, None) => {
                let (m, p) = key
                    .split_once(' ')
                    .ok_or_else(|| format!("route key `{key}` is not `<METHOD> <path>` or `$default`"))?;
                (m.to_ascii_uppercase(), p.to_string(), false)
            }
            (None, Some(m), Some(p)) => (m.to_ascii_uppercase(), p.clone(), false),
            (None, None, Some(p)) => ("ANY".to_string(), p.clone(), false),
            _ => return Err(
                "give `method` and `path`, or `route` (an HTTP API route key such as `GET /riders/{id}` or `$default`)"
                    .into(),
            ),
        };
        if !METHODS.contains(&method.as_str()) {
            return Err(format!("`{method}` is not an HTTP method or ANY"));
        }
        if !is_default && !path.starts_with('/') {
            return Err(format!("path `{path}` must start with `/`"));
        }
        if !is_default {
            match path::normalize(&path) {
                Ok(normal) if normal == path => {}
                Ok(normal) => return Err(format!("path `{path}` is not in normal form: write it as `{normal}`")),
                Err(e) => return Err(format!("path `{path}`: {e}")),
            }
        }
        let segments = parse_segments(&path)?;
        let route_key = if is_default { "$default".to_string() } else { format!("{method} {path}") };
        let ns = namespace.map(|n| format!("{n}::")).unwrap_or_default();
        let action_id = config.action.clone().unwrap_or_else(|| {
            if is_default {
                "$default".into()
            } else {
                format!("{} {}", method.to_ascii_lowercase(), path)
            }
        });
        let action = EntityRef::new(format!("{ns}Action"), action_id);
        let (resource_type, resource_id_template) = match &config.resource {
            Some(r) => (r.entity_type.clone(), r.id.clone()),
            None => {
                let ns = namespace.ok_or(
                    "the store has no single namespace for the default resource: set `namespace` or give `resource`",
                )?;
                (format!("{ns}::Application"), ns.to_string())
            }
        };
        if config.context.contains_key("token") {
            return Err(
                "the context attribute `token` is filled from the access token: give this one another name".into()
            );
        }
        let resource_id = Template::parse(&resource_id_template)?;
        let mut dependence = resource_id.dependence();
        let mut context = Vec::new();
        for (name, value) in &config.context {
            let template = match value {
                Value::String(s) => Template::parse(s)?,
                _ => Template(Vec::new()),
            };
            dependence = dependence.max(template.dependence());
            context.push((name.clone(), template, value.clone()));
        }
        Ok(Route {
            route_key,
            method: if method == "ANY" { None } else { Some(method) },
            segments,
            is_default,
            action,
            resource_type,
            resource_id,
            resource_id_template,
            context,
            context_templates: config.context.clone(),
            dependence,
        })
    }

    /// Whether the route's resource or context depend on the request beyond which route it is.
    pub fn depends_on_request(&self) -> bool {
        self.dependence != Dependence::None
    }

    /// Path parameters (percent-decoded) when a normal path's segments match this route's template.
    fn match_segments(&self, parts: &[&str], case_sensitive: bool) -> Option<BTreeMap<String, String>> {
        let mut params = BTreeMap::new();
        let mut i = 0;
        for segment in &self.segments {
            match segment {
                Segment::Literal(l) => {
                    let part = parts.get(i)?;
                    let same = if case_sensitive { part == l } else { part.to_lowercase() == l.to_lowercase() };
                    if !same {
                        return None;
                    }
                    i += 1;
                }
                Segment::Param(name) => {
                    params.insert(name.clone(), path::decode_segment(parts.get(i)?)?);
                    i += 1;
                }
                Segment::Greedy(name) => {
                    if i >= parts.len() {
                        return None;
                    }
                    params.insert(name.clone(), path::decode_segment(&parts[i..].join("/"))?);
                    i = parts.len();
                }
            }
        }
        (i == parts.len()).then_some(params)
    }

    /// API Gateway's precedence, segment by segment from the left: a literal before a parameter before a
    /// greedy parameter; for the same path, a method before ANY. The larger key wins.
    fn precedence(&self) -> (Vec<u8>, bool) {
        let ranks = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(_) => 2,
                Segment::Param(_) => 1,
                Segment::Greedy(_) => 0,
            })
            .collect();
        (ranks, self.method.is_some())
    }

    /// Whether this route wins over `other` for a request both match (`$default` matches only when no other
    /// route does, so every route outranks it).
    pub fn outranks(&self, other: &Route) -> bool {
        match (self.is_default, other.is_default) {
            (false, true) => true,
            (true, _) => false,
            (false, false) => self.precedence() > other.precedence(),
        }
    }

    /// The shape of the path, parameter names aside: two routes of the same method and shape are the same
    /// route to API Gateway.
    fn shape(&self) -> String {
        let mut out = self.method_or_any().to_string();
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Param(_) => out.push_str("{}"),
                Segment::Greedy(_) => out.push_str("{+}"),
            }
        }
        if self.is_default {
            out.push_str("$default");
        }
        out
    }

    fn method_matches(&self, method: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
    }

    /// The path template, `/riders/{id}`.
    pub fn path_template(&self) -> String {
        if self.is_default {
            return "/{proxy+}".into();
        }
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Literal(l) => out.push_str(l),
                Segment::Param(p) => out.push_str(&format!("{{{p}}}")),
                Segment::Greedy(p) => out.push_str(&format!("{{{p}+}}")),
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// The path this route's template describes with the event's path parameters (which API Gateway has
    /// decoded), when the template has parameters and the event gives each of them: what the integration
    /// behind API Gateway is sent. `None` for `$default`, a route without parameters, or a parameter the
    /// event lacks.
    fn described_path(&self, params: &BTreeMap<String, String>) -> Option<String> {
        if self.is_default || !self.segments.iter().any(|s| !matches!(s, Segment::Literal(_))) {
            return None;
        }
        let mut out = String::new();
        for segment in &self.segments {
            out.push('/');
            match segment {
                Segment::Literal(l) => out.push_str(l),
                Segment::Param(name) => out.push_str(&path::encode_segment(params.get(name)?)),
                Segment::Greedy(name) => {
                    let value = params.get(name)?;
                    let parts: Vec<String> = value.split('/').map(path::encode_segment).collect();
                    out.push_str(&parts.join("/"));
                }
            }
        }
        Some(out)
    }

    /// The method, or `*` for ANY and `$default`.
    pub fn method_or_any(&self) -> &str {
        self.method.as_deref().unwrap_or("*")
    }

    /// The action, resource and context of this route for a request and its path parameters.
    pub fn resolve(&self, request: &HttpRequest, params: &BTreeMap<String, String>) -> Result<RouteMatch, Error> {
        let missing = |r: Refusal| match r {
            Refusal::Missing(m) => Error::new(Code::RouteMissingValue, format!("route `{}`: {m}", self.route_key)),
            Refusal::Ambiguous(m) => Error::new(Code::RouteAmbiguousValue, format!("route `{}`: {m}", self.route_key)),
        };
        let id = self.resource_id.render(request, params).map_err(missing)?;
        let mut context = Map::new();
        for (name, template, literal) in &self.context {
            let value = if literal.is_string() {
                Value::String(template.render(request, params).map_err(missing)?)
            } else {
                literal.clone()
            };
            context.insert(name.clone(), value);
        }
        Ok(RouteMatch {
            route_key: self.route_key.clone(),
            action: self.action.clone(),
            resource: EntityRef::new(self.resource_type.clone(), id),
            context,
        })
    }
}

/// Every route of a store.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Routes {
    pub routes: Vec<Route>,
    /// Whether literal path segments match case-sensitively (the default, as in API Gateway).
    pub case_sensitive: bool,
}

impl Routes {
    /// Problems a route has against the schema: an action or resource type it lacks.
    pub fn check_against_schema(
        &self,
        actions: &std::collections::HashSet<cedar_policy::EntityUid>,
        types: &crate::store::schema_types::SchemaTypes,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        // The routes are in `authorizer.json`'s order (`from_config` refuses the whole list otherwise), so
        // each problem can name its route's place in the file.
        for (i, route) in self.routes.iter().enumerate() {
            match route.action.to_uid() {
                Ok(uid) if actions.contains(&uid) => {}
                _ => problems.push(format!(
                    "routes[{i}].action: route `{}` maps to action `{}`, which the schema lacks: declare it, or set the route's `action`",
                    route.route_key, route.action
                )),
            }
            if types.entity_shape(&route.resource_type).is_none() {
                problems.push(format!(
                    "routes[{i}].resource: route `{}` names resource type `{}`, which the schema lacks",
                    route.route_key, route.resource_type
                ));
            }
        }
        problems
    }

    /// Compiles `authorizer.json`'s routes. Errors name the route and what to fix.
    pub fn from_config(config: &AuthorizerConfig, namespace: Option<&str>) -> Result<Routes, Vec<String>> {
        let mut routes: Vec<Route> = Vec::new();
        let mut errors = Vec::new();
        for (i, r) in config.routes.iter().enumerate() {
            match Route::from_config(r, namespace) {
                Ok(route) => {
                    if let Some(other) = routes.iter().find(|other| other.shape() == route.shape()) {
                        errors.push(if other.route_key == route.route_key {
                            format!("routes[{i}]: `{}` is listed twice", route.route_key)
                        } else {
                            format!(
                                "routes[{i}]: `{}` is the same route as `{}` (only the parameter names differ)",
                                route.route_key, other.route_key
                            )
                        });
                    } else {
                        routes.push(route);
                    }
                }
                Err(e) => errors.push(format!("routes[{i}]: {e}")),
            }
        }
        if errors.is_empty() {
            Ok(Routes { routes, case_sensitive: config.route_settings.case_sensitive_paths })
        } else {
            Err(errors)
        }
    }

    /// The route of a route key, such as `GET /riders/{id}`.
    pub fn by_key(&self, key: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.route_key == key)
    }

    /// The route a request takes by the store's own routing: its method and normal path (which
    /// [`crate::request::path::normalize`] gives), the most specific route winning, as in API Gateway.
    ///
    /// When the event names the route key or resource template API Gateway matched, and that is another
    /// route of the store (a single `/{proxy+}` resource in front of a web framework, while the store routes
    /// `/admin/x` to `GET /admin/{proxy+}`), it is given too; and so is the store's route for the path that
    /// API Gateway's route and path parameters describe, when that is yet another (a base path mapping puts
    /// `/v1` in the event's path while the integration is sent `admin/x`). A request is allowed only when
    /// every one of them allows. When the path matches no route, the event's route alone decides. An
    /// unmatched request is `route.not_found`.
    pub fn find(&self, request: &HttpRequest) -> Result<Routed, Error> {
        let parts = path::segments(&request.path);
        let by_path = self.by_path(request, &parts);
        let Some((event_route, event)) = self.by_event_key(request, &parts) else {
            return by_path.map(|route| Routed { route, others: Vec::new() });
        };
        let event = event?;
        let mut candidates = vec![event];
        // The path API Gateway's route and parameters describe, routed by the store.
        if let Some(described) = event_route.described_path(&request.path_parameters) {
            let normal = path::normalize(&described).map_err(|e| {
                Error::new(
                    Code::RequestPathInvalid,
                    format!("the path API Gateway's route and path parameters describe, `{described}`: {e}"),
                )
            })?;
            if normal != request.path {
                let described_request = HttpRequest { path: normal, route_key: None, ..request.clone() };
                match self.by_path(&described_request, &path::segments(&described_request.path)) {
                    Ok(route) => candidates.push(route),
                    Err(e) if e.code() == Code::RouteNotFound => {}
                    Err(e) => return Err(e),
                }
            }
        }
        let route = match by_path {
            Ok(route) => route,
            Err(e) if e.code() == Code::RouteNotFound => candidates.remove(0),
            Err(e) => return Err(e),
        };
        let mut others: Vec<RouteMatch> = Vec::new();
        for candidate in candidates {
            if candidate != route && !others.contains(&candidate) {
                others.push(candidate);
            }
        }
        Ok(Routed { route, others })
    }

    /// The route of the route key or resource template the event names, when the store has it, and its
    /// match for this request.
    fn by_event_key(&self, request: &HttpRequest, parts: &[&str]) -> Option<(&Route, Result<RouteMatch, Error>)> {
        let key = request.route_key.as_ref()?;
        let normalized = normalize_key(key, &request.method);
        let route = self.routes.iter().find(|r| {
            r.route_key == normalized || (r.method.is_none() && any_key(&r.route_key) == any_key(&normalized))
        })?;
        let mut params = route.match_segments(parts, self.case_sensitive).unwrap_or_default();
        params.extend(request.path_parameters.clone());
        Some((route, route.resolve(request, &params)))
    }

    /// The most specific route for the method and normal path, else `$default`.
    fn by_path(&self, request: &HttpRequest, parts: &[&str]) -> Result<RouteMatch, Error> {
        let best = self
            .routes
            .iter()
            .filter(|r| !r.is_default && r.method_matches(&request.method))
            .filter_map(|r| r.match_segments(parts, self.case_sensitive).map(|p| (r, p)))
            .max_by(|(a, _), (b, _)| a.precedence().cmp(&b.precedence()));
        let fallback = || self.routes.iter().find(|r| r.is_default).map(|r| (r, BTreeMap::new()));
        match best.or_else(fallback) {
            Some((route, mut params)) => {
                for (k, v) in &request.path_parameters {
                    params.entry(k.clone()).or_insert_with(|| v.clone());
                }
                route.resolve(request, &params)
            }
            None => Err(Error::new(Code::RouteNotFound, format!("no route for `{} {}`", request.method, request.path))),
        }
    }
}

/// A request's route by the store's routing, and the other routes of the store that API Gateway's view of
/// the request takes, each of which must allow too (see [`Routes::find`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub route: RouteMatch,
    pub others: Vec<RouteMatch>,
}

/// `GET /x` stays; a REST resource template `/x` becomes `<METHOD> /x`; `$default` stays.
fn normalize_key(key: &str, method: &str) -> String {
    if key == "$default" || key.contains(' ') {
        match key.split_once(' ') {
            Some((m, p)) => format!("{} {p}", m.to_ascii_uppercase()),
            None => key.to_string(),
        }
    } else {
        format!("{method} {key}")
    }
}

/// A route key with its method replaced by ANY, for matching ANY routes.
fn any_key(key: &str) -> String {
    match key.split_once(' ') {
        Some((_, p)) => format!("ANY {p}"),
        None => key.to_string(),
    }
}
