//! Identity sources at run time: the issuer each one trusts, its keys, and the claim checks Verified
//! Permissions makes (`iss`, `exp`/`nbf`/`iat`, `token_use`, client id or audience).

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::jws;
use super::keys::KeySet;
use super::TokenKind;
use crate::errors::{Code, Error};
use crate::store::config::{AuthorizerConfig, IdentitySource, TokenValidation};

/// What kind of identity provider a source is, with its audience rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provider {
    Cognito {
        user_pool_id: String,
        client_ids: Vec<String>,
    },
    Oidc {
        /// The one token kind the source accepts (`tokenSelection`).
        kind: TokenKind,
        /// `clientIds` for ID tokens, `audiences` for access tokens.
        audiences: Vec<String>,
    },
}

/// One identity source, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The exact `iss` its tokens carry.
    pub issuer: String,
    pub principal_type: String,
    pub group_type: Option<String>,
    /// `cognito:groups` for Cognito; `groupClaim` for OIDC.
    pub group_claim: Option<String>,
    /// The text before `|` in entity ids: the user pool id, or the OIDC `entityIdPrefix`.
    pub id_prefix: Option<String>,
    /// The claim that names the principal: `sub` unless `principalIdClaim` says otherwise.
    pub principal_id_claim: String,
    pub provider: Provider,
}

impl Source {
    /// The JWKS location: Cognito's well-known URL, or the OIDC discovery document to find it from.
    pub fn jwks_hint(&self) -> (String, bool) {
        match self.provider {
            Provider::Cognito { .. } => (format!("{}/.well-known/jwks.json", self.issuer), false),
            Provider::Oidc { .. } => {
                (format!("{}/.well-known/openid-configuration", self.issuer.trim_end_matches('/')), true)
            }
        }
    }
}

/// The shape of a user pool ARN, as the JSON Schema of `authorizer.json` also writes it (a test checks
/// that the two agree): the region and the pool id become part of the JWKS URL, so nothing else passes.
pub const USER_POOL_ARN_PATTERN: &str =
    "^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:[0-9]{12}:userpool/[a-z0-9-]+_[0-9a-zA-Z]+$";

fn user_pool_arn_shape() -> &'static regex::Regex {
    static SHAPE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    // The pattern is a constant known to compile (tested); a failure would refuse every ARN.
    SHAPE.get_or_init(|| {
        regex::Regex::new(USER_POOL_ARN_PATTERN).unwrap_or_else(|_| regex::Regex::new("$^").expect("an empty language"))
    })
}

/// `arn:<partition>:cognito-idp:<region>:<account>:userpool/<userPoolId>` to the pool's issuer.
pub fn cognito_issuer(arn: &str) -> Result<(String, String), String> {
    let not_arn =
        || format!("`{arn}` is not a user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<userPoolId>)");
    if !user_pool_arn_shape().is_match(arn) {
        return Err(not_arn());
    }
    let parts: Vec<&str> = arn.split(':').collect();
    let (partition, region, resource) = match parts.as_slice() {
        ["arn", partition, "cognito-idp", region, _account, resource] => (*partition, *region, *resource),
        _ => return Err(not_arn()),
    };
    let pool = resource.strip_prefix("userpool/").ok_or_else(not_arn)?;
    if !pool.starts_with(&format!("{region}_")) {
        return Err(format!("user pool id `{pool}` does not belong to region `{region}`"));
    }
    let domain = if partition == "aws-cn" { "amazonaws.com.cn" } else { "amazonaws.com" };
    Ok((format!("https://cognito-idp.{region}.{domain}/{pool}"), pool.to_string()))
}

/// Resolves `authorizer.json`'s identity sources. Errors name the source and the field to fix.
pub fn resolve(config: &AuthorizerConfig) -> Result<Vec<Source>, Vec<String>> {
    let mut sources = Vec::new();
    let mut errors = Vec::new();
    for (i, source) in config.identity_sources.iter().enumerate() {
        match resolve_one(source) {
            Ok(s) => {
                if sources.iter().any(|other: &Source| other.issuer == s.issuer) {
                    errors.push(format!("identitySources[{i}]: issuer `{}` is configured twice", s.issuer));
                } else {
                    sources.push(s);
                }
            }
            Err(e) => errors.push(format!("identitySources[{i}]: {e}")),
        }
    }
    errors.extend(collisions(&sources));
    if errors.is_empty() {
        Ok(sources)
    } else {
        Err(errors)
    }
}

