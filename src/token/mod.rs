//! Tokens: verifying Cognito and OpenID Connect JWTs against their issuers' keys and mapping their claims
//! to Cedar entities the way Verified Permissions identity sources do.
//!
//! - [`jws`] reads a token strictly, trusting nothing in it;
//! - [`alg`] names the accepted signing algorithms;
//! - [`keys`] imports an issuer's JWKS once and checks signatures;
//! - [`crypto`] is the signature primitive under the keys: the platform's, or RustCrypto's;
//! - [`sources`] turns `authorizer.json`'s identity sources into issuers and checks claims;
//! - [`mapping`] turns verified claims into the principal, its groups and attributes, and context.

pub mod alg;
pub mod crypto;
pub mod jws;
pub mod keys;
pub mod mapping;
pub mod sources;

use serde::{Deserialize, Serialize};

/// Which token a call passes, as `IsAuthorizedWithToken` names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
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

    /// Every kind, for the JavaScript side (which takes the list from the module).
    pub const ALL: [TokenKind; 2] = [TokenKind::Identity, TokenKind::Access];

    /// The kind's name at the boundary: `identity` or `access`.
    pub fn name(self) -> &'static str {
        match self {
            TokenKind::Identity => "identity",
            TokenKind::Access => "access",
        }
    }

    /// The kind of a name: `identity` (or `id`, `identityToken`) or `access` (or `accessToken`).
    pub fn from_name(name: &str) -> Option<TokenKind> {
        match name {
            "identity" | "identityToken" | "id" => Some(TokenKind::Identity),
            "access" | "accessToken" => Some(TokenKind::Access),
            _ => None,
        }
    }

    /// The field of an `IsAuthorizedWithToken` request that carries this kind.
    pub fn field(self) -> &'static str {
        match self {
            TokenKind::Identity => "identityToken",
            TokenKind::Access => "accessToken",
        }
    }
}
