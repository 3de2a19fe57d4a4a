//! Tokens: verifying Cognito and OpenID Connect JWTs against their issuers' keys and mapping their claims
//! to Cedar entities the way Verified Permissions identity sources do.
//!
//! - [`jws`] reads a token strictly, trusting nothing in it;
//! - [`keys`] imports an issuer's JWKS once and checks signatures;
//! - [`sources`] turns `authorizer.json`'s identity sources into issuers and checks claims;
//! - [`mapping`] turns verified claims into the principal, its groups and attributes, and context.

pub mod jws;
pub mod keys;
pub mod mapping;
pub mod sources;

use serde::{Deserialize, Serialize};

/// Stable error codes for token failures. Every one is a DENY.
pub mod codes {
    pub const MISSING: &str = "token.missing";
    pub const MALFORMED: &str = "token.malformed";
    pub const TOO_LARGE: &str = "token.too_large";
    pub const ENCRYPTED: &str = "token.encrypted";
    pub const UNSUPPORTED_ALGORITHM: &str = "token.unsupported_algorithm";
    pub const CRIT_HEADER: &str = "token.crit_header";
    pub const EMBEDDED_KEY: &str = "token.embedded_key";
    pub const WRONG_ISSUER: &str = "token.wrong_issuer";
    pub const ALGORITHM_MISMATCH: &str = "token.algorithm_mismatch";
    pub const BAD_SIGNATURE: &str = "token.bad_signature";
    pub const EXPIRED: &str = "token.expired";
    pub const NOT_YET_VALID: &str = "token.not_yet_valid";
    pub const ISSUED_IN_FUTURE: &str = "token.issued_in_future";
    pub const WRONG_USE: &str = "token.wrong_use";
    pub const WRONG_AUDIENCE: &str = "token.wrong_audience";
    pub const INVALID_CLAIM: &str = "token.invalid_claim";
    pub const PRINCIPAL_MISMATCH: &str = "token.principal_mismatch";
    pub const NO_MATCHING_KEY: &str = "jwks.no_matching_key";
    pub const JWKS_UNAVAILABLE: &str = "jwks.unavailable";
    pub const MISSING_CLAIM: &str = "mapping.missing_claim";
    pub const MAPPING_INVALID: &str = "mapping.invalid";
}

/// Which token a call passes, as `IsAuthorizedWithToken` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum TokenKind {
    Identity,
    Access,
}

impl TokenKind {
    /// Cognito's `token_use` value for this kind.
    pub fn token_use(self) -> &'static str {
        match self {
            TokenKind::Identity => "id",
            TokenKind::Access => "access",
        }
    }

    pub fn field(self) -> &'static str {
        match self {
            TokenKind::Identity => "identityToken",
            TokenKind::Access => "accessToken",
        }
    }
}

/// Why a token was refused: a stable code and a one-line reason that never quotes the token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenError {
    pub code: String,
    pub message: String,
    /// The issuer whose keys were missing, for `jwks.*` errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl TokenError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        TokenError { code: code.to_string(), message: message.into(), issuer: None }
    }

    pub fn for_issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_string());
        self
    }
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl From<TokenError> for crate::errors::ErrorItem {
    fn from(e: TokenError) -> Self {
        let mut item = crate::errors::ErrorItem::new(&e.code, e.message);
        item.issuer = e.issuer;
        item
    }
}
