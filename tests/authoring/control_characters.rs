//! A store is reviewed through `cedar-authorizer validate` and `test`: terminal control characters in its
//! text (escape sequences, `\r`, backspaces, C1 controls, bidirectional overrides) are shown escaped by the
//! diagnostics and test-report renderers, never sent to the reviewer's terminal.

use serde_json::json;

use crate::common::example;
use cedar_authorizer::authoring::{check, policy_tests};
use cedar_authorizer::{diagnostics, Authorizer};

/// A window-title set, an OSC 52 clipboard write, a line erase, a carriage return, a backspace, a C1 CSI,
/// a right-to-left override and a left-to-right isolate.
const HOSTILE: &str = "\u{1b}]0;pwned\u{7}\u{1b}]52;c;Y3VybCBldmlsCg==\u{7}\u{1b}[2K\r\u{8}\u{9b}\u{202e}\u{2066}";
const HOSTILE_SHOWN: &str =
    "\\u{1b}]0;pwned\\u{7}\\u{1b}]52;c;Y3VybCBldmlsCg==\\u{7}\\u{1b}[2K\\u{d}\\u{8}\\u{9b}\\u{202e}\\u{2066}";

/// Nothing a terminal acts on or that reorders text: no byte below 0x20 but the renderer's own `\n`, no
/// DEL, no C1 control, no bidirectional formatting character.
fn assert_no_raw_controls(out: &str) {
    for c in out.chars() {
        let c1 = ('\u{7f}'..='\u{9f}').contains(&c);
        let bidi = matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}');
        assert!(c == '\n' || !(c < ' ' || c1 || bidi), "raw {c:?} in:\n{out}");
    }
}

/// What Cedar accepts inside a string literal or a comment: all of it but the carriage return.
fn in_cedar_text() -> (String, String) {
    (HOSTILE.replace('\r', ""), HOSTILE_SHOWN.replace("\\u{d}", ""))
}

#[test]
fn validate_shows_control_characters_in_policy_text_file_names_and_ids_escaped_with_the_caret_aligned() {
    let (hostile, hostile_shown) = in_cedar_text();
    let mut files = example("photos");
    let name = format!("review{HOSTILE}.cedar");
    // A carriage return ends a `//` comment for Cedar, so the policy after it is live code that a terminal
    // would print over the comment.
    let policy = format!(
        "@id(\"evil{hostile}\")\n// {hostile}\rpermit(principal, action, resource) when {{ \"{hostile}\" != \"\" && principal.nope }};\n"
    );
    files.insert(name.clone(), policy.clone());
    let found = check(&files);
    let d = found
        .iter()
        .find(|d| d.file.as_deref() == Some(name.as_str()) && !d.is_warning())
        .unwrap_or_else(|| panic!("{found:?}"));
    let out = diagnostics::render(&found, &|file| files.get(file).cloned());
    assert_no_raw_controls(&out);

    let start = d.start.expect("located");
    assert_eq!(start.line, 2, "{out}");
    assert!(out.contains(&format!(" --> review{HOSTILE_SHOWN}.cedar:2:{}\n", start.column)), "{out}");
    assert!(out.contains(&format!("  = policy: evil{hostile_shown}\n")), "{out}");
    let shown =
        format!("// {hostile_shown}\\u{{d}}permit(principal, action, resource) when {{ \"{hostile_shown}\" != \"\" && principal.nope }};");
    let lines: Vec<&str> = out.lines().collect();
    let at = lines.iter().position(|l| *l == format!("2 | {shown}")).unwrap_or_else(|| panic!("{out}"));
    // The carets mark, in the line as shown, exactly the offending text as shown.
    let offset = d.offset.expect("offset");
    let offending = &policy[offset..offset + d.length.expect("length")];
    assert!(offending.contains("principal.nope") && !offending.contains('\n'), "{offending:?}");
    let caret_line = lines[at + 1].strip_prefix("  | ").unwrap_or_else(|| panic!("{out}"));
    let from = caret_line.find('^').expect("carets");
    let width = caret_line[from..].chars().take_while(|c| *c == '^').count();
    let shown_chars: Vec<char> = shown.chars().collect();
    let under: String = shown_chars[from..from + width].iter().collect();
    let offending_shown = diagnostics::escape_controls(offending);
    assert_eq!(under, offending_shown, "{out}");
    assert_eq!(from, shown.find(&*offending_shown).expect("in the shown line"), "{out}");
}

