//! The floor `make bench` measures the package against: the rides requests of `scripts/bench/run.mjs`
//! decided by `cedar-policy` natively (no wasm, no boundary, no token), each with what a fresh token brings
//! (a user never seen before, its groups and email) built into Cedar entities and checked against the
//! schema, as the package and the peer do for every fresh token.
//!
//! `cargo bench --bench limit -- --json <file>` times it and writes the medians; run by `cargo test`
//! (without `--bench`), it decides every request once and checks the answers.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Instant;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid, PolicySet, Request,
    RestrictedExpression, Schema,
};

const POOL: &str = "us-east-1_DemoPool1";
const ROUTES: [&str; 6] =
    ["get /rider", "get /riders", "get /trainer", "get /trainers", "get /unicorn", "get /unicorns"];
const GROUPS: [&str; 3] = ["Admin", "Riders", "Trainers"];

struct Store {
    schema: Schema,
    policies: PolicySet,
    user: EntityTypeName,
    group: EntityTypeName,
    action: EntityTypeName,
    resource: EntityUid,
}

fn store() -> Result<Store, String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/rides");
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).map_err(|e| format!("{f}: {e}"));
    let (schema, _) = Schema::from_cedarschema_str(&read("schema.cedarschema")?).map_err(|e| e.to_string())?;
    let policies = PolicySet::from_str(&read("rides.cedar")?).map_err(|e| e.to_string())?;
    let name = |n: &str| EntityTypeName::from_str(n).map_err(|e| e.to_string());
    let resource = EntityUid::from_type_name_and_id(name("Rides::Application")?, EntityId::new("Rides"));
    Ok(Store {
        schema,
        policies,
        user: name("Rides::CognitoUser")?,
        group: name("Rides::CognitoUserGroup")?,
        action: name("Rides::Action")?,
        resource,
    })
}

/// One fresh token's request: the user `sub` in `group`, calling `route`.
fn decide(store: &Store, authorizer: &Authorizer, sub: &str, group: &str, route: &str) -> Result<Decision, String> {
    let principal = EntityUid::from_type_name_and_id(store.user.clone(), EntityId::new(format!("{POOL}|{sub}")));
    let parents = HashSet::from([EntityUid::from_type_name_and_id(
        store.group.clone(),
        EntityId::new(format!("{POOL}|{group}")),
    )]);
    let attrs = HashMap::from([("email".to_string(), RestrictedExpression::new_string(format!("{sub}@example.com")))]);
    let user = Entity::new(principal.clone(), attrs, parents).map_err(|e| e.to_string())?;
    let entities = Entities::from_entities([user], Some(&store.schema)).map_err(|e| e.to_string())?;
    let action = EntityUid::from_type_name_and_id(store.action.clone(), EntityId::new(route));
    let request = Request::new(principal, action, store.resource.clone(), Context::empty(), Some(&store.schema))
        .map_err(|e| e.to_string())?;
    Ok(authorizer.is_authorized(&request, &store.policies, &entities).decision())
}

fn expected(group: &str, route: &str) -> Decision {
    let allowed = match group {
        "Admin" => true,
        "Riders" => !route.contains("trainer"),
        _ => !route.contains("rider"),
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Deny
    }
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let store = store()?;
    let authorizer = Authorizer::new();
    for group in GROUPS {
        for route in ROUTES {
            let got = decide(&store, &authorizer, "check", group, route)?;
            if got != expected(group, route) {
                return Err(format!("{group} {route}: {got:?}"));
            }
        }
    }
    if !args.iter().any(|a| a == "--bench") {
        println!("limit: {} requests decided as the rides policies say", GROUPS.len() * ROUTES.len());
        return Ok(());
    }
    let calls: usize = 20_000;
    let rounds = 10;
    let mut samples = Vec::with_capacity(calls);
    let mut seq = 0usize;
    for i in 0..2_000 {
        decide(&store, &authorizer, &format!("warm-{i}"), GROUPS[i % 3], ROUTES[i % 6])?;
    }
    for _ in 0..rounds {
        for _ in 0..calls / rounds {
            let (sub, group, route) = (format!("user-{seq}"), GROUPS[seq % 3], ROUTES[seq % 6]);
            seq += 1;
            let t0 = Instant::now();
            let decision = decide(&store, &authorizer, &sub, group, route)?;
            samples.push(t0.elapsed().as_nanos() as u64);
            std::hint::black_box(decision);
        }
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((q * samples.len() as f64) as usize).min(samples.len() - 1)];
    let json = format!(
        "{{\"what\":\"rides request decided by cedar-policy natively, entities of a fresh token built and checked against the schema\",\"calls\":{},\"medianNs\":{},\"p99Ns\":{},\"minNs\":{}}}",
        samples.len(),
        at(0.5),
        at(0.99),
        samples[0]
    );
    match args.iter().position(|a| a == "--json").and_then(|i| args.get(i + 1)) {
        Some(file) => std::fs::write(file, format!("{json}\n")).map_err(|e| format!("{file}: {e}"))?,
        None => println!("{json}"),
    }
    Ok(())
}
