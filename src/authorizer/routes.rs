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

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: one or more segments, to the end of the path.
    Greedy(String),
}

/// A part of a template string: literal text or a request value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
enum Piece {
    Text(String),
    Path(String),
    Query(String),
    Header(String),
    SourceIp,
    Method,
    RequestPath,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
struct Template(Vec<Piece>);

impl Template {
    fn parse(text: &str) -> Result<Template, String> {
        let mut pieces = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            if open > 0 {
                pieces.push(Piece::Text(rest[..open].to_string()));
            }
            let close = rest[open..].find('}').ok_or_else(|| format!("`{text}` has an unclosed `{{`"))? + open;
            let name = &rest[open + 1..close];
            pieces.push(match name.split_once('.') {
                Some(("path", p)) if !p.is_empty() => Piece::Path(p.to_string()),
                Some(("query", q)) if !q.is_empty() => Piece::Query(q.to_string()),
                Some(("header", h)) if !h.is_empty() => Piece::Header(h.to_ascii_lowercase()),
                None if name == "sourceIp" => Piece::SourceIp,
                None if name == "method" => Piece::Method,
                None if name == "path" => Piece::RequestPath,
                _ => {
                    return Err(format!(
                        "`{{{name}}}` in `{text}` is not a request value: use {{path.<name>}}, {{query.<name>}}, {{header.<name>}}, {{sourceIp}}, {{method}} or {{path}}"
                    ))
                }
            });
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            pieces.push(Piece::Text(rest.to_string()));
        }
        Ok(Template(pieces))
    }

    /// What the template's value depends on besides the route itself.
    fn dependence(&self) -> Dependence {
        self.0
            .iter()
            .map(|p| match p {
                Piece::Text(_) => Dependence::None,
                Piece::Path(_) | Piece::Method | Piece::RequestPath => Dependence::Path,
                Piece::Query(_) | Piece::Header(_) | Piece::SourceIp => Dependence::Request,
            })
            .max()
            .unwrap_or(Dependence::None)
    }

    fn render(&self, request: &HttpRequest, params: &BTreeMap<String, String>) -> Result<String, String> {
        let mut out = String::new();
        for piece in &self.0 {
            let value = match piece {
                Piece::Text(t) => Some(t.clone()),
                Piece::Path(p) => params.get(p).cloned(),
                Piece::Query(q) => request.query.get(q).cloned(),
                Piece::Header(h) => request.headers.get(h).cloned(),
                Piece::SourceIp => request.source_ip.clone(),
                Piece::Method => Some(request.method.clone()),
                Piece::RequestPath => Some(request.path.clone()),
            };
            match value {
                Some(v) => out.push_str(&v),
                None => return Err(format!("the request has no {}", describe(piece))),
            }
        }
        Ok(out)
    }
}

fn describe(piece: &Piece) -> String {
    match piece {
        Piece::Path(p) => format!("path parameter `{p}`"),
        Piece::Query(q) => format!("query parameter `{q}`"),
        Piece::Header(h) => format!("header `{h}`"),
        Piece::SourceIp => "source IP".into(),
        Piece::Method => "method".into(),
        Piece::RequestPath => "path".into(),
        Piece::Text(_) => "text".into(),
    }
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

/// The request facts routes are matched against, as the adapters read them from an event.
#[derive(Debug, Clone, Default)]
pub struct HttpRequest {
    /// As the request has it: methods are case-sensitive (RFC 9110), so `get` is not `GET`.
    pub method: String,
    /// The path. [`Routes::find`] expects it in normal form ([`crate::request::path::normalize`]).
    pub path: String,
    /// The route key or resource template API Gateway matched (`GET /riders/{id}`, `/riders/{id}`).
    pub route_key: Option<String>,
    pub path_parameters: BTreeMap<String, String>,
    pub query: BTreeMap<String, String>,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
    pub source_ip: Option<String>,
}

fn string_map(value: Option<&Value>, lowercase: bool) -> BTreeMap<String, String> {
    value
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| {
                    let v = match v {
                        Value::String(s) => s.clone(),
                        Value::Array(items) => items.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(","),
                        _ => return None,
                    };
                    Some((if lowercase { k.to_ascii_lowercase() } else { k.clone() }, v))
                })
                .collect()
        })
        .unwrap_or_default()
}

