//! `IsAuthorizedWithToken` and `BatchIsAuthorizedWithToken`: verify the token, map it to the principal,
//! its groups and attributes (or `context.token`), then decide.
//!
//! Verified tokens are cached by the SHA-256 of the whole token string, only after the signature and
//! every claim check passed, and only until the token's `exp` (plus the leeway). Nothing is ever looked up
//! by an unverified claim. New keys for an issuer drop that issuer's cached tokens.

use std::borrow::Cow;
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use cedar_policy::{Entities, Entity};
use serde::Serialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use crate::authorizer::Authorizer;
use crate::avp::{self, Answer, BatchAnswer, BatchResult};
use crate::diagnostics::error_chain;
use crate::entity_ref::EntityRef;
use crate::errors::{codes as request_codes, ErrorItem};
use crate::token::keys::KeySet;
use crate::token::mapping::{self, MappedIdentity};
use crate::token::sources::VerifiedToken;
use crate::token::{codes, TokenError, TokenKind};

/// How many verified tokens are remembered.
pub const TOKEN_CACHE_CAPACITY: usize = 4096;

/// A verified, mapped identity, ready to decide with.
#[derive(Debug)]
pub struct Identity {
    pub mapped: MappedIdentity,
    /// The principal and group entities, parsed against the schema once.
    pub entities: Vec<Entity>,
    /// The store's static entities with the principal and groups added, once: what a request without
    /// entities of its own decides against.
    pub merged: Entities,
    /// The earliest time any of its tokens stops being accepted.
    pub valid_until: u64,
    pub issuer: String,
}

#[derive(Debug, Default)]
pub struct TokenCache {
    entries: HashMap<[u8; 32], Arc<Identity>>,
    order: VecDeque<[u8; 32]>,
    inserts_since_sweep: u32,
    pub hits: u64,
    pub misses: u64,
}