/// Whether entity ids made with prefixes `a` and `b` can be equal: `<a>|<x>` and `<b>|<y>` for some
/// claims `x` and `y` (which may hold `|`). They can when either prefix is missing (a bare claim can be
/// anything), when they are equal, or when one is the other followed by `|`.
fn prefixes_overlap(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b || a.starts_with(&format!("{b}|")) || b.starts_with(&format!("{a}|")),
        _ => true,
    }
}

/// Pairs of sources that could mint the same principal or group entity: one issuer's users could then
/// become another's, or join its groups. Verified Permissions avoids this by allowing one identity source
/// per policy store; several are allowed here only when their entity ids cannot collide.
fn collisions(sources: &[Source]) -> Vec<String> {
    let mut problems = Vec::new();
    let typed = |s: &Source| -> Vec<(String, &'static str)> {
        let mut out = vec![(s.principal_type.clone(), "principal")];
        if let Some(g) = &s.group_type {
            out.push((g.clone(), "group"));
        }
        out
    };
    for (i, a) in sources.iter().enumerate() {
        for (j, b) in sources.iter().enumerate().skip(i + 1) {
            if !prefixes_overlap(a.id_prefix.as_deref(), b.id_prefix.as_deref()) {
                continue;
            }
            for (type_a, role_a) in typed(a) {
                for (type_b, role_b) in typed(b) {
                    if type_a == type_b {
                        problems.push(format!(
                            "identitySources[{i}] (`{}`) and identitySources[{j}] (`{}`) can both name a `{type_a}` entity ({role_a} of one, {role_b} of the other) with the same id, so a user of one could act as a user of the other: give them different entity types, or prefixes (the OpenID Connect `entityIdPrefix`; a Cognito source's is its user pool id) of which neither is the other followed by `|`",
                            a.issuer, b.issuer
                        ));
                    }
                }
            }
        }
    }
    problems
}

fn resolve_one(source: &IdentitySource) -> Result<Source, String> {
    let configuration = &source.configuration;
    match (&configuration.cognito_user_pool_configuration, &configuration.open_id_connect_configuration) {
        (Some(cognito), None) => {
            let (issuer, pool) = cognito_issuer(&cognito.user_pool_arn)?;
            Ok(Source {
                issuer,
                principal_type: source.principal_entity_type.clone(),
                group_type: cognito.group_configuration.as_ref().map(|g| g.group_entity_type.clone()),
                group_claim: Some("cognito:groups".into()),
                id_prefix: Some(pool.clone()),
                principal_id_claim: "sub".into(),
                provider: Provider::Cognito { user_pool_id: pool, client_ids: cognito.client_ids.clone() },
            })
        }
        (None, Some(oidc)) => {
            if !oidc.issuer.starts_with("https://") {
                return Err(format!("issuer `{}` must be an https:// URL", oidc.issuer));
            }
            let selection = &oidc.token_selection;
            let (kind, audiences, claim) = match (&selection.access_token_only, &selection.identity_token_only) {
                (Some(access), None) => match &access.audiences {
                    Some(list) if list.is_empty() => {
                        return Err("`accessTokenOnly.audiences` is empty: list the accepted audiences, or leave the field out to accept any".into())
                    }
                    list => (TokenKind::Access, list.clone().unwrap_or_default(), access.principal_id_claim.clone()),
                },
                (None, Some(identity)) => (TokenKind::Identity, identity.client_ids.clone(), identity.principal_id_claim.clone()),
                _ => return Err("`tokenSelection` needs exactly one of `accessTokenOnly` and `identityTokenOnly`".into()),
            };
            Ok(Source {
                issuer: oidc.issuer.clone(),
                principal_type: source.principal_entity_type.clone(),
                group_type: oidc.group_configuration.as_ref().map(|g| g.group_entity_type.clone()),
                group_claim: oidc.group_configuration.as_ref().map(|g| g.group_claim.clone()),
                id_prefix: oidc.entity_id_prefix.clone(),
                principal_id_claim: claim.unwrap_or_else(|| "sub".into()),
                provider: Provider::Oidc { kind, audiences },
            })
        }
        _ => {
            Err("`configuration` needs exactly one of `cognitoUserPoolConfiguration` and `openIdConnectConfiguration`"
                .into())
        }
    }
}

