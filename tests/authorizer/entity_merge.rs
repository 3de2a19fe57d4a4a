//! Request entities added without a closure repair (src/authorizer/merge.rs) against Cedar's own merge,
//! on random entity graphs: store groups in a hierarchy with ancestors the store does not define, and
//! request users and groups whose parents are store entities, other request entities, undefined ones, or
//! one another in a cycle; now and then a uid twice. Every merge must give exactly Cedar's entity set
//! (every entity, its attributes and its whole ancestor set), or fail exactly when Cedar's does.

use std::collections::HashSet;

use cedar_authorizer::authorizer::merge::{merge_with_closure, Merger};
use cedar_policy::{Entities, Entity};
use serde_json::{json, Value};

/// xorshift64*: a fixed sequence, no clock.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn uid(ty: &str, id: &str) -> Value {
    json!({ "type": ty, "id": id })
}

fn entity(ty: &str, id: &str, parents: Vec<Value>, level: usize) -> Value {
    json!({ "uid": uid(ty, id), "attrs": { "level": level }, "parents": parents })
}

/// Two merged sets are the same: the same uids, each entity deep-equal (attributes and ancestors).
fn same(a: &Entities, b: &Entities) -> Result<(), String> {
    let uids = |e: &Entities| e.iter().map(|x| x.uid()).collect::<HashSet<_>>();
    if uids(a) != uids(b) {
        return Err("different entities".into());
    }
    for x in a.iter() {
        let y = b.get(&x.uid()).ok_or("missing")?;
        if !AsRef::<cedar_policy_core::ast::Entity>::as_ref(x).deep_eq(y.as_ref()) {
            return Err(format!("{} differs: {x} vs {y}", x.uid()));
        }
    }
    Ok(())
}

#[test]
fn merging_without_a_closure_repair_gives_cedars_entity_set() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut fast, mut fallback, mut refused, mut ancestors_checked) = (0, 0, 0, 0);
    for round in 0..3000 {
        // The store: groups g0..gN, each with parents among earlier groups (a DAG) or undefined ones (u*).
        let groups = 1 + rng.below(25);
        let mut statics = Vec::new();
        for g in 0..groups {
            let mut parents = Vec::new();
            for _ in 0..rng.below(3) {
                if g > 0 && rng.chance(80) {
                    parents.push(uid("Group", &format!("g{}", rng.below(g))));
                } else {
                    parents.push(uid("Group", &format!("u{}", rng.below(4))));
                }
            }
            statics.push(entity("Group", &format!("g{g}"), parents, g));
        }
        let statics = Entities::from_json_value(Value::Array(statics), None).expect("store entities");
        // The request: users and groups r0..rK whose parents are store groups, request groups (maybe a
        // cycle), or undefined ones; sometimes an undefined group the store names (u*), or a uid twice.
        let count = 1 + rng.below(6);
        let mut fresh = Vec::new();
        for r in 0..count {
            let ty = if rng.chance(60) { "User" } else { "Group" };
            let id = if ty == "Group" && rng.chance(10) { format!("u{}", rng.below(4)) } else { format!("r{r}") };
            let mut parents = Vec::new();
            for _ in 0..rng.below(4) {
                parents.push(match rng.below(10) {
                    0..=5 => uid("Group", &format!("g{}", rng.below(groups))),
                    6..=7 => uid("Group", &format!("r{}", rng.below(count))),
                    8 => uid("Group", &format!("x{}", rng.below(3))),
                    _ => uid("Group", &format!("u{}", rng.below(4))),
                });
            }
            fresh.push(entity(ty, &id, parents, 100 + r));
        }
        if rng.chance(5) {
            let twice = fresh[rng.below(fresh.len())].clone();
            fresh.push(if rng.chance(50) { twice } else { json!({ "uid": twice["uid"], "attrs": {}, "parents": [] }) });
        }
        let fresh: Vec<Entity> = fresh.into_iter().map(|v| Entity::from_json_value(v, None).expect("entity")).collect();

        let merger = Merger::new(&statics);
        let expected = merge_with_closure(&statics, fresh.clone());
        let actual = match merger.merge_without_repair(&statics, &fresh) {
            Some(merged) => {
                fast += 1;
                merged
            }
            None => {
                fallback += 1;
                merger.merge(&statics, fresh.clone())
            }
        };
        match (&expected, &actual) {
            (Ok(e), Ok(a)) => {
                same(e, a).unwrap_or_else(|why| panic!("round {round}: {why}"));
                ancestors_checked += a.len();
            }
            (Err(_), Err(_)) => refused += 1,
            _ => panic!("round {round}: Cedar's merge {expected:?}, ours {actual:?}"),
        }
    }
    println!("entity merge: {fast} without a repair, {fallback} through Cedar's, {refused} refused by both, {ancestors_checked} entities compared");
    // Every kind of case was met, and most took the path without a repair.
    assert!(fast > 2000 && fallback > 100 && refused > 50, "{fast} / {fallback} / {refused}");
}