impl HttpRequest {
    /// Reads `{method, path, routeKey, pathParameters, query, headers, sourceIp}`.
    pub fn from_value(value: &Value) -> Result<HttpRequest, Error> {
        let malformed = |m: &str| Error::new(Code::RequestMalformed, m);
        let method =
            value.get("method").and_then(Value::as_str).ok_or_else(|| malformed("the HTTP request has no `method`"))?;
        let path = match value.get("path") {
            None | Some(Value::Null) => "/",
            Some(Value::String(p)) => p.as_str(),
            Some(_) => return Err(malformed("the HTTP request's `path` is not a string")),
        };
        Ok(HttpRequest {
            method: method.to_string(),
            path: path.to_string(),
            route_key: value.get("routeKey").and_then(Value::as_str).map(str::to_string),
            path_parameters: string_map(value.get("pathParameters"), false),
            query: string_map(value.get("query"), false),
            headers: string_map(value.get("headers"), true),
            source_ip: value.get("sourceIp").and_then(Value::as_str).map(str::to_string),
        })
    }
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

fn parse_segments(path: &str) -> Result<Vec<Segment>, String> {
    let parts = path::segments(path);
    let mut segments = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let segment = match part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            Some(name) if name.ends_with('+') => {
                if i != parts.len() - 1 {
                    return Err(format!("`{{{name}}}` in `{path}` must be the last segment"));
                }
                Segment::Greedy(name.trim_end_matches('+').to_string())
            }
            Some(name) if !name.is_empty() => Segment::Param(name.to_string()),
            _ => {
                if part.contains(['{', '}']) {
                    return Err(format!(
                        "segment `{part}` of `{path}` mixes text and a `{{parameter}}`: a parameter is a whole segment"
                    ));
                }
                Segment::Literal(part.to_string())
            }
        };
        segments.push(segment);
    }
    Ok(segments)
}

const METHODS: [&str; 8] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];

/// The methods an `ANY` route (or `$default`) is spelt out as in a cacheable IAM policy. A request with
/// any other method is not covered by the policy, so API Gateway refuses it from the cache.
pub const STANDARD_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Whether `text` can stand for itself in an IAM resource: `*` and `?` are wildcards there and `$` may
/// start a policy variable.
fn iam_literal(text: &str) -> bool {
    !text.contains(['*', '?', '$'])
}

