//! Authorizing an HTTP request: route it to an action, resource and context, verify its token, decide.
//! This is what every API Gateway and CloudFront adapter calls, with the facts it read from its event.
//!
//! Input:
//!
//! ```json
//! { "token": "<bearer>", "tokenKind": "identity" | "access" | "auto",
//!   "http": { "method", "path", "routeKey", "pathParameters", "query", "headers", "sourceIp" },
//!   "forwardsNormalizedPath": false,
//!   "context": { ...added to the route's context... }, "entities": [...],
//!   "allRoutes": false }
//! ```
//!
//! The path is normalized ([`crate::path`]) before it is routed, and the answer's `path` is the normal
//! form. A caller that forwards the request (Lambda@Edge) says `forwardsNormalizedPath` and forwards
//! that `path`; any other caller (API Gateway, where the authorizer cannot change what is forwarded) gets
//! a DENY for a path that is not already normal. A path that cannot be normalized safely is always a DENY
//! (`request.path_invalid`).
//!
//! With `allRoutes`, the answer also carries a policy that API Gateway may cache for the token and apply
//! to any other request: `cachePolicy`, IAM resource patterns (after `<apiId>/<stage>/`) to allow and to
//! deny. It is exact: under IAM's matching rules, every ARN the allow patterns match and no deny pattern
//! matches is one this authorizer allows for the principal when asked directly (see
//! [`Authorizer::cache_policy`]).

use serde::Serialize;
use serde_json::{json, Value};

use crate::authorizer::Authorizer;
use crate::avp::{Answer, Decision};
use crate::errors::{codes, ErrorItem};
use crate::iam;
use crate::path;
use crate::routes::{Dependence, HttpRequest, RouteMatch, STANDARD_METHODS};
use crate::token::{codes as token_codes, TokenKind};
use crate::with_token::Identity;

/// The decision of a route for the principal, for a policy that covers every route.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteDecision {
    pub route_key: String,
    /// The method, or `*` for ANY and `$default`.
    pub method: String,
    /// The resource path in an `execute-api` ARN, parameters as `*`.
    pub arn_path: String,
    /// `None` for a route whose resource or context depend on the request: it has no one decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
}

/// An IAM policy for API Gateway's authorizer cache: resource patterns relative to `<apiId>/<stage>/`
/// (`GET/riders`, `GET/riders/*`), to allow and to deny. An explicit Deny wins over an Allow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CachePolicy {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

impl CachePolicy {
    /// Whether the policy allows a request ARN (relative to `<apiId>/<stage>/`).
    pub fn allows(&self, arn: &str) -> bool {
        iam::allows(&self.allow, &self.deny, arn)
    }
}

/// Resource patterns of ARNs whose path is not in normal form, or cannot be normalized: an allow pattern's
/// `*` could match them, and a direct decision refuses them. (Any `%` is denied, although a normal path may
/// hold escapes such as `%20`: IAM cannot tell an escape of an unreserved character from another one.)
const NOT_NORMAL: [&str; 9] = ["*//*", "*/./*", "*/.", "*/../*", "*/..", "*%*", "*\\*", "*;*", "*\u{0}*"];

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpAnswer {
    #[serde(flatten)]
    pub answer: Answer,
    /// Whether a token was verified (a DENY without one is a 401; with one, a 403).
    pub authenticated: bool,
    /// The request path in normal form: what was routed, and what a forwarding caller forwards.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<RouteDecision>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_policy: Option<CachePolicy>,
}

fn unauthenticated(error: ErrorItem) -> HttpAnswer {
    HttpAnswer {
        answer: Answer::deny(error),
        authenticated: false,
        path: None,
        route: None,
        routes: None,
        cache_policy: None,
    }
}

/// A request verified and routed, not yet decided: what a decision cache needs for its key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Prepared {
    pub authenticated: bool,
    /// Hex SHA-256 of the verified token (with its kind): the token's part of a cache key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_digest: Option<String>,
    /// When the token stops being accepted (seconds since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Value>,
    /// The request's method and normal path, as routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    /// Why the request is refused before any policy is evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorItem>,
}

