//! A request's query parameters, read so that a route is never decided on one value of a parameter while
//! the origin reads another.
//!
//! Origins disagree on a parameter given more than once: Go, Flask, Java servlets and Express's
//! `req.query.x[0]` take the first value, `URLSearchParams.get` and PHP the last, ASP.NET matches names in any
//! case, some split on `;` as well as `&`, and every one of them decodes `%74enant` to `tenant`. So a
//! parameter has a value here only when it is given once under every reading: its name (form-decoded, once
//! or twice, in any case) is no other parameter's, and its piece of the query holds no `;`. A route that
//! reads a parameter given more than once is refused (`route.ambiguous_value`), never decided on one of its
//! values; a route that reads none of the query is unaffected.

use serde_json::Value;

/// One parameter as the request gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Param {
    /// The name, form-decoded once: what a route's `{query.<name>}` matches exactly.
    name: String,
    /// The value, form-decoded once; `None` when it is not UTF-8 after decoding.
    value: Option<String>,
    /// Every reading of the name that another origin could take (decoded once and twice, lowercased).
    spellings: Vec<String>,
    /// The value is not the same under every reading (its piece holds a `;`, or the source gave several).
    ambiguous: bool,
}

/// A request's query parameters: from the raw query string where the event has it (CloudFront, HTTP API
/// payload 2.0), else from a map of names to a value or a list of values (REST API events'
/// `multiValueQueryStringParameters`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    params: Vec<Param>,
}

/// A parameter's value, when the request gives it exactly once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryValue<'a> {
    Absent,
    One(&'a str),
    /// Given more than once, in spellings that decode alike, or in a form origins read differently.
    Ambiguous,
}

impl Query {
    /// Reads `application/x-www-form-urlencoded` text as the WHATWG URL standard does (`&` between
    /// parameters, `+` a space, percent escapes decoded, a malformed escape kept as it is), recording for
    /// each parameter the other readings of it origins take.
    pub fn from_raw(raw: &str) -> Query {
        // Taken as it is: events give the query without its `?`, so a leading `?` belongs to the first name.
        let mut params = Vec::new();
        for piece in raw.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            let with_semicolon = piece.contains(';');
            let mut param = Param::new(name, form_decode(value), with_semicolon);
            if with_semicolon {
                // An origin that also splits on `;` reads other parameters out of this piece.
                for sub in piece.split(';').filter(|p| !p.is_empty()) {
                    let sub_name = sub.split_once('=').map_or(sub, |(n, _)| n);
                    param.spellings.extend(spellings(sub_name));
                }
            }
            params.push(param);
        }
        Query { params }
    }

    /// Reads `{ name: value | [values] }`. Names are taken as given (API Gateway has decoded them) and also
    /// decoded, for the readings an origin may take; a name with several values is ambiguous.
    pub fn from_map(map: &serde_json::Map<String, Value>) -> Query {
        let mut params = Vec::new();
        for (name, value) in map {
            let (value, ambiguous) = match value {
                Value::String(s) => (Some(s.clone()), false),
                Value::Array(items) => {
                    let strings: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                    match strings.as_slice() {
                        [] => continue,
                        [one] if items.len() == 1 => (Some((*one).to_string()), false),
                        _ => (None, true),
                    }
                }
                _ => continue,
            };
            let mut param = Param { name: name.clone(), value, spellings: spellings(name), ambiguous };
            param.spellings.push(name.to_lowercase());
            // A `;` left in a name or value: an origin that also splits on it reads other parameters there.
            for text in [Some(name.as_str()), param.value.clone().as_deref()].into_iter().flatten() {
                if text.contains(';') {
                    param.ambiguous = true;
                    for sub in text.split(';').skip(1).filter(|p| !p.is_empty()) {
                        let sub_name = sub.split_once('=').map_or(sub, |(n, _)| n);
                        let extra = spellings(sub_name);
                        param.spellings.extend(extra);
                    }
                }
            }
            params.push(param);
        }
        Query { params }
    }

    /// The value of parameter `name` (matched exactly, as written in a route's `{query.<name>}`).
    pub fn get(&self, name: &str) -> QueryValue<'_> {
        let keys = name_keys(name);
        let mut found: Option<&Param> = None;
        let mut readings = 0usize;
        for param in &self.params {
            if param.spellings.iter().any(|s| keys.contains(s)) {
                readings += 1;
            }
            if param.name == name {
                if found.is_some() {
                    return QueryValue::Ambiguous;
                }
                found = Some(param);
            }
        }
        match found {
            // Another parameter reads as this one in some origin, or this one is not one value.
            Some(param) if readings > 1 || param.ambiguous => QueryValue::Ambiguous,
            Some(param) => param.value.as_deref().map_or(QueryValue::Ambiguous, QueryValue::One),
            None if readings > 0 => QueryValue::Ambiguous,
            None => QueryValue::Absent,
        }
    }

    /// Sets a parameter given once (tests, and callers that build a request by hand).
    pub fn insert(&mut self, name: &str, value: &str) {
        self.params.retain(|p| p.name != name);
        self.params.push(Param::new(name, Some(value.to_string()), false));
    }

    pub fn clear(&mut self) {
        self.params.clear();
    }
}

