//! Diagnostics for policy stores: what went wrong, where, and how to fix it.
//!
//! Every problem found while reading a policy store (a schema that does not parse, a policy that fails
//! strict validation, a template link to a missing template, ...) becomes an [`Error`] with a severity
//! that names the file and, where the underlying error carries one, the byte range in that file.
//! [`render`] prints them the way a compiler does.

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

/// Prints diagnostics like a compiler: severity and message, then `--> file:line:column`, the source line
/// with a caret under the offending text, and any help. `sources` gives the text of each file by name.
pub fn render(diagnostics: &[Error], sources: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = if d.is_warning() { "warning" } else { "error" };
        out.push_str(&format!("{severity}[{}]: {}\n", d.code, d.error_description));
        let text = d.file.as_deref().and_then(sources);
        match (&d.file, d.start, &text) {
            (Some(file), Some(start), Some(text)) => {
                let gutter = start.line.to_string().len();
                let pad = " ".repeat(gutter);
                out.push_str(&format!("{pad}--> {file}:{}:{}\n", start.line, start.column));
                let line_text = text.split('\n').nth(start.line - 1).unwrap_or("").trim_end_matches('\r');
                out.push_str(&format!("{pad} |\n"));
                out.push_str(&format!("{} | {}\n", start.line, line_text.replace('\t', " ")));
                let width = match d.end {
                    Some(end) if end.line == start.line && end.column > start.column => end.column - start.column,
                    Some(end) if end.line > start.line => {
                        (line_text.chars().count() + 1).saturating_sub(start.column).max(1)
                    }
                    _ => 1,
                };
                out.push_str(&format!("{pad} | {}{}\n", " ".repeat(start.column - 1), "^".repeat(width)));
            }
            (Some(file), _, _) => out.push_str(&format!("  --> {file}\n")),
            _ => {}
        }
        if let Some(id) = &d.policy_id {
            out.push_str(&format!("  = policy: {id}\n"));
        }
        if let Some(help) = &d.help {
            out.push_str(&format!("  = help: {help}\n"));
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
}