/// A request's HTTP facts with the path in normal form, or why it cannot be routed.
fn routable(input: &Value) -> Result<HttpRequest, ErrorItem> {
    let mut request = match input.get("http") {
        Some(http) => HttpRequest::from_value(http)?,
        None => return Err(ErrorItem::new(codes::REQUEST_MALFORMED, "no `http` request")),
    };
    let normal = path::normalize(&request.path)
        .map_err(|e| ErrorItem::new(codes::PATH_INVALID, format!("path `{}`: {e}", request.path)))?;
    let forwards = input.get("forwardsNormalizedPath").and_then(Value::as_bool).unwrap_or(false);
    if normal != request.path && !forwards {
        return Err(ErrorItem::new(
            codes::PATH_NOT_NORMAL,
            format!("path `{}` is not in normal form (`{normal}`): it is refused where the normal form cannot be what goes on", request.path),
        ));
    }
    request.path = normal;
    Ok(request)
}

impl Authorizer {
    /// Verifies the token (through the verified-token cache) and routes the request, without deciding.
    pub fn prepare_http(&self, input: &Value, now: u64) -> Prepared {
        let refused = |error: ErrorItem| Prepared {
            authenticated: false,
            token_digest: None,
            valid_until: None,
            principal: None,
            method: None,
            path: None,
            route: None,
            error: Some(error),
        };
        let (identity, digest) = match self.http_identity(input, now) {
            Ok(found) => found,
            Err(e) => return refused(e),
        };
        let mut prepared = Prepared {
            authenticated: true,
            token_digest: Some(digest),
            valid_until: Some(identity.valid_until),
            principal: Some(identity.mapped.principal.to_avp()),
            method: None,
            path: None,
            route: None,
            error: None,
        };
        match routable(input) {
            Ok(request) => {
                match self.routes.find(&request) {
                    Ok(route) => prepared.route = Some(route),
                    Err(e) => prepared.error = Some(e),
                }
                prepared.method = Some(request.method);
                prepared.path = Some(request.path);
            }
            Err(e) => prepared.error = Some(e),
        }
        prepared
    }

    /// The identity of an HTTP request's bearer token, and the token's digest.
    fn http_identity(&self, input: &Value, now: u64) -> Result<(std::sync::Arc<Identity>, String), ErrorItem> {
        let token = match input.get("token") {
            Some(Value::String(t)) if !t.trim().is_empty() => t.trim(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(ErrorItem::new(token_codes::MISSING, "the request carries no token"))
            }
            Some(_) => return Err(ErrorItem::new(token_codes::MALFORMED, "`token` is not a string")),
        };
        let kind = match input.get("tokenKind").and_then(Value::as_str).unwrap_or("auto") {
            "identity" | "id" => Ok(TokenKind::Identity),
            "access" => Ok(TokenKind::Access),
            "auto" => self.issuers.kind_of(token),
            other => {
                Err(crate::token::TokenError::new(token_codes::MALFORMED, format!("unknown token kind `{other}`")))
            }
        }?;
        let identity = self.identity(&[(kind, token)], now)?;
        Ok((identity, crate::bundle::hex(&crate::with_token::cache_key(&[(kind, token)]))))
    }

    /// Decides one HTTP request. `now` is seconds since the epoch. Never fails: every problem is a DENY,
    /// with `authenticated` telling a missing or bad token (401) from a refusal (403).
    pub fn authorize_http(&self, input: &Value, now: u64) -> HttpAnswer {
        let identity = match self.http_identity(input, now) {
            Ok((identity, _)) => identity,
            Err(e) => return unauthenticated(e),
        };
        let all_routes = input.get("allRoutes").and_then(Value::as_bool).unwrap_or(false);
        // With `allRoutes`, even a refusal carries the policy for every other route: API Gateway caches
        // whatever the authorizer answers for the token.
        let refused = |e: ErrorItem, path: Option<String>| {
            let mut answer = self.refused(&identity, e, path);
            if all_routes {
                let (table, decisions) = self.every_route(&identity, input);
                answer.cache_policy = Some(self.cache_policy(&decisions, None, &identity, input));
                answer.routes = Some(table);
            }
            answer
        };
        let request = match routable(input) {
            Ok(request) => request,
            Err(e) => return refused(e, None),
        };
        let route = match self.routes.find(&request) {
            Ok(route) => route,
            Err(e) => return refused(e, Some(request.path)),
        };
        let answer = self.decide_route(&identity, &route, input);
        let (routes, cache_policy) = if all_routes {
            let (table, decisions) = self.every_route(&identity, input);
            (Some(table), Some(self.cache_policy(&decisions, Some((&request, &route, &answer)), &identity, input)))
        } else {
            (None, None)
        };
        HttpAnswer { answer, authenticated: true, path: Some(request.path), route: Some(route), routes, cache_policy }
    }