impl Param {
    fn new(raw_name: &str, value: Option<String>, ambiguous: bool) -> Param {
        let name = form_decode(raw_name);
        Param {
            // A name that is not UTF-8 once decoded can be matched by no route: it keeps its raw spelling.
            name: name.clone().unwrap_or_else(|| raw_name.to_string()),
            value,
            spellings: spellings(raw_name),
            ambiguous: ambiguous || name.is_none(),
        }
    }
}

/// The readings of a raw parameter name: as written, decoded once and decoded twice, each lowercased and
/// reduced as origins reduce names ([`skeletons`]).
fn spellings(raw: &str) -> Vec<String> {
    let once = String::from_utf8_lossy(&percent_decode(&raw.replace('+', " "))).into_owned();
    let twice = String::from_utf8_lossy(&percent_decode(&once)).into_owned();
    let mut out = Vec::new();
    for s in [raw, once.as_str(), twice.as_str()] {
        for key in name_keys(s) {
            if !out.contains(&key) {
                out.push(key);
            }
        }
    }
    out
}

/// A name lowercased, and its skeletons: what origins reduce a parameter name to before they look it up.
fn name_keys(name: &str) -> Vec<String> {
    let lower = name.to_lowercase();
    let mut out = vec![lower.clone()];
    for s in skeletons(&lower) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// How origins reduce a (decoded, lowercased) parameter name: PHP cuts it at a NUL, drops leading
/// whitespace and reads ` `, `.` and an unclosed `[` as `_`; PHP, Rack and Express's `qs` read `name[]`,
/// `name[0]` and `name[key]` as the parameter `name` (an array), and Rack also drops brackets around a name
/// (`[name]`, `name]`).
fn skeletons(name: &str) -> Vec<String> {
    let cut = name.split('\0').next().unwrap_or("").trim();
    let trimmed = cut.trim_start_matches(['[', ']']);
    let base = trimmed.split('[').next().unwrap_or("").trim_end_matches(']');
    let php = |s: &str| s.replace([' ', '.', '['], "_");
    let mut out = Vec::new();
    for s in [base.to_string(), php(base), php(trimmed.trim_end_matches(']'))] {
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// Form decoding: `+` is a space, then percent escapes; `None` when the bytes are not UTF-8.
fn form_decode(text: &str) -> Option<String> {
    String::from_utf8(percent_decode(&text.replace('+', " "))).ok()
}

/// Percent escapes decoded; a `%` not followed by two hex digits is kept as it is (WHATWG URL).
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of `name` in raw query `q`, as text for comparing.
    fn raw(q: &str, name: &str) -> String {
        format!("{:?}", Query::from_raw(q).get(name))
    }

    fn is(value: QueryValue<'_>) -> String {
        format!("{value:?}")
    }

    #[test]
    fn a_parameter_given_once_has_its_decoded_value() {
        assert_eq!(raw("tenant=acme&page=2", "tenant"), is(QueryValue::One("acme")));
        assert_eq!(raw("tenant=a%20b+c", "tenant"), is(QueryValue::One("a b c")));
        assert_eq!(raw("t%65nant=x", "tenant"), is(QueryValue::One("x")));
        assert_eq!(raw("tenant=100%", "tenant"), is(QueryValue::One("100%")));
        assert_eq!(raw("tenant", "tenant"), is(QueryValue::One("")));
        assert_eq!(raw("page=2", "tenant"), is(QueryValue::Absent));
        assert_eq!(raw("", "tenant"), is(QueryValue::Absent));
    }

    #[test]
    fn a_parameter_given_twice_in_any_spelling_is_ambiguous() {
        for q in [
            "tenant=victim&tenant=mine",
            "tenant=victim&%74enant=mine",
            "%74enant=victim&tenant=mine",
            "tenant=victim&Tenant=mine",
            "TENANT=victim&tenant=mine",
            "tenant=victim&%2574enant=mine",
            "tenant=victim;tenant=mine",
            "tenant=mine;x=1",
            "x=1;tenant=mine",
            "tenant=%FF",
            "tenant=a&tenant",
            "tenant=acme&+tenant=victim",
            "tenant=acme&%20tenant=victim",
            "tenant=acme&tenant%00x=victim",
            "tenant=acme&tenant[]=victim",
            "tenant=acme&tenant[0]=victim",
            "tenant=acme&tenant%5B%5D=victim",
            "tenant=acme&tenant[a]=victim",
            "tenant=acme&]tenant=victim",
            "tenant=acme&[tenant]=victim",
            "tenant=acme&tenant]=victim",
        ] {
            assert_eq!(raw(q, "tenant"), is(QueryValue::Ambiguous), "{q}");
        }
        // Other parameters given twice do not make this one ambiguous, nor names that only start alike.
        assert_eq!(raw("tenant=acme&page=1&page=2", "tenant"), is(QueryValue::One("acme")));
        assert_eq!(raw("tenant=acme&tenant_id=1&tenants=2&filter[tenant]=x", "tenant"), is(QueryValue::One("acme")));
        // PHP reads `tenant.id`, `tenant id` and `tenant[id` as `tenant_id`.
        for q in
            ["tenant_id=acme&tenant.id=victim", "tenant_id=acme&tenant+id=victim", "tenant_id=acme&tenant[id=victim"]
        {
            assert_eq!(raw(q, "tenant_id"), is(QueryValue::Ambiguous), "{q}");
        }
        // A leading `?` is part of the first name (events give the query without its own), as the origin
        // reads it: no `tenant` here.
        assert_eq!(raw("?tenant=victim", "tenant"), is(QueryValue::Absent));
    }

    use serde_json::json;

    #[test]
    fn a_map_with_several_values_for_a_name_is_ambiguous() {
        let map = |v: Value| Query::from_map(v.as_object().expect("object"));
        let q = map(serde_json::json!({"tenant": ["victim", "mine"], "page": ["2"], "one": "x"}));
        assert_eq!(q.get("tenant"), QueryValue::Ambiguous);
        assert_eq!(q.get("page"), QueryValue::One("2"));
        assert_eq!(q.get("one"), QueryValue::One("x"));
        let q = map(serde_json::json!({"tenant": ["victim"], "%74enant": ["mine"]}));
        assert_eq!(q.get("tenant"), QueryValue::Ambiguous);
        let q = map(serde_json::json!({"tenant": "victim", "Tenant": "mine"}));
        assert_eq!(q.get("tenant"), QueryValue::Ambiguous);
        for other in
            [json!({"tenant\u{0}x": ["victim"]}), json!({" tenant": ["victim"]}), json!({"tenant[]": ["victim"]})]
        {
            let mut both = other.as_object().expect("object").clone();
            both.insert("tenant".into(), json!(["acme"]));
            assert_eq!(Query::from_map(&both).get("tenant"), QueryValue::Ambiguous, "{other}");
        }
        // A `;` left in a value (API Gateway passes it on): Rack splits there.
        let q = map(serde_json::json!({"tenant": ["acme"], "x": ["1;tenant=victim"]}));
        assert_eq!(q.get("tenant"), QueryValue::Ambiguous);
        let q = map(serde_json::json!({"tenant": ["acme;x=1"]}));
        assert_eq!(q.get("tenant"), QueryValue::Ambiguous);
    }
}
