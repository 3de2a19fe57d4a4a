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
//! The path is normalized ([`crate::request::path`]) before it is routed, and the answer's `path` is the normal
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
use serde_json::{json, Map, Value};

use crate::authorizer::cache_policy::CachePolicy;
use crate::authorizer::identity::{key_digest, CacheKey, Identity};
use crate::authorizer::routes::{Dependence, HttpRequest, RouteMatch};
use crate::authorizer::Authorizer;
use crate::errors::{Code, Error};
use crate::request::entity_ref::{EntityIdentifier, EntityRef};
use crate::request::path;
use crate::request::{Answer, Decision};
use crate::token::TokenKind;

/// The decision of a route for the principal, for a policy that covers every route.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
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
    /// Set when API Gateway's matched route (the event's route key or resource) is another route of the
    /// store than the one the path takes: both were decided, and the answer is the stricter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route_mismatch: Option<RouteMismatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<RouteDecision>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_policy: Option<CachePolicy>,
    /// Until when (seconds since the epoch) the verified token, and so this answer, holds: a decision
    /// cache keeps the answer no longer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
    /// What a decision log may say of the verified token (never the token itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenFacts>,
}

/// A verified token as a decision log names it: its `jti` and `sub` when it has them, and whether the
/// verified-token cache answered (no signature was checked for this request).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TokenFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub cached: bool,
}

impl TokenFacts {
    fn of(identity: &Identity, cached: bool) -> TokenFacts {
        TokenFacts { id: identity.token_id.clone(), subject: identity.subject.clone(), cached }
    }
}

impl HttpAnswer {
    /// A DENY before any token verified (a 401).
    pub fn unauthenticated(error: Error) -> HttpAnswer {
        HttpAnswer {
            answer: Answer::deny(error),
            authenticated: false,
            path: None,
            route: None,
            route_mismatch: None,
            routes: None,
            cache_policy: None,
            valid_until: None,
            token: None,
        }
    }
}

/// The routes of a request that API Gateway and the store route differently.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct RouteMismatch {
    /// The store's route for API Gateway's view of the request (its matched route key or resource, or the
    /// path that route and its parameters describe).
    pub event_route: String,
    /// The store's own route for the method and path.
    pub path_route: String,
}

/// A request verified and routed, not yet decided: what a decision cache needs for its key.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
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
    pub principal: Option<EntityIdentifier>,
    /// The request's method and normal path, as routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    /// The other routes of the store that API Gateway's view of the request takes (its matched route, and
    /// the store's route for the path its route and parameters describe), when they are not `route`: each
    /// must allow too.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_routes: Vec<RouteMatch>,
    /// Why the request is refused before any policy is evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<TokenFacts>,
}

impl Prepared {
    /// A request refused before it was routed (a token missing or bad).
    pub fn refused(error: Error) -> Prepared {
        Prepared {
            authenticated: false,
            token_digest: None,
            valid_until: None,
            principal: None,
            method: None,
            path: None,
            route: None,
            other_routes: Vec::new(),
            error: Some(error),
            token: None,
        }
    }
}

/// A request's HTTP facts with the path in normal form, or why it cannot be routed.
fn routable(input: &Value) -> Result<HttpRequest, Error> {
    let mut request = match input.get("http") {
        Some(http) => HttpRequest::from_value(http)?,
        None => return Err(Error::new(Code::RequestMalformed, "no `http` request")),
    };
    let normal = path::normalize(&request.path)
        .map_err(|e| Error::new(Code::RequestPathInvalid, format!("path `{}`: {e}", request.path)))?;
    let forwards = input.get("forwardsNormalizedPath").and_then(Value::as_bool).unwrap_or(false);
    if normal != request.path && !forwards {
        return Err(Error::new(
            Code::RequestPathNotNormal,
            format!("path `{}` is not in normal form (`{normal}`): it is refused where the normal form cannot be what goes on", request.path),
        ));
    }
    request.path = normal;
    Ok(request)
}

impl Authorizer {
    /// Verifies the token (through the verified-token cache) and routes the request, without deciding.
    pub fn prepare_http(&self, input: &Value, now: u64) -> Prepared {
        let (identity, key, cached) = match self.http_identity(input, now) {
            Ok(found) => found,
            Err(e) => return Prepared::refused(e),
        };
        let mut prepared = Prepared {
            authenticated: true,
            token_digest: Some(key_digest(&key)),
            valid_until: Some(identity.valid_until),
            principal: Some(identity.mapped.principal.to_avp()),
            method: None,
            path: None,
            route: None,
            other_routes: Vec::new(),
            error: None,
            token: Some(TokenFacts::of(&identity, cached)),
        };
        match routable(input) {
            Ok(request) => {
                match self.routes.find(&request) {
                    Ok(routed) => {
                        prepared.route = Some(routed.route);
                        prepared.other_routes = routed.others;
                    }
                    Err(e) => prepared.error = Some(e),
                }
                prepared.method = Some(request.method);
                prepared.path = Some(request.path);
            }
            Err(e) => prepared.error = Some(e),
        }
        prepared
    }