/// Things about the identity sources worth a warning at load: a source with no client ids or audiences
/// accepts tokens issued to any client, as in Verified Permissions.
pub fn warnings(sources: &[Source]) -> Vec<String> {
    sources
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.provider {
            Provider::Cognito { client_ids, .. } if client_ids.is_empty() => Some(format!(
                "identitySources[{i}] (`{}`) has no `clientIds`: tokens issued to any app client of the user pool are accepted; list your app clients to accept only theirs",
                s.issuer
            )),
            Provider::Oidc { kind, audiences } if audiences.is_empty() => Some(format!(
                "identitySources[{i}] (`{}`) has no `{}`: tokens issued to any client of the issuer are accepted; list yours to accept only theirs",
                s.issuer,
                if *kind == TokenKind::Identity { "clientIds" } else { "audiences" }
            )),
            _ => None,
        })
        .collect()
}

/// Checks identity sources against the schema: their entity types exist and principals may be members
/// of their groups. Returns one message per problem, naming the field to fix.
pub fn check_against_schema(config: &AuthorizerConfig, types: &crate::store::schema_types::SchemaTypes) -> Vec<String> {
    let sources = match resolve(config) {
        Ok(sources) => sources,
        Err(errors) => return errors,
    };
    let mut problems = Vec::new();
    for (i, source) in sources.iter().enumerate() {
        let did_you_mean = |name: &str| match crate::diagnostics::closest(name, types.entity_types()) {
            Some(near) => format!(": did you mean `{near}`?"),
            None => String::new(),
        };
        if types.entity_shape(&source.principal_type).is_none() {
            problems.push(format!(
                "identitySources[{i}].principalEntityType: the schema has no entity type `{}`{}",
                source.principal_type,
                did_you_mean(&source.principal_type)
            ));
        }
        if let Some(group) = &source.group_type {
            if types.entity_shape(group).is_none() {
                problems.push(format!(
                    "identitySources[{i}]: group entity type `{group}` is not in the schema{}",
                    did_you_mean(group)
                ));
            } else if !types.can_be_member_of(&source.principal_type, group) {
                problems.push(format!(
                    "identitySources[{i}]: `{}` cannot be a member of `{group}`: declare `entity {} in [{group}]` in the schema",
                    source.principal_type,
                    source.principal_type.rsplit("::").next().unwrap_or(&source.principal_type)
                ));
            }
        }
    }
    problems
}

/// A token whose signature and claims were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedToken {
    pub kind: TokenKind,
    /// Index of the identity source that issued it.
    pub source: usize,
    pub claims: Map<String, Value>,
    /// Seconds since the epoch after which the token is no longer accepted (its `exp` plus the leeway).
    pub valid_until: u64,
}

/// Every identity source with the keys imported for it.
#[derive(Default)]
pub struct Issuers {
    pub sources: Vec<Source>,
    pub keys: HashMap<String, KeySet>,
    pub limits: TokenValidation,
}

fn numeric_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>, Error> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            match n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0 && f.is_finite()).map(|f| f as u64)) {
                Some(v) => Ok(Some(v)),
                None => Err(Error::new(Code::TokenInvalidClaim, format!("`{name}` is not a time in seconds"))),
            }
        }
        Some(_) => Err(Error::new(Code::TokenInvalidClaim, format!("`{name}` is not a number"))),
    }
}

fn string_claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, Error> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Error::new(Code::TokenInvalidClaim, format!("`{name}` is not a string"))),
    }
}

/// `aud` as a list: a string or a list of strings.
fn audiences(claims: &Map<String, Value>) -> Result<Vec<&str>, Error> {
    match claims.get("aud") {
        None => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| Error::new(Code::TokenInvalidClaim, "`aud` is not a string or a list of strings"))
            })
            .collect(),
        Some(_) => Err(Error::new(Code::TokenInvalidClaim, "`aud` is not a string or a list of strings")),
    }
}