/// `text` as an IAM pattern that matches at least `text`: wildcard and variable characters become `?`.
fn iam_cover(text: &str) -> String {
    text.chars().map(|c| if matches!(c, '*' | '?' | '$') { '?' } else { c }).collect()
}

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

    /// The method, or `*` for ANY and `$default`.
    pub fn method_or_any(&self) -> &str {
        self.method.as_deref().unwrap_or("*")
    }

    /// The methods this route is written out for in an IAM policy.
    fn policy_methods(&self) -> Vec<&str> {
        match &self.method {
            Some(m) => vec![m.as_str()],
            None => STANDARD_METHODS.to_vec(),
        }
    }

    /// The resource path of this route in an `execute-api` ARN: parameters become `*`.
    pub fn arn_path(&self) -> String {
        if self.is_default {
            return "*".into();
        }
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => l.clone(),
                Segment::Param(_) | Segment::Greedy(_) => "*".into(),
            })
            .collect();
        parts.join("/")
    }

    /// The route's path when it has no parameters (`/riders`), else `None`.
    pub fn literal_path(&self) -> Option<String> {
        if self.is_default || self.segments.iter().any(|s| !matches!(s, Segment::Literal(_))) {
            return None;
        }
        Some(self.path_template())
    }

    /// IAM resource patterns (after `<apiId>/<stage>/`) that match every ARN of a request this route
    /// matches. For an Allow (`for_allow`), `None` when a literal cannot be written in IAM; for a Deny,
    /// such characters are widened to `?`, which only ever denies more.
    pub fn iam_patterns(&self, for_allow: bool) -> Option<Vec<String>> {
        let mut path_pattern = String::new();
        if self.is_default {
            path_pattern.push('*');
        } else {
            for (i, s) in self.segments.iter().enumerate() {
                if i > 0 {
                    path_pattern.push('/');
                }
                match s {
                    Segment::Literal(l) if iam_literal(l) => path_pattern.push_str(l),
                    Segment::Literal(_) if for_allow => return None,
                    Segment::Literal(l) => path_pattern.push_str(&iam_cover(l)),
                    Segment::Param(_) | Segment::Greedy(_) => path_pattern.push('*'),
                }
            }
        }
        let mut patterns: Vec<String> =
            self.policy_methods().into_iter().map(|m| format!("{m}/{path_pattern}")).collect();
        // The router ignores a trailing slash (`/riders/` is `/riders`): a Deny covers that spelling too.
        if !for_allow && !path_pattern.is_empty() && !path_pattern.ends_with('*') {
            let with_slash: Vec<String> = patterns.iter().map(|p| format!("{p}/")).collect();
            patterns.extend(with_slash);
        }
        Some(patterns)
    }

    /// IAM patterns of the ARNs an Allow of [`Route::iam_patterns`] matches although a request with that
    /// ARN would not be routed here: a parameter's `*` matching an empty value or one with a `/` in it,
    /// a greedy parameter's matching nothing. To be denied explicitly beside the Allow.
    pub fn iam_overmatch(&self) -> Vec<String> {
        if self.is_default {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, s) in self.segments.iter().enumerate() {
            let replacements: &[&str] = match s {
                Segment::Literal(_) => continue,
                Segment::Param(_) => &["", "*/*"],
                Segment::Greedy(_) => &[""],
            };
            for replacement in replacements {
                let parts: Vec<String> = self
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(j, seg)| match seg {
                        _ if j == i => replacement.to_string(),
                        Segment::Literal(l) => iam_cover(l),
                        Segment::Param(_) | Segment::Greedy(_) => "*".into(),
                    })
                    .collect();
                let joined = parts.join("/");
                for m in self.policy_methods() {
                    out.push(format!("{m}/{joined}"));
                }
            }
        }
        out
    }

    /// The action, resource and context of this route for a request and its path parameters.
    pub fn resolve(&self, request: &HttpRequest, params: &BTreeMap<String, String>) -> Result<RouteMatch, Error> {
        let missing = |m: String| Error::new(Code::RouteMissingValue, format!("route `{}`: {m}", self.route_key));
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

    /// The route a request takes: by the route key or resource template API Gateway matched when the event
    /// has one, else by matching the path, which must be in normal form ([`crate::request::path::normalize`]). An
    /// unmatched request is `route.not_found`.
    pub fn find(&self, request: &HttpRequest) -> Result<RouteMatch, Error> {
        let parts = path::segments(&request.path);
        if let Some(key) = &request.route_key {
            let normalized = normalize_key(key, &request.method);
            if let Some(route) = self.routes.iter().find(|r| {
                r.route_key == normalized || (r.method.is_none() && any_key(&r.route_key) == any_key(&normalized))
            }) {
                let mut params = route.match_segments(&parts, self.case_sensitive).unwrap_or_default();
                params.extend(request.path_parameters.clone());
                return route.resolve(request, &params);
            }
        }
        let best = self
            .routes
            .iter()
            .filter(|r| !r.is_default && r.method_matches(&request.method))
            .filter_map(|r| r.match_segments(&parts, self.case_sensitive).map(|p| (r, p)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn routes(list: Value) -> Routes {
        let config: AuthorizerConfig = serde_json::from_value(json!({ "routes": list })).expect("config");
        Routes::from_config(&config, Some("App")).expect("routes")
    }

    fn request(method: &str, path: &str) -> HttpRequest {
        HttpRequest { method: method.into(), path: path.into(), ..Default::default() }
    }

    #[test]
    fn defaults_follow_api_linked_naming() {
        let r = routes(json!([{ "method": "GET", "path": "/riders/{id}" }]));
        let m = r.find(&request("GET", "/riders/42")).expect("match");
        assert_eq!(m.action, EntityRef::new("App::Action", "get /riders/{id}"));
        assert_eq!(m.resource, EntityRef::new("App::Application", "App"));
        assert_eq!(m.route_key, "GET /riders/{id}");
    }

    #[test]
    fn precedence_literal_then_param_then_greedy_then_default() {
        let r = routes(json!([
            { "route": "$default", "action": "fallback" },
            { "route": "ANY /{proxy+}", "action": "proxy" },
            { "method": "GET", "path": "/riders/{id}", "action": "rider" },
            { "method": "GET", "path": "/riders/me", "action": "me" },
            { "method": "ANY", "path": "/riders/{id}", "action": "any-rider" },
        ]));
        let action =
            |m: &str, p: &str| r.find(&request(m, p)).map(|x| x.action.id).unwrap_or_else(|e| e.code.to_string());
        assert_eq!(action("GET", "/riders/me"), "me");
        assert_eq!(action("GET", "/riders/7"), "rider");
        assert_eq!(action("DELETE", "/riders/7"), "any-rider");
        assert_eq!(action("GET", "/unicorns/a/b"), "proxy");
        assert_eq!(action("GET", "/"), "fallback");
    }

    #[test]
    fn templates_fill_resource_and_context_or_fail_closed() {
        let r = routes(json!([{
            "method": "GET", "path": "/tenants/{tenant}/docs/{doc}",
            "resource": { "type": "App::Doc", "id": "{path.tenant}/{path.doc}" },
            "context": { "ip": "{sourceIp}", "page": "{query.page}", "agent": "{header.User-Agent}", "fixed": true }
        }]));
        let mut req = request("GET", "/tenants/acme/docs/d1");
        req.source_ip = Some("10.0.0.1".into());
        req.query.insert("page".into(), "2".into());
        req.headers.insert("user-agent".into(), "curl".into());
        let m = r.find(&req).expect("match");
        assert_eq!(m.resource, EntityRef::new("App::Doc", "acme/d1"));
        assert_eq!(Value::Object(m.context), json!({ "ip": "10.0.0.1", "page": "2", "agent": "curl", "fixed": true }));
        req.query.clear();
        assert_eq!(r.find(&req).unwrap_err().code(), "route.missing_value");
        assert_eq!(r.find(&request("GET", "/nowhere")).unwrap_err().code(), "route.not_found");
        assert_eq!(r.routes[0].dependence, Dependence::Request);
        assert_eq!(r.routes[0].arn_path(), "tenants/*/docs/*");
    }

    #[test]
    fn route_keys_from_events_pick_the_route() {
        let r = routes(json!([{ "route": "GET /riders/{id}" }, { "method": "ANY", "path": "/files/{proxy+}" }]));
        let mut req = request("GET", "/prod/riders/9");
        req.route_key = Some("GET /riders/{id}".into());
        req.path_parameters.insert("id".into(), "9".into());
        assert_eq!(r.find(&req).expect("by key").route_key, "GET /riders/{id}");
        let mut rest = request("PUT", "/files/a/b");
        rest.route_key = Some("/files/{proxy+}".into());
        assert_eq!(r.find(&rest).expect("ANY by REST resource").route_key, "ANY /files/{proxy+}");
    }

    #[test]
    fn bad_routes_are_reported() {
        let config: AuthorizerConfig = serde_json::from_value(json!({ "routes": [
            { "method": "FETCH", "path": "/x" },
            { "method": "GET", "path": "x" },
            { "method": "GET", "path": "/a/{p+}/b" },
            { "method": "GET", "path": "/y", "resource": { "type": "App::Doc", "id": "{nope}" } },
            { "method": "GET", "path": "/z" }, { "method": "GET", "path": "/z" },
            { "route": "GET" },
        ]}))
        .expect("config");
        let errors = Routes::from_config(&config, Some("App")).unwrap_err();
        assert_eq!(errors.len(), 6, "{errors:?}");
    }
}
