//! Request entities seen before reuse the entity set merged the first time: the answers stay exactly those
//! of a fresh merge, lists that differ never share an entry, and refused lists are refused every time.

use cedar_authorizer::store::StoreFiles;
use cedar_authorizer::Authorizer;
use serde_json::{json, Value};

const SCHEMA: &str = r#"namespace SaaS {
  entity Tenant;
  entity Group in [Tenant];
  entity User in [Group] { email?: String };
  entity Doc in [Tenant];
  action read, write appliesTo { principal: User, resource: Doc };
}"#;

fn store() -> StoreFiles {
    let mut entities = Vec::new();
    for i in 0..40 {
        entities.push(json!({"uid": {"type": "SaaS::Tenant", "id": format!("t{i}")}, "attrs": {}, "parents": []}));
        entities.push(json!({"uid": {"type": "SaaS::Group", "id": format!("g{i}")}, "attrs": {}, "parents": [{"type": "SaaS::Tenant", "id": format!("t{i}")}]}));
    }
    for i in 0..20 {
        entities.push(json!({"uid": {"type": "SaaS::Doc", "id": format!("d{i}")}, "attrs": {}, "parents": [{"type": "SaaS::Tenant", "id": format!("t{}", i * 2)}]}));
    }
    let policies: Vec<String> = (0..40)
        .map(|i| format!("permit(principal in SaaS::Group::\"g{i}\", action == SaaS::Action::\"read\", resource in SaaS::Tenant::\"t{i}\");"))
        .collect();
    let mut files = StoreFiles::new();
    files.insert("schema.cedarschema".into(), SCHEMA.into());
    files.insert("tenants.cedar".into(), policies.join("\n"));
    files.insert("entities.json".into(), Value::Array(entities).to_string());
    files
}

fn request(user: &str, groups: &[usize], doc: usize) -> Value {
    let parents: Vec<Value> = groups.iter().map(|g| json!({"type": "SaaS::Group", "id": format!("g{g}")})).collect();
    json!({
        "principal": {"entityType": "SaaS::User", "entityId": user},
        "action": {"actionType": "SaaS::Action", "actionId": "read"},
        "resource": {"entityType": "SaaS::Doc", "entityId": format!("d{doc}")},
        "entities": {"entityList": [{"identifier": {"entityType": "SaaS::User", "entityId": user}, "parents": parents.iter().map(|p| json!({"entityType": p["type"], "entityId": p["id"]})).collect::<Vec<_>>()}]}
    })
}

#[test]
fn repeated_request_entities_give_the_answers_of_a_fresh_merge() {
    let files = store();
    let cached = Authorizer::from_files(&files).expect("loads");
    let mut allowed = 0;
    let mut calls = 0u64;
    // Every list three times, interleaved; the same user with different groups is a different list. A
    // merged set is kept the second time its list comes, so the third round hits.
    for round in 0..3 {
        for k in 0..40usize {
            let groups = [k, (k + 1) % 40];
            let input = request("alice", &groups[..1 + k % 2], (k * 3) % 20);
            let answer = serde_json::to_value(cached.is_authorized(&input)).expect("json");
            let fresh = serde_json::to_value(Authorizer::from_files(&files).expect("loads").is_authorized(&input))
                .expect("json");
            assert_eq!(answer, fresh, "round {round}, request {k}");
            if answer["decision"] == "ALLOW" {
                allowed += 1;
            }
            calls += 1;
        }
    }
    assert!(allowed >= 10, "some requests are allowed ({allowed})");
    let (hits, misses, entries) = cached.entity_cache_stats();
    assert_eq!(hits + misses, calls);
    assert_eq!(entries, 40, "one entry per distinct list");
    assert_eq!(hits, 40, "the third round hits");
}

#[test]
fn refused_lists_are_refused_every_time_and_not_kept() {
    let authorizer = Authorizer::from_files(&store()).expect("loads");
    let mut input = request("alice", &[2], 2);
    // Redefines a store entity: g2 under another tenant.
    input["entities"]["entityList"].as_array_mut().expect("list").push(json!({
        "identifier": {"entityType": "SaaS::Group", "entityId": "g2"},
        "parents": [{"entityType": "SaaS::Tenant", "entityId": "t4"}]
    }));
    let bad_attr = json!({
        "principal": {"entityType": "SaaS::User", "entityId": "bob"},
        "action": {"actionType": "SaaS::Action", "actionId": "read"},
        "resource": {"entityType": "SaaS::Doc", "entityId": "d1"},
        "entities": {"entityList": [{"identifier": {"entityType": "SaaS::User", "entityId": "bob"}, "attributes": {"email": {"long": 3}}}]}
    });
    for _ in 0..3 {
        let answer = authorizer.is_authorized(&input);
        assert_eq!(serde_json::to_value(&answer).expect("json")["decision"], "DENY");
        assert_eq!(answer.errors[0].code, "request.entity_conflict");
        let answer = authorizer.is_authorized(&bad_attr);
        assert_eq!(serde_json::to_value(&answer).expect("json")["decision"], "DENY");
        assert_eq!(answer.errors[0].code, "request.invalid_entities");
    }
    assert_eq!(authorizer.entity_cache_stats(), (0, 6, 0));
}
