//! A route as IAM policy resources: the `execute-api` ARN patterns a cacheable policy allows or denies
//! it by, and what else those patterns would cover.

use super::{Route, Segment};

/// The methods an `ANY` route (or `$default`) is spelt out as in a cacheable IAM policy. A request with
/// any other method is not covered by the policy, so API Gateway refuses it from the cache.
pub const STANDARD_METHODS: [&str; 7] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

/// Whether `text` can stand for itself in an IAM resource: `*` and `?` are wildcards there and `$` may
/// start a policy variable.
fn iam_literal(text: &str) -> bool {
    !text.contains(['*', '?', '$'])
}

/// `text` as an IAM pattern that matches at least `text`: wildcard and variable characters become `?`.
fn iam_cover(text: &str) -> String {
    text.chars().map(|c| if matches!(c, '*' | '?' | '$') { '?' } else { c }).collect()
}

impl Route {
    /// The methods this route is written out for in an IAM policy.
    fn policy_methods(&self) -> Vec<&str> {
        match &self.method {
            Some(m) => vec![m.as_str()],
            None => STANDARD_METHODS.to_vec(),
        }
    }

    /// The resource path of this route in an `execute-api` ARN: parameters become `*`.
    pub fn arn_path(&self) -> String {
        if self.is_default {
            return "*".into();
        }
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| match s {
                Segment::Literal(l) => l.clone(),
                Segment::Param(_) | Segment::Greedy(_) => "*".into(),
            })
            .collect();
        parts.join("/")
    }

    /// The route's path when it has no parameters (`/riders`), else `None`.
    pub fn literal_path(&self) -> Option<String> {
        if self.is_default || self.segments.iter().any(|s| !matches!(s, Segment::Literal(_))) {
            return None;
        }
        Some(self.path_template())
    }

    /// IAM resource patterns (after `<apiId>/<stage>/`) that match every ARN of a request this route
    /// matches. For an Allow (`for_allow`), `None` when a literal cannot be written in IAM; for a Deny,
    /// such characters are widened to `?`, which only ever denies more.
    pub fn iam_patterns(&self, for_allow: bool) -> Option<Vec<String>> {
        let mut path_pattern = String::new();
        if self.is_default {
            path_pattern.push('*');
        } else {
            for (i, s) in self.segments.iter().enumerate() {
                if i > 0 {
                    path_pattern.push('/');
                }
                match s {
                    Segment::Literal(l) if iam_literal(l) => path_pattern.push_str(l),
                    Segment::Literal(_) if for_allow => return None,
                    Segment::Literal(l) => path_pattern.push_str(&iam_cover(l)),
                    Segment::Param(_) | Segment::Greedy(_) => path_pattern.push('*'),
                }
            }
        }
        let mut patterns: Vec<String> =
            self.policy_methods().into_iter().map(|m| format!("{m}/{path_pattern}")).collect();
        // The router ignores a trailing slash (`/riders/` is `/riders`): a Deny covers that spelling too.
        if !for_allow && !path_pattern.is_empty() && !path_pattern.ends_with('*') {
            let with_slash: Vec<String> = patterns.iter().map(|p| format!("{p}/")).collect();
            patterns.extend(with_slash);
        }
        Some(patterns)
    }

    /// IAM patterns of the ARNs an Allow of [`Route::iam_patterns`] matches although a request with that
    /// ARN would not be routed here: a parameter's `*` matching an empty value or one with a `/` in it,
    /// a greedy parameter's matching nothing. To be denied explicitly beside the Allow.
    pub fn iam_overmatch(&self) -> Vec<String> {
        if self.is_default {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (i, s) in self.segments.iter().enumerate() {
            let replacements: &[&str] = match s {
                Segment::Literal(_) => continue,
                Segment::Param(_) => &["", "*/*"],
                Segment::Greedy(_) => &[""],
            };
            for replacement in replacements {
                let parts: Vec<String> = self
                    .segments
                    .iter()
                    .enumerate()
                    .map(|(j, seg)| match seg {
                        _ if j == i => replacement.to_string(),
                        Segment::Literal(l) => iam_cover(l),
                        Segment::Param(_) | Segment::Greedy(_) => "*".into(),
                    })
                    .collect();
                let joined = parts.join("/");
                for m in self.policy_methods() {
                    out.push(format!("{m}/{joined}"));
                }
            }
        }
        out
    }
}
