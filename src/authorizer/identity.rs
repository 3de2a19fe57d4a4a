//! A verified, mapped identity, and the bounded cache of them by token digest.
//!
//! Verified tokens are cached by their whole text (with their kind), only after the signature and every
//! claim check passed, and only until the token's `exp` (plus the leeway). Nothing is ever looked up by an
//! unverified claim, and a lookup matches only the exact text that was verified. New keys for an issuer drop
//! that issuer's cached tokens.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use cedar_policy::{Entities, Entity};

use crate::token::mapping::MappedIdentity;
use crate::token::TokenKind;

/// How many verified tokens are remembered.
pub const TOKEN_CACHE_CAPACITY: usize = 4096;
/// At most this many entities across all remembered identities. Each holds the store's static entities
/// with its principal and groups added (Cedar decides against one entity set, and has no way to add to a set
/// without copying it), so an identity weighs as much as the store: without this bound, a store of 10,000
/// entities would hold about 1.4 GB at 1,000 remembered tokens. 100,000 entities are about 15 MB.
pub const TOKEN_CACHE_WEIGHT: usize = 100_000;
/// The token text an entry keeps weighs as one entity per this many bytes (about what an entity takes).
const KEY_BYTES_PER_ENTITY: usize = 150;

/// The verified-token cache's key: each token's kind and text ([`cache_key`]).
pub type CacheKey = Arc<[u8]>;

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
    /// The (first) token's `jti` and `sub`, for decision logs.
    pub token_id: Option<String>,
    pub subject: Option<String>,
}

impl Identity {
    /// What it weighs in the cache under `key`: the entities it holds, and the token text of its key.
    fn weight(&self, key: &[u8]) -> usize {
        self.merged.len() + self.entities.len() + key.len() / KEY_BYTES_PER_ENTITY
    }
}

#[derive(Debug, Default)]
pub struct TokenCache {
    /// By the text of verified tokens only: keys nobody can choose (an issuer signed them), so a fast hash
    /// without a random key is enough; the map compares the whole text on every lookup.
    entries: HashMap<CacheKey, Arc<Identity>, foldhash::fast::FixedState>,
    order: VecDeque<CacheKey>,
    /// The sum of the entries' weights ([`TOKEN_CACHE_WEIGHT`]).
    weight: usize,
    inserts_since_sweep: u32,
    pub hits: u64,
    pub misses: u64,
}

