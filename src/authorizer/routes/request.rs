//! The request facts a route is matched against and its templates are filled from.

use std::collections::BTreeMap;

use serde_json::Value;

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