    /// The identity of an HTTP request's bearer token, the verified-token cache's key for it, and whether
    /// that cache answered.
    fn http_identity(&self, input: &Value, now: u64) -> Result<(std::sync::Arc<Identity>, CacheKey, bool), Error> {
        let token = match input.get("token") {
            Some(Value::String(t)) if !t.trim().is_empty() => t.trim(),
            Some(Value::String(_)) | None | Some(Value::Null) => {
                return Err(Error::new(Code::TokenMissing, "the request carries no token"))
            }
            Some(_) => return Err(Error::new(Code::TokenMalformed, "`token` is not a string")),
        };
        let kind = match input.get("tokenKind").and_then(Value::as_str).unwrap_or("auto") {
            "identity" | "id" => Some(TokenKind::Identity),
            "access" => Some(TokenKind::Access),
            // The token picks its own kind, read as it is verified.
            "auto" => None,
            other => return Err(Error::new(Code::TokenMalformed, format!("unknown token kind `{other}`"))),
        };
        self.identity_keyed(&[(kind, token)], now)
    }

    /// Decides one HTTP request. `now` is seconds since the epoch. Never fails: every problem is a DENY,
    /// with `authenticated` telling a missing or bad token (401) from a refusal (403).
    pub fn authorize_http(&self, input: &Value, now: u64) -> HttpAnswer {
        let (identity, cached) = match self.http_identity(input, now) {
            Ok((identity, _, cached)) => (identity, cached),
            Err(e) => return HttpAnswer::unauthenticated(e),
        };
        let mut answer = self.authorize_http_as(&identity, input);
        answer.token = Some(TokenFacts::of(&identity, cached));
        answer
    }

    /// [`Authorizer::authorize_http`] for the verified identity.
    fn authorize_http_as(&self, identity: &std::sync::Arc<Identity>, input: &Value) -> HttpAnswer {
        let identity = identity.clone();
        let all_routes = input.get("allRoutes").and_then(Value::as_bool).unwrap_or(false);
        // With `allRoutes`, even a refusal carries the policy for every other route: API Gateway caches
        // whatever the authorizer answers for the token.
        let refused = |e: Error, path: Option<String>| {
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
        let routed = match self.routes.find(&request) {
            Ok(routed) => routed,
            Err(e) => return refused(e, Some(request.path)),
        };
        let mut route = routed.route;
        let mut answer = self.decide_route(&identity, &route, input);
        let mut route_mismatch = None;
        for (i, other_route) in routed.others.into_iter().enumerate() {
            // API Gateway's view of the request takes another route of the store than the path does: the
            // stricter answer.
            if i == 0 {
                route_mismatch = Some(RouteMismatch {
                    event_route: other_route.route_key.clone(),
                    path_route: route.route_key.clone(),
                });
            }
            if answer.is_allow() {
                let other = self.decide_route(&identity, &other_route, input);
                if !other.is_allow() {
                    answer = other;
                    route = other_route;
                }
            }
        }
        let (routes, cache_policy) = if all_routes {
            let (table, decisions) = self.every_route(&identity, input);
            let policy = if route_mismatch.is_some() {
                // Later requests may be matched by API Gateway to yet other routes: a policy cached for the
                // token covers this request's own ARN alone (IAM denies the rest).
                self.own_arn_policy(&request, &route, &answer)
            } else {
                self.cache_policy(&decisions, Some((&request, &route, &answer)), &identity, input)
            };
            (Some(table), Some(policy))
        } else {
            (None, None)
        };
        HttpAnswer {
            answer,
            authenticated: true,
            path: Some(request.path),
            route: Some(route),
            route_mismatch,
            routes,
            cache_policy,
            valid_until: Some(identity.valid_until),
            token: None,
        }
    }

    fn refused(&self, identity: &Identity, error: Error, path: Option<String>) -> HttpAnswer {
        let mut answer = Answer::deny(error);
        answer.principal = Some(identity.mapped.principal.to_avp());
        HttpAnswer {
            answer,
            authenticated: true,
            path,
            route: None,
            route_mismatch: None,
            routes: None,
            cache_policy: None,
            valid_until: Some(identity.valid_until),
            token: None,
        }
    }

    pub(super) fn decide_route(&self, identity: &Identity, route: &RouteMatch, input: &Value) -> Answer {
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

    /// The store's routes, for `cedar-authorizer routes`.
    pub fn route_table(&self) -> Vec<RouteInfo> {
        self.routes
            .routes
            .iter()
            .map(|r| RouteInfo {
                route_key: r.route_key.clone(),
                method: r.method_or_any().to_string(),
                path: r.path_template(),
                action: r.action.clone(),
                resource: RouteResource { entity_type: r.resource_type.clone(), id: r.resource_id_template.clone() },
                context: r.context_templates.clone(),
                depends_on: r.dependence,
            })
            .collect()
    }
}

/// A route as `authorizer.json` configures it, for `cedar-authorizer routes` and the test bench.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct RouteInfo {
    /// `GET /riders/{id}`, `ANY /{proxy+}` or `$default`.
    pub route_key: String,
    /// The method, or `*` for ANY and `$default`.
    pub method: String,
    pub path: String,
    pub action: EntityRef,
    pub resource: RouteResource,
    /// Context attributes, as written (templates such as `{header.x-tenant}` included).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, unknown>"))]
    pub context: Map<String, Value>,
    /// What the resource and context depend on besides the route.
    pub depends_on: Dependence,
}

/// A route's resource: a type and an id template.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct RouteResource {
    #[serde(rename = "type")]
    pub entity_type: String,
    pub id: String,
}
