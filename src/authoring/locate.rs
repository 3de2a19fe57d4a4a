//! Places in a store's JSON files for diagnostics that arrive without one.
//!
//! Cedar's entity and JSON-schema errors, and our own checks of `authorizer.json` and `links.json`, name
//! what is wrong (`routes[2]`, `identitySources[0].principalEntityType`, link `x`, type `App::Usr`) but
//! not where it is. This finds it: the value a leading path names, then inside it the first string the
//! message quotes, so the diagnostic points at the offending text as a compiler would.

use crate::errors::Error;
use crate::store::{StoreFiles, CONFIG_FILE, ENTITIES_FILE, LINKS_FILE, SCHEMA_JSON_FILE};

/// Gives every unlocated diagnostic about one of the store's JSON files a place in it, when one is found.
/// A diagnostic placed at the very start of a JSON file counts as unlocated: Cedar's errors about JSON
/// input carry a span from its start, not from the offending value.
pub fn locate_in_files(diagnostics: &mut [Error], files: &StoreFiles) {
    for d in diagnostics.iter_mut() {
        let Some(file) = d.file.clone() else { continue };
        if ![CONFIG_FILE, ENTITIES_FILE, LINKS_FILE, SCHEMA_JSON_FILE].contains(&file.as_str()) {
            continue;
        }
        let Some(text) = files.get(&file) else { continue };
        let unlocated = d.start.is_none() || d.offset == Some(0);
        if !unlocated {
            continue;
        }
        let message = match &d.help {
            Some(help) => format!("{} {help}", d.error_description),
            None => d.error_description.clone(),
        };
        if let Some((start, end)) = place(text, &file, &message) {
            *d = d.clone().at(text, start, end - start);
        }
    }
}

/// The byte range a message is about in a JSON file's text.
fn place(text: &str, file: &str, message: &str) -> Option<(usize, usize)> {
    let whole = value_at(text, &[])?;
    let mut span = whole;
    if let Some(path) = leading_path(message) {
        span = deepest(text, &path);
    } else if file == LINKS_FILE {
        if let Some(id) = message.strip_prefix("link `").and_then(|rest| rest.split('`').next()) {
            span = element_with_id(text, id).unwrap_or(whole);
        }
    }
    for token in quoted(message) {
        for needle in needles(&token) {
            if let Some(found) = string_in(text, span, &needle) {
                return Some(found);
            }
        }
    }
    (span != whole).then_some(span)
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(usize),
}

/// A path at the start of a message, as our checks write them: `routes[2]`,
/// `identitySources[0].principalEntityType`, ended by `:`, ` ` or `(`.
fn leading_path(message: &str) -> Option<Vec<Seg>> {
    let end = message.find([':', ' ', '(']).unwrap_or(message.len());
    let head = &message[..end];
    if head.is_empty() || !head.contains('[') {
        return None;
    }
    let mut path = Vec::new();
    for part in head.split('.') {
        let (name, rest) = part.split_once('[').unwrap_or((part, ""));
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return None;
        }
        path.push(Seg::Key(name.to_string()));
        for index in rest.split('[') {
            if index.is_empty() {
                continue;
            }
            path.push(Seg::Index(index.strip_suffix(']')?.parse().ok()?));
        }
    }
    Some(path)
}

/// The span of the deepest value along `path` that the text has.
fn deepest(text: &str, path: &[Seg]) -> (usize, usize) {
    (0..=path.len()).rev().find_map(|n| value_at(text, &path[..n])).unwrap_or((0, text.len()))
}

/// Backticked parts of a message, in order.
fn quoted(message: &str) -> Vec<String> {
    message.split('`').skip(1).step_by(2).map(str::to_string).collect()
}

/// What to look for in the JSON for a quoted part: an entity uid `T::"id"` is written as its id and its
/// type; anything else as itself.
fn needles(token: &str) -> Vec<String> {
    match token.rsplit_once("::\"") {
        Some((ty, id)) => vec![id.trim_end_matches('"').to_string(), ty.to_string()],
        None => vec![token.to_string()],
    }
}

/// The element of a top-level array whose `id` member is `id`.
fn element_with_id(text: &str, id: &str) -> Option<(usize, usize)> {
    (0..).map_while(|i| value_at(text, &[Seg::Index(i)])).find(|&span| {
        value_at_from(text, span.0, &[Seg::Key("id".into())])
            .and_then(|(s, e)| serde_json::from_str::<String>(&text[s..e]).ok())
            .as_deref()
            == Some(id)
    })
}

/// The span of the value at `path`, or `None` when the text does not have it.
fn value_at(text: &str, path: &[Seg]) -> Option<(usize, usize)> {
    value_at_from(text, 0, path)
}

fn value_at_from(text: &str, from: usize, path: &[Seg]) -> Option<(usize, usize)> {
    let mut s = Scanner { b: text.as_bytes(), i: from };
    s.ws();
    for seg in path {
        match (seg, s.peek()?) {
            (Seg::Key(key), b'{') => {
                s.i += 1;
                loop {
                    s.ws();
                    if s.peek()? == b'}' {
                        return None;
                    }
                    let (ks, ke) = s.string()?;
                    let name = serde_json::from_str::<String>(&text[ks..ke]).ok()?;
                    s.ws();
                    s.expect(b':')?;
                    s.ws();
                    if &name == key {
                        break;
                    }
                    s.skip_value()?;
                    s.ws();
                    if s.peek()? == b',' {
                        s.i += 1;
                    }
                }
            }
            (Seg::Index(n), b'[') => {
                s.i += 1;
                let mut at = 0;
                loop {
                    s.ws();
                    if s.peek()? == b']' {
                        return None;
                    }
                    if at == *n {
                        break;
                    }
                    s.skip_value()?;
                    s.ws();
                    if s.peek()? == b',' {
                        s.i += 1;
                    }
                    at += 1;
                }
            }
            _ => return None,
        }
    }
    let start = s.i;
    s.skip_value()?;
    Some((start, s.i))
}

