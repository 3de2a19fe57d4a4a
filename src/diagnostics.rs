//! Diagnostics for policy stores: what went wrong, where, and how to fix it.
//!
//! Every problem found while reading a policy store (a schema that does not parse, a policy that fails
//! strict validation, a template link to a missing template, ...) becomes an [`Error`] with a severity
//! that names the file and, where the underlying error carries one, the byte range in that file.
//! [`render`] prints them the way a compiler does.

use std::borrow::Cow;
use std::fmt::Write as _;

#[cfg(test)]
use crate::errors::{offset_of, position_of, Position};
use crate::errors::{Code, Error, Severity};
/// Builds diagnostics from an error that carries `miette` labels: located at its first label when the
/// error has one and the file is known, else unlocated.
pub fn from_miette(
    code: Code,
    severity: Severity,
    err: &dyn miette::Diagnostic,
    file: Option<(&str, &str)>,
) -> Vec<Error> {
    let mut base = Error { severity: Some(severity), ..Error::new(code, error_chain(err)) };
    base.help = err.help().map(|h| h.to_string());
    let base = match file {
        Some((name, _)) => base.in_file(name),
        None => base,
    };
    let labels: Vec<miette::LabeledSpan> = err.labels().map(|l| l.collect()).unwrap_or_default();
    match (file, labels.first()) {
        (Some((_, text)), Some(label)) => vec![base.at(text, label.offset(), label.len())],
        _ => vec![base],
    }
}

/// The candidate nearest to a misspelt `name`, when it is near enough to be what was meant: at most a
/// third of the name's characters differ (at least one), case aside.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .filter(|c| *c != name)
        .map(|c| (edit_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// Edit distance over characters, a swap of two neighbours counting as one edit (optimal string
/// alignment): `emial` is one edit from `email`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    d[0] = (0..=b.len()).collect();
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

/// The message of an error followed by its sources, joined as Cedar's CLI does.
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = inner.source();
    }
    message
}

/// Whether [`escape_controls`] shows `c` escaped: a control character (U+0000–U+001F, U+007F, the C1
/// controls U+0080–U+009F), a bidirectional formatting character (U+061C, U+200E, U+200F, U+202A–U+202E,
/// U+2066–U+2069) or a line or paragraph separator (U+2028, U+2029).
fn is_shown_escaped(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// `text` made safe to print to a terminal: every character that could move the cursor, erase, set a
/// window title or the clipboard (ESC, BEL, `\r`, backspace, the C1 controls, ... and `\n` and tab too),
/// reorder what is shown (the bidirectional overrides, embeddings, isolates and marks) or break a line
/// (U+2028, U+2029) is shown as a Rust-style escape of its code point in lowercase hex: ESC is `\u{1b}`,
/// `\n` is `\u{a}`, U+202E is `\u{202e}`. Everything else, backslashes included, is left as it is, so
/// text without such characters comes back unchanged (and borrowed); the result is for reading, not for
/// parsing back. Every piece of store-controlled text the diagnostics and test-report renderers print goes
/// through it.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_shown_escaped) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_shown_escaped(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// How many columns a character of a source line takes once shown: a tab is shown as one space (as
/// before), any other character [`escape_controls`] escapes as its escape, the rest as itself.
fn shown_width(c: char) -> usize {
    if c != '\t' && is_shown_escaped(c) {
        escape_controls(c.encode_utf8(&mut [0; 4])).chars().count()
    } else {
        1
    }
}

/// A source line as shown: tabs as single spaces (so a caret column is a character column), every other
/// control character escaped.
fn shown_source_line(line: &str) -> Cow<'_, str> {
    if line.contains('\t') {
        Cow::Owned(escape_controls(&line.replace('\t', " ")).into_owned())
    } else {
        escape_controls(line)
    }
}

