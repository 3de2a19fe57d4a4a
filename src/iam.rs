//! IAM's resource matching, as the IAM documentation gives it for the `Resource` element: `*` matches any
//! run of characters (including none, and including `/`), `?` matches exactly one character, everything
//! else matches itself, case-sensitively. Used to check that a policy handed to API Gateway for caching
//! never allows a request the authorizer would refuse.

/// Whether `pattern` matches `text` under IAM's wildcard rules.
pub fn matches(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Greedy matching with one backtrack point: the last `*` seen and where it started.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) && p[pi] != '*' {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// Whether some text matches both patterns: a search over pairs of positions in the two, where `*` may
/// stay put (it matches a run) and two characters can be matched together unless they are different
/// literals.
pub fn intersects(a: &str, b: &str) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut seen = vec![vec![false; b.len() + 1]; a.len() + 1];
    let mut stack = vec![(0usize, 0usize)];
    while let Some((i, j)) = stack.pop() {
        if seen[i][j] {
            continue;
        }
        seen[i][j] = true;
        if i == a.len() && j == b.len() {
            return true;
        }
        // A `*` may match nothing.
        if i < a.len() && a[i] == '*' {
            stack.push((i + 1, j));
        }
        if j < b.len() && b[j] == '*' {
            stack.push((i, j + 1));
        }
        // Or both take one character.
        if i < a.len() && j < b.len() {
            let compatible = matches!(a[i], '*' | '?') || matches!(b[j], '*' | '?') || a[i] == b[j];
            if compatible {
                let ni = if a[i] == '*' { i } else { i + 1 };
                let nj = if b[j] == '*' { j } else { j + 1 };
                if (ni, nj) != (i, j) {
                    stack.push((ni, nj));
                }
            }
        }
    }
    false
}

/// Whether an IAM policy of `allow` and `deny` resource patterns allows `text`: an explicit Deny wins,
/// then any Allow; otherwise the implicit deny.
pub fn allows(allow: &[String], deny: &[String], text: &str) -> bool {
    !deny.iter().any(|d| matches(d, text)) && allow.iter().any(|a| matches(a, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_cross_slashes_and_question_marks_take_one_character() {
        assert!(matches("GET/riders/*", "GET/riders/7"));
        assert!(matches("GET/riders/*", "GET/riders/7/payments"));
        assert!(matches("GET/riders/*", "GET/riders/"));
        assert!(!matches("GET/riders/*", "GET/riders"));
        assert!(matches("*", ""));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(!matches("GET/riders", "get/riders"), "case-sensitive");
        assert!(matches("*/a/*/b", "x/a/y/z/b"));
        assert!(!matches("*/a/*/b", "x/a/y/z/c"));
        assert!(matches("a*b*c", "abbbc"));
        assert!(!matches("a*b*c", "acb"));
    }

    #[test]
    fn patterns_intersect_when_some_text_matches_both() {
        assert!(intersects("GET/riders/*", "GET/*"));
        assert!(intersects("GET/riders/*", "GET/riders/me"));
        assert!(intersects("GET/riders/*", "*/payments"));
        assert!(!intersects("GET/riders/*", "POST/*"));
        assert!(!intersects("GET/riders/me", "GET/riders/you"));
        assert!(intersects("a?c", "a*"));
        assert!(!intersects("a?", "abc"));
        assert!(intersects("*", ""));
        assert!(!intersects("a*b", "a*c"));
        assert!(intersects("*a*", "*b*"));
    }

    #[test]
    fn an_explicit_deny_wins() {
        let allow = vec!["GET/*".to_string()];
        let deny = vec!["GET/admin/*".to_string()];
        assert!(allows(&allow, &deny, "GET/riders"));
        assert!(!allows(&allow, &deny, "GET/admin/x"));
        assert!(!allows(&allow, &deny, "POST/riders"));
    }
}
