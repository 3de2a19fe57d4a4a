//! The request facts a route is matched against and its templates are filled from.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::query::Query;
use crate::errors::{Code, Error};

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
    /// From `rawQuery` (the query string as received) when given, else from `query` (names to a value or
    /// to every value): a parameter given more than once has no one value ([`Query::get`]).
    pub query: Query,
    /// Lowercase names.
    pub headers: BTreeMap<String, String>,
    /// Header names (lowercase, `_` as `-`) the request gives under more than one spelling (`X-Tenant` and
    /// `x_tenant`): origins that fold them (CGI's `HTTP_X_TENANT`) read another value than the one here.
    pub ambiguous_headers: BTreeSet<String>,
    pub source_ip: Option<String>,
}

/// A header name as origins may fold it: lowercase, `_` read as `-`.
pub(super) fn folded_header(name: &str) -> String {
    name.to_ascii_lowercase().replace('_', "-")
}

/// The folded header names given under more than one spelling, or with more than one value: origins read
/// the first value, the last, or all joined, so a route takes none of them.
fn ambiguous_headers(value: Option<&Value>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut twice = BTreeSet::new();
    for (key, value) in value.and_then(Value::as_object).into_iter().flatten() {
        let folded = folded_header(key);
        let several = matches!(value, Value::Array(items) if items.len() > 1);
        if !seen.insert(folded.clone()) || several {
            twice.insert(folded);
        }
    }
    twice
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
    /// Reads `{method, path, routeKey, pathParameters, rawQuery | query, headers, sourceIp}`.
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
            query: match (value.get("rawQuery"), value.get("query")) {
                (Some(Value::String(raw)), _) => Query::from_raw(raw),
                (Some(Value::Null) | None, Some(Value::Object(map))) => Query::from_map(map),
                (Some(Value::Null) | None, Some(Value::Null) | None) => Query::default(),
                (Some(_), _) => return Err(malformed("the HTTP request's `rawQuery` is not a string")),
                (_, Some(_)) => return Err(malformed("the HTTP request's `query` is not an object")),
            },
            headers: string_map(value.get("headers"), true),
            ambiguous_headers: ambiguous_headers(value.get("headers")),
            source_ip: value.get("sourceIp").and_then(Value::as_str).map(str::to_string),
        })
    }
}
