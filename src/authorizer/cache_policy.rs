//! Policies for API Gateway's authorizer cache, and IAM's resource matching they are checked with.
//!
//! With `allRoutes`, an HTTP answer carries a policy API Gateway may cache for the token and apply to any
//! later request of the API: [`CachePolicy`]. It is exact under IAM's matching, as the IAM documentation
//! gives it for the `Resource` element: `*` matches any run of characters (including none, and including
//! `/`), `?` exactly one character, everything else itself, case-sensitively; an explicit Deny wins.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value;

use super::identity::Identity;
use super::routes::{Dependence, HttpRequest, Route, RouteMatch, STANDARD_METHODS};
use super::Authorizer;
use crate::request::path;
use crate::request::{Answer, Decision};

/// An IAM policy for API Gateway's authorizer cache: resource patterns relative to `<apiId>/<stage>/`
/// (`GET/riders`, `GET/riders/*`), to allow and to deny. An explicit Deny wins over an Allow.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct CachePolicy {
    pub allow: Vec<String>,
    pub deny: Vec<String>,
}

impl CachePolicy {
    /// Whether the policy allows a request ARN (relative to `<apiId>/<stage>/`).
    pub fn allows(&self, arn: &str) -> bool {
        allows(&self.allow, &self.deny, arn)
    }
}

/// Resource patterns of ARNs whose path is not in normal form, or cannot be normalized: an allow pattern's
/// `*` could match them, and a direct decision refuses them. (Any `%` is denied, although a normal path may
/// hold escapes such as `%20`: IAM cannot tell an escape of an unreserved character from another one.)
const NOT_NORMAL: [&str; 9] = ["*//*", "*/./*", "*/.", "*/../*", "*/..", "*%*", "*\\*", "*;*", "*\u{0}*"];

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

impl Authorizer {
    /// A policy that allows the request's own ARN when the answer allows it (and it depends on nothing
    /// an ARN lacks), and nothing else.
    pub(super) fn own_arn_policy(&self, request: &HttpRequest, route: &RouteMatch, answer: &Answer) -> CachePolicy {
        let dependence = self.routes.by_key(&route.route_key).map(|r| r.dependence).unwrap_or(Dependence::Request);
        let arn = format!("{}/{}", request.method, request.path.strip_prefix('/').unwrap_or(&request.path));
        let mut policy = CachePolicy::default();
        if answer.is_allow() && dependence != Dependence::Request && !arn.contains(['*', '?', '$']) {
            policy.allow.push(arn);
        }
        policy
    }

