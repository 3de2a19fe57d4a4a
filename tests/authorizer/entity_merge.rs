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

/// Request entity lists read without Cedar's JSON parser (`merge::parse_plain`) against Cedar's parser, on
/// random lists: uids in every form (`{type, id}`, `__entity`, Cedar syntax, unnormalized type names, extra
/// fields), types of the schema, unknown ones and actions, parents allowed and not, required attributes,
/// attributes and tags, missing or extra fields, a uid twice. Where the plain reading answers, Cedar's parser
/// must give exactly the same entities; where Cedar's parser refuses a list, the plain reading must not
/// answer (Cedar's parser then reports the error).
#[test]
fn plain_request_entities_read_as_cedars_parser_reads_them() {
    use cedar_authorizer::authorizer::merge::{parse_plain, parse_with_cedar, Descriptions, RequestSchema};
    let (schema, _) = cedar_policy::Schema::from_cedarschema_str(
        r#"namespace App {
            entity Org;
            entity Group in [Group, Org];
            entity User in [Group];
            entity Doc { owner: User };
            entity Note { body?: String };
            entity Label tags String;
            entity Kind enum ["a", "b"];
            action view appliesTo { principal: User, resource: [Doc, Note] };
        }"#,
    )
    .expect("schema");
    let descriptions = Descriptions::new(&schema);
    let request_schema = RequestSchema::new(&schema, &descriptions);
    let types = [
        "App::Org",
        "App::Group",
        "App::User",
        "App::Doc",
        "App::Note",
        "App::Label",
        "App::Kind",
        "App::Action",
        "App::Nope",
        "App :: User",
        "User",
    ];
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let pick_uid = |rng: &mut Rng| -> Value {
        // Mostly the schema's own types, which the plain reading takes.
        let ty = if rng.chance(85) { types[rng.below(7)] } else { types[7 + rng.below(types.len() - 7)] };
        let id = ["a", "b", "c", "view", ""][rng.below(5)];
        match rng.below(40) {
            0 => json!({ "__entity": { "type": ty, "id": id } }),
            1 => json!(format!("{ty}::\"{id}\"")),
            2 => json!({ "type": ty, "id": id, "extra": 1 }),
            3 => json!({ "type": ty }),
            4 => json!({ "__entity": { "type": ty, "id": id }, "x": 1 }),
            _ => json!({ "type": ty, "id": id }),
        }
    };
    let (mut plain, mut agreed_refusals, mut parser_only) = (0, 0, 0);
    for round in 0..20_000 {
        let count = 1 + rng.below(3);
        let mut list = Vec::new();
        for _ in 0..count {
            let uid = pick_uid(&mut rng);
            // Mostly groups, which users and groups may have as parents.
            let parents: Vec<Value> = (0..rng.below(3))
                .map(|_| {
                    if rng.chance(75) {
                        {
                            let id = ["a", "b", "c"][rng.below(3)];
                            json!({ "type": "App::Group", "id": id })
                        }
                    } else {
                        pick_uid(&mut rng)
                    }
                })
                .collect();
            let mut entity = json!({ "uid": uid, "attrs": {}, "parents": parents });
            match rng.below(30) {
                0 => entity["attrs"] = json!({ "body": "x" }),
                1 => entity["attrs"] = json!({ "owner": { "type": "App::User", "id": "a" } }),
                2 => entity["tags"] = json!({}),
                3 => entity["tags"] = json!({ "t": "v" }),
                4 => {
                    entity.as_object_mut().expect("object").remove("attrs");
                }
                5 => entity["extra"] = json!(true),
                6 => entity["parents"] = json!({}),
                _ => {}
            }
            list.push(entity);
        }
        if rng.chance(10) {
            let again = list[0].clone();
            list.push(again);
        }
        let reference = parse_with_cedar(list.clone(), &request_schema);
        match (parse_plain(&list, &request_schema), reference) {
            (Some(ours), Ok(theirs)) => {
                plain += 1;
                let by_uid = |list: Vec<Entity>| {
                    list.into_iter().map(|e| (e.uid().to_string(), e)).collect::<std::collections::BTreeMap<_, _>>()
                };
                let (ours, theirs) = (by_uid(ours), by_uid(theirs));
                let equal = ours.len() == theirs.len()
                    && ours.iter().all(|(uid, x)| {
                        theirs
                            .get(uid)
                            .is_some_and(|y| AsRef::<cedar_policy_core::ast::Entity>::as_ref(x).deep_eq(y.as_ref()))
                    });
                assert!(equal, "round {round}: {ours:?} vs {theirs:?}\n{}", Value::Array(list));
            }
            (Some(ours), Err(e)) => {
                panic!(
                    "round {round}: read plainly as {ours:?}, but Cedar's parser refuses it: {e}\n{}",
                    Value::Array(list)
                )
            }
            (None, Err(_)) => agreed_refusals += 1,
            (None, Ok(_)) => parser_only += 1,
        }
    }
    println!("plain request entities: {plain} lists read plainly and equal to Cedar's parser, {agreed_refusals} refused by both, {parser_only} left to Cedar's parser");
    assert!(plain > 1_000 && agreed_refusals > 2_000 && parser_only > 200, "{plain} {agreed_refusals} {parser_only}");
}
