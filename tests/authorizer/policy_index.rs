//! The policy index against full evaluation on random requests: a store of many per-tenant policies
//! (static, template-linked, action groups, `==`, `in`, `is ... in`, forbids and conditions that error),
//! and random principals, memberships, actions and resources. Every answer must be identical.

use cedar_authorizer::store::StoreFiles;
use cedar_authorizer::Authorizer;
use serde_json::{json, Value};

/// xorshift64*: deterministic, so a failure names a reproducible seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const TENANTS: usize = 40;

fn store() -> StoreFiles {
    let schema = r#"namespace T {
        entity Tenant;
        entity Group in [Tenant];
        entity User in [Group] { level: Long };
        entity Doc in [Tenant] { owner: User, size: Long };
        action read, write, share appliesTo { principal: User, resource: Doc, context: { depth: Long } };
        action edit in [write] appliesTo { principal: User, resource: Doc, context: { depth: Long } };
    }"#;
    let mut policies = String::new();
    for t in 0..TENANTS {
        policies.push_str(&format!(
            "permit(principal in T::Group::\"g{t}\", action == T::Action::\"read\", resource in T::Tenant::\"t{t}\");\n\
             permit(principal is T::User in T::Tenant::\"t{t}\", action in [T::Action::\"write\"], resource in T::Tenant::\"t{t}\") when {{ principal.level > 2 }};\n\
             permit(principal == T::User::\"u{t}\", action, resource) when {{ resource.size * (principal.level * 4611686018427387904) > 0 }};\n"
        ));
        if t % 7 == 0 {
            policies.push_str(&format!(
                "forbid(principal in T::Group::\"g{t}\", action == T::Action::\"share\", resource);\n"
            ));
        }
    }
    policies.push_str(
        "permit(principal, action == T::Action::\"share\", resource) when { resource.owner == principal };\n",
    );
    policies.push_str("forbid(principal, action, resource) when { context.depth > 8 };\n");
    policies.push_str(
        "@id(\"editors\") permit(principal in ?principal, action == T::Action::\"edit\", resource in ?resource);\n",
    );
    let links: Vec<Value> = (0..TENANTS)
        .step_by(3)
        .map(|t| json!({ "id": format!("editors-{t}"), "templateId": "editors", "principal": { "type": "T::Group", "id": format!("g{t}") }, "resource": { "type": "T::Tenant", "id": format!("t{t}") } }))
        .collect();
    let mut files = StoreFiles::new();
    files.insert("schema.cedarschema".into(), schema.into());
    files.insert("policies.cedar".into(), policies);
    files.insert("links.json".into(), serde_json::to_string(&links).unwrap());
    files.insert("authorizer.json".into(), r#"{"validationSettings": {"mode": "OFF"}}"#.into());
    files
}

/// Ids come from a small pool (the first tenants), so requests often meet a policy's scope.
const POOL: usize = 6;

fn random_request(rng: &mut Rng) -> Value {
    let user = rng.below(POOL + 1);
    let groups: Vec<Value> =
        (0..rng.below(3)).map(|_| json!({ "type": "T::Group", "id": format!("g{}", rng.below(POOL)) })).collect();
    let tenants: Vec<Value> =
        (0..1 + rng.below(2)).map(|_| json!({ "type": "T::Tenant", "id": format!("t{}", rng.below(POOL)) })).collect();
    let doc_tenant = rng.below(POOL);
    let owner = rng.below(POOL + 1);
    let actions = ["read", "write", "share", "edit"];
    let mut entities = vec![
        json!({ "uid": { "type": "T::User", "id": format!("u{user}") }, "attrs": { "level": rng.below(7) }, "parents": groups }),
        json!({ "uid": { "type": "T::Doc", "id": "d" }, "attrs": { "owner": { "__entity": { "type": "T::User", "id": format!("u{owner}") } }, "size": rng.below(4) }, "parents": [{ "type": "T::Tenant", "id": format!("t{doc_tenant}") }] }),
    ];
    for g in entities[0]["parents"].as_array().cloned().unwrap_or_default() {
        entities.push(json!({ "uid": g, "attrs": {}, "parents": tenants }));
    }
    json!({
        "principal": { "type": "T::User", "id": format!("u{user}") },
        "action": { "type": "T::Action", "id": actions[rng.below(4)] },
        "resource": { "type": "T::Doc", "id": "d" },
        "context": { "depth": rng.below(10) },
        "entities": entities,
    })
}

