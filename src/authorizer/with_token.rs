//! `IsAuthorizedWithToken` and `BatchIsAuthorizedWithToken`: verify the token, map it to the principal,
//! its groups and attributes (or `context.token`), then decide.
//! Verified and mapped identities are kept in the token cache of [`super::identity`].

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cedar_policy::{Entities, Entity};
use cedar_policy_core::entities::conformance::EntitySchemaConformanceChecker;
use cedar_policy_core::extensions::Extensions;
use serde::Serialize;
use serde_json::{Map, Value};

use super::identity::{cache_key, CacheKey, Identity};
use crate::errors::{Code, Error};

use crate::authorizer::Authorizer;
use crate::diagnostics::error_chain;
use crate::request::entity_ref::EntityRef;
use crate::request::{self, Answer, BatchAnswer, BatchResult};
use crate::token::keys::KeySet;
use crate::token::mapping::{self, MappedIdentity};
use crate::token::sources::VerifiedToken;
use crate::token::TokenKind;

/// An identity source's issuer and where its keys are: Cognito's well-known JWKS URL, or an OpenID
/// Connect discovery document to find them through.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct IssuerInfo {
    pub issuer: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery_uri: Option<String>,
    /// Whether keys are imported for it.
    pub has_keys: bool,
}

/// What a JWKS import did.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct KeysImported {
    pub issuer: String,
    pub keys: Vec<String>,
    pub skipped: Vec<String>,
}

/// The tokens of a `WithToken` request.
pub(crate) fn tokens_of(input: &Value) -> Result<Vec<(TokenKind, &str)>, Error> {
    let mut tokens = Vec::new();
    for kind in [TokenKind::Identity, TokenKind::Access] {
        match input.get(kind.field()) {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) => tokens.push((kind, t.as_str())),
            Some(_) => return Err(Error::new(Code::TokenMalformed, format!("`{}` is not a string", kind.field()))),
        }
    }
    some_token(tokens)
}

/// The tokens of a request read from its text ([`request::text`]): each a string or absent.
fn tokens_read<'a>(read: &request::text::TextRequest<'a>) -> Result<Vec<(TokenKind, &'a str)>, Error> {
    let given = [(TokenKind::Identity, read.identity_token), (TokenKind::Access, read.access_token)];
    some_token(given.into_iter().filter_map(|(kind, token)| Some((kind, token?))).collect())
}

fn some_token(tokens: Vec<(TokenKind, &str)>) -> Result<Vec<(TokenKind, &str)>, Error> {
    if tokens.is_empty() {
        return Err(Error::new(Code::TokenMissing, "the request has neither `identityToken` nor `accessToken`"));
    }
    Ok(tokens)
}

impl Authorizer {
    /// Replaces the keys of an issuer with those of a JWKS document, and forgets the issuer's cached
    /// tokens (a key that left the set must stop verifying at once).
    pub fn set_jwks(&mut self, issuer: &str, jwks: &Value) -> Result<KeysImported, Error> {
        let set: &KeySet =
            self.issuers.set_keys(issuer, jwks).map_err(|e| Error::new(Code::JwksInvalid, e).for_issuer(issuer))?;
        let imported = KeysImported {
            issuer: issuer.to_string(),
            keys: set.keys.iter().map(|k| k.kid.clone().unwrap_or_else(|| format!("({})", k.kty))).collect(),
            skipped: set.skipped.clone(),
        };
        if let Ok(mut cache) = self.token_cache.lock() {
            cache.forget_issuer(issuer);
        }
        Ok(imported)
    }

    /// The issuers of the store's identity sources, with where to find their keys.
    pub fn issuers(&self) -> Vec<IssuerInfo> {
        self.issuers
            .sources
            .iter()
            .map(|s| {
                let (url, discovery) = s.jwks_hint();
                IssuerInfo {
                    issuer: s.issuer.clone(),
                    jwks_uri: (!discovery).then(|| url.clone()),
                    discovery_uri: discovery.then_some(url),
                    has_keys: self.issuers.keys.contains_key(&s.issuer),
                }
            })
            .collect()
    }

