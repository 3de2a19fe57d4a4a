//! Route templates: path templates (`/riders/{id}`, `/{proxy+}`) as segments to match, and value
//! templates (`{path.id}`, `{header.x-tenant}`) as pieces to fill from a request.

use std::collections::BTreeMap;

use serde::Serialize;

use super::query::QueryValue;
use super::{Dependence, HttpRequest};
use crate::request::path;

/// A segment of a route's path template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Segment {
    Literal(String),
    Param(String),
    /// `{name+}`: one or more segments, to the end of the path.
    Greedy(String),
}

pub(super) fn parse_segments(path: &str) -> Result<Vec<Segment>, String> {
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

/// A part of a template string: literal text or a request value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind", content = "value")]
pub(super) enum Piece {
    Text(String),
    Path(String),
    Query(String),
    Header(String),
    SourceIp,
    Method,
    RequestPath,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(super) struct Template(pub(super) Vec<Piece>);

impl Template {
    pub(super) fn parse(text: &str) -> Result<Template, String> {
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
    pub(super) fn dependence(&self) -> Dependence {
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

    pub(super) fn render(&self, request: &HttpRequest, params: &BTreeMap<String, String>) -> Result<String, Refusal> {
        let mut out = String::new();
        for piece in &self.0 {
            let value = match piece {
                Piece::Text(t) => Some(t.clone()),
                Piece::Path(p) => params.get(p).cloned(),
                Piece::Query(q) => match request.query.get(q) {
                    QueryValue::One(v) => Some(v.to_string()),
                    QueryValue::Absent => None,
                    QueryValue::Ambiguous => {
                        return Err(Refusal::Ambiguous(format!(
                            "query parameter `{q}` is given more than once (or in a form origins read differently): which value the origin reads is not known"
                        )))
                    }
                },
                Piece::Header(h) if request.ambiguous_headers.contains(&super::request::folded_header(h)) => {
                    return Err(Refusal::Ambiguous(format!(
                        "header `{h}` is given more than once, or under more than one spelling (case, `_` for `-`): which value the origin reads is not known"
                    )))
                }
                Piece::Header(h) => request.headers.get(h).cloned(),
                Piece::SourceIp => request.source_ip.clone(),
                Piece::Method => Some(request.method.clone()),
                Piece::RequestPath => Some(request.path.clone()),
            };
            match value {
                Some(v) => out.push_str(&v),
                None => return Err(Refusal::Missing(format!("the request has no {}", describe(piece)))),
            }
        }
        Ok(out)
    }
}

/// Why a template has no value for a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Refusal {
    /// The request lacks a value the template reads.
    Missing(String),
    /// The request gives the value in a way that different readers read differently.
    Ambiguous(String),
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
