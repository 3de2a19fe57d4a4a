//! Authorizing an HTTP request: route it to an action, resource and context, verify its token, decide.
//! This is what every API Gateway and CloudFront adapter calls, with the facts it read from its event.
//!
//! Input:
//!
//! ```json
//! { "token": "<bearer>", "tokenKind": "identity" | "access" | "auto",
//!   "http": { "method", "path", "routeKey", "pathParameters", "query", "headers", "sourceIp" },
//!   "context": { ...added to the route's context... }, "entities": [...],
//!   "allRoutes": false }
//! ```
//!
//! With `allRoutes`, the answer also carries the decision of every route whose resource and context do
//! not depend on the request, for the same principal: what an API Gateway policy cached for one route
//! needs to be right for all of them. Routes that depend on the request are left out: a cached policy
//! then says nothing about them (API Gateway denies), rather than something wrong.

use serde::Serialize;
use serde_json::{json, Value};

use crate::authorizer::Authorizer;
use crate::avp::{Answer, Decision};
use crate::errors::ErrorItem;
use crate::routes::{HttpRequest, RouteMatch};
use crate::token::{codes as token_codes, TokenKind};
use crate::with_token::Identity;

/// The decision for another route, for a policy that covers every route.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteDecision {
    pub route_key: String,
    /// The method, or `*` for ANY and `$default`.
    pub method: String,
    /// The resource path in an `execute-api` ARN, parameters as `*`.
    pub arn_path: String,
    pub decision: Decision,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HttpAnswer {
    #[serde(flatten)]
    pub answer: Answer,
    /// Whether a token was verified (a DENY without one is a 401; with one, a 403).
    pub authenticated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routes: Option<Vec<RouteDecision>>,
}

fn unauthenticated(error: ErrorItem) -> HttpAnswer {
    HttpAnswer {
        answer: Answer::deny(error),
        authenticated: false,
        route: None,
        routes: None,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteMatch>,
    /// Why the request is refused before any policy is evaluated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorItem>,
}

impl Authorizer {
    /// Verifies the token (through the verified-token cache) and routes the request, without deciding.
    pub fn prepare_http(&self, input: &Value, now: u64) -> Prepared {
        let refused = |error: ErrorItem| Prepared {
            authenticated: false,
            token_digest: None,
            valid_until: None,
            principal: None,
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
            route: None,
            error: None,
        };
        match input.get("http").map(HttpRequest::from_value) {
            Some(Ok(request)) => match self.routes.find(&request) {
                Ok(route) => prepared.route = Some(route),
                Err(e) => prepared.error = Some(e),
            },
            Some(Err(e)) => prepared.error = Some(e),
            None => prepared.error = Some(ErrorItem::new(crate::errors::codes::REQUEST_MALFORMED, "no `http` request")),
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
            other => Err(crate::token::TokenError::new(token_codes::MALFORMED, format!("unknown token kind `{other}`"))),
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
        let request = match input.get("http").map(HttpRequest::from_value) {
            Some(Ok(request)) => request,
            Some(Err(e)) => return self.refused(&identity, e, None),
            None => return self.refused(&identity, ErrorItem::new(crate::errors::codes::REQUEST_MALFORMED, "no `http` request"), None),
        };
        let route = match self.routes.find(&request) {
            Ok(route) => route,
            Err(e) => return self.refused(&identity, e, None),
        };
        let answer = self.decide_route(&identity, &route, input);
        let routes = input
            .get("allRoutes")
            .and_then(Value::as_bool)
            .unwrap_or(false)
            .then(|| self.every_route(&identity, &route, &answer, input));
        HttpAnswer {
            answer,
            authenticated: true,
            route: Some(route),
            routes,
        }
    }

    fn refused(&self, identity: &Identity, error: ErrorItem, route: Option<RouteMatch>) -> HttpAnswer {
        let mut answer = Answer::deny(error);
        answer.principal = Some(identity.mapped.principal.to_avp());
        HttpAnswer {
            answer,
            authenticated: true,
            route,
            routes: None,
        }
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

    /// Decisions of every route that does not depend on the request (the one decided included).
    fn every_route(&self, identity: &Identity, current: &RouteMatch, current_answer: &Answer, input: &Value) -> Vec<RouteDecision> {
        let empty = HttpRequest::default();
        self.routes
            .routes
            .iter()
            .filter_map(|route| {
                // A route whose resource or context comes from the request is decided per request only:
                // its ARN pattern would otherwise carry one request's answer to all of them.
                let decision = if route.depends_on_request {
                    return None;
                } else if route.route_key == current.route_key {
                    current_answer.decision
                } else {
                    let matched = route.resolve(&empty, &Default::default()).ok()?;
                    self.decide_route(identity, &matched, input).decision
                };
                Some(RouteDecision {
                    route_key: route.route_key.clone(),
                    method: route.method_or_any().to_string(),
                    arn_path: route.arn_path(),
                    decision,
                })
            })
            .collect()
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
                "dependsOnRequest": r.depends_on_request,
            }))
            .collect::<Vec<_>>())
    }
}