/// The first JSON string inside `span` whose value is `needle`, quotes included.
fn string_in(text: &str, span: (usize, usize), needle: &str) -> Option<(usize, usize)> {
    let mut s = Scanner { b: &text.as_bytes()[..span.1], i: span.0 };
    while s.i < span.1 {
        if s.b[s.i] == b'"' {
            let (start, end) = s.string()?;
            if serde_json::from_str::<String>(&text[start..end]).ok().as_deref() == Some(needle) {
                return Some((start, end));
            }
        } else {
            s.i += 1;
        }
    }
    None
}

/// Just enough of a JSON reader to skip values and find strings; the text was already parsed by
/// serde_json, so anything it cannot follow gives up (no place) rather than guessing.
struct Scanner<'t> {
    b: &'t [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    /// A string's span, quotes included.
    fn string(&mut self) -> Option<(usize, usize)> {
        let start = self.i;
        self.expect(b'"')?;
        loop {
            match self.peek()? {
                b'\\' => self.i += 2,
                b'"' => {
                    self.i += 1;
                    return Some((start, self.i));
                }
                _ => self.i += 1,
            }
        }
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            open @ (b'{' | b'[') => {
                let close = if open == b'{' { b'}' } else { b']' };
                self.i += 1;
                loop {
                    self.ws();
                    match self.peek()? {
                        c if c == close => {
                            self.i += 1;
                            return Some(());
                        }
                        b',' | b':' => self.i += 1,
                        _ => self.skip_value()?,
                    }
                }
            }
            _ => {
                let start = self.i;
                while self.peek().is_some_and(|c| !matches!(c, b',' | b'}' | b']') && !c.is_ascii_whitespace()) {
                    self.i += 1;
                }
                (self.i > start).then_some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"{
  "identitySources": [
    {
      "principalEntityType": "App::Usr",
      "configuration": { "cognitoUserPoolConfiguration": { "userPoolArn": "arn", "groupConfiguration": { "groupEntityType": "App::Grp" } } }
    }
  ],
  "routes": [
    { "method": "GET", "path": "/a" },
    { "method": "GET", "path": "/b", "action": "readB" }
  ]
}"#;

    fn located(text: &str, file: &str, message: &str) -> Option<&'static str> {
        place(text, file, message).map(|(s, e)| &*Box::leak(text[s..e].to_string().into_boxed_str()))
    }

    #[test]
    fn paths_lead_to_their_value_and_quoted_names_inside_it() {
        let m = "identitySources[0].principalEntityType: the schema has no entity type `App::Usr`";
        assert_eq!(located(CONFIG, CONFIG_FILE, m), Some("\"App::Usr\""));
        let m = "identitySources[0]: group entity type `App::Grp` is not in the schema";
        assert_eq!(located(CONFIG, CONFIG_FILE, m), Some("\"App::Grp\""));
        let m = "routes[1].action: route `GET /b` maps to action `App::Action::\"readB\"`, which the schema lacks";
        assert_eq!(located(CONFIG, CONFIG_FILE, m), Some("\"readB\""));
        // The route has no `action`: the whole route.
        let m = "routes[0].action: route `GET /a` maps to action `App::Action::\"get /a\"`, which the schema lacks";
        assert_eq!(located(CONFIG, CONFIG_FILE, m), Some(r#"{ "method": "GET", "path": "/a" }"#));
    }

    #[test]
    fn links_are_found_by_id_and_entities_by_quoted_names() {
        let links = r#"[
  {"id": "a", "templateId": "t1"},
  {"id": "b", "templateId": "missing"}
]"#;
        let m = "link `b`: failed to find a template with id `missing`";
        let (s, _) = place(links, LINKS_FILE, m).expect("placed");
        assert_eq!(crate::errors::position_of(links, s).line, 3);
        let entities = "[\n {\"uid\": {\"type\": \"App::User\", \"id\": \"al\"}},\n {\"uid\": {\"type\": \"App::Usr\", \"id\": \"bo\"}}\n]";
        let m = "entity `App::Usr::\"bo\"` has type `App::Usr` which is not declared in the schema";
        assert_eq!(located(entities, ENTITIES_FILE, m), Some("\"bo\""));
        assert_eq!(located(entities, ENTITIES_FILE, "nothing quoted"), None);
    }

    #[test]
    fn escaped_strings_and_missing_paths_do_not_derail_the_reader() {
        let text = r#"{"a\"b": [1, {"c": "x\\"}], "routes": []}"#;
        let at = text.rfind("[]").expect("routes");
        assert_eq!(value_at(text, &[Seg::Key("routes".into())]), Some((at, at + 2)));
        assert_eq!(value_at(text, &[Seg::Key("nope".into())]), None);
        assert_eq!(deepest(text, &[Seg::Key("routes".into()), Seg::Index(3)]), (at, at + 2));
        assert_eq!(
            leading_path("routes[2].action: x"),
            Some(vec![Seg::Key("routes".into()), Seg::Index(2), Seg::Key("action".into())])
        );
        assert_eq!(leading_path("route `GET /x` is wrong"), None);
    }
}
