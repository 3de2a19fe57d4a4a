//! The policy an API Gateway authorizer hands out for caching (`allRoutes`) never allows, under IAM's
//! matching rules, a request that the authorizer denies when asked directly; and paths are routed in normal
//! form, so `/riders/7/../../admin/x` is decided as `/admin/x`.

use crate::common::*;
use cedar_authorizer::authorizer::cache_policy::{self as iam, CachePolicy};
use cedar_authorizer::{Authorizer, Decision};
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

fn store() -> (Authorizer, Minter) {
    routes_store()
}

/// A small deterministic generator, so a failure names a seed that reproduces it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

const METHODS: [&str; 11] =
    ["GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "PROPFIND"];
const SEGMENTS: [&str; 30] = [
    "riders",
    "riders",
    "me",
    "7",
    "payments",
    "admin",
    "x",
    "docs",
    "public",
    "secret",
    "tenant",
    "",
    ".",
    "..",
    "%2e",
    "%2E%2e",
    "%61dmin",
    "a%2Fb",
    "RIDERS",
    "me;x",
    "a%20b",
    "%",
    "%zz",
    "*",
    "?",
    "$x",
    "pay%6Dents",
    "a\\b",
    "%00",
    "caf\u{e9}",
];

/// A random request path: deeper paths, trailing slashes, dot segments, escapes of every kind.
fn random_path(rng: &mut Rng) -> String {
    let depth = rng.next() % 5;
    let mut path = String::new();
    for _ in 0..depth {
        path.push('/');
        let segment = rng.pick(&SEGMENTS).to_owned();
        path.push_str(segment);
    }
    if path.is_empty() || rng.next() % 6 == 0 {
        path.push('/');
    }
    path
}

fn request(token: &str, method: &str, path: &str) -> Value {
    json!({ "token": token, "http": { "method": method, "path": path, "headers": { "x-tenant": "acme" } } })
}

/// The direct decision for a request ARN (after `<apiId>/<stage>/`): what a REST TOKEN authorizer reads
/// from a method ARN, a method and a path.
fn direct(authorizer: &Authorizer, token: &str, arn: &str) -> Decision {
    let (method, rest) = arn.split_once('/').unwrap_or((arn, ""));
    authorizer.authorize_http(&request(token, method, &format!("/{rest}")), NOW).answer.decision
}

#[test]
fn a_cached_all_routes_policy_never_allows_what_a_direct_decision_denies() {
    let (authorizer, minter) = store();
    let principals: [&[&str]; 8] = [
        &["Admin"],
        &["Riders"],
        &["Guests"],
        &[],
        &["Riders", "Guests"],
        &["Admin", "Riders"],
        &["Readers"],
        &["Readers", "Guests"],
    ];
    let own_requests = [
        ("GET", "/riders"),
        ("GET", "/riders/me"),
        ("GET", "/riders/7"),
        ("POST", "/riders"),
        ("PUT", "/riders/7/payments"),
        ("DELETE", "/riders/7/payments"),
        ("GET", "/admin/a/b"),
        ("GET", "/docs/public"),
        ("GET", "/docs/secret"),
        ("GET", "/tenant"),
        ("GET", "/anything/else"),
        ("GET", "/"),
        ("PATCH", "/x"),
    ];
    let mut rng = Rng(0x5eed_cafe_f00d_beef);
    let (mut checked, mut allowed, mut policies) = (0, 0, 0);
    for groups in principals {
        let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims(&format!("u-{}", groups.join("-")), groups));
        for (method, path) in own_requests {
            let mut input = request(&token, method, path);
            input["allRoutes"] = json!(true);
            let answer = authorizer.authorize_http(&input, NOW);
            let policy: CachePolicy = answer.cache_policy.clone().unwrap_or_default();
            policies += 1;
            let own = format!("{method}/{}", &path[1..]);
            if answer.answer.decision == Decision::Allow && path != "/tenant" {
                assert!(
                    policy.allows(&own),
                    "{groups:?}: the policy for {method} {path} does not allow the request itself: {policy:?}"
                );
            }
            for _ in 0..200 {
                let arn = format!("{}/{}", *rng.pick(&METHODS), &random_path(&mut rng)[1..]);
                checked += 1;
                if policy.allows(&arn) {
                    allowed += 1;
                    assert_eq!(
                        direct(&authorizer, &token, &arn),
                        Decision::Allow,
                        "{groups:?}: the policy cached for {method} {path} allows `{arn}`, which a direct decision denies\npolicy: {policy:#?}"
                    );
                }
            }
        }
    }
    println!("cache policy (Rust): {policies} policies, {checked} random request ARNs, {allowed} allowed by a policy, each allowed directly");
    assert!(allowed > 1000, "the generator rarely reached an allowed ARN ({allowed}): the property proves little");
}