impl Issuers {
    pub fn new(sources: Vec<Source>, limits: TokenValidation) -> Self {
        Issuers { sources, keys: HashMap::new(), limits }
    }

    /// The principal and group entity types of every identity source.
    pub fn entity_types(&self) -> std::collections::HashSet<String> {
        self.sources
            .iter()
            .flat_map(|s| std::iter::once(s.principal_type.clone()).chain(s.group_type.clone()))
            .collect()
    }

    /// Replaces an issuer's keys. `Err` when no source trusts that issuer or the JWKS is not one.
    pub fn set_keys(&mut self, issuer: &str, jwks: &Value) -> Result<&KeySet, String> {
        if !self.sources.iter().any(|s| s.issuer == issuer) {
            return Err(format!("no identity source has issuer `{issuer}`"));
        }
        let set = KeySet::from_jwks(jwks)?;
        self.keys.insert(issuer.to_string(), set);
        self.keys.get(issuer).ok_or_else(|| "keys were not stored".to_string())
    }

    /// Checks a token's signature and claims. `now` is seconds since the epoch.
    pub fn verify(&self, token: &str, kind: TokenKind, now: u64) -> Result<VerifiedToken, Error> {
        self.verify_as(token, Some(kind), now)
    }

    /// [`Issuers::verify`] for adapters that get one bearer token and no say in its kind (`None`): the kind
    /// is then a Cognito token's `token_use`, or the one kind an OIDC source accepts. Read from the token
    /// while it is still unverified, it only picks the checks: the token then has to pass every check of
    /// exactly that kind, and the claims are read once for both.
    pub fn verify_as(&self, token: &str, kind: Option<TokenKind>, now: u64) -> Result<VerifiedToken, Error> {
        let parsed = jws::parse(token, self.limits.max_token_bytes)?;
        let owned = parsed.claims()?;
        let claims = &owned;
        // The unverified `iss` only chooses whose keys to try; the signature then has to prove it.
        let issuer =
            string_claim(claims, "iss")?.ok_or_else(|| Error::new(Code::TokenWrongIssuer, "the token has no `iss`"))?;
        let (index, source) = self.sources.iter().enumerate().find(|(_, s)| s.issuer == issuer).ok_or_else(|| {
            Error::new(Code::TokenWrongIssuer, format!("issuer `{issuer}` is not a configured identity source"))
        })?;
        let kind = match kind {
            Some(kind) => kind,
            None => kind_for(source, claims)?,
        };
        let keys = self.keys.get(issuer).filter(|set| !set.keys.is_empty()).ok_or_else(|| {
            Error::new(Code::JwksUnavailable, format!("no keys are loaded for issuer `{issuer}`")).for_issuer(issuer)
        })?;
        parsed.verify_signature(keys).map_err(|e| {
            if e.code == Code::JwksNoMatchingKey {
                e.for_issuer(issuer)
            } else {
                e
            }
        })?;
        let leeway = self.limits.clock_skew_seconds;
        let exp = numeric_claim(claims, "exp")?
            .ok_or_else(|| Error::new(Code::TokenInvalidClaim, "the token has no `exp`"))?;
        if now > exp.saturating_add(leeway) {
            return Err(Error::new(
                Code::TokenExpired,
                format!("the token expired at {} ({exp}); it is now {}", utc(exp), utc(now)),
            ));
        }
        if let Some(nbf) = numeric_claim(claims, "nbf")? {
            if now.saturating_add(leeway) < nbf {
                return Err(Error::new(
                    Code::TokenNotYetValid,
                    format!("the token is not valid before {} ({nbf}); it is now {}", utc(nbf), utc(now)),
                ));
            }
        }
        if let Some(iat) = numeric_claim(claims, "iat")? {
            if iat > now.saturating_add(leeway) {
                return Err(Error::new(
                    Code::TokenIssuedInFuture,
                    format!("the token was issued at {} ({iat}), in the future; it is now {}", utc(iat), utc(now)),
                ));
            }
        }
        check_use_and_audience(source, claims, kind)?;
        Ok(VerifiedToken { kind, source: index, claims: owned, valid_until: exp.saturating_add(leeway) })
    }
}

