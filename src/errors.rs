//! Every error code, and the one error record that carries them.
//!
//! A code is stable: logs, tests and callers match on it, never on the description. Each is defined here
//! and nowhere else: the TypeScript union `ErrorCode` is generated from [`Code`], and the JavaScript side
//! reads the list from the module ([`Code::ALL`]). [`Error`] is the record of every problem, wherever it
//! comes from: a DENY's reason (Verified Permissions' `{errorDescription}`, with `policyId` for a policy's
//! evaluation error and `issuer` for missing keys), a token refused, a diagnostic of a policy store (with
//! its file and place), a bundle that does not load.

use serde::{Deserialize, Serialize};

macro_rules! codes {
    ($($(#[doc = $doc:literal])+ $variant:ident = $text:literal,)+) => {
        /// A stable error code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
        pub enum Code {
            $($(#[doc = $doc])+ #[serde(rename = $text)] $variant,)+
        }

        impl Code {
            /// Every code, in the order they are defined.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)+];

            /// The code's text, such as `token.expired`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $text,)+
                }
            }

            /// What the code means, in one line.
            pub fn meaning(self) -> &'static str {
                match self {
                    $(Code::$variant => concat!($($doc),+).trim_ascii(),)+
                }
            }
        }
    };
}

codes! {
    /// The request is not of the expected shape (a missing action, a value that is not an entity, ...).
    RequestMalformed = "request.malformed",
    /// The request does not match the schema (an unknown entity type, an action that does not apply, ...).
    RequestInvalid = "request.invalid",
    /// The context does not match the action's context type, or sets `token` beside a token.
    RequestInvalidContext = "request.invalid_context",
    /// The request's entities do not parse, do not match the schema, or include a principal or its groups.
    RequestInvalidEntities = "request.invalid_entities",
    /// A request entity has the uid of a different static entity of the store.
    RequestEntityConflict = "request.entity_conflict",
    /// A request path that cannot be normalized safely (an encoded `/`, a backslash, a bad escape, ...).
    RequestPathInvalid = "request.path_invalid",
    /// A request path that is not in normal form, where the caller cannot forward the normal form.
    RequestPathNotNormal = "request.path_not_normal",
    /// A policy raised an error while it was evaluated; the policy is skipped, as in Cedar.
    PolicyEvaluationError = "policy.evaluation_error",
    /// The request carries no token.
    TokenMissing = "token.missing",
    /// The token is not a compact JWS of three base64url parts with JSON header and payload.
    TokenMalformed = "token.malformed",
    /// The token is longer than `tokenValidation.maxTokenBytes`.
    TokenTooLarge = "token.too_large",
    /// The token is encrypted (JWE): only signed tokens are accepted.
    TokenEncrypted = "token.encrypted",
    /// The token's algorithm is `none`, an HMAC algorithm or unknown.
    TokenUnsupportedAlgorithm = "token.unsupported_algorithm",
    /// The token has a `crit` (or `b64`) header.
    TokenCritHeader = "token.crit_header",
    /// The token embeds or points to a key (`jwk`, `jku`, `x5u`, `x5c`).
    TokenEmbeddedKey = "token.embedded_key",
    /// The token's `iss` is not a configured identity source.
    TokenWrongIssuer = "token.wrong_issuer",
    /// The key the token names does not allow the token's algorithm.
    TokenAlgorithmMismatch = "token.algorithm_mismatch",
    /// The token's signature does not verify.
    TokenBadSignature = "token.bad_signature",
    /// The token expired (`exp`, with the clock skew).
    TokenExpired = "token.expired",
    /// The token is not valid yet (`nbf`).
    TokenNotYetValid = "token.not_yet_valid",
    /// The token was issued in the future (`iat`).
    TokenIssuedInFuture = "token.issued_in_future",
    /// The token is not of the kind required (`token_use`, or the OIDC source's token selection).
    TokenWrongUse = "token.wrong_use",
    /// The token was issued to a client or audience the source does not accept.
    TokenWrongAudience = "token.wrong_audience",
    /// A registered claim of the token has the wrong type (`exp` that is not a number, ...).
    TokenInvalidClaim = "token.invalid_claim",
    /// The ID token and the access token are for different users or issuers.
    TokenPrincipalMismatch = "token.principal_mismatch",
    /// The issuer's key set has no key the token names.
    JwksNoMatchingKey = "jwks.no_matching_key",
    /// No keys are loaded for the token's issuer, and none could be fetched.
    JwksUnavailable = "jwks.unavailable",
    /// A key set or discovery document was refused (not a JWKS, too large, for another issuer, ...).
    JwksInvalid = "jwks.invalid",
    /// Fetching a key set took longer than its timeout.
    JwksTimeout = "jwks.timeout",
    /// The key set's endpoint answered with an HTTP error.
    JwksHttpError = "jwks.http_error",
    /// A claim the mapping needs is missing (the principal's, or a required attribute's).
    MappingMissingClaim = "mapping.missing_claim",
    /// The token's claims do not map to valid entities.
    MappingInvalid = "mapping.invalid",
    /// A warning: a declared claim whose value does not fit its type was left out.
    MappingClaimSkipped = "mapping.claim_skipped",
    /// No route matches the request's method and path.
    RouteNotFound = "route.not_found",
    /// The route takes a value (a path parameter, a header, ...) that the request lacks.
    RouteMissingValue = "route.missing_value",
    /// The route takes a value the request gives more than once, or in a form origins read differently (a
    /// repeated query parameter, in any spelling): it is not decided on one of them.
    RouteAmbiguousValue = "route.ambiguous_value",
    /// A failure inside the engine; the request is denied.
    InternalError = "internal.error",
    /// The wasm instance trapped; the request is denied and the instance replaced.
    InternalTrap = "internal.trap",
    /// The clock does not read a time.
    InternalClock = "internal.clock",
    /// The store cannot be loaded (nothing to load, a module missing, ...).
    StoreInvalid = "store.invalid",
    /// The store folder or bundle file does not exist.
    StoreNotFound = "store.not_found",
    /// The store has no schema, or two.
    StoreSchema = "store.schema",
    /// A warning: the store has no policy files.
    StoreNoPolicies = "store.no_policies",
    /// A store file's name differs from a known one only in case.
    StoreFileName = "store.file_name",
    /// A store's JSON file does not parse or does not have its shape.
    StoreJson = "store.json",
    /// The bundle is not well formed, or its store does not load.
    BundleInvalid = "bundle.invalid",
    /// The document is not a bundle of a format version this build reads.
    BundleFormat = "bundle.format",
    /// The bundle's content does not match its hash: it was changed after it was built.
    BundleHashMismatch = "bundle.hash_mismatch",
    /// Trusted keys are configured and the bundle carries no signature.
    BundleUnsigned = "bundle.unsigned",
    /// The bundle's signature is malformed, of another type, signs another bundle, or does not verify
    /// with the trusted keys.
    BundleBadSignature = "bundle.bad_signature",
    /// The bundle's signed revision is older than the one running (or the same revision with other
    /// content): an old bundle is never loaded again.
    BundleRollback = "bundle.rollback",
    /// No refresh of the bundle has succeeded for longer than `maxStaleSeconds`: every request is denied.
    BundleStale = "bundle.stale",
    /// The bundle's source cannot be reached, or answered with a server error.
    SourceUnavailable = "source.unavailable",
    /// The bundle's source did not answer within the refresh timeout.
    SourceTimeout = "source.timeout",
    /// The bundle's source refused the request (401, 403: credentials or permissions).
    SourceDenied = "source.denied",
    /// The bundle's source has no such object or policy store (404).
    SourceNotFound = "source.not_found",
    /// The bundle's source throttled the request (429, `ThrottlingException`, `SlowDown`).
    SourceThrottled = "source.throttled",
    /// The bundle's source answered with more bytes than the size limit: refused while reading.
    SourceTooLarge = "source.too_large",
    /// The bundle's body ended before its announced length, or the connection broke while reading it.
    SourceTruncated = "source.truncated",
    /// A bundle source is not one this package reads (an `http:` URL, an unknown form, a missing SDK).
    SourceInvalid = "source.invalid",
    /// `authorizer.json` (or an option at start-up) is invalid.
    ConfigInvalid = "config.invalid",
    /// A route of `authorizer.json` is invalid or names what the schema lacks.
    ConfigRoutes = "config.routes",
    /// A warning: an identity source accepts tokens issued to any client.
    ConfigAnyAudience = "config.any_audience",
    /// The schema does not parse.
    SchemaParse = "schema.parse",
    /// A warning about the schema.
    SchemaWarning = "schema.warning",
    /// A policy does not parse.
    PolicyParse = "policy.parse",
    /// A policy fails strict validation against the schema.
    PolicyValidation = "policy.validation",
    /// A warning of strict validation.
    PolicyValidationWarning = "policy.validation_warning",
    /// A warning: a policy tests with `has` an attribute that no type the value can have declares, so the
    /// test is always false (often a misspelt name).
    PolicyUndeclaredAttribute = "policy.undeclared_attribute",
    /// A policy's conditions nest deeper than the engine can evaluate safely (a chain of hundreds of `||`).
    PolicyTooDeep = "policy.too_deep",
    /// A policy's `@id` annotation is empty.
    PolicyId = "policy.id",
    /// Two policies have the same id.
    PolicyDuplicateId = "policy.duplicate_id",
    /// A policy cannot be added to the policy set.
    PolicyInvalid = "policy.invalid",
    /// A template link is invalid (a missing template, a bad entity).
    LinksInvalid = "links.invalid",
    /// A template link's id is already a policy's.
    LinksDuplicateId = "links.duplicate_id",
    /// The static entities do not parse or do not match the schema.
    EntitiesInvalid = "entities.invalid",
    /// A policy test file or case is invalid.
    TestsInvalid = "tests.invalid",
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for Code {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<str> for Code {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

/// How bad a diagnostic is. Errors stop a bundle from being built; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A position in a file: 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// The one error record. Only `code` and `errorDescription` are always there (Verified Permissions'
/// error item, plus the code); the rest says where the problem is, when there is a place to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct Error {
    pub code: Code,
    /// One line, in Verified Permissions' field name; never quotes a token.
    pub error_description: String,
    /// How to fix it, when there is something to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// For diagnostics: error or warning.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// The policy at fault (an evaluation error, a diagnostic in a policy).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_id: Option<String>,
    /// For `jwks.*` errors: the issuer whose keys are missing, so the caller can fetch them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    /// The store file the problem is in, relative to the store's root.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
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

impl Error {
    pub fn new(code: Code, description: impl Into<String>) -> Self {
        Error {
            code,
            error_description: description.into(),
            help: None,
            severity: None,
            policy_id: None,
            issuer: None,
            file: None,
            offset: None,
            length: None,
            start: None,
            end: None,
        }
    }

    /// A diagnostic error of a policy store.
    pub fn diagnostic(code: Code, description: impl Into<String>) -> Self {
        Error { severity: Some(Severity::Error), ..Error::new(code, description) }
    }

    /// A diagnostic warning of a policy store.
    pub fn warning(code: Code, description: impl Into<String>) -> Self {
        Error { severity: Some(Severity::Warning), ..Error::new(code, description) }
    }

    /// The code (as [`Failure::code`] gives a failure's).
    pub fn code(&self) -> Code {
        self.code
    }

    pub fn is_warning(&self) -> bool {
        self.severity == Some(Severity::Warning)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn for_issuer(mut self, issuer: &str) -> Self {
        self.issuer = Some(issuer.to_string());
        self
    }

    pub fn for_policy(mut self, id: &str) -> Self {
        self.policy_id = Some(id.to_string());
        self
    }

    pub fn in_file(mut self, file: &str) -> Self {
        self.file = Some(file.to_string());
        self
    }

    /// Places the error at `offset..offset+length` of `text` (the content of its file).
    pub fn at(mut self, text: &str, offset: usize, length: usize) -> Self {
        let offset = offset.min(text.len());
        let end = offset.saturating_add(length).min(text.len());
        self.offset = Some(offset);
        self.length = Some(end - offset);
        self.start = Some(position_of(text, offset));
        self.end = Some(position_of(text, end));
        self
    }

    /// Places the error at a 1-based line and column of `text`.
    pub fn at_line_column(self, text: &str, line: usize, column: usize) -> Self {
        let offset = offset_of(text, line, column);
        self.at(text, offset, 0)
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.file, self.start) {
            (Some(file), Some(p)) => write!(f, "{file}:{}:{}: ", p.line, p.column)?,
            (Some(file), None) => write!(f, "{file}: ")?,
            _ => {}
        }
        write!(f, "{}: {}", self.code, self.error_description)
    }
}

impl std::error::Error for Error {}

/// Why something could not be done (a store or bundle that does not load, a key set refused): every
/// error, and any warnings found on the way. What the boundary answers as `{type: "failure", errors,
/// warnings}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Failure {
    pub errors: Vec<Error>,
    pub warnings: Vec<Error>,
}

impl Failure {
    /// A failure of one error.
    pub fn of(code: Code, description: impl Into<String>) -> Self {
        Failure { errors: vec![Error::new(code, description)], warnings: Vec::new() }
    }

    /// A failure from diagnostics: their errors and their warnings.
    pub fn from_diagnostics(diagnostics: Vec<Error>) -> Self {
        let (warnings, errors) = diagnostics.into_iter().partition(Error::is_warning);
        Failure { errors, warnings }
    }

    /// A failure summed up by one error (`store.invalid`: "the policy store has errors"), followed by the
    /// diagnostics that explain it.
    pub fn with_summary(code: Code, description: impl Into<String>, diagnostics: Vec<Error>) -> Self {
        let mut failure = Failure::from_diagnostics(diagnostics);
        failure.errors.insert(0, Error::new(code, description));
        failure
    }

    /// The code of the first error (`internal.error` when there is none, which no caller builds).
    pub fn code(&self) -> Code {
        self.errors.first().map_or(Code::InternalError, |e| e.code)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        Failure { errors: vec![error], warnings: Vec::new() }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Failure {}

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

/// A JSON value cut to a readable length, for error messages.
pub fn short_json(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("`{cut}...`")
    } else {
        format!("`{text}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_listed_once_with_its_meaning() {
        let mut texts: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
        let count = texts.len();
        texts.sort_unstable();
        texts.dedup();
        assert_eq!(texts.len(), count, "a code's text is used twice");
        for code in Code::ALL {
            assert!(!code.meaning().is_empty(), "{code}");
            let json = serde_json::to_string(code).expect("json");
            assert_eq!(json, format!("\"{code}\""));
            assert_eq!(serde_json::from_str::<Code>(&json).expect("parse"), *code);
        }
    }
}