#[test]
fn a_catch_all_allow_does_not_cover_denied_deeper_or_request_dependent_routes() {
    let (authorizer, minter) = store();
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("guest", &["Guests"]));
    let mut input = request(&token, "GET", "/riders/7");
    input["allRoutes"] = json!(true);
    let policy = authorizer.authorize_http(&input, NOW).cache_policy.expect("a cache policy");
    assert!(policy.allows("GET/riders/7"), "{policy:?}");
    assert!(policy.allows("GET/riders/8"), "the route's other ids: {policy:?}");
    assert!(policy.allows("PUT/anything/else"), "the catch-all: {policy:?}");
    for denied in [
        "GET/riders/me",
        "GET/riders/7/payments",
        "GET/admin/x",
        "GET/tenant",
        "GET/docs/public",
        "GET/riders//7",
        "GET/./admin/x",
        "GET/riders/7/../../admin/x",
        "GET/%61dmin/x",
        "GET/admin%2Fx",
        "PROPFIND/x",
    ] {
        assert!(!policy.allows(denied), "`{denied}` must not be allowed from the cache: {policy:?}");
    }
}

#[test]
fn a_route_whose_resource_comes_from_the_path_drops_the_patterns_that_would_deny_the_request_itself() {
    let (authorizer, minter) = store();
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("guest", &["Guests"]));
    let mut input = request(&token, "GET", "/docs/public");
    input["allRoutes"] = json!(true);
    let answer = authorizer.authorize_http(&input, NOW);
    assert_eq!(answer.answer.decision, Decision::Allow);
    let policy = answer.cache_policy.expect("a cache policy");
    assert!(policy.allows("GET/docs/public"), "the request itself: {policy:?}");
    assert!(!policy.allows("GET/docs/secret"));
    // The catch-all's pattern would need `GET/docs/*` denied, which would deny the request itself: it is
    // left out. `GET /riders/{id}` needs no such Deny and stays.
    assert!(!policy.allows("GET/anything/else"), "{policy:?}");
    assert!(policy.allows("GET/riders/8"), "{policy:?}");
}

#[test]
fn paths_are_routed_in_normal_form_and_refused_when_they_cannot_be() {
    let (authorizer, minter) = store();
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("rider", &["Riders"]));
    let edge = |path: &str| {
        let mut input = request(&token, "GET", path);
        input["forwardsNormalizedPath"] = json!(true);
        authorizer.authorize_http(&input, NOW)
    };
    // Riders may use the catch-all, not /admin: every spelling of /admin/x is decided as /admin/x.
    assert_eq!(edge("/x/y").answer.decision, Decision::Allow);
    for bypass in [
        "/admin/x",
        "/./admin/x",
        "/foo/../admin/x",
        "/riders/7/../../admin/x",
        "/%61dmin/x",
        "//admin//x",
        "/admin/./x",
        "/%2E%2E/admin/x",
    ] {
        let answer = edge(bypass);
        assert_eq!(answer.answer.decision, Decision::Deny, "{bypass}");
        assert_eq!(answer.path.as_deref(), Some("/admin/x"), "{bypass} is forwarded as /admin/x");
        assert_eq!(answer.route.as_ref().map(|r| r.route_key.as_str()), Some("GET /admin/{proxy+}"), "{bypass}");
    }
    for refused in ["/admin%2Fx", "/admin%2fx", "/admin;x/y", "/a\\admin", "/%zz", "/x%00"] {
        let answer = edge(refused);
        assert_eq!(answer.answer.decision, Decision::Deny, "{refused}");
        assert_eq!(answer.answer.errors[0].code, "request.path_invalid", "{refused}");
    }
    // Where the normal form cannot be what goes on (API Gateway), a path not in normal form is refused.
    let strict = authorizer.authorize_http(&request(&token, "GET", "/foo/../riders"), NOW);
    assert_eq!(strict.answer.errors[0].code, "request.path_not_normal");
    assert_eq!(authorizer.authorize_http(&request(&token, "GET", "/riders"), NOW).answer.decision, Decision::Allow);
    // Methods are case-sensitive: `get` is not `GET`.
    let lower = authorizer.authorize_http(&request(&token, "get", "/riders"), NOW);
    assert_eq!(lower.route.map(|r| r.route_key), Some("ANY /{proxy+}".to_string()));
}

#[test]
fn case_insensitive_paths_are_an_option_and_keep_cache_policies_exact() {
    let mut files = read_store(&root().join("tests/fixtures/routes-store"));
    let mut config: Value = serde_json::from_str(&files["authorizer.json"]).expect("json");
    config["routeSettings"] = json!({ "caseSensitivePaths": false });
    files.insert("authorizer.json".into(), config.to_string());
    let minter = Minter::new();
    let mut authorizer = Authorizer::from_files(&files).expect("store");
    authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("rider", &["Riders"]));
    let answer = authorizer.authorize_http(&request(&token, "GET", "/ADMIN/x"), NOW);
    assert_eq!(answer.route.map(|r| r.route_key), Some("GET /admin/{proxy+}".to_string()));
    let mut input = request(&token, "GET", "/riders");
    input["allRoutes"] = json!(true);
    let policy = authorizer.authorize_http(&input, NOW).cache_policy.expect("policy");
    assert!(
        policy.allow.iter().all(|a| !a.contains('*')),
        "only exact ARNs when paths are case-insensitive: {policy:?}"
    );
    assert!(!iam::allows(&policy.allow, &policy.deny, "GET/ADMIN/x"));
}