    /// Verified token-cache counters: `(hits, misses, entries)`.
    pub fn token_cache_stats(&self) -> (u64, u64, usize) {
        match self.token_cache.lock() {
            Ok(c) => (c.hits, c.misses, c.len()),
            Err(_) => (0, 0, 0),
        }
    }

    /// Verifies and maps tokens, through the verified-token cache.
    pub fn identity(&self, tokens: &[(TokenKind, &str)], now: u64) -> Result<Arc<Identity>, Error> {
        let tokens: Vec<(Option<TokenKind>, &str)> = tokens.iter().map(|(kind, token)| (Some(*kind), *token)).collect();
        self.identity_keyed(&tokens, now).map(|(identity, _, _)| identity)
    }

    /// [`Authorizer::identity`] for tokens that may pick their own kind (`None`), with the verified-token
    /// cache's key (the digest an answer cache outside may key by) and whether that cache answered.
    pub(crate) fn identity_keyed(
        &self,
        tokens: &[(Option<TokenKind>, &str)],
        now: u64,
    ) -> Result<(Arc<Identity>, CacheKey, bool), Error> {
        let key = cache_key(tokens);
        if let Ok(mut cache) = self.token_cache.lock() {
            if let Some(identity) = cache.get(&key, now) {
                return Ok((identity, key, true));
            }
        }
        let verified: Vec<VerifiedToken> =
            tokens.iter().map(|(kind, token)| self.issuers.verify_as(token, *kind, now)).collect::<Result<_, _>>()?;
        let identity = Arc::new(self.identity_from_verified(&verified)?);
        if let Ok(mut cache) = self.token_cache.lock() {
            cache.insert(key.clone(), identity.clone(), now);
        }
        Ok((identity, key, false))
    }

    /// Maps verified tokens (all from one issuer) and parses the resulting entities against the schema.
    pub fn identity_from_verified(&self, verified: &[VerifiedToken]) -> Result<Identity, Error> {
        let first = verified.first().ok_or_else(|| Error::new(Code::TokenMissing, "no token"))?;
        if verified.iter().any(|v| v.source != first.source) {
            return Err(Error::new(
                Code::TokenPrincipalMismatch,
                "the ID token and the access token come from different issuers",
            ));
        }
        let source = self
            .issuers
            .sources
            .get(first.source)
            .ok_or_else(|| Error::new(Code::TokenWrongIssuer, "unknown identity source"))?;
        let refs: Vec<&VerifiedToken> = verified.iter().collect();
        let mapped = mapping::map_identity(source, &refs, &self.types)?;
        let entities = self.identity_entities(&mapped)?;
        let merged = self.entities_with_parsed(Vec::new(), entities.clone()).map_err(|e| {
            Error::new(
                Code::MappingInvalid,
                format!("the token's entities do not fit the store's: {}", e.error_description),
            )
        })?;
        let claim = |name: &str| first.claims.get(name).and_then(Value::as_str).map(str::to_string);
        Ok(Identity {
            entities,
            merged,
            valid_until: verified.iter().map(|v| v.valid_until).min().unwrap_or(0),
            issuer: source.issuer.clone(),
            token_id: claim("jti"),
            subject: claim("sub"),
            mapped,
        })
    }

