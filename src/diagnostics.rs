//! Diagnostics for policy stores: what went wrong, where, and how to fix it.
//!
//! Every problem found while reading a policy store (a schema that does not parse, a policy that fails
//! strict validation, a template link to a missing template, ...) becomes a [`Diagnostic`] that names the
//! file and, where the underlying error carries one, the byte range in that file. [`render`] prints them
//! the way a compiler does.

use serde::{Deserialize, Serialize};

/// How bad a diagnostic is. Errors stop a bundle from being built; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a file: 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// One problem in a policy store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine code such as `policy.parse` or `policy.validation`.
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The store file the problem is in, relative to the store's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The policy the problem is in, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// Byte offset of the start of the problem in `file`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// Length in bytes of the offending text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Position>,
}

impl Diagnostic {
    /// An error not tied to a place in a file.
    pub fn error(code: &str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: code.to_string(),
            message: message.into(),
            help: None,
            file: None,
            policy_id: None,
            offset: None,
            length: None,
            start: None,
            end: None,
        }
    }

    pub fn warning(code: &str, message: impl Into<String>) -> Self {
        Diagnostic { severity: Severity::Warning, ..Diagnostic::error(code, message) }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    pub fn for_policy(mut self, id: &str) -> Self {
        self.policy_id = Some(id.to_string());
        self
    }

    /// Places the diagnostic at `offset..offset+length` of `text` (the content of its file).
    pub fn at(mut self, text: &str, offset: usize, length: usize) -> Self {
        let offset = offset.min(text.len());
        let end = offset.saturating_add(length).min(text.len());
        self.offset = Some(offset);
        self.length = Some(end - offset);
        self.start = Some(position_of(text, offset));
        self.end = Some(position_of(text, end));
        self
    }

    /// Places the diagnostic at a 1-based line and column of `text`.
    pub fn at_line_column(self, text: &str, line: usize, column: usize) -> Self {
        let offset = offset_of(text, line, column);
        self.at(text, offset, 0)
    }

    /// Builds diagnostics from an error that carries `miette` labels. Each label with a span becomes its
    /// own located diagnostic; an error without labels becomes one unlocated diagnostic.
    pub fn from_miette(
        code: &str,
        severity: Severity,
        err: &dyn miette::Diagnostic,
        file: Option<(&str, &str)>,
    ) -> Vec<Diagnostic> {
        let message = error_chain(err);
        let help = err.help().map(|h| h.to_string());
        let base = Diagnostic { severity, help, ..Diagnostic::error(code, message) };
        let base = match file {
            Some((name, _)) => base.in_file(name),
            None => base,
        };
        let labels: Vec<miette::LabeledSpan> = err.labels().map(|l| l.collect()).unwrap_or_default();
        match (file, labels.first()) {
            (Some((_, text)), Some(label)) => {
                vec![base.at(text, label.offset(), label.len())]
            }
            _ => vec![base],
        }
    }
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

/// The 1-based line and column of a byte offset.
pub fn position_of(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..offset].chars().count() + 1;
    Position { line, column }
}

/// The byte offset of a 1-based line and column (clamped to the text).
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line.max(1) {
        match text[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return text.len(),
        }
    }
    let line_text = text[start..].split('\n').next().unwrap_or("");
    let byte_in_line =
        line_text.char_indices().nth(column.saturating_sub(1)).map(|(i, _)| i).unwrap_or(line_text.len());
    start + byte_in_line
}

/// Prints diagnostics like a compiler: severity and message, then `--> file:line:column`, the source line
/// with a caret under the offending text, and any help. `sources` gives the text of each file by name.
pub fn render(diagnostics: &[Diagnostic], sources: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        out.push_str(&format!("{severity}[{}]: {}\n", d.code, d.message));
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
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
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
        let d = Diagnostic::error("policy.parse", "unexpected token `foo`")
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