    fn refused(&self, identity: &Identity, error: ErrorItem, path: Option<String>) -> HttpAnswer {
        let mut answer = Answer::deny(error);
        answer.principal = Some(identity.mapped.principal.to_avp());
        HttpAnswer { answer, authenticated: true, path, route: None, routes: None, cache_policy: None }
    }

    fn decide_route(&self, identity: &Identity, route: &RouteMatch, input: &Value) -> Answer {
        let mut context = route.context.clone();
        if let Some(Value::Object(extra)) = input.get("context") {
            for (k, v) in extra {
                context.insert(k.clone(), v.clone());
            }
        }
        let request = json!({
            "action": route.action.to_cedar_json(),
            "resource": route.resource.to_cedar_json(),
            "context": context,
            "entities": input.get("entities").cloned().unwrap_or(Value::Null),
        });
        self.authorize_identity(identity, &request)
    }

    /// Every route's decision for the principal: the table, and by route key the decision of each route
    /// that does not depend on the request.
    fn every_route(
        &self,
        identity: &Identity,
        input: &Value,
    ) -> (Vec<RouteDecision>, std::collections::HashMap<String, Decision>) {
        let empty = HttpRequest::default();
        let mut decisions = std::collections::HashMap::new();
        let table = self
            .routes
            .routes
            .iter()
            .map(|route| {
                let decision = match route.dependence {
                    Dependence::None => route
                        .resolve(&empty, &Default::default())
                        .map(|matched| self.decide_route(identity, &matched, input).decision)
                        .unwrap_or(Decision::Deny),
                    Dependence::Path | Dependence::Request => {
                        return RouteDecision {
                            route_key: route.route_key.clone(),
                            method: route.method_or_any().to_string(),
                            arn_path: route.arn_path(),
                            decision: None,
                        }
                    }
                };
                decisions.insert(route.route_key.clone(), decision);
                RouteDecision {
                    route_key: route.route_key.clone(),
                    method: route.method_or_any().to_string(),
                    arn_path: route.arn_path(),
                    decision: Some(decision),
                }
            })
            .collect();
        (table, decisions)
    }