    /// The principal and its groups as Cedar entities, built directly from the mapped (already typed)
    /// values rather than through Cedar's entity JSON parser (most of a fresh token's cost, `make bench`),
    /// then checked against the schema as that parser would. Groups the store already has are not repeated.
    fn identity_entities(&self, mapped: &MappedIdentity) -> Result<Vec<Entity>, Error> {
        let invalid =
            |why: String| Error::new(Code::MappingInvalid, format!("the token does not map to valid entities: {why}"));
        let principal = mapped.principal.to_uid().map_err(invalid)?;
        let mut groups = Vec::with_capacity(mapped.groups.len());
        for group in &mapped.groups {
            let uid = group.to_uid().map_err(invalid)?;
            if uid == principal {
                return Err(invalid(format!("the principal `{principal}` is also one of its own groups")));
            }
            if !groups.contains(&uid) {
                groups.push(uid);
            }
        }
        let mut attrs = HashMap::with_capacity(mapped.attributes.len());
        for (name, value) in &mapped.attributes {
            attrs.insert(name.clone(), mapping::restricted(value).map_err(|e| invalid(format!("`{name}` {e}")))?);
        }
        let mut entities =
            vec![Entity::new(principal, attrs, groups.iter().cloned().collect())
                .map_err(|e| invalid(error_chain(&e)))?];
        let statics = &self.store.entities;
        entities.extend(
            groups.into_iter().filter(|g| statics.get(g).is_none()).map(|g| Entity::new_no_attrs(g, HashSet::new())),
        );
        let schema = self.request_schema();
        let checker = EntitySchemaConformanceChecker::new(&schema, Extensions::all_available());
        for entity in &entities {
            checker.validate_entity(entity.as_ref()).map_err(|e| invalid(error_chain(&e)))?;
        }
        Ok(entities)
    }

    /// `IsAuthorizedWithToken`: `{identityToken | accessToken, action, resource, context, entities}`.
    /// `now` is the current time in seconds since the epoch.
    pub fn is_authorized_with_token(&self, input: &Value, now: u64) -> Answer {
        self.is_authorized_with_token_until(input, now).0
    }

    /// [`Authorizer::is_authorized_with_token`], with how long the answer holds: until the token stops
    /// being accepted, when the token verified; `None` when it did not (the answer is not to be reused).
    pub fn is_authorized_with_token_until(&self, input: &Value, now: u64) -> (Answer, Option<u64>) {
        match tokens_of(input).and_then(|tokens| self.identity(&tokens, now)) {
            Ok(identity) => (self.authorize_identity(&identity, input), Some(identity.valid_until)),
            Err(e) => (Answer::deny(e), None),
        }
    }

    /// [`Authorizer::is_authorized_with_token_until`] from the request's JSON text, read without a `Value`
    /// of the whole request ([`request::text`]); `None` when the text should be read as a `Value` and given
    /// to it, which then answers as this would have. A request naming a `principal` is left to it.
    pub fn is_authorized_with_token_text(&self, text: &str, now: u64) -> Option<(Answer, Option<u64>)> {
        let read = request::text::read(text)?;
        if read.parts.principal.is_some() {
            return None;
        }
        Some(match tokens_read(&read).and_then(|tokens| self.identity(&tokens, now)) {
            Ok(identity) => {
                let answer = self.authorize_parts(&identity, Ok(read.parts), read.entities.as_ref());
                (answer, Some(identity.valid_until))
            }
            Err(e) => (Answer::deny(e), None),
        })
    }

    /// Decides `{action, resource, context, entities}` for an identity already verified and mapped.
    pub fn authorize_identity(&self, identity: &Identity, input: &Value) -> Answer {
        self.authorize_parts(identity, request::decode_request(input), input.get("entities"))
    }

    /// A decoded request (or why it does not decode) and its entities, for an identity: the entities'
    /// errors first, then the request's.
    fn authorize_parts(
        &self,
        identity: &Identity,
        parts: Result<request::RequestParts<'_>, Error>,
        entities: Option<&Value>,
    ) -> Answer {
        match self.caller_entities(identity, entities) {
            Ok(entities) => self.decide_with_identity(identity, parts, &entities),
            Err(e) => with_principal(Answer::deny(e), identity),
        }
    }

