//! Verified claims to Cedar, as Verified Permissions identity sources map them:
//!
//! - principal `<PrincipalType>::"<prefix>|<principal id claim>"` (prefix: the user pool id for Cognito,
//!   `entityIdPrefix` for OIDC; no prefix and no `|` when an OIDC source has none);
//! - one parent `<GroupType>::"<prefix>|<group>"` per group (`cognito:groups`, a JSON list of strings; or the
//!   OIDC `groupClaim`, a list, a single string or a space-delimited string);
//! - ID tokens: claims become principal attributes; access tokens: claims go into the context under
//!   `token`, and the principal has no attributes.
//!
//! Values are typed by the schema: a claim the schema does not declare for the principal (or for the
//! action's `context.token`) is left out; a declared claim whose value does not fit its type (a fraction
//! for a `Long`, `null`, an object for a `String`) is left out and reported; a space-delimited string fills
//! a `Set<String>` (so `scope` becomes a set); a string fills an entity or extension type. A required
//! attribute with no claim to fill it is an error.

use cedar_policy::RestrictedExpression;
use serde::Serialize;
use serde_json::{json, Map, Value};

use super::sources::{Provider, Source, VerifiedToken};
use super::TokenKind;
use crate::errors::{Code, Error};
use crate::request::entity_ref::EntityRef;
use crate::request::extension::Constructor;
use crate::store::schema_types::{CedarType, RecordType, SchemaTypes};

/// A claim left out of the mapping, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct SkippedClaim {
    pub claim: String,
    pub reason: String,
    /// True when the claim was declared but its value did not fit (worth a warning); false when the schema
    /// simply does not declare it.
    pub mismatch: bool,
}

/// What one or two tokens of the same user map to.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct MappedIdentity {
    pub principal: EntityRef,
    pub groups: Vec<EntityRef>,
    /// Principal attributes (from an ID token), in Cedar JSON.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value>"))]
    pub attributes: Map<String, Value>,
    /// Claims of the access token, raw; typed into `context.token` per action by [`context_token`].
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value> | null"))]
    pub access_claims: Option<Map<String, Value>>,
    pub skipped: Vec<SkippedClaim>,
}

impl MappedIdentity {
    /// The principal and group entities in Cedar entity JSON. Groups already among `known` (the store's
    /// static entities) are not repeated, so a static group hierarchy stays as the store defines it.
    pub fn entities_json(&self, known: &dyn Fn(&EntityRef) -> bool) -> Vec<Value> {
        let mut out = vec![json!({
            "uid": self.principal.to_cedar_json(),
            "attrs": self.attributes,
            "parents": self.groups.iter().map(EntityRef::to_cedar_json).collect::<Vec<_>>(),
        })];
        for group in self.groups.iter().filter(|g| !known(g)) {
            out.push(json!({ "uid": group.to_cedar_json(), "attrs": {}, "parents": [] }));
        }
        out
    }
}

/// A mapped value (typed Cedar JSON, as [`convert`] writes it: `__entity` and `__extn` explicit) as a Cedar
/// expression.
pub fn restricted(value: &Value) -> Result<RestrictedExpression, String> {
    Ok(match value {
        Value::String(s) => RestrictedExpression::new_string(s.clone()),
        Value::Bool(b) => RestrictedExpression::new_bool(*b),
        Value::Number(n) => RestrictedExpression::new_long(n.as_i64().ok_or("is not a 64-bit integer")?),
        Value::Array(items) => {
            RestrictedExpression::new_set(items.iter().map(restricted).collect::<Result<Vec<_>, _>>()?)
        }
        Value::Object(map) => match (map.get("__entity"), map.get("__extn")) {
            (Some(entity), None) if map.len() == 1 => {
                let text = |k: &str| entity.get(k).and_then(Value::as_str).ok_or("is not an entity reference");
                let uid = EntityRef::new(text("type")?.to_string(), text("id")?.to_string()).to_uid()?;
                RestrictedExpression::new_entity_uid(uid)
            }
            (None, Some(extension)) if map.len() == 1 => {
                let text = |k: &str| extension.get(k).and_then(Value::as_str).ok_or("is not an extension value");
                let arg = text("arg")?;
                let function = text("fn")?;
                Constructor::by_function(function)
                    .ok_or_else(|| format!("uses the unknown extension function `{function}`"))?
                    .call(arg)
            }
            _ => RestrictedExpression::new_record(
                map.iter().map(|(k, v)| restricted(v).map(|e| (k.clone(), e))).collect::<Result<Vec<_>, _>>()?,
            )
            .map_err(|e| e.to_string())?,
        },
        Value::Null => return Err("is null".into()),
    })
}

