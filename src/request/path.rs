//! Request paths, normalized before they are routed (RFC 3986, section 6.2.2), so that the authorizer
//! decides on exactly the path that goes on to the origin.
//!
//! An origin usually normalizes what it is sent: it removes dot segments, decodes `%61` to `a`, and often
//! merges `//`. If the authorizer routed the raw path instead, `/riders/7/../../admin/x` would be decided as
//! a rider route and served as `/admin/x`. So every adapter routes the normalized path, and either forwards
//! exactly that (Lambda@Edge) or, where it cannot change what is forwarded (API Gateway), refuses a path
//! that is not already normal.
//!
//! Normalizing, in order:
//!
//! 1. percent-encoding: an escape of an unreserved character (`A-Z a-z 0-9 - . _ ~`) is decoded; any other
//!    escape is kept, with upper-case hex digits;
//! 2. repeated slashes are merged into one (as nginx and most frameworks do);
//! 3. dot segments are removed (RFC 3986, section 5.2.4).
//!
//! What cannot be normalized safely is refused: an encoded `/` or `\` (the origin may decode it into a
//! segment boundary), a backslash, a NUL, an escape that is not `%` and two hex digits, a `;` (servlet
//! containers strip `;params` from segments, other origins do not), and a path that does not start with `/`.

use std::fmt;

/// Why a path cannot be normalized safely.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(pub String);

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn is_unreserved(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~')
}

fn hex_value(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        b'A'..=b'F' => Some(byte - b'A' + 10),
        _ => None,
    }
}

/// Step 1, and the refusals: escapes of unreserved characters decoded, the rest upper-cased.
fn normalize_escapes(path: &str) -> Result<String, PathError> {
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let (Some(hi), Some(lo)) =
                    (bytes.get(i + 1).copied().and_then(hex_value), bytes.get(i + 2).copied().and_then(hex_value))
                else {
                    return Err(PathError("the path has a `%` that is not followed by two hex digits".into()));
                };
                let byte = hi * 16 + lo;
                match byte {
                    b'/' | b'\\' => {
                        return Err(PathError(format!(
                        "the path has an encoded `{}` (`%{byte:02X}`), which an origin may read as a segment boundary",
                        byte as char
                    )))
                    }
                    0 => return Err(PathError("the path has an encoded NUL (`%00`)".into())),
                    _ if is_unreserved(byte) => out.push(byte as char),
                    _ => out.push_str(&format!("%{byte:02X}")),
                }
                i += 3;
            }
            b'\\' => return Err(PathError("the path has a backslash, which some origins read as `/`".into())),
            0 => return Err(PathError("the path has a NUL character".into())),
            b';' => {
                return Err(PathError(
                    "the path has a `;`: path parameters are stripped by some origins and not by others".into(),
                ))
            }
            _ => {
                // Copy the whole character (paths may hold raw UTF-8).
                let ch = path[i..].chars().next().unwrap_or('\u{fffd}');
                out.push(ch);
                i += ch.len_utf8();
            }
        }
    }
    Ok(out)
}

/// Step 2: `//` and longer runs of slashes become one.
fn merge_slashes(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for ch in path.chars() {
        if ch == '/' && out.ends_with('/') {
            continue;
        }
        out.push(ch);
    }
    out
}

/// Step 3: RFC 3986, section 5.2.4, for an absolute path.
fn remove_dot_segments(path: &str) -> String {
    let mut output: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let last = segments.len().saturating_sub(1);
    let mut trailing_slash = false;
    for (i, segment) in segments.iter().enumerate() {
        match *segment {
            "." => trailing_slash = i == last,
            ".." => {
                output.pop();
                trailing_slash = i == last;
            }
            other => {
                output.push(other);
                trailing_slash = false;
            }
        }
    }
    let mut out = String::with_capacity(path.len());
    for segment in &output {
        out.push('/');
        out.push_str(segment);
    }
    if trailing_slash || out.is_empty() {
        out.push('/');
    }
    out
}

/// The normal form of a request path, or why it cannot be normalized safely.
pub fn normalize(path: &str) -> Result<String, PathError> {
    if !path.starts_with('/') {
        return Err(PathError("the path does not start with `/`".into()));
    }
    Ok(remove_dot_segments(&merge_slashes(&normalize_escapes(path)?)))
}

/// Percent-decodes a normal path segment (a path parameter's value); `None` when the bytes are not UTF-8.
pub fn decode_segment(segment: &str) -> Option<String> {
    if !segment.contains('%') {
        return Some(segment.to_string());
    }
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = bytes.get(i + 1).copied().and_then(hex_value)?;
            let lo = bytes.get(i + 2).copied().and_then(hex_value)?;
            out.push(hi * 16 + lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A decoded value written as one path segment: unreserved characters and the sub-delimiters, `:` and `@`
/// as they are, every other byte percent-encoded (so a `/` in the value stays inside its segment).
pub fn encode_segment(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~!$&'()*+,=:@".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The segments a normal path is routed by: no empty segments, a trailing slash ignored (`/riders/` is
/// routed as `/riders`).
pub fn segments(normal: &str) -> Vec<&str> {
    normal.split('/').filter(|s| !s.is_empty()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_paths_stay_as_they_are() {
        for path in ["/", "/riders", "/riders/7", "/riders/", "/files/a%20b.txt", "/caf\u{e9}", "/a/b/c?d"] {
            assert_eq!(normalize(path).as_deref(), Ok(path), "{path}");
        }
    }

    #[test]
    fn dot_segments_escapes_and_slashes_are_normalized() {
        let cases = [
            ("/./admin/x", "/admin/x"),
            ("/foo/../admin/x", "/admin/x"),
            ("/riders/7/../../admin/x", "/admin/x"),
            ("/%61dmin/x", "/admin/x"),
            ("/%2E%2E/admin", "/admin"),
            ("/riders/%2e%2e/%2E./admin", "/admin"),
            ("/a/%7e/%7E", "/a/~/~"),
            ("/a%2a", "/a%2A"),
            ("/a%c3%a9", "/a%C3%A9"),
            ("//admin//x", "/admin/x"),
            ("/a//../b", "/b"),
            ("/..", "/"),
            ("/../../x", "/x"),
            ("/a/.", "/a/"),
            ("/a/b/..", "/a/"),
            ("/a/./", "/a/"),
        ];
        for (raw, normal) in cases {
            assert_eq!(normalize(raw).as_deref(), Ok(normal), "{raw}");
            assert_eq!(normalize(normal).as_deref(), Ok(normal), "normal form of {raw} is stable");
        }
    }

    #[test]
    fn what_cannot_be_normalized_safely_is_refused() {
        for path in [
            "/admin%2Fx",
            "/admin%2fx",
            "/a%5Cb",
            "/a\\b",
            "/a%00",
            "/a\u{0}b",
            "/a%",
            "/a%4",
            "/a%zz",
            "/admin;x/y",
            "riders",
            "",
        ] {
            assert!(normalize(path).is_err(), "{path:?} should be refused");
        }
    }

    #[test]
    fn segments_ignore_a_trailing_slash_and_decode_on_request() {
        assert_eq!(segments("/"), Vec::<&str>::new());
        assert_eq!(segments("/riders/"), vec!["riders"]);
        assert_eq!(segments("/a/b"), vec!["a", "b"]);
        assert_eq!(decode_segment("a%20b").as_deref(), Some("a b"));
        assert_eq!(decode_segment("%FF"), None);
    }
}