    /// The policy API Gateway may cache for this token and apply to any request of the API.
    ///
    /// It is built to be exact, under IAM's matching (`*` any run of characters including `/`, `?` one
    /// character, an explicit Deny winning):
    ///
    /// 1. Exact ARNs: every standard method on the path of every route without parameters, each decided as
    ///    a request with exactly that method and path would be (through route precedence). Always right.
    /// 2. Patterns, when paths match case-sensitively: an Allow for each route with parameters that does not
    ///    depend on the request and allows (`GET/riders/*`; an ANY route spelt out per standard method), with
    ///    Denies for what the pattern matches beyond the route (an empty parameter, one holding a `/`), for
    ///    every path not in normal form, and for the pattern of every route that would win over it on a path
    ///    both match and that denies or depends on the request. An ARN an Allow pattern matches and no Deny
    ///    matches is then a normal path of that route, so it is routed to that route or to one that wins
    ///    over it, which allows too: otherwise that route's Deny would match.
    /// 3. The request's own ARN, when its route is determined by the ARN and allows. A pattern of step 2
    ///    whose Denies would cover it is left out, so the request itself is always allowed.
    ///
    /// Routes whose resource or context come from more than the ARN (a header, the query, the source IP) are
    /// never allowed by the policy: a cached policy cannot tell one such request from another.
    pub fn cache_policy(
        &self,
        decisions: &std::collections::HashMap<String, Decision>,
        own: Option<(&HttpRequest, &RouteMatch, &Answer)>,
        identity: &Identity,
        input: &Value,
    ) -> CachePolicy {
        let mut exact = CachePolicy::default();
        // 1. Exact ARNs of routes without parameters.
        for literal in self.routes.routes.iter() {
            let Some(path) = literal.literal_path() else { continue };
            if path::normalize(&path).as_deref() != Ok(path.as_str()) {
                continue;
            }
            for method in STANDARD_METHODS {
                let arn = format!("{method}/{}", &path[1..]);
                let probe = HttpRequest { method: method.to_string(), path: path.clone(), ..Default::default() };
                let decision = match self.routes.find(&probe) {
                    Ok(matched) => match self.routes.by_key(&matched.route_key).map(|r| r.dependence) {
                        Some(Dependence::None) => decisions.get(&matched.route_key).copied(),
                        Some(Dependence::Path) => Some(self.decide_route(identity, &matched, input).decision),
                        _ => None,
                    },
                    // No route: nothing could allow it, so nothing to say.
                    Err(_) => continue,
                };
                match decision {
                    Some(Decision::Allow) if !arn.contains(['*', '?', '$']) => push_unique(&mut exact.allow, arn),
                    Some(Decision::Allow) => {}
                    _ => push_unique(
                        &mut exact.deny,
                        arn.chars().map(|c| if matches!(c, '*' | '?' | '$') { '?' } else { c }).collect(),
                    ),
                }
            }
        }
        // 3. The request's own ARN.
        let own = own.and_then(|(request, route, answer)| {
            let dependence = self.routes.by_key(&route.route_key).map(|r| r.dependence).unwrap_or(Dependence::Request);
            let arn = format!("{}/{}", request.method, request.path.strip_prefix('/').unwrap_or(&request.path));
            (answer.is_allow() && dependence != Dependence::Request && !arn.contains(['*', '?', '$'])).then_some(arn)
        });
        if let Some(own) = &own {
            exact.deny.retain(|d| !iam::matches(d, own));
            push_unique(&mut exact.allow, own.clone());
        }
        // 2. Patterns.
        if !self.routes.case_sensitive {
            return exact;
        }
        // The routes that may be allowed by a pattern, and the Deny patterns each needs: what its pattern
        // matches beyond the route, paths not in normal form, and the patterns of the routes that would win
        // over it on a path both match and that deny or depend on the request.
        let refuses = |r: &crate::routes::Route| {
            r.dependence != Dependence::None || decisions.get(&r.route_key) != Some(&Decision::Allow)
        };
        let mut candidates: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for r in &self.routes.routes {
            if refuses(r) || r.literal_path().is_some() {
                continue; // refused routes are only denied; allowed literal routes have exact ARNs (step 1)
            }
            let Some(allow) = r.iam_patterns(true) else { continue };
            let mut deny: Vec<String> = NOT_NORMAL.iter().map(|p| p.to_string()).collect();
            deny.extend(r.iam_overmatch());
            for other in self.routes.routes.iter().filter(|o| refuses(o) && o.outranks(r)) {
                for p in other.iam_patterns(false).unwrap_or_default() {
                    if allow.iter().any(|a| iam::intersects(a, &p)) {
                        push_unique(&mut deny, p);
                    }
                }
            }
            candidates.push((allow, deny));
        }
        // The request's own ARN must stay allowed: a pattern whose Denies would cover it is left out.
        if let Some(own) = &own {
            candidates.retain(|(_, deny)| !deny.iter().any(|d| iam::matches(d, own)));
        }
        for (allow, deny) in candidates {
            for p in allow {
                push_unique(&mut exact.allow, p);
            }
            for p in deny {
                push_unique(&mut exact.deny, p);
            }
        }
        exact
    }

    /// The store's routes, for `cedar-authorizer routes`.
    pub fn route_table(&self) -> Value {
        json!(self
            .routes
            .routes
            .iter()
            .map(|r| json!({
                "routeKey": r.route_key,
                "method": r.method_or_any(),
                "path": r.path_template(),
                "action": r.action,
                "resource": { "type": r.resource_type, "id": r.resource_id_template },
                "context": r.context_templates,
                "dependsOnRequest": r.depends_on_request(),
                "dependsOn": r.dependence,
            }))
            .collect::<Vec<_>>())
    }
}
