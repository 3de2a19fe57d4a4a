//! A verified, mapped identity, and the bounded cache of them by token digest.
//!
//! Verified tokens are cached by the SHA-256 of the whole token string, only after the signature and every
//! claim check passed, and only until the token's `exp` (plus the leeway). Nothing is ever looked up by an
//! unverified claim. New keys for an issuer drop that issuer's cached tokens.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use cedar_policy::{Entities, Entity};
use sha2::{Digest, Sha256};

use crate::token::mapping::MappedIdentity;
use crate::token::TokenKind;

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
    /// By SHA-256 digest of verified tokens only: keys nobody can choose, so a fast hash without a random
    /// key is enough (the sweep looks up every entry).
    entries: HashMap<[u8; 32], Arc<Identity>, foldhash::fast::FixedState>,
    order: VecDeque<[u8; 32]>,
    inserts_since_sweep: u32,
    pub hits: u64,
    pub misses: u64,
}

impl TokenCache {
    pub(super) fn get(&mut self, key: &[u8; 32], now: u64) -> Option<Arc<Identity>> {
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

    pub(super) fn insert(&mut self, key: [u8; 32], identity: Arc<Identity>, now: u64) {
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

    pub(super) fn forget_issuer(&mut self, issuer: &str) {
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

/// The verified-token cache's key: SHA-256 over each token's kind and text. A token whose kind it picks
/// itself (`None`, for adapters that get one bearer token) is its own entry: the same text always picks
/// the same kind.
pub fn cache_key(tokens: &[(Option<TokenKind>, &str)]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    for (kind, token) in tokens {
        hasher.update(kind.map_or("auto", TokenKind::token_use).as_bytes());
        hasher.update([0]);
        hasher.update(token.as_bytes());
        hasher.update([0]);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::entity_ref::EntityRef;
    use serde_json::Map;

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
        let a = cache_key(&[(Some(TokenKind::Identity), "a")]);
        let b = cache_key(&[(Some(TokenKind::Access), "a")]);
        assert_ne!(a, b, "the same string as another kind of token is another entry");
        assert_ne!(a, cache_key(&[(None, "a")]), "a token that picks its kind is another entry");
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
            cache.insert(cache_key(&[(Some(TokenKind::Identity), &i.to_string())]), identity(1000, "i1"), 0);
        }
        assert_eq!(cache.len(), TOKEN_CACHE_CAPACITY);
        assert!(cache.get(&cache_key(&[(Some(TokenKind::Identity), "0")]), 1).is_none(), "oldest evicted first");
    }
}
