//! A request's context read straight into Cedar values, where the schema's type says what each value is.
//!
//! Cedar's JSON reader tries every JSON value as an escape (`__extn`, `__entity`, `__expr`) before reading it
//! by its type, which is most of a decision's time for a context of a few attributes. For the common case,
//! values of plain types that need no escape (strings, longs, booleans, sets, records, an entity written as
//! `{"type", "id"}`, an extension value written as its constructor's string), the value is built here from
//! the type the schema declares, exactly as Cedar's reader would build it. Anything else (an escape, an
//! attribute the schema does not declare, a missing required one, a value that does not fit its type) is
//! left to Cedar's reader, which also words the error.

use cedar_policy::{EntityUid, RestrictedExpression};
use serde_json::{Map, Value};

use crate::request::entity_ref::EntityRef;
use crate::request::extension::Constructor;
use crate::store::schema_types::{CedarType, RecordType};

/// The context's attributes as Cedar expressions, or `None` where only Cedar's reader knows what they are.
pub fn read(context: &Map<String, Value>, ty: &RecordType) -> Option<Vec<(String, RestrictedExpression)>> {
    record_fields(context, ty)
}

fn record_fields(fields: &Map<String, Value>, ty: &RecordType) -> Option<Vec<(String, RestrictedExpression)>> {
    if fields.keys().any(|k| !ty.contains_key(k))
        || ty.iter().any(|(k, (_, required))| *required && !fields.contains_key(k))
    {
        return None;
    }
    fields.iter().map(|(k, v)| Some((k.clone(), value(v, &ty.get(k)?.0)?))).collect()
}

fn value(v: &Value, ty: &CedarType) -> Option<RestrictedExpression> {
    if let Value::Object(map) = v {
        // The explicit escapes of an entity and of a one-argument extension constructor are read here; any
        // other escape (`__expr`, `unknown`, several arguments) is Cedar's.
        match (ty, map.get("__entity"), map.get("__extn")) {
            (CedarType::Entity(_), Some(Value::Object(entity)), None) if map.len() == 1 => {
                return value_entity(entity, ty)
            }
            (CedarType::Extension(name), None, Some(Value::Object(call))) if map.len() == 1 && call.len() == 2 => {
                let (Some(Value::String(function)), Some(Value::String(arg))) = (call.get("fn"), call.get("arg"))
                else {
                    return None;
                };
                let constructor = Constructor::for_type(name)?;
                return (constructor.function() == function).then(|| constructor.call(arg));
            }
            _ if map.keys().any(|k| k.starts_with("__")) => return None,
            _ => {}
        }
    }
    Some(match (ty, v) {
        (CedarType::String, Value::String(s)) => RestrictedExpression::new_string(s.clone()),
        (CedarType::Long, Value::Number(n)) => RestrictedExpression::new_long(n.as_i64()?),
        (CedarType::Bool, Value::Bool(b)) => RestrictedExpression::new_bool(*b),
        (CedarType::Set(element), Value::Array(items)) => {
            RestrictedExpression::new_set(items.iter().map(|item| value(item, element)).collect::<Option<Vec<_>>>()?)
        }
        (CedarType::Record(record), Value::Object(fields)) => {
            RestrictedExpression::new_record(record_fields(fields, record)?).ok()?
        }
        (CedarType::Entity(_), Value::Object(fields)) => return value_entity(fields, ty),
        // The constructor Cedar applies to a string where the schema expects an extension type.
        (CedarType::Extension(name), Value::String(arg)) => Constructor::for_type(name)?.call(arg),
        _ => return None,
    })
}