fn prefixed(prefix: Option<&str>, id: &str) -> String {
    match prefix {
        Some(p) => format!("{p}|{id}"),
        None => id.to_string(),
    }
}

fn groups_of(source: &Source, claims: &Map<String, Value>) -> Result<Vec<String>, Error> {
    let Some(claim) = source.group_claim.as_deref() else {
        return Ok(Vec::new());
    };
    let invalid = |what: &str| Error::new(Code::MappingInvalid, format!("the `{claim}` claim is {what}"));
    let strict_list = matches!(source.provider, Provider::Cognito { .. });
    match claims.get(claim) {
        None => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or_else(|| invalid("not a list of strings")))
            .collect(),
        Some(Value::String(_)) if strict_list => Err(invalid("not a list of strings")),
        Some(Value::String(s)) => Ok(s.split_whitespace().map(str::to_string).collect()),
        Some(_) => {
            Err(invalid(if strict_list { "not a list of strings" } else { "not a string or a list of strings" }))
        }
    }
}

fn principal_id(source: &Source, claims: &Map<String, Value>) -> Result<String, Error> {
    let claim = &source.principal_id_claim;
    match claims.get(claim) {
        Some(Value::String(s)) if !s.is_empty() => Ok(prefixed(source.id_prefix.as_deref(), s)),
        Some(Value::String(_)) | None => {
            Err(Error::new(Code::MappingMissingClaim, format!("the token has no `{claim}` to name the principal")))
        }
        Some(_) => Err(Error::new(Code::MappingInvalid, format!("the `{claim}` claim is not a string"))),
    }
}

/// Maps an ID token, an access token, or both (which must name the same principal).
pub fn map_identity(source: &Source, tokens: &[&VerifiedToken], types: &SchemaTypes) -> Result<MappedIdentity, Error> {
    let mut principal: Option<String> = None;
    let mut groups: Vec<String> = Vec::new();
    let mut attributes = Map::new();
    let mut access_claims = None;
    let mut skipped = Vec::new();
    for token in tokens {
        let id = principal_id(source, &token.claims)?;
        match &principal {
            Some(existing) if *existing != id => {
                return Err(Error::new(
                    Code::TokenPrincipalMismatch,
                    "the ID token and the access token are for different users",
                ))
            }
            _ => principal = Some(id),
        }
        for group in groups_of(source, &token.claims)? {
            if !groups.contains(&group) {
                groups.push(group);
            }
        }
        let own_claims: Map<String, Value> = token
            .claims
            .iter()
            .filter(|(k, _)| Some(k.as_str()) != source.group_claim.as_deref())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        match token.kind {
            TokenKind::Identity => {
                let shape = types.entity_shape(&source.principal_type).ok_or_else(|| {
                    Error::new(
                        Code::MappingInvalid,
                        format!("the schema has no entity type `{}`", source.principal_type),
                    )
                })?;
                let (attrs, mut skips) = fill_record(&own_claims, shape, "").map_err(|m| {
                    Error::new(Code::MappingMissingClaim, format!("principal `{}`: {m}", source.principal_type))
                })?;
                attributes = attrs;
                skipped.append(&mut skips);
            }
            TokenKind::Access => access_claims = Some(own_claims),
        }
    }
    let principal = principal.ok_or_else(|| Error::new(Code::TokenMissing, "no token"))?;
    if !tokens.iter().any(|t| t.kind == TokenKind::Identity) {
        let required: Vec<&str> = types
            .entity_shape(&source.principal_type)
            .map(|shape| shape.iter().filter(|(_, (_, req))| *req).map(|(n, _)| n.as_str()).collect())
            .unwrap_or_default();
        if !required.is_empty() {
            return Err(Error::new(
                Code::MappingMissingClaim,
                format!(
                    "`{}` requires attributes ({}) that only an ID token provides; make them optional in the schema or pass an ID token",
                    source.principal_type,
                    required.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
                ),
            ));
        }
    }
    let group_refs = match &source.group_type {
        Some(group_type) => groups
            .iter()
            .map(|g| EntityRef::new(group_type.clone(), prefixed(source.id_prefix.as_deref(), g)))
            .collect(),
        None => Vec::new(),
    };
    Ok(MappedIdentity {
        principal: EntityRef::new(source.principal_type.clone(), principal),
        groups: group_refs,
        attributes,
        access_claims,
        skipped,
    })
}