#[test]
fn the_index_agrees_with_full_evaluation_on_random_requests() {
    let authorizer = Authorizer::from_files(&store()).expect("store loads");
    assert!(authorizer.manifest().len() > 3 * TENANTS);
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut allows, mut errors) = (0, 0);
    for i in 0..20_000 {
        let request = random_request(&mut rng);
        let indexed = authorizer.is_authorized(&request);
        let full = authorizer.is_authorized_unindexed(&request);
        assert_eq!(indexed, full, "request {i}: {request}");
        allows += usize::from(indexed.is_allow());
        errors += usize::from(!indexed.errors.is_empty());
    }
    // The requests exercise both decisions and evaluation errors, or the comparison proves little.
    assert!(allows > 2_000 && allows < 18_000, "{allows} allows");
    assert!(errors > 200, "{errors} answers with errors");
    println!("policy index: 20000 random requests, {allows} allowed, {errors} with evaluation errors, all equal to full evaluation");
}

#[test]
fn the_example_stores_agree_indexed_and_full() {
    for name in ["rides", "saas-tenants", "photos"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies").join(name);
        let mut files = StoreFiles::new();
        for entry in walk(&dir) {
            let rel = entry.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
            files.insert(rel, std::fs::read_to_string(&entry).unwrap());
        }
        let authorizer = Authorizer::from_files(&files).expect("loads");
        for (path, text) in files.iter().filter(|(p, _)| p.starts_with("tests/")) {
            let file: Value = serde_json::from_str(text).unwrap();
            for case in file["cases"].as_array().unwrap() {
                if case.get("principal").is_none() {
                    continue;
                }
                let mut request = case.clone();
                let mut entities = file.get("entities").and_then(Value::as_array).cloned().unwrap_or_default();
                entities.extend(case.get("entities").and_then(Value::as_array).cloned().unwrap_or_default());
                request["entities"] = Value::Array(entities);
                assert_eq!(
                    authorizer.is_authorized(&request),
                    authorizer.is_authorized_unindexed(&request),
                    "{name} {path}: {}",
                    case["name"]
                );
            }
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// A policy id is reported as written (`@id`), in the answer's determining policies and its errors alike, as
/// the store's manifest lists it: quotes, backslashes, newlines and other characters a Rust debug escape
/// would rewrite included.
#[test]
fn policy_ids_are_reported_as_written() {
    let ids = ["it's", "say \"hi\"", "back\\slash", "two\nlines", "tab\there", "café ☕", "zero\u{200b}width"];
    let mut policies = String::new();
    for (i, id) in ids.iter().enumerate() {
        // Every other policy errors (an attribute the principal lacks) instead of applying.
        let condition = if i % 2 == 0 { "true" } else { "principal.missing == 1" };
        policies.push_str(&format!(
            "@id({})\npermit(principal, action, resource) when {{ {condition} }};\n",
            Value::from(*id)
        ));
    }
    let mut files = StoreFiles::new();
    files.insert(
        "schema.cedarschema".into(),
        "entity User; action go appliesTo { principal: User, resource: User };".into(),
    );
    files.insert("policies.cedar".into(), policies);
    files.insert("authorizer.json".into(), r#"{"validationSettings": {"mode": "OFF"}}"#.into());
    let authorizer = Authorizer::from_files(&files).expect("store loads");
    let listed: Vec<&str> = authorizer.manifest().iter().map(|p| p.id.as_str()).collect();
    assert_eq!(listed, ids);
    let request = json!({
        "principal": { "type": "User", "id": "u" },
        "action": { "type": "Action", "id": "go" },
        "resource": { "type": "User", "id": "u" },
    });
    for answer in [authorizer.is_authorized(&request), authorizer.is_authorized_unindexed(&request)] {
        let mut determining: Vec<&str> = answer.determining_policies.iter().map(|p| p.policy_id.as_str()).collect();
        let mut erring: Vec<&str> = answer.errors.iter().filter_map(|e| e.policy_id.as_deref()).collect();
        determining.sort();
        erring.sort();
        let mut applying: Vec<&str> = ids.iter().step_by(2).copied().collect();
        let mut failing: Vec<&str> = ids.iter().skip(1).step_by(2).copied().collect();
        applying.sort();
        failing.sort();
        assert_eq!(determining, applying);
        assert_eq!(erring, failing);
    }
}