    /// `BatchIsAuthorizedWithToken`: one token, many `{action, resource, context}` requests, shared entities.
    pub fn batch_is_authorized_with_token(&self, input: &Value, now: u64) -> BatchAnswer {
        let requests = input.get("requests").and_then(Value::as_array).cloned().unwrap_or_default();
        let identity = tokens_of(input).and_then(|tokens| self.identity(&tokens, now));
        let prepared = identity.as_ref().map_err(Clone::clone).and_then(|identity| {
            self.caller_entities(identity, input.get("entities")).map(|entities| (identity, entities))
        });
        let results = requests
            .into_iter()
            .map(|request| {
                let answer = match &prepared {
                    Ok((identity, entities)) => {
                        self.decide_with_identity(identity, request::decode_request(&request), entities)
                    }
                    Err(e) => Answer::deny(e.clone()),
                };
                BatchResult { request, answer }
            })
            .collect();
        BatchAnswer { results }
    }

    /// The caller's entities merged with the token's. Entities of a principal or group type of any identity
    /// source are refused, whatever form they are written in and whatever the token says: only a verified
    /// token may bring a principal or its groups (as in Verified Permissions).
    fn caller_entities<'i>(&self, identity: &'i Identity, given: Option<&Value>) -> Result<Cow<'i, Entities>, Error> {
        let list = request::decode_entities(given)?;
        if list.is_empty() {
            return Ok(Cow::Borrowed(&identity.merged));
        }
        let parsed = super::merge::parse_request_entities(list, &self.request_schema())
            .map_err(|e| Error::new(Code::RequestInvalidEntities, error_chain(&e)))?;
        let reserved = self.issuers.entity_types();
        let mut added = identity.entities.clone();
        for entity in parsed {
            let entity_type = entity.uid().type_name().to_string();
            if reserved.contains(&entity_type) {
                return Err(Error::new(
                    Code::RequestInvalidEntities,
                    format!("`entities` may not include `{entity_type}` entities: principals and their groups come only from a verified token"),
                ));
            }
            added.push(entity);
        }
        self.entities_with_parsed(Vec::new(), added).map(Cow::Owned)
    }

    fn decide_with_identity(
        &self,
        identity: &Identity,
        parts: Result<request::RequestParts<'_>, Error>,
        entities: &Entities,
    ) -> Answer {
        let mut parts = match parts {
            Ok(parts) => parts,
            Err(e) => return with_principal(Answer::deny(e), identity),
        };
        if parts.principal.is_some() {
            return with_principal(
                Answer::deny(Error::new(
                    Code::RequestMalformed,
                    "a token request takes its principal from the token, not from `principal`",
                )),
                identity,
            );
        }
        let mut warnings: Vec<Error> = identity
            .mapped
            .skipped
            .iter()
            .filter(|s| s.mismatch)
            .map(|s| {
                Error::new(Code::MappingClaimSkipped, format!("claim `{}` was left out: it {}", s.claim, s.reason))
            })
            .collect();
        // Whenever a token is given, `context.token` is the authorizer's alone: from the access token, or
        // absent. A caller's value is refused in every form (it arrives here decoded).
        if parts.context.contains_key("token") {
            return with_principal(
                Answer::deny(Error::new(
                    Code::RequestInvalidContext,
                    "`context.token` is filled from the access token; a request with a token may not set it",
                )),
                identity,
            );
        }
        if let Some(claims) = &identity.mapped.access_claims {
            match mapping::context_token(claims, &self.types, &parts.action.to_string()) {
                Ok(Some((token, skipped))) => {
                    parts.context.to_mut().insert("token".into(), token);
                    warnings.extend(skipped.iter().filter(|s| s.mismatch).map(|s| {
                        Error::new(
                            Code::MappingClaimSkipped,
                            format!("claim `{}` was left out: it {}", s.claim, s.reason),
                        )
                    }));
                }
                Ok(None) => {}
                Err(e) => return with_principal(Answer::deny(e), identity),
            }
        }
        match identity.mapped.principal.to_uid() {
            Ok(uid) => parts.principal = Some(uid),
            Err(e) => return with_principal(Answer::deny(Error::new(Code::MappingInvalid, e)), identity),
        }
        let mut answer = self.decide(parts, entities);
        answer.warnings = warnings;
        with_principal(answer, identity)
    }

    /// Maps claims as if they came from verified tokens (an ID token's, an access token's, or both) of the
    /// identity source their `iss` names (or the store's only one). For policy tests and the test bench:
    /// no signature, time, issuer or audience checks.
    pub fn identity_from_claims(&self, claim_sets: &[(TokenKind, &Map<String, Value>)]) -> Result<Identity, Error> {
        let verified = claim_sets
            .iter()
            .map(|(kind, claims)| {
                let iss = claims.get("iss").and_then(Value::as_str);
                let index = match iss {
                    Some(iss) => self.issuers.sources.iter().position(|s| s.issuer == iss),
                    None if self.issuers.sources.len() == 1 => Some(0),
                    None => None,
                }
                .ok_or_else(|| match iss {
                    Some(iss) => Error::new(
                        Code::TokenWrongIssuer,
                        format!("issuer `{iss}` is not a configured identity source"),
                    ),
                    None => Error::new(
                        Code::TokenWrongIssuer,
                        "the claims have no `iss` and the store has no single identity source",
                    ),
                })?;
                Ok(VerifiedToken { kind: *kind, source: index, claims: (*claims).clone(), valid_until: u64::MAX })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        self.identity_from_verified(&verified)
    }
}

/// What a token says and what it maps to, for people writing policies: the decoded header and claims
/// (even when the token does not verify), the verification result, and the mapping.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TokenExplanation {
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value> | null"))]
    pub header: Option<Map<String, Value>>,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value> | null"))]
    pub claims: Option<Map<String, Value>>,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    /// The mapping of the claims. When the token did not verify, this is what it would map to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<MappedIdentity>,
    /// Principal and group entities in Cedar entity JSON.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entities: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping_error: Option<Error>,
}

