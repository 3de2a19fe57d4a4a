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

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use cedar_policy::Entities;

/// At most this many merged sets.
pub const ENTITY_CACHE_ENTRIES: usize = 1024;
/// At most this many entities across all merged sets (each set holds the store's entities too): about
/// 10 MB of map entries.
pub const ENTITY_CACHE_WEIGHT: usize = 100_000;
/// Entity lists longer than this (serialized) are merged every time, never kept.
pub const ENTITY_CACHE_MAX_KEY: usize = 16 * 1024;

#[derive(Debug, Default)]
pub struct EntityCache {
    entries: HashMap<String, (Arc<Entities>, usize)>,
    order: VecDeque<String>,
    weight: usize,
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

    /// Keeps `entities` under `key`, evicting the oldest sets while over either bound.
    pub fn insert(&mut self, key: String, entities: &Arc<Entities>) {
        let weight = entities.len();
        if key.len() > ENTITY_CACHE_MAX_KEY || weight > ENTITY_CACHE_WEIGHT || self.entries.contains_key(&key) {
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
        }
        assert_eq!(cache.len(), ENTITY_CACHE_ENTRIES);
        assert!(cache.get("k0").is_none());
        assert!(cache.get(&format!("k{}", ENTITY_CACHE_ENTRIES + 9)).is_some());
        assert_eq!(cache.weight(), ENTITY_CACHE_ENTRIES);

        let mut cache = EntityCache::default();
        let big = Arc::new(set(ENTITY_CACHE_WEIGHT / 3 + 1));
        for i in 0..4 {
            cache.insert(format!("k{i}"), &big);
        }
        assert_eq!(cache.len(), 2);
        assert!(cache.weight() <= ENTITY_CACHE_WEIGHT);
        assert!(cache.get("k1").is_none() && cache.get("k3").is_some());
        assert_eq!((cache.hits, cache.misses), (1, 1));

        cache.insert("x".repeat(ENTITY_CACHE_MAX_KEY + 1), &Arc::new(set(1)));
        assert_eq!(cache.len(), 2);
    }
}