/// The `token` record of an action's context from the access token's claims, typed by the action's
/// declared `token` attribute. `None` when the action declares no `token` (its policies cannot read one).
pub fn context_token(
    access_claims: &Map<String, Value>,
    types: &SchemaTypes,
    action_uid: &str,
) -> Result<Option<(Value, Vec<SkippedClaim>)>, Error> {
    let Some(context) = types.action_context(action_uid) else {
        return Ok(None);
    };
    match context.get("token") {
        Some((CedarType::Record(record), _)) => {
            let (value, skipped) = fill_record(access_claims, record, "token.")
                .map_err(|m| Error::new(Code::MappingMissingClaim, format!("`context.token`: {m}")))?;
            Ok(Some((Value::Object(value), skipped)))
        }
        _ => Ok(None),
    }
}

/// Fills a record type from claims. `Err` when a required attribute has no usable claim.
fn fill_record(
    claims: &Map<String, Value>,
    record: &RecordType,
    path: &str,
) -> Result<(Map<String, Value>, Vec<SkippedClaim>), String> {
    let mut out = Map::new();
    let mut skipped = Vec::new();
    for (name, value) in claims {
        match record.get(name) {
            None => skipped.push(SkippedClaim {
                claim: format!("{path}{name}"),
                reason: "not declared in the schema".into(),
                mismatch: false,
            }),
            Some((ty, _)) => match convert(value, ty) {
                Ok(v) => {
                    out.insert(name.clone(), v);
                }
                Err(reason) => skipped.push(SkippedClaim { claim: format!("{path}{name}"), reason, mismatch: true }),
            },
        }
    }
    for (name, (_, required)) in record {
        if *required && !out.contains_key(name) {
            return Err(match skipped.iter().find(|s| s.claim == format!("{path}{name}")) {
                Some(s) => format!("required attribute `{name}`: the claim {}", s.reason),
                None => format!("required attribute `{name}` has no claim"),
            });
        }
    }
    Ok((out, skipped))
}

fn type_name(ty: &CedarType) -> String {
    match ty {
        CedarType::String => "String".into(),
        CedarType::Long => "Long".into(),
        CedarType::Bool => "Bool".into(),
        CedarType::Set(t) => format!("Set<{}>", type_name(t)),
        CedarType::Record(_) => "a record".into(),
        CedarType::Entity(t) => t.clone(),
        CedarType::Extension(t) => t.clone(),
    }
}

/// One claim value as a Cedar JSON value of the declared type, or why it does not fit.
fn convert(value: &Value, ty: &CedarType) -> Result<Value, String> {
    let mismatch = || format!("is {} where the schema wants {}", describe(value), type_name(ty));
    match (ty, value) {
        (CedarType::String, Value::String(_)) => Ok(value.clone()),
        (CedarType::Long, Value::Number(n)) => n.as_i64().map(|i| json!(i)).ok_or_else(|| {
            if n.is_f64() {
                "is a fraction, which Cedar cannot represent".to_string()
            } else {
                "is beyond Cedar's 64-bit range".to_string()
            }
        }),
        (CedarType::Bool, Value::Bool(_)) => Ok(value.clone()),
        (CedarType::Set(element), Value::Array(items)) => items
            .iter()
            .map(|item| convert(item, element))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
            .map_err(|e| format!("has an element that {e}")),
        (CedarType::Set(element), Value::String(s)) if **element == CedarType::String => {
            Ok(Value::Array(s.split_whitespace().map(|w| json!(w)).collect()))
        }
        (CedarType::Record(record), Value::Object(fields)) => fill_record(fields, record, "")
            .map(|(m, _)| Value::Object(m))
            .map_err(|e| format!("does not fit its record type: {e}")),
        (CedarType::Entity(entity_type), Value::String(id)) => {
            Ok(json!({ "__entity": { "type": entity_type, "id": id } }))
        }
        (CedarType::Extension(name), Value::String(arg)) => {
            match Constructor::for_type(name).filter(|c| extension_value_fits(*c, arg)) {
                Some(constructor) => Ok(json!({ "__extn": { "fn": constructor.function(), "arg": arg } })),
                None => Err(format!("is not a valid `{name}` value")),
            }
        }
        _ => Err(mismatch()),
    }
}

/// Whether `arg` is a value of the constructor's extension type (`ipaddr`, `decimal`, `datetime`, `duration`),
/// as Cedar itself reads it: a claim that is not is left out, like any other claim that does not fit.
fn extension_value_fits(constructor: Constructor, arg: &str) -> bool {
    use cedar_policy::{Entity, EntityUid};
    let expression = constructor.call(arg);
    let Ok(type_name) = crate::request::entity_ref::type_name("Claim") else {
        return false;
    };
    let uid = EntityUid::from_type_name_and_id(type_name, cedar_policy::EntityId::new("value"));
    Entity::new(uid, [("value".to_string(), expression)].into_iter().collect(), Default::default()).is_ok()
}

fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}