/// Prints diagnostics like a compiler: severity and message, then `--> file:line:column`, the source line
/// with a caret under the offending text, and any help. `sources` gives the text of each file by name.
///
/// Everything taken from the store (the source line, the message and help, which can quote it, the file
/// name and the policy id) is printed through [`escape_controls`], and the caret is placed over the line
/// as shown: an escape before the offending text moves it right, one inside it makes it wider.
pub fn render(diagnostics: &[Error], sources: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = if d.is_warning() { "warning" } else { "error" };
        out.push_str(&format!("{severity}[{}]: {}\n", d.code, escape_controls(&d.error_description)));
        let text = d.file.as_deref().and_then(sources);
        match (&d.file, d.start, &text) {
            (Some(file), Some(start), Some(text)) => {
                let gutter = start.line.to_string().len();
                let pad = " ".repeat(gutter);
                out.push_str(&format!("{pad}--> {}:{}:{}\n", escape_controls(file), start.line, start.column));
                let line_text = text.split('\n').nth(start.line - 1).unwrap_or("").trim_end_matches('\r');
                out.push_str(&format!("{pad} |\n"));
                out.push_str(&format!("{} | {}\n", start.line, shown_source_line(line_text)));
                // The shown column before a (1-based) character column: the shown widths of the characters
                // before it, plus one for each column past the end of the line.
                let chars: Vec<char> = line_text.chars().collect();
                let shown_before = |column: usize| {
                    let before = column.saturating_sub(1);
                    let inside = before.min(chars.len());
                    chars[..inside].iter().map(|&c| shown_width(c)).sum::<usize>() + (before - inside)
                };
                let from = shown_before(start.column);
                let width = match d.end {
                    Some(end) if end.line == start.line && end.column > start.column => shown_before(end.column) - from,
                    Some(end) if end.line > start.line => shown_before(chars.len() + 1).saturating_sub(from).max(1),
                    _ => shown_before(start.column.saturating_add(1)) - from,
                };
                out.push_str(&format!("{pad} | {}{}\n", " ".repeat(from), "^".repeat(width)));
            }
            (Some(file), _, _) => out.push_str(&format!("  --> {}\n", escape_controls(file))),
            _ => {}
        }
        if let Some(id) = &d.policy_id {
            out.push_str(&format!("  = policy: {}\n", escape_controls(id)));
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("  = help: {}\n", escape_controls(help)));
        }
        out.push('\n');
    }
    let errors = diagnostics.iter().filter(|d| !d.is_warning()).count();
    let warnings = diagnostics.len() - errors;
    out.push_str(&format!(
        "{errors} error{}, {warnings} warning{}\n",
        if errors == 1 { "" } else { "s" },
        if warnings == 1 { "" } else { "s" }
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_forgive_small_slips_only() {
        let names = ["email", "emailVerified", "department", "App::User"];
        assert_eq!(closest("emial", names), Some("email"));
        assert_eq!(closest("departmnt", names), Some("department"));
        assert_eq!(closest("App::Usr", names), Some("App::User"));
        assert_eq!(closest("zzz", names), None);
        assert_eq!(closest("email", names), None);
    }

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "ab\ncé d\nx";
        assert_eq!(position_of(text, 0), Position { line: 1, column: 1 });
        assert_eq!(position_of(text, 3), Position { line: 2, column: 1 });
        // `é` is two bytes: the space after it is the third character of line 2
        assert_eq!(position_of(text, 6), Position { line: 2, column: 3 });
        assert_eq!(offset_of(text, 2, 3), 6);
        assert_eq!(offset_of(text, 3, 1), 9);
        assert_eq!(offset_of(text, 9, 1), text.len());
    }

    #[test]
    fn render_shows_line_and_caret() {
        let text = "permit(principal, action, resource)\nwhen { foo };\n";
        let d = Error::diagnostic(Code::PolicyParse, "unexpected token `foo`")
            .in_file("a.cedar")
            .at(text, 43, 3)
            .with_help("did you mean `true`?");
        let out = render(&[d], &|_| Some(text.to_string()));
        assert!(out.contains("error[policy.parse]: unexpected token `foo`"), "{out}");
        assert!(out.contains("--> a.cedar:2:8"), "{out}");
        assert!(out.contains("2 | when { foo };"), "{out}");
        assert!(out.contains("  |        ^^^\n"), "{out}");
        assert!(out.contains("= help: did you mean `true`?"), "{out}");
        assert!(out.ends_with("1 error, 0 warnings\n"), "{out}");
    }

    /// A window-title set, an OSC 52 clipboard write, a line erase, a carriage return, a backspace, a C1
    /// CSI and a right-to-left override: what a hostile store could send a reviewer's terminal.
    const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;Y3VybCBldmlsCg==\u{7}\u{1b}[2K\r\u{8}\u{9b}\u{202e}";
    const HOSTILE_SHOWN: &str =
        "\\u{1b}]0;pwned\\u{7}\\u{1b}]52;c;Y3VybCBldmlsCg==\\u{7}\\u{1b}[2K\\u{d}\\u{8}\\u{9b}\\u{202e}";

    /// No character that a terminal acts on or that reorders text: only the renderer's own line breaks.
    fn assert_no_raw_controls(out: &str) {
        for c in out.chars() {
            assert!(c == '\n' || !is_shown_escaped(c), "raw {c:?} in:\n{out}");
            assert!(c == '\n' || !(c < ' ' || ('\u{7f}'..='\u{9f}').contains(&c)), "raw {c:?} in:\n{out}");
        }
        for bidi in
            ['\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}']
        {
            assert!(!out.contains(bidi), "raw {bidi:?} in:\n{out}");
        }
    }

    /// The characters of the shown source line that the caret line marks.
    fn under_carets(out: &str, line: usize) -> String {
        let prefix = format!("{line} | ");
        let lines: Vec<&str> = out.lines().collect();
        let at = lines.iter().position(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no line {line}:\n{out}"));
        let shown: Vec<char> = lines[at][prefix.len()..].chars().collect();
        let carets = &lines[at + 1][prefix.len()..];
        carets
            .chars()
            .enumerate()
            .filter(|(_, c)| *c == '^')
            .map(|(i, _)| shown.get(i).copied().unwrap_or(' '))
            .collect()
    }

    #[test]
    fn escape_controls_shows_every_control_character_as_a_code_point_escape_and_leaves_other_text_alone() {
        assert_eq!(escape_controls(HOSTILE), HOSTILE_SHOWN);
        assert_eq!(escape_controls("a\tb\nc\u{0}\u{7f}\u{85}\u{9f}"), "a\\u{9}b\\u{a}c\\u{0}\\u{7f}\\u{85}\\u{9f}");
        let bidi = "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\u{2069}\u{200e}\u{200f}\u{61c}";
        assert_eq!(
            escape_controls(bidi),
            "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{202e}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\\u{200e}\\u{200f}\\u{61c}"
        );
        assert_eq!(escape_controls("line\u{2028}para\u{2029}"), "line\\u{2028}para\\u{2029}");
        // Text without them is returned as it is, not copied: backslashes, quotes, accents, emoji.
        for plain in ["", "when { resource.tenat == \"a\\\"b\" };", "café 東京 🙂 \\u{1b}", "App::User::\"α\""] {
            assert!(matches!(escape_controls(plain), Cow::Borrowed(p) if p == plain), "{plain}");
        }
    }

    #[test]
    fn control_characters_in_source_lines_are_shown_escaped_with_the_caret_aligned() {
        let line = format!("when {{ \"{HOSTILE}\" == foo }};");
        let text = format!("permit(principal, action, resource)\n{line}\n");
        let offset = text.find("foo").expect("foo");
        let d = Error::diagnostic(Code::PolicyParse, format!("unexpected token in `{HOSTILE}`"))
            .in_file(&format!("evil{HOSTILE}.cedar"))
            .at(&text, offset, 3)
            .for_policy(&format!("id{HOSTILE}"))
            .with_help(format!("did you mean `{HOSTILE}`?\nor this"));
        let out = render(&[d], &|_| Some(text.clone()));
        assert_no_raw_controls(&out);
        let shown = format!("when {{ \"{HOSTILE_SHOWN}\" == foo }};");
        let caret = " ".repeat(shown.find("foo").expect("foo")) + "^^^";
        assert!(out.contains(&format!("\n2 | {shown}\n  | {caret}\n")), "{out}");
        assert_eq!(under_carets(&out, 2), "foo", "{out}");
        assert!(out.contains(&format!("error[policy.parse]: unexpected token in `{HOSTILE_SHOWN}`\n")), "{out}");
        assert!(out.contains(&format!(" --> evil{HOSTILE_SHOWN}.cedar:2:")), "{out}");
        assert!(out.contains(&format!("  = policy: id{HOSTILE_SHOWN}\n")), "{out}");
        assert!(out.contains(&format!("  = help: did you mean `{HOSTILE_SHOWN}`?\\u{{a}}or this\n")), "{out}");
    }

    #[test]
    fn control_characters_inside_the_offending_text_widen_the_caret_to_their_escapes() {
        // The span is the string literal holding them, after a tab (shown as one space) and an ESC.
        let text = format!("permit(principal, action, resource)\n\twhen {{ \u{1b} \"{HOSTILE}\" == 1 }};\n");
        let start = text.find('"').expect("quote");
        let length = HOSTILE.len() + 2;
        let located = |d: Error| d.in_file("a.cedar").at(&text, start, length);
        let out = render(&[located(Error::diagnostic(Code::PolicyValidation, "type error"))], &|_| Some(text.clone()));
        assert_no_raw_controls(&out);
        assert!(out.contains(&format!("\n2 |  when {{ \\u{{1b}} \"{HOSTILE_SHOWN}\" == 1 }};\n")), "{out}");
        assert_eq!(under_carets(&out, 2), format!("\"{HOSTILE_SHOWN}\""), "{out}");
        // A one-character location on a control character marks its whole escape; one past it, the next.
        let esc = text.find('\u{1b}').expect("esc");
        let point = |offset| {
            render(&[Error::diagnostic(Code::PolicyParse, "here").in_file("a.cedar").at(&text, offset, 0)], &|_| {
                Some(text.clone())
            })
        };
        assert_eq!(under_carets(&point(esc), 2), "\\u{1b}");
        assert_eq!(under_carets(&point(esc + 1), 2), " ");
        // A location running onto the next line marks the rest of the line as shown.
        let to_next_line = render(
            &[Error::diagnostic(Code::PolicyParse, "x").in_file("a.cedar").at(&text, start, text.len() - start)],
            &|_| Some(text.clone()),
        );
        assert_eq!(under_carets(&to_next_line, 2), format!("\"{HOSTILE_SHOWN}\" == 1 }};"));
    }
}
