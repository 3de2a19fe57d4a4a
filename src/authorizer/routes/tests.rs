use super::*;
use serde_json::json;

fn routes(list: Value) -> Routes {
    let config: AuthorizerConfig = serde_json::from_value(json!({ "routes": list })).expect("config");
    Routes::from_config(&config, Some("App")).expect("routes")
}

/// The store's route for a request (the one its path takes).
fn find(r: &Routes, request: &HttpRequest) -> Result<RouteMatch, crate::errors::Error> {
    r.find(request).map(|routed| routed.route)
}

fn request(method: &str, path: &str) -> HttpRequest {
    HttpRequest { method: method.into(), path: path.into(), ..Default::default() }
}

#[test]
fn defaults_follow_api_linked_naming() {
    let r = routes(json!([{ "method": "GET", "path": "/riders/{id}" }]));
    let m = find(&r, &request("GET", "/riders/42")).expect("match");
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
    let action =
        |m: &str, p: &str| find(&r, &request(m, p)).map(|x| x.action.id).unwrap_or_else(|e| e.code.to_string());
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
    req.query.insert("page", "2");
    req.headers.insert("user-agent".into(), "curl".into());
    let m = find(&r, &req).expect("match");
    assert_eq!(m.resource, EntityRef::new("App::Doc", "acme/d1"));
    assert_eq!(Value::Object(m.context), json!({ "ip": "10.0.0.1", "page": "2", "agent": "curl", "fixed": true }));
    req.query.clear();
    assert_eq!(find(&r, &req).unwrap_err().code(), "route.missing_value");
    assert_eq!(find(&r, &request("GET", "/nowhere")).unwrap_err().code(), "route.not_found");
    assert_eq!(r.routes[0].dependence, Dependence::Request);
    assert_eq!(r.routes[0].arn_path(), "tenants/*/docs/*");
}

#[test]
fn route_keys_from_events_pick_the_route() {
    let r = routes(json!([{ "route": "GET /riders/{id}" }, { "method": "ANY", "path": "/files/{proxy+}" }]));
    let mut req = request("GET", "/prod/riders/9");
    req.route_key = Some("GET /riders/{id}".into());
    req.path_parameters.insert("id".into(), "9".into());
    assert_eq!(find(&r, &req).expect("by key").route_key, "GET /riders/{id}");
    let mut rest = request("PUT", "/files/a/b");
    rest.route_key = Some("/files/{proxy+}".into());
    assert_eq!(find(&r, &rest).expect("ANY by REST resource").route_key, "ANY /files/{proxy+}");
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

#[test]
fn an_event_route_other_than_the_path_route_is_given_beside_it() {
    let r = routes(json!([
        { "method": "ANY", "path": "/{proxy+}" },
        { "method": "GET", "path": "/admin/{proxy+}" },
        { "method": "GET", "path": "/riders/{id}", "resource": { "type": "App::Rider", "id": "{path.id}" } },
    ]));
    // API Gateway with one `/{proxy+}` resource: the store's own route for the path, and the catch-all.
    let mut req = request("GET", "/admin/x");
    req.route_key = Some("/{proxy+}".into());
    req.path_parameters.insert("proxy".into(), "admin/x".into());
    let routed = r.find(&req).expect("routed");
    assert_eq!(routed.route.route_key, "GET /admin/{proxy+}");
    assert_eq!(routed.others.iter().map(|e| e.route_key.as_str()).collect::<Vec<_>>(), ["ANY /{proxy+}"]);
    // The same route both ways: one route.
    let mut req = request("GET", "/riders/7");
    req.route_key = Some("/riders/{id}".into());
    req.path_parameters.insert("id".into(), "7".into());
    let routed = r.find(&req).expect("routed");
    assert_eq!((routed.route.route_key.as_str(), routed.others), ("GET /riders/{id}", vec![]));
    // Path parameters from the event that disagree with the path: both are decided.
    req.path_parameters.insert("id".into(), "8".into());
    let routed = r.find(&req).expect("routed");
    assert_eq!(routed.route.resource, EntityRef::new("App::Rider", "7"));
    assert_eq!(
        routed.others.iter().map(|e| e.resource.clone()).collect::<Vec<_>>(),
        [EntityRef::new("App::Rider", "8")]
    );
    // A base path mapping: the event's path has `/v1`, while API Gateway's route and parameters describe
    // `/admin/x`, which the store routes to `GET /admin/{proxy+}`.
    let mut req = request("GET", "/v1/admin/x");
    req.route_key = Some("/{proxy+}".into());
    req.path_parameters.insert("proxy".into(), "admin/x".into());
    let routed = r.find(&req).expect("routed");
    assert_eq!(routed.route.route_key, "ANY /{proxy+}");
    assert_eq!(routed.others.iter().map(|e| e.route_key.as_str()).collect::<Vec<_>>(), ["GET /admin/{proxy+}"]);
    // Dot segments in a parameter are routed as the integration would read them.
    req.path_parameters.insert("proxy".into(), "x/../admin/y".into());
    let routed = r.find(&req).expect("routed");
    assert_eq!(routed.others.iter().map(|e| e.route_key.as_str()).collect::<Vec<_>>(), ["GET /admin/{proxy+}"]);
}

#[test]
fn a_route_never_reads_a_query_parameter_given_more_than_once() {
    let r = routes(json!([{
        "method": "GET", "path": "/docs",
        "resource": { "type": "App::Tenant", "id": "{query.tenant}" }
    }]));
    for raw in [
        "tenant=victim&tenant=mine",
        "tenant=victim&%74enant=mine",
        "Tenant=victim&tenant=mine",
        "tenant=mine;tenant=victim",
    ] {
        let mut req = request("GET", "/docs");
        req.query = Query::from_raw(raw);
        assert_eq!(find(&r, &req).unwrap_err().code(), "route.ambiguous_value", "{raw}");
    }
    let mut req = request("GET", "/docs");
    req.query = Query::from_raw("tenant=mine&page=1&page=2");
    assert_eq!(find(&r, &req).expect("one tenant").resource, EntityRef::new("App::Tenant", "mine"));
}

#[test]
fn a_route_never_reads_a_header_given_twice_or_under_two_spellings() {
    let r = routes(json!([{
        "method": "GET", "path": "/docs",
        "resource": { "type": "App::Tenant", "id": "{header.x-tenant}" }
    }]));
    let http = |headers: Value| {
        HttpRequest::from_value(&json!({ "method": "GET", "path": "/docs", "headers": headers })).expect("request")
    };
    for headers in [
        json!({"x-tenant": "mine", "x_tenant": "victim"}),
        json!({"X-Tenant": "mine", "x-tenant": "victim"}),
        json!({"x-tenant": ["victim", "mine"]}),
    ] {
        assert_eq!(find(&r, &http(headers.clone())).unwrap_err().code(), "route.ambiguous_value", "{headers}");
    }
    assert_eq!(
        find(&r, &http(json!({"x-tenant": "mine"}))).expect("one").resource,
        EntityRef::new("App::Tenant", "mine")
    );
}