    /// The policy API Gateway may cache for this token and apply to any request of the API.
    ///
    /// It is built to be exact, under IAM's matching (`*` any run of characters including `/`, `?` one
    /// character, an explicit Deny winning):
    ///
    /// 1. Exact ARNs: every standard method on the path of every route without parameters, each decided as
    ///    a request with exactly that method and path would be (through route precedence). Always right.
    /// 2. Patterns, when paths match case-sensitively: an Allow for each route with parameters that does not
    ///    depend on the request and allows (`GET/riders/*`; an ANY route spelt out per standard method), with
    ///    Denies for what the pattern matches beyond the route (an empty parameter, one holding a `/`), for
    ///    every path not in normal form, and for the pattern of every route that would win over it on a path
    ///    both match and that denies or depends on the request. An ARN an Allow pattern matches and no Deny
    ///    matches is then a normal path of that route, so it is routed to that route or to one that wins
    ///    over it, which allows too: otherwise that route's Deny would match.
    /// 3. The request's own ARN, when its route is determined by the ARN and allows. A pattern of step 2
    ///    whose Denies would cover it is left out, so the request itself is always allowed.
    ///
    /// Routes whose resource or context come from more than the ARN (a header, the query, the source IP) are
    /// never allowed by the policy: a cached policy cannot tell one such request from another.
    pub(super) fn cache_policy(
        &self,
        decisions: &HashMap<String, Decision>,
        own: Option<(&HttpRequest, &RouteMatch, &Answer)>,
        identity: &Identity,
        input: &Value,
    ) -> CachePolicy {
        let mut exact = CachePolicy::default();
        // 1. Exact ARNs of routes without parameters.
        for literal in self.routes.routes.iter() {
            let Some(path) = literal.literal_path() else { continue };
            if path::normalize(&path).as_deref() != Ok(path.as_str()) {
                continue;
            }
            for method in STANDARD_METHODS {
                let arn = format!("{method}/{}", &path[1..]);
                let probe = HttpRequest { method: method.to_string(), path: path.clone(), ..Default::default() };
                let decision = match self.routes.find(&probe).map(|routed| routed.route) {
                    Ok(matched) => match self.routes.by_key(&matched.route_key).map(|r| r.dependence) {
                        Some(Dependence::None) => decisions.get(&matched.route_key).copied(),
                        Some(Dependence::Path) => Some(self.decide_route(identity, &matched, input).decision),
                        _ => None,
                    },
                    // No route: nothing could allow it, so nothing to say.
                    Err(_) => continue,
                };
                match decision {
                    Some(Decision::Allow) if !arn.contains(['*', '?', '$']) => push_unique(&mut exact.allow, arn),
                    Some(Decision::Allow) => {}
                    _ => push_unique(
                        &mut exact.deny,
                        arn.chars().map(|c| if matches!(c, '*' | '?' | '$') { '?' } else { c }).collect(),
                    ),
                }
            }
        }
        // 3. The request's own ARN.
        let own = own.and_then(|(request, route, answer)| {
            let dependence = self.routes.by_key(&route.route_key).map(|r| r.dependence).unwrap_or(Dependence::Request);
            let arn = format!("{}/{}", request.method, request.path.strip_prefix('/').unwrap_or(&request.path));
            (answer.is_allow() && dependence != Dependence::Request && !arn.contains(['*', '?', '$'])).then_some(arn)
        });
        if let Some(own) = &own {
            exact.deny.retain(|d| !matches(d, own));
            push_unique(&mut exact.allow, own.clone());
        }
        // 2. Patterns.
        if !self.routes.case_sensitive {
            return exact;
        }
        // The routes that may be allowed by a pattern, and the Deny patterns each needs: what its pattern
        // matches beyond the route, paths not in normal form, and the patterns of the routes that would win
        // over it on a path both match and that deny or depend on the request.
        let refuses =
            |r: &Route| r.dependence != Dependence::None || decisions.get(&r.route_key) != Some(&Decision::Allow);
        let mut candidates: Vec<(Vec<String>, Vec<String>)> = Vec::new();
        for r in &self.routes.routes {
            if refuses(r) || r.literal_path().is_some() {
                continue; // refused routes are only denied; allowed literal routes have exact ARNs (step 1)
            }
            let Some(allow) = r.iam_patterns(true) else { continue };
            let mut deny: Vec<String> = NOT_NORMAL.iter().map(|p| p.to_string()).collect();
            deny.extend(r.iam_overmatch());
            for other in self.routes.routes.iter().filter(|o| refuses(o) && o.outranks(r)) {
                for p in other.iam_patterns(false).unwrap_or_default() {
                    if allow.iter().any(|a| intersects(a, &p)) {
                        push_unique(&mut deny, p);
                    }
                }
            }
            candidates.push((allow, deny));
        }
        // The request's own ARN must stay allowed: a pattern whose Denies would cover it is left out.
        if let Some(own) = &own {
            candidates.retain(|(_, deny)| !deny.iter().any(|d| matches(d, own)));
        }
        for (allow, deny) in candidates {
            for p in allow {
                push_unique(&mut exact.allow, p);
            }
            for p in deny {
                push_unique(&mut exact.deny, p);
            }
        }
        exact
    }
}

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
