//! Merged entity sets by request entities.
//!
//! Adding a request's entities to the store's static ones makes Cedar repair the transitive closure, and
//! that walks every static entity: with a hundred of them it costs more than the decision. Callers that
//! pass the same entities again (the same user and groups on each of their requests) reuse the set merged
//! the first time.
//!
//! The key is the request's entity list itself, serialized: a hit needs the exact same text, so two lists
//! can never share an entry, whatever they contain. The store's entities never change for an authorizer,
//! so an entry never goes stale. Only merges that succeeded are kept; the cache is bounded both in entries
//! and in the entities its sets hold, oldest out first.
//!
//! A set is kept the second time its list is merged, not the first: a stream of users each seen once (new
//! users, or fresh tokens behind API Gateway's own cache) would otherwise fill the cache with sets never
//! used again, each insert evicting and freeing an older set, which cost a new user about a tenth of its
//! decision (`make bench`, 1,000 policies). A list seen once is remembered only by a 64-bit hash.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use cedar_policy::Entities;

/// At most this many merged sets.
pub const ENTITY_CACHE_ENTRIES: usize = 1024;
/// At most this many entities across all merged sets (each set holds the store's entities too): about
/// 10 MB of map entries.
pub const ENTITY_CACHE_WEIGHT: usize = 100_000;
/// Entity lists longer than this (serialized) are merged every time, never kept.
pub const ENTITY_CACHE_MAX_KEY: usize = 16 * 1024;
/// How many lists merged once are remembered, waiting for a second merge to be kept.
const SEEN_ONCE: usize = 4 * ENTITY_CACHE_ENTRIES;

#[derive(Debug, Default)]
pub struct EntityCache {
    entries: HashMap<String, (Arc<Entities>, usize)>,
    order: VecDeque<String>,
    weight: usize,
    seen_once: HashSet<u64>,
    seen_order: VecDeque<u64>,
    pub hits: u64,
    pub misses: u64,
}

impl EntityCache {
    /// The merged set for `key`, if kept.
    pub fn get(&mut self, key: &str) -> Option<Arc<Entities>> {
        match self.entries.get(key) {
            Some((entities, _)) => {
                self.hits += 1;
                Some(entities.clone())
            }
            None => {
                self.misses += 1;
                None
            }
        }
    }

    /// Keeps `entities` under `key` if the key was merged before, evicting the oldest sets while over
    /// either bound; else only remembers the key's hash.
    pub fn insert(&mut self, key: String, entities: &Arc<Entities>) {
        let weight = entities.len();
        if key.len() > ENTITY_CACHE_MAX_KEY || weight > ENTITY_CACHE_WEIGHT || self.entries.contains_key(&key) {
            return;
        }
        if !self.second_merge(&key) {
            return;
        }
        while self.entries.len() >= ENTITY_CACHE_ENTRIES || self.weight + weight > ENTITY_CACHE_WEIGHT {
            let Some(oldest) = self.order.pop_front() else { break };
            if let Some((_, w)) = self.entries.remove(&oldest) {
                self.weight -= w;
            }
        }
        self.weight += weight;
        self.order.push_back(key.clone());
        self.entries.insert(key, (entities.clone(), weight));
    }

    /// Whether `key` was merged before (and is now forgotten as seen once); if not, it is remembered.
    fn second_merge(&mut self, key: &str) -> bool {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let hash = hasher.finish();
        if self.seen_once.remove(&hash) {
            return true;
        }
        if self.seen_order.len() >= SEEN_ONCE {
            if let Some(oldest) = self.seen_order.pop_front() {
                self.seen_once.remove(&oldest);
            }
        }
        self.seen_once.insert(hash);
        self.seen_order.push_back(hash);
        false
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Entities held across all kept sets.
    pub fn weight(&self) -> usize {
        self.weight
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedar_policy::{Entity, EntityUid};
    use std::str::FromStr;

    fn set(n: usize) -> Entities {
        let list = (0..n).map(|i| {
            let uid = EntityUid::from_str(&format!("User::\"u{i}\"")).expect("uid");
            Entity::new_no_attrs(uid, Default::default())
        });
        Entities::from_entities(list, None).expect("entities")
    }

    #[test]
    fn bounded_by_entries_and_weight_oldest_out() {
        let mut cache = EntityCache::default();
        for i in 0..ENTITY_CACHE_ENTRIES + 10 {
            cache.insert(format!("k{i}"), &Arc::new(set(1)));
            cache.insert(format!("k{i}"), &Arc::new(set(1)));
        }
        assert_eq!(cache.len(), ENTITY_CACHE_ENTRIES);
        assert!(cache.get("k0").is_none());
        assert!(cache.get(&format!("k{}", ENTITY_CACHE_ENTRIES + 9)).is_some());
        assert_eq!(cache.weight(), ENTITY_CACHE_ENTRIES);

        let mut cache = EntityCache::default();
        let big = Arc::new(set(ENTITY_CACHE_WEIGHT / 3 + 1));
        for i in 0..4 {
            cache.insert(format!("k{i}"), &big);
            cache.insert(format!("k{i}"), &big);
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.weight() <= ENTITY_CACHE_WEIGHT);
        assert!(cache.get("k1").is_none() && cache.get("k3").is_some());
        assert_eq!((cache.hits, cache.misses), (1, 1));

        cache.insert("x".repeat(ENTITY_CACHE_MAX_KEY + 1), &Arc::new(set(1)));
        cache.insert("x".repeat(ENTITY_CACHE_MAX_KEY + 1), &Arc::new(set(1)));
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_set_is_kept_the_second_time_its_list_is_merged() {
        let mut cache = EntityCache::default();
        cache.insert("once".into(), &Arc::new(set(1)));
        assert!(cache.get("once").is_none(), "not kept the first time");
        cache.insert("once".into(), &Arc::new(set(1)));
        assert!(cache.get("once").is_some(), "kept the second time");
        // Lists seen once are remembered within a bound: an old one counts as new again.
        cache.insert("old".into(), &Arc::new(set(1)));
        for i in 0..SEEN_ONCE {
            cache.insert(format!("fresh{i}"), &Arc::new(set(1)));
        }
        assert!(cache.seen_once.len() <= SEEN_ONCE);
        cache.insert("old".into(), &Arc::new(set(1)));
        assert!(cache.get("old").is_none());
        assert_eq!(cache.len(), 1);
    }
}