impl Authorizer {
    /// Explains a token: decodes it, verifies it (bypassing the cache) and maps it.
    pub fn explain_token(&self, token: &str, kind: TokenKind, now: u64) -> TokenExplanation {
        let parsed = crate::token::jws::parse(token, self.issuers.limits.max_token_bytes);
        let (header, claims) = match &parsed {
            Ok(p) => (Some(p.header.clone()), p.claims().ok()),
            Err(_) => (None, None),
        };
        let verification = self.issuers.verify(token, kind, now);
        let (verified, error) = match &verification {
            Ok(_) => (true, None),
            Err(e) => (false, Some(e.clone())),
        };
        let identity = match (&verification, &claims) {
            (Ok(v), _) => Some(self.identity_from_verified(std::slice::from_ref(v))),
            (Err(_), Some(claims)) => Some(self.identity_from_claims(&[(kind, claims)])),
            _ => None,
        };
        let (mapping, entities, mapping_error) = match identity {
            Some(Ok(identity)) => {
                let statics = &self.store.entities;
                let known = |r: &EntityRef| r.to_uid().map(|uid| statics.get(&uid).is_some()).unwrap_or(false);
                let entities = identity.mapped.entities_json(&known);
                (Some(identity.mapped), entities, None)
            }
            Some(Err(e)) => (None, Vec::new(), Some(e)),
            None => (None, Vec::new(), None),
        };
        TokenExplanation {
            header,
            claims,
            verified,
            error: error.or_else(|| parsed.err()),
            mapping,
            entities,
            mapping_error,
        }
    }
}