/// The kind of a token its source decides: the one kind an OIDC source accepts, or a Cognito token's
/// `token_use`.
fn kind_for(source: &Source, claims: &Map<String, Value>) -> Result<TokenKind, Error> {
    match (&source.provider, string_claim(claims, "token_use")?) {
        (Provider::Oidc { kind, .. }, _) => Ok(*kind),
        (Provider::Cognito { .. }, Some("id")) => Ok(TokenKind::Identity),
        (Provider::Cognito { .. }, Some("access")) => Ok(TokenKind::Access),
        (Provider::Cognito { .. }, _) => {
            Err(Error::new(Code::TokenWrongUse, "a Cognito token needs `token_use` `id` or `access`"))
        }
    }
}

fn check_use_and_audience(source: &Source, claims: &Map<String, Value>, kind: TokenKind) -> Result<(), Error> {
    let token_use = string_claim(claims, "token_use")?;
    let wrong_use = |found: &str| {
        Error::new(
            Code::TokenWrongUse,
            format!(
                "an {} was required, the token is {found}",
                if kind == TokenKind::Identity { "ID token" } else { "access token" }
            ),
        )
    };
    match &source.provider {
        Provider::Cognito { client_ids, .. } => {
            match token_use {
                Some(u) if u == kind.token_use() => {}
                Some(u) => return Err(wrong_use(&format!("`token_use: {u}`"))),
                None => return Err(wrong_use("without `token_use`")),
            }
            // An ID token's `aud` may be a list (RFC 7519, section 4.1.3): any member may be the client.
            let presented: Vec<String> = match kind {
                TokenKind::Identity => audiences(claims)?.into_iter().map(str::to_string).collect(),
                TokenKind::Access => string_claim(claims, "client_id")?.map(str::to_string).into_iter().collect(),
            };
            let field = if kind == TokenKind::Identity { "aud" } else { "client_id" };
            if presented.is_empty() {
                Err(Error::new(Code::TokenWrongAudience, format!("the token has no `{field}`")))
            } else if client_ids.is_empty() || presented.iter().any(|c| client_ids.contains(c)) {
                Ok(())
            } else {
                Err(Error::new(
                    Code::TokenWrongAudience,
                    format!(
                        "`{field}` {} is not one of the accepted client ids",
                        presented.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                    ),
                ))
            }
        }
        Provider::Oidc { kind: accepted, audiences: accepted_audiences } => {
            if *accepted != kind {
                return Err(wrong_use(match accepted {
                    TokenKind::Identity => "for a source that accepts only ID tokens",
                    TokenKind::Access => "for a source that accepts only access tokens",
                }));
            }
            if let Some(u) = token_use {
                if u != kind.token_use() {
                    return Err(wrong_use(&format!("`token_use: {u}`")));
                }
            }
            let mut presented: Vec<String> = audiences(claims)?.into_iter().map(str::to_string).collect();
            if presented.is_empty() && kind == TokenKind::Access {
                for fallback in ["cid", "client_id"] {
                    if let Some(c) = string_claim(claims, fallback)? {
                        presented.push(c.to_string());
                        break;
                    }
                }
            }
            if accepted_audiences.is_empty() || presented.iter().any(|a| accepted_audiences.contains(a)) {
                Ok(())
            } else if presented.is_empty() {
                Err(Error::new(Code::TokenWrongAudience, "the token has no `aud`"))
            } else {
                Err(Error::new(
                    Code::TokenWrongAudience,
                    format!(
                        "audience {:?} is not one of the accepted {}",
                        presented,
                        if kind == TokenKind::Identity { "client ids" } else { "audiences" }
                    ),
                ))
            }
        }
    }
}

/// Seconds since the epoch as an ISO 8601 UTC time (`2026-11-29T11:30:27Z`), for messages.
pub fn utc(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

#[cfg(test)]
mod time_tests {
    #[test]
    fn utc_writes_iso_8601() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(1_800_000_000), "2027-01-15T08:00:00Z");
        assert_eq!(super::utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(super::utc(253_402_300_799), "9999-12-31T23:59:59Z");
    }
}