impl TokenCache {
    fn get(&mut self, key: &[u8; 32], now: u64) -> Option<Arc<Identity>> {
        match self.entries.get(key) {
            Some(identity) if now <= identity.valid_until => {
                self.hits += 1;
                Some(identity.clone())
            }
            Some(_) => {
                self.entries.remove(key);
                self.misses += 1;
                None
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    fn insert(&mut self, key: [u8; 32], identity: Arc<Identity>, now: u64) {
        if self.entries.len() >= TOKEN_CACHE_CAPACITY {
            // Sweep expired entries now and then, not on every insert: a full cache of live tokens costs
            // one eviction per insert.
            self.inserts_since_sweep += 1;
            if self.inserts_since_sweep >= 256 {
                self.inserts_since_sweep = 0;
                self.entries.retain(|_, v| now <= v.valid_until);
                self.order.retain(|k| self.entries.contains_key(k));
            }
            // Oldest first; `order` may still name entries already gone.
            while self.entries.len() >= TOKEN_CACHE_CAPACITY {
                match self.order.pop_front() {
                    Some(oldest) => {
                        self.entries.remove(&oldest);
                    }
                    None => break,
                }
            }
        }
        if self.entries.insert(key, identity).is_none() {
            self.order.push_back(key);
        }
    }

    fn forget_issuer(&mut self, issuer: &str) {
        self.entries.retain(|_, v| v.issuer != issuer);
        self.order.retain(|k| self.entries.contains_key(k));
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The verified-token cache's key: SHA-256 over each token's kind and text.
pub fn cache_key(tokens: &[(TokenKind, &str)]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for (kind, token) in tokens {
        hasher.update(kind.token_use().as_bytes());
        hasher.update([0]);
        hasher.update(token.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().into()
}

/// What a JWKS import did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeysImported {
    pub issuer: String,
    pub keys: Vec<String>,
    pub skipped: Vec<String>,
}

/// The tokens of a `WithToken` request.
fn tokens_of(input: &Value) -> Result<Vec<(TokenKind, &str)>, ErrorItem> {
    let mut tokens = Vec::new();
    for kind in [TokenKind::Identity, TokenKind::Access] {
        match input.get(kind.field()) {
            None | Some(Value::Null) => {}
            Some(Value::String(t)) => tokens.push((kind, t.as_str())),
            Some(_) => return Err(ErrorItem::new(codes::MALFORMED, format!("`{}` is not a string", kind.field()))),
        }
    }
    if tokens.is_empty() {
        return Err(ErrorItem::new(codes::MISSING, "the request has neither `identityToken` nor `accessToken`"));
    }
    Ok(tokens)
}

impl Authorizer {
    /// Replaces the keys of an issuer with those of a JWKS document, and forgets the issuer's cached
    /// tokens (a key that left the set must stop verifying at once).
    pub fn set_jwks(&mut self, issuer: &str, jwks: &Value) -> Result<KeysImported, String> {
        let set: &KeySet = self.issuers.set_keys(issuer, jwks)?;
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

    /// The issuers of the store's identity sources, with where to find their keys:
    /// `[{issuer, jwksUri | discoveryUri}]`.
    pub fn issuers(&self) -> Vec<Value> {
        self.issuers
            .sources
            .iter()
            .map(|s| {
                let (url, discovery) = s.jwks_hint();
                let key = if discovery { "discoveryUri" } else { "jwksUri" };
                json!({ "issuer": s.issuer, key: url, "hasKeys": self.issuers.keys.contains_key(&s.issuer) })
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
    pub fn identity(&self, tokens: &[(TokenKind, &str)], now: u64) -> Result<Arc<Identity>, TokenError> {
        let key = cache_key(tokens);
        if let Ok(mut cache) = self.token_cache.lock() {
            if let Some(identity) = cache.get(&key, now) {
                return Ok(identity);
            }
        }
        let verified: Vec<VerifiedToken> =
            tokens.iter().map(|(kind, token)| self.issuers.verify(token, *kind, now)).collect::<Result<_, _>>()?;
        let identity = Arc::new(self.identity_from_verified(&verified)?);
        if let Ok(mut cache) = self.token_cache.lock() {
            cache.insert(key, identity.clone(), now);
        }
        Ok(identity)
    }

    /// Maps verified tokens (all from one issuer) and parses the resulting entities against the schema.
    pub fn identity_from_verified(&self, verified: &[VerifiedToken]) -> Result<Identity, TokenError> {
        let first = verified.first().ok_or_else(|| TokenError::new(codes::MISSING, "no token"))?;
        if verified.iter().any(|v| v.source != first.source) {
            return Err(TokenError::new(
                codes::PRINCIPAL_MISMATCH,
                "the ID token and the access token come from different issuers",
            ));
        }
        let source = self
            .issuers
            .sources
            .get(first.source)
            .ok_or_else(|| TokenError::new(codes::WRONG_ISSUER, "unknown identity source"))?;
        let refs: Vec<&VerifiedToken> = verified.iter().collect();
        let mapped = mapping::map_identity(source, &refs, &self.types)?;
        let entities = self.identity_entities(&mapped)?;
        let merged = self.entities_with_parsed(Vec::new(), entities.clone()).map_err(|e| {
            TokenError::new(
                codes::MAPPING_INVALID,
                format!("the token's entities do not fit the store's: {}", e.error_description),
            )
        })?;
        Ok(Identity {
            entities,
            merged,
            valid_until: verified.iter().map(|v| v.valid_until).min().unwrap_or(0),
            issuer: source.issuer.clone(),
            mapped,
        })
    }

    fn identity_entities(&self, mapped: &MappedIdentity) -> Result<Vec<Entity>, TokenError> {
        let statics = &self.store.entities;
        let known = |r: &EntityRef| r.to_uid().map(|uid| statics.get(&uid).is_some()).unwrap_or(false);
        let json = mapped.entities_json(&known);
        let wanted: Vec<_> =
            std::iter::once(&mapped.principal).chain(mapped.groups.iter()).filter_map(|r| r.to_uid().ok()).collect();
        let parsed = Entities::from_json_value(Value::Array(json), Some(&self.store.schema)).map_err(|e| {
            TokenError::new(
                codes::MAPPING_INVALID,
                format!("the token does not map to valid entities: {}", error_chain(&e)),
            )
        })?;
        Ok(parsed.iter().filter(|e| wanted.contains(&e.uid())).cloned().collect())
    }

    /// `IsAuthorizedWithToken`: `{identityToken | accessToken, action, resource, context, entities}`.
    /// `now` is the current time in seconds since the epoch.
    pub fn is_authorized_with_token(&self, input: &Value, now: u64) -> Answer {
        self.is_authorized_with_token_until(input, now).0
    }

    /// [`Authorizer::is_authorized_with_token`], with how long the answer holds: until the token stops
    /// being accepted, when the token verified; `None` when it did not (the answer is not to be reused).
    pub fn is_authorized_with_token_until(&self, input: &Value, now: u64) -> (Answer, Option<u64>) {
        match tokens_of(input).and_then(|tokens| self.identity(&tokens, now).map_err(ErrorItem::from)) {
            Ok(identity) => (self.authorize_identity(&identity, input), Some(identity.valid_until)),
            Err(e) => (Answer::deny(e), None),
        }
    }

    /// Decides `{action, resource, context, entities}` for an identity already verified and mapped.
    pub fn authorize_identity(&self, identity: &Identity, input: &Value) -> Answer {
        match self.caller_entities(identity, input.get("entities")) {
            Ok(entities) => self.decide_with_identity(identity, input, &entities),
            Err(e) => with_principal(Answer::deny(e), identity),
        }
    }

    /// `BatchIsAuthorizedWithToken`: one token, many `{action, resource, context}` requests, shared entities.
    pub fn batch_is_authorized_with_token(&self, input: &Value, now: u64) -> BatchAnswer {
        let requests = input.get("requests").and_then(Value::as_array).cloned().unwrap_or_default();
        let identity = tokens_of(input).and_then(|tokens| self.identity(&tokens, now).map_err(ErrorItem::from));
        let prepared = identity.as_ref().map_err(Clone::clone).and_then(|identity| {
            self.caller_entities(identity, input.get("entities")).map(|entities| (identity, entities))
        });
        let results = requests
            .into_iter()
            .map(|request| {
                let answer = match &prepared {
                    Ok((identity, entities)) => self.decide_with_identity(identity, &request, entities),
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
    fn caller_entities<'i>(
        &self,
        identity: &'i Identity,
        given: Option<&Value>,
    ) -> Result<Cow<'i, Entities>, ErrorItem> {
        let list = avp::decode_entities(given)?;
        if list.is_empty() {
            return Ok(Cow::Borrowed(&identity.merged));
        }
        let parsed = Entities::from_json_value(Value::Array(list), Some(&self.store.schema))
            .map_err(|e| ErrorItem::new(request_codes::ENTITIES_INVALID, error_chain(&e)))?;
        let reserved = self.issuers.entity_types();
        let mut added = identity.entities.clone();
        for entity in parsed.iter() {
            let entity_type = entity.uid().type_name().to_string();
            if reserved.contains(&entity_type) {
                return Err(ErrorItem::new(
                    request_codes::ENTITIES_INVALID,
                    format!("`entities` may not include `{entity_type}` entities: principals and their groups come only from a verified token"),
                ));
            }
            added.push(entity.clone());
        }
        self.entities_with_parsed(Vec::new(), added).map(Cow::Owned)
    }

    fn decide_with_identity(&self, identity: &Identity, request: &Value, entities: &Entities) -> Answer {
        let mut parts = match avp::decode_request(request) {
            Ok(parts) => parts,
            Err(e) => return with_principal(Answer::deny(e), identity),
        };
        if parts.principal.is_some() {
            return with_principal(
                Answer::deny(ErrorItem::new(
                    request_codes::REQUEST_MALFORMED,
                    "a token request takes its principal from the token, not from `principal`",
                )),
                identity,
            );
        }
        let mut warnings: Vec<ErrorItem> = identity
            .mapped
            .skipped
            .iter()
            .filter(|s| s.mismatch)
            .map(|s| {
                ErrorItem::new("mapping.claim_skipped", format!("claim `{}` was left out: it {}", s.claim, s.reason))
            })
            .collect();
        // Whenever a token is given, `context.token` is the authorizer's alone: from the access token, or
        // absent. A caller's value is refused in every form (it arrives here decoded).
        if parts.context.contains_key("token") {
            return with_principal(
                Answer::deny(ErrorItem::new(
                    request_codes::CONTEXT_INVALID,
                    "`context.token` is filled from the access token; a request with a token may not set it",
                )),
                identity,
            );
        }
        if let Some(claims) = &identity.mapped.access_claims {
            match mapping::context_token(claims, &self.types, &parts.action.to_string()) {
                Ok(Some((token, skipped))) => {
                    parts.context.insert("token".into(), token);
                    warnings.extend(skipped.iter().filter(|s| s.mismatch).map(|s| {
                        ErrorItem::new(
                            "mapping.claim_skipped",
                            format!("claim `{}` was left out: it {}", s.claim, s.reason),
                        )
                    }));
                }
                Ok(None) => {}
                Err(e) => return with_principal(Answer::deny(e.into()), identity),
            }
        }
        match identity.mapped.principal.to_uid() {
            Ok(uid) => parts.principal = Some(uid),
            Err(e) => return with_principal(Answer::deny(ErrorItem::new(codes::MAPPING_INVALID, e)), identity),
        }
        let mut answer = self.decide(parts, entities);
        answer.warnings = warnings;
        with_principal(answer, identity)
    }

    /// Maps claims as if they came from verified tokens (an ID token's, an access token's, or both) of the
    /// identity source their `iss` names (or the store's only one). For policy tests and the test bench:
    /// no signature, time, issuer or audience checks.
    pub fn identity_from_claims(
        &self,
        claim_sets: &[(TokenKind, &Map<String, Value>)],
    ) -> Result<Identity, TokenError> {
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
                    Some(iss) => TokenError::new(
                        codes::WRONG_ISSUER,
                        format!("issuer `{iss}` is not a configured identity source"),
                    ),
                    None => TokenError::new(
                        codes::WRONG_ISSUER,
                        "the claims have no `iss` and the store has no single identity source",
                    ),
                })?;
                Ok(VerifiedToken { kind: *kind, source: index, claims: (*claims).clone(), valid_until: u64::MAX })
            })
            .collect::<Result<Vec<_>, TokenError>>()?;
        self.identity_from_verified(&verified)
    }
}

/// What a token says and what it maps to, for people writing policies: the decoded header and claims
/// (even when the token does not verify), the verification result, and the mapping.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenExplanation {
    pub header: Option<Map<String, Value>>,
    pub claims: Option<Map<String, Value>>,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<TokenError>,
    /// The mapping of the claims. When the token did not verify, this is what it would map to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping: Option<MappedIdentity>,
    /// Principal and group entities in Cedar entity JSON.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapping_error: Option<TokenError>,
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

/// For tests of the cache's bookkeeping.
#[cfg(test)]
mod tests {
    use super::*;

    fn identity(valid_until: u64, issuer: &str) -> Arc<Identity> {
        Arc::new(Identity {
            mapped: MappedIdentity {
                principal: EntityRef::new("A::U", "x"),
                groups: vec![],
                attributes: Map::new(),
                access_claims: None,
                skipped: vec![],
            },
            entities: vec![],
            merged: Entities::empty(),
            valid_until,
            issuer: issuer.into(),
        })
    }

    #[test]
    fn cache_expires_evicts_and_forgets_issuers() {
        let mut cache = TokenCache::default();
        let a = cache_key(&[(TokenKind::Identity, "a")]);
        let b = cache_key(&[(TokenKind::Access, "a")]);
        assert_ne!(a, b, "the same string as another kind of token is another entry");
        cache.insert(a, identity(100, "i1"), 0);
        assert!(cache.get(&a, 100).is_some());
        assert!(cache.get(&a, 101).is_none(), "never past its exp");
        assert!(cache.is_empty());
        cache.insert(a, identity(100, "i1"), 0);
        cache.insert(b, identity(100, "i2"), 0);
        cache.forget_issuer("i1");
        assert!(cache.get(&a, 1).is_none());
        assert!(cache.get(&b, 1).is_some());
        for i in 0..(TOKEN_CACHE_CAPACITY + 10) {
            cache.insert(cache_key(&[(TokenKind::Identity, &i.to_string())]), identity(1000, "i1"), 0);
        }
        assert_eq!(cache.len(), TOKEN_CACHE_CAPACITY);
        assert!(cache.get(&cache_key(&[(TokenKind::Identity, "0")]), 1).is_none(), "oldest evicted first");
    }
}