impl TokenCache {
    pub(super) fn get(&mut self, key: &[u8], now: u64) -> Option<Arc<Identity>> {
        match self.entries.get(key) {
            Some(identity) if now <= identity.valid_until => {
                self.hits += 1;
                Some(identity.clone())
            }
            Some(_) => {
                self.remove(key);
                self.misses += 1;
                None
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    pub(super) fn insert(&mut self, key: CacheKey, identity: Arc<Identity>, now: u64) {
        let weight = identity.weight(&key);
        // An identity heavier than the whole budget is not remembered: its token is verified every time.
        if weight > TOKEN_CACHE_WEIGHT {
            return;
        }
        self.remove(&key);
        if self.entries.len() >= TOKEN_CACHE_CAPACITY || self.weight + weight > TOKEN_CACHE_WEIGHT {
            // Sweep expired entries now and then, not on every insert: a full cache of live tokens costs
            // one eviction per insert.
            self.inserts_since_sweep += 1;
            if self.inserts_since_sweep >= 256 {
                self.inserts_since_sweep = 0;
                self.retain(|identity| now <= identity.valid_until);
            }
            // Oldest first; `order` may still name entries already gone.
            while self.entries.len() >= TOKEN_CACHE_CAPACITY || self.weight + weight > TOKEN_CACHE_WEIGHT {
                match self.order.pop_front() {
                    Some(oldest) => self.remove(&oldest),
                    None => break,
                }
            }
        }
        self.weight += weight;
        self.entries.insert(key.clone(), identity);
        self.order.push_back(key);
        // `order` still names entries removed since (expired ones `get` dropped, tokens inserted again):
        // compacted before it outgrows the map, so it stays bounded by the entries (amortized O(1)).
        if self.order.len() > 2 * self.entries.len() + 64 {
            self.order.retain(|k| self.entries.contains_key(k));
        }
    }

    fn remove(&mut self, key: &[u8]) {
        if let Some((key, identity)) = self.entries.remove_entry(key) {
            self.weight -= identity.weight(&key);
        }
    }

    fn retain(&mut self, keep: impl Fn(&Identity) -> bool) {
        let mut weight = 0;
        self.entries.retain(|key, identity| {
            let kept = keep(identity);
            if kept {
                weight += identity.weight(key);
            }
            kept
        });
        self.weight = weight;
        self.order.retain(|k| self.entries.contains_key(k));
    }

    pub(super) fn forget_issuer(&mut self, issuer: &str) {
        self.retain(|identity| identity.issuer != issuer);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entities all remembered identities hold.
    pub fn weight(&self) -> usize {
        self.weight
    }
}

/// The verified-token cache's key: each token's kind, its length (8 bytes) and its text, so that no text
/// (a token may hold any character, a zero byte among them) can spell another list of tokens. A token whose
/// kind it picks itself (`None`, for adapters that get one bearer token) is its own entry: the same text
/// always picks the same kind. The text itself rather than a digest of it: a SHA-256 of a token compiled to
/// wasm was a fifth of a fresh token's own work (`make bench`), and a lookup that compares the text can only
/// ever find the token that was verified.
pub fn cache_key(tokens: &[(Option<TokenKind>, &str)]) -> CacheKey {
    let mut key = Vec::with_capacity(tokens.iter().map(|(_, t)| t.len() + 16).sum());
    for (kind, token) in tokens {
        key.extend_from_slice(kind.map_or("auto", TokenKind::token_use).as_bytes());
        key.push(0);
        key.extend_from_slice(&(token.len() as u64).to_le_bytes());
        key.extend_from_slice(token.as_bytes());
    }
    key.into()
}

/// The SHA-256 of a cache key, in hex: the digest an answer cache outside the module keys by.
pub fn key_digest(key: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    crate::bundle::hash::hex(&Sha256::digest(key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::entity_ref::EntityRef;
    use serde_json::Map;

    fn identity(valid_until: u64, issuer: &str) -> Arc<Identity> {
        weighing(valid_until, issuer, 0)
    }

    /// An identity whose merged set holds `statics` entities.
    fn weighing(valid_until: u64, issuer: &str, statics: usize) -> Arc<Identity> {
        let merged = Entities::from_entities(
            (0..statics).map(|i| Entity::with_uid(format!("A::G::\"{i}\"").parse().expect("uid"))),
            None,
        )
        .expect("entities");
        Arc::new(Identity {
            mapped: MappedIdentity {
                principal: EntityRef::new("A::U", "x"),
                groups: vec![],
                attributes: Map::new(),
                access_claims: None,
                skipped: vec![],
            },
            entities: vec![],
            merged,
            valid_until,
            issuer: issuer.into(),
            token_id: None,
            subject: None,
        })
    }

    #[test]
    fn only_the_exact_token_text_hits_and_its_bytes_weigh() {
        let mut cache = TokenCache::default();
        let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln";
        cache.insert(cache_key(&[(None, token)]), identity(100, "i1"), 0);
        assert!(cache.get(&cache_key(&[(None, token)]), 1).is_some());
        // A prefix, an extension, one character changed, the same text as another kind or split in two.
        let near = [
            cache_key(&[(None, &token[..token.len() - 1])]),
            cache_key(&[(None, &format!("{token}A"))]),
            cache_key(&[(None, &token.replacen('c', "d", 1))]),
            cache_key(&[(Some(TokenKind::Identity), token)]),
            cache_key(&[(None, &token[..20]), (None, &token[20..])]),
        ];
        for key in &near {
            assert!(cache.get(key, 1).is_none(), "{:?}", String::from_utf8_lossy(key));
        }
        // A pair of tokens, and one text that holds both with what once separated them.
        let (id, access) = ("aaa.bbb.ccc", "ddd.eee.fff");
        cache.insert(
            cache_key(&[(Some(TokenKind::Identity), id), (Some(TokenKind::Access), access)]),
            identity(100, "i1"),
            0,
        );
        for spelled in [format!("{id}\0access\0{access}"), format!("{id}\0access\0{access}\0")] {
            assert!(cache.get(&cache_key(&[(Some(TokenKind::Identity), &spelled)]), 1).is_none(), "{spelled:?}");
        }
        // A 15 KB token weighs a hundred entities: the budget bounds the text kept as well.
        let long = "x".repeat(15_000);
        let before = cache.weight();
        cache.insert(cache_key(&[(None, &long)]), identity(100, "i1"), 0);
        assert_eq!(cache.weight() - before, ("auto".len() + 1 + 8 + 15_000) / KEY_BYTES_PER_ENTITY);
    }

    #[test]
    fn cache_expires_evicts_and_forgets_issuers() {
        let mut cache = TokenCache::default();
        let a = cache_key(&[(Some(TokenKind::Identity), "a")]);
        let b = cache_key(&[(Some(TokenKind::Access), "a")]);
        assert_ne!(a, b, "the same string as another kind of token is another entry");
        assert_ne!(a, cache_key(&[(None, "a")]), "a token that picks its kind is another entry");
        cache.insert(a.clone(), identity(100, "i1"), 0);
        assert!(cache.get(&a, 100).is_some());
        assert!(cache.get(&a, 101).is_none(), "never past its exp");
        assert!(cache.is_empty());
        cache.insert(a.clone(), identity(100, "i1"), 0);
        cache.insert(b.clone(), identity(100, "i2"), 0);
        cache.forget_issuer("i1");
        assert!(cache.get(&a, 1).is_none());
        assert!(cache.get(&b, 1).is_some());
        for i in 0..(TOKEN_CACHE_CAPACITY + 10) {
            cache.insert(cache_key(&[(Some(TokenKind::Identity), &i.to_string())]), identity(1000, "i1"), 0);
        }
        assert_eq!(cache.len(), TOKEN_CACHE_CAPACITY);
        assert!(cache.get(&cache_key(&[(Some(TokenKind::Identity), "0")]), 1).is_none(), "oldest evicted first");
    }

    #[test]
    fn cache_is_bounded_by_the_entities_its_identities_hold() {
        let mut cache = TokenCache::default();
        let key = |i: usize| cache_key(&[(Some(TokenKind::Identity), &i.to_string())]);
        let heavy = TOKEN_CACHE_WEIGHT / 3;
        for i in 0..10 {
            cache.insert(key(i), weighing(1000, if i % 2 == 0 { "even" } else { "odd" }, heavy), 0);
            assert!(cache.weight() <= TOKEN_CACHE_WEIGHT);
        }
        assert_eq!(cache.len(), 3, "three identities of a third of the budget each");
        assert_eq!(cache.weight(), 3 * heavy);
        assert!(cache.get(&key(6), 1).is_none(), "oldest out first");
        assert!(cache.get(&key(9), 1).is_some());
        // Light identities fill the room heavy ones leave.
        cache.forget_issuer("odd");
        assert_eq!((cache.len(), cache.weight()), (1, heavy));
        cache.insert(key(20), weighing(1000, "light", 10), 0);
        assert_eq!((cache.len(), cache.weight()), (2, heavy + 10));
        // Expired: out of the count too.
        cache.insert(key(21), weighing(5, "light", 10), 0);
        assert!(cache.get(&key(21), 6).is_none());
        assert_eq!((cache.len(), cache.weight()), (2, heavy + 10));
        // Heavier than the whole budget: never remembered, and nothing evicted for it.
        cache.insert(key(30), weighing(1000, "huge", TOKEN_CACHE_WEIGHT + 1), 0);
        assert!(cache.get(&key(30), 1).is_none());
        assert_eq!((cache.len(), cache.weight()), (2, heavy + 10));
        // The same token again replaces its entry, counted once.
        cache.insert(key(20), weighing(1000, "light", 10), 0);
        assert_eq!((cache.len(), cache.weight()), (2, heavy + 10));
    }

    #[test]
    fn expired_entries_leave_the_order_list_too() {
        let mut cache = TokenCache::default();
        let key = |i: usize| cache_key(&[(Some(TokenKind::Identity), &i.to_string())]);
        // Far fewer live tokens than the capacity, each expired and dropped by `get`: no sweep ever runs.
        for i in 0..100_000 {
            cache.insert(key(i), identity(10, "i1"), 0);
            assert!(cache.get(&key(i), 11).is_none());
        }
        assert!(cache.is_empty());
        assert!(cache.order.len() <= 64 + 1, "the order list holds {} keys of no entry", cache.order.len());
    }
}