fn with_principal(mut answer: Answer, identity: &Identity) -> Answer {
    answer.principal = Some(identity.mapped.principal.to_avp());
    answer
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;

    /// The principal and groups through Cedar's entity JSON parser with the schema: what
    /// `identity_entities` builds directly, and must equal.
    fn through_cedar_json(authorizer: &Authorizer, mapped: &MappedIdentity) -> Result<Vec<Entity>, String> {
        let statics = &authorizer.store.entities;
        let known = |r: &EntityRef| r.to_uid().map(|uid| statics.get(&uid).is_some()).unwrap_or(false);
        let parsed =
            Entities::from_json_value(Value::Array(mapped.entities_json(&known)), Some(&authorizer.store.schema))
                .map_err(|e| error_chain(&e))?;
        let wanted: Vec<_> =
            std::iter::once(&mapped.principal).chain(mapped.groups.iter()).filter_map(|r| r.to_uid().ok()).collect();
        Ok(parsed.iter().filter(|e| wanted.contains(&e.uid())).cloned().collect())
    }

    fn agree(authorizer: &Authorizer, mapped: &MappedIdentity, what: &str) -> bool {
        let ours = authorizer.identity_entities(mapped);
        match (ours, through_cedar_json(authorizer, mapped)) {
            (Ok(ours), Ok(theirs)) => {
                assert_eq!(ours.len(), theirs.len(), "{what}");
                for entity in &ours {
                    let other = theirs.iter().find(|e| e.uid() == entity.uid()).expect("same entities");
                    assert!(
                        AsRef::<cedar_policy_core::ast::Entity>::as_ref(entity).deep_eq(other.as_ref()),
                        "{what}: {entity} vs {other}"
                    );
                }
                true
            }
            (Err(_), Err(_)) => false,
            (ours, theirs) => panic!("{what}: ours {ours:?}, Cedar's JSON parser {theirs:?}"),
        }
    }

    #[test]
    fn identity_entities_are_what_cedars_json_parser_makes_of_the_mapping() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let store = |dir: &str| {
            let mut files = crate::store::StoreFiles::new();
            for entry in std::fs::read_dir(root.join(dir)).expect("store") {
                let path = entry.expect("entry").path();
                if path.is_file() {
                    let name = path.file_name().expect("name").to_string_lossy().to_string();
                    files.insert(name, std::fs::read_to_string(&path).expect("read"));
                }
            }
            Authorizer::from_files(&files).expect("store loads")
        };
        let (mut built, mut refused) = (0, 0);
        for entry in std::fs::read_dir(root.join("tests/fixtures/mapping")).expect("fixtures") {
            let fixture: Value =
                serde_json::from_str(&std::fs::read_to_string(entry.expect("entry").path()).expect("read"))
                    .expect("JSON");
            let authorizer = store(fixture["store"].as_str().expect("store"));
            let Some(claims) = fixture["tokens"].get("identity").and_then(Value::as_object) else { continue };
            // Each claim replaced in turn by values of every JSON kind, some fitting its type and some not.
            let variants = [
                json!("finance"),
                json!("10.0.0.1"),
                json!("a b c"),
                json!(42),
                json!(-1),
                json!(2.5),
                json!(true),
                json!(null),
                json!(["x", "y"]),
                json!([1, 2]),
                json!({ "city": "Paris", "zip": "75001" }),
                json!({ "city": 3 }),
                json!({ "__entity": { "type": "Corp::Department", "id": "x" } }),
            ];
            for claim in claims.keys().filter(|k| !["iss", "aud", "exp"].contains(&k.as_str())) {
                for variant in &variants {
                    let mut changed = claims.clone();
                    changed.insert(claim.clone(), variant.clone());
                    if let Ok(identity) = authorizer.identity_from_claims(&[(TokenKind::Identity, &changed)]) {
                        if agree(&authorizer, &identity.mapped, &format!("{claim} = {variant}")) {
                            built += 1;
                        } else {
                            refused += 1;
                        }
                    }
                }
            }
        }
        println!("identity entities: {built} built the same, {refused} refused by both");
        assert!(built > 50, "{built} built, {refused} refused by both");
    }
}
