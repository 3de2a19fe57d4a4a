//! Errors on the decision path. Each is a DENY's reason: a stable machine code, shared by Rust and JS, and
//! a one-line description in Verified Permissions' `errorDescription` field.

use serde::{Deserialize, Serialize};

/// The stable error codes. Logs, tests and callers match on these, never on descriptions.
pub mod codes {
    /// The request is not of the expected shape (missing action, a value that is not an entity, ...).
    pub const REQUEST_MALFORMED: &str = "request.malformed";
    /// The request does not match the schema (unknown entity type, action that does not apply, ...).
    pub const REQUEST_INVALID: &str = "request.invalid";
    /// The context does not match the action's context type.
    pub const CONTEXT_INVALID: &str = "request.invalid_context";
    /// The request's entities do not parse or do not match the schema.
    pub const ENTITIES_INVALID: &str = "request.invalid_entities";
    /// A request entity has the uid of a different static entity of the store.
    pub const ENTITY_CONFLICT: &str = "request.entity_conflict";
    /// A request path that cannot be normalized safely (an encoded `/`, a backslash, a bad escape, ...).
    pub const PATH_INVALID: &str = "request.path_invalid";
    /// A request path that is not in normal form, where the caller cannot forward the normal form.
    pub const PATH_NOT_NORMAL: &str = "request.path_not_normal";
    /// A policy raised an error while it was evaluated; the policy is skipped, as in Cedar.
    pub const POLICY_EVALUATION: &str = "policy.evaluation_error";
}

/// One error of an answer: Verified Permissions' `{errorDescription}` plus a stable `code` and, for
/// evaluation errors, the policy at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorItem {
    pub code: String,
    pub error_description: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// For `jwks.*` errors: the issuer whose keys are missing, so the caller can fetch them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl ErrorItem {
    pub fn new(code: &str, description: impl Into<String>) -> Self {
        ErrorItem { code: code.to_string(), error_description: description.into(), policy_id: None, issuer: None }
    }
}

impl std::fmt::Display for ErrorItem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.error_description)
    }
}