/// An entity reference written `{"type", "id"}`, of the type expected.
fn value_entity(fields: &Map<String, Value>, ty: &CedarType) -> Option<RestrictedExpression> {
    let (CedarType::Entity(entity_type), 2) = (ty, fields.len()) else {
        return None;
    };
    let (Some(Value::String(t)), Some(Value::String(id))) = (fields.get("type"), fields.get("id")) else {
        return None;
    };
    if t != entity_type {
        return None;
    }
    let uid: EntityUid = EntityRef::new(t.clone(), id.clone()).to_uid().ok()?;
    Some(RestrictedExpression::new_entity_uid(uid))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cedar_policy::{Context, Entities, EntityUid, Expression, Request, Schema};
    use serde_json::json;
    use std::str::FromStr;

    const SCHEMA: &str = r#"namespace App {
        type Addr = { city: String, zip?: String };
        entity User;
        entity Doc;
        action view appliesTo { principal: User, resource: Doc, context: {
            name: String, n?: Long, ok?: Bool, tags?: Set<String>, addr?: Addr, owner?: User,
            ip?: ipaddr, amount?: decimal, at?: datetime, within?: duration, nums?: Set<Long>, places?: Set<Addr>
        } };
    }"#;

    /// `context` evaluated in a request: the value Cedar sees.
    fn seen(context: Context, schema: &Schema) -> Result<String, String> {
        let uid = |s: &str| EntityUid::from_str(s).expect("uid");
        let request = Request::new(
            uid(r#"App::User::"u""#),
            uid(r#"App::Action::"view""#),
            uid(r#"App::Doc::"d""#),
            context,
            Some(schema),
        )
        .map_err(|e| e.to_string())?;
        let value = cedar_policy::eval_expression(
            &request,
            &Entities::empty(),
            &Expression::from_str("context").expect("expr"),
        )
        .map_err(|e| e.to_string())?;
        Ok(format!("{value:?}"))
    }

    #[test]
    fn contexts_read_directly_are_what_cedars_reader_makes_of_them() {
        let (schema, _) = Schema::from_cedarschema_str(SCHEMA).expect("schema");
        let (json, _) = cedar_policy::schema_str_to_json_with_resolved_types(SCHEMA).expect("json");
        let types = crate::store::schema_types::SchemaTypes::from_resolved_json(&json);
        let ty = types.action_context(r#"App::Action::"view""#).expect("context type");
        let action = EntityUid::from_str(r#"App::Action::"view""#).expect("uid");
        let (mut direct, mut left) = (0, 0);
        for context in [
            json!({ "name": "a" }),
            json!({ "name": "a", "n": 7, "ok": true, "tags": ["x", "y", "x"] }),
            json!({ "name": "a", "addr": { "city": "Lyon" } }),
            json!({ "name": "a", "addr": { "city": "Lyon", "zip": "69001" }, "places": [{ "city": "A" }, { "city": "B", "zip": "1" }] }),
            json!({ "name": "a", "owner": { "type": "App::User", "id": "o" } }),
            json!({ "name": "a", "ip": "10.0.0.1", "amount": "1.25", "at": "2024-10-15", "within": "1h30m" }),
            json!({ "name": "a", "nums": [1, -2, 9007199254740993i64] }),
            json!({ "name": "a", "owner": { "__entity": { "type": "App::User", "id": "o" } } }),
            json!({ "name": "a", "ip": { "__extn": { "fn": "ip", "arg": "10.0.0.1" } }, "at": { "__extn": { "fn": "datetime", "arg": "2024-01-01" } } }),
            // Left to Cedar's reader: other escapes, undeclared or missing attributes, values that do not fit.
            json!({ "name": "a", "ip": { "fn": "ip", "arg": "10.0.0.1" } }),
            json!({ "name": "a", "ip": { "__extn": { "fn": "decimal", "arg": "1.0" } } }),
            json!({ "name": "a", "ip": { "__extn": { "fn": "unknown", "arg": "x" } } }),
            json!({ "name": "a", "n": { "__expr": "1" } }),
            json!({ "name": "a", "owner": { "__entity": { "type": "App::User", "id": "o" }, "x": 1 } }),
            json!({ "name": "a", "extra": 1 }),
            json!({ "n": 1 }),
            json!({ "name": 3 }),
            json!({ "name": "a", "n": 1.5 }),
            json!({ "name": "a", "owner": { "type": "App::Doc", "id": "o" } }),
            json!({ "name": "a", "ip": "not an address" }),
            json!({ "name": "a", "addr": { "city": "Lyon", "street": "x" } }),
        ] {
            let map = context.as_object().expect("object");
            let cedars = Context::from_json_value(context.clone(), Some((&schema, &action)))
                .map_err(|e| e.to_string())
                .and_then(|c| seen(c, &schema));
            match read(map, ty) {
                Some(pairs) => {
                    direct += 1;
                    let ours = Context::from_pairs(pairs).map_err(|e| e.to_string()).and_then(|c| seen(c, &schema));
                    match (&ours, &cedars) {
                        (Ok(a), Ok(b)) => assert_eq!(a, b, "{context}"),
                        (Err(_), Err(_)) => {}
                        _ => panic!("{context}: read directly {ours:?}, by Cedar {cedars:?}"),
                    }
                }
                None => left += 1,
            }
        }
        assert_eq!((direct, left), (10, 11));
    }
}