#[test]
fn test_reports_show_control_characters_in_case_names_policy_ids_requests_and_differences_escaped() {
    let (hostile, hostile_shown) = in_cedar_text();
    let mut files = example("photos");
    files.retain(|path, _| !path.starts_with("tests/"));
    files.insert(
        "hostile.cedar".into(),
        format!("@id(\"allow{hostile}\")\npermit(principal == Photos::User::\"{hostile}\", action, resource);\n"),
    );
    let case = |name: String, action: String| {
        json!({
            "name": name,
            "principal": { "entityType": "Photos::User", "entityId": hostile },
            "action": { "actionType": "Photos::Action", "actionId": action },
            "resource": { "entityType": "Photos::Photo", "entityId": "beach.jpg" },
            "expect": { "decision": "DENY", "determiningPolicies": [] }
        })
    };
    let test_file = json!({
        "description": HOSTILE,
        "cases": [
            case(format!("allowed\t{HOSTILE}\nPASS forged"), "viewPhoto".into()),
            case("unknown action".into(), format!("view{HOSTILE}")),
        ]
    });
    files.insert("tests/hostile.json".into(), test_file.to_string());
    let authorizer = Authorizer::from_files(&files).expect("loads");
    let report = policy_tests::run(&authorizer, &files);
    assert_eq!((report.passed, report.failed), (0, 2), "{report:?}");
    let out = policy_tests::render(&report);
    assert_no_raw_controls(&out);

    // Names are padded to the widest name as shown, so the columns after them line up.
    let name = format!("allowed\\u{{9}}{HOSTILE_SHOWN}\\u{{a}}PASS forged");
    let width = name.chars().count();
    // Entity ids are printed as JSON strings, which escape the C0 controls themselves.
    let principal =
        r#"Photos::User::"\u001b]0;pwned\u0007\u001b]52;c;Y3VybCBldmlsCg==\u0007\u001b[2K\b\u{9b}\u{202e}\u{2066}""#;
    let first = format!("FAIL {name}  ALLOW  [allow{hostile_shown}]  {principal} viewPhoto");
    assert!(out.lines().any(|l| l.starts_with(&first)), "{first}\n{out}");
    let second = format!("FAIL {:width$}  DENY   []  {principal} view{HOSTILE_SHOWN}", "unknown action");
    assert!(out.lines().any(|l| l.starts_with(&second)), "{second}\n{out}");
    assert!(out.contains("decision: expected DENY, got ALLOW"), "{out}");
    // The request error the second case's DENY came from quotes the action id (as Cedar displays it):
    // shown escaped too.
    let differences: Vec<&str> = out.lines().filter(|l| l.starts_with("       ")).collect();
    assert!(differences.iter().any(|l| l.contains("view\\u{1b}]0;pwned")), "{out}");
}

#[test]
fn test_files_that_cannot_be_read_show_control_characters_in_their_diagnostics_escaped() {
    let mut files = example("photos");
    // Not JSON: a string holding raw controls; and a case whose name quotes them but whose `expect` is wrong.
    files.insert("tests/unreadable.json".into(), format!("{{\"cases\": [{{\"name\": \"{HOSTILE}\"}}]}}\n"));
    let bad_case = json!({ "cases": [{ "name": format!("bad{HOSTILE}"), "expect": { "decision": HOSTILE } }] });
    files.insert("tests/bad-case.json".into(), bad_case.to_string());
    let authorizer = Authorizer::from_files(&files).expect("loads");
    let report = policy_tests::run(&authorizer, &files);
    assert_eq!(report.diagnostics.len(), 2, "{:?}", report.diagnostics);
    let out = diagnostics::render(&report.diagnostics, &|file| files.get(file).cloned());
    assert_no_raw_controls(&out);
    assert!(out.contains(&format!("1 | {{\"cases\": [{{\"name\": \"{HOSTILE_SHOWN}\"}}]}}\n")), "{out}");
    assert!(out.contains(&format!("case `bad{HOSTILE_SHOWN}` cannot be run: ")), "{out}");
    let text = policy_tests::render(&report);
    assert_no_raw_controls(&text);
    assert!(text.contains("2 test file(s) or case(s) not run"), "{text}");
}
