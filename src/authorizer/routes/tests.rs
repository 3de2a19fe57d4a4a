use super::*;
use serde_json::json;

fn routes(list: Value) -> Routes {
    let config: AuthorizerConfig = serde_json::from_value(json!({ "routes": list })).expect("config");
    Routes::from_config(&config, Some("App")).expect("routes")
}

fn request(method: &str, path: &str) -> HttpRequest {
    HttpRequest { method: method.into(), path: path.into(), ..Default::default() }
}

#[test]
fn defaults_follow_api_linked_naming() {
    let r = routes(json!([{ "method": "GET", "path": "/riders/{id}" }]));
    let m = r.find(&request("GET", "/riders/42")).expect("match");
    assert_eq!(m.action, EntityRef::new("App::Action", "get /riders/{id}"));
    assert_eq!(m.resource, EntityRef::new("App::Application", "App"));
    assert_eq!(m.route_key, "GET /riders/{id}");
}

#[test]
fn precedence_literal_then_param_then_greedy_then_default() {
    let r = routes(json!([
        { "route": "$default", "action": "fallback" },
        { "route": "ANY /{proxy+}", "action": "proxy" },
        { "method": "GET", "path": "/riders/{id}", "action": "rider" },
        { "method": "GET", "path": "/riders/me", "action": "me" },
        { "method": "ANY", "path": "/riders/{id}", "action": "any-rider" },
    ]));
    let action = |m: &str, p: &str| r.find(&request(m, p)).map(|x| x.action.id).unwrap_or_else(|e| e.code.to_string());
    assert_eq!(action("GET", "/riders/me"), "me");
    assert_eq!(action("GET", "/riders/7"), "rider");
    assert_eq!(action("DELETE", "/riders/7"), "any-rider");
    assert_eq!(action("GET", "/unicorns/a/b"), "proxy");
    assert_eq!(action("GET", "/"), "fallback");
}

#[test]
fn templates_fill_resource_and_context_or_fail_closed() {
    let r = routes(json!([{
        "method": "GET", "path": "/tenants/{tenant}/docs/{doc}",
        "resource": { "type": "App::Doc", "id": "{path.tenant}/{path.doc}" },
        "context": { "ip": "{sourceIp}", "page": "{query.page}", "agent": "{header.User-Agent}", "fixed": true }
    }]));
    let mut req = request("GET", "/tenants/acme/docs/d1");
    req.source_ip = Some("10.0.0.1".into());
    req.query.insert("page".into(), "2".into());
    req.headers.insert("user-agent".into(), "curl".into());
    let m = r.find(&req).expect("match");
    assert_eq!(m.resource, EntityRef::new("App::Doc", "acme/d1"));
    assert_eq!(Value::Object(m.context), json!({ "ip": "10.0.0.1", "page": "2", "agent": "curl", "fixed": true }));
    req.query.clear();
    assert_eq!(r.find(&req).unwrap_err().code(), "route.missing_value");
    assert_eq!(r.find(&request("GET", "/nowhere")).unwrap_err().code(), "route.not_found");
    assert_eq!(r.routes[0].dependence, Dependence::Request);
    assert_eq!(r.routes[0].arn_path(), "tenants/*/docs/*");
}

#[test]
fn route_keys_from_events_pick_the_route() {
    let r = routes(json!([{ "route": "GET /riders/{id}" }, { "method": "ANY", "path": "/files/{proxy+}" }]));
    let mut req = request("GET", "/prod/riders/9");
    req.route_key = Some("GET /riders/{id}".into());
    req.path_parameters.insert("id".into(), "9".into());
    assert_eq!(r.find(&req).expect("by key").route_key, "GET /riders/{id}");
    let mut rest = request("PUT", "/files/a/b");
    rest.route_key = Some("/files/{proxy+}".into());
    assert_eq!(r.find(&rest).expect("ANY by REST resource").route_key, "ANY /files/{proxy+}");
}

#[test]
fn bad_routes_are_reported() {
    let config: AuthorizerConfig = serde_json::from_value(json!({ "routes": [
        { "method": "FETCH", "path": "/x" },
        { "method": "GET", "path": "x" },
        { "method": "GET", "path": "/a/{p+}/b" },
        { "method": "GET", "path": "/y", "resource": { "type": "App::Doc", "id": "{nope}" } },
        { "method": "GET", "path": "/z" }, { "method": "GET", "path": "/z" },
        { "route": "GET" },
    ]}))
    .expect("config");
    let errors = Routes::from_config(&config, Some("App")).unwrap_err();
    assert_eq!(errors.len(), 6, "{errors:?}");
}
