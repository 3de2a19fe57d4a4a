//! Cedar requests from decoded ones, checked against the schema: what each action of the schema allows,
//! worked out once when the authorizer is built, so that a request looks its action up once.
//!
//! Cedar's request validation is a scope check (the principal's and resource's types are declared and
//! allowed for the action, enumerated ids are among their type's, the action is defined) plus a context
//! check (the context has the action's context type). Most requests have an empty context, whose check for
//! an action depends on nothing else and is done here, once. Such a request's scope is then checked against
//! the types the action allows (and an enumerated type's ids), and the request built without Cedar checking
//! both again. Anything else (a context, an undeclared or external type, a type or id the action does not
//! allow) goes through `Request::new` with the schema, which checks the whole request and words the error.

use std::collections::HashMap;

use cedar_policy::{Context, EntityTypeName, EntityUid, Request, Schema};
use cedar_policy_core::ast::Eid;
use cedar_policy_core::entities::conformance::is_valid_enumerated_entity;
use cedar_policy_core::validator::ValidatorEntityTypeKind;
use nonempty::NonEmpty;
use serde_json::{Map, Value};

use crate::diagnostics::error_chain;
use crate::errors::{Code, Error};
use crate::request;
use crate::store::schema_types::{RecordType, SchemaTypes};

/// Looked up with every request, by an action uid from the request: a fixed table built from the schema,
/// which the request cannot grow, so a fast hash without a random key is enough.
type Fast = foldhash::fast::FixedState;

/// What the authorizer knows about one action of the schema.
struct Action {
    /// The action's context when a request gives none (most do), read against the schema; or why an
    /// empty context does not fit the action.
    empty_context: Result<Context, Error>,
    /// With an empty context, the principal and resource types whose scope check passes ([`Scope`]).
    /// `None` when the empty context does not pass Cedar's context check (then every request goes
    /// through `Request::new`).
    scope: Option<(Scope, Scope)>,
    /// The context's type, for reading a request's context directly ([`request::context`]).
    context_type: Option<RecordType>,
}

/// The principal or resource types an action allows that are declared as ordinary or enumerated entity
/// types, an enumerated one with its ids: a uid of one of them (with one of its ids) passes Cedar's scope
/// check.
struct Scope(Vec<(EntityTypeName, Option<NonEmpty<Eid>>)>);

impl Scope {
    fn allows(&self, uid: &EntityUid) -> bool {
        self.0.iter().any(|(name, ids)| {
            name == uid.type_name()
                && ids.as_ref().is_none_or(|ids| is_valid_enumerated_entity(ids, uid.as_ref()).is_ok())
        })
    }
}

/// Every action of the schema.
pub struct Actions {
    actions: HashMap<EntityUid, Action, Fast>,
}

impl Actions {
    pub fn new<'a>(schema: &Schema, actions: impl IntoIterator<Item = &'a EntityUid>, types: &SchemaTypes) -> Self {
        let actions = actions
            .into_iter()
            .map(|uid| {
                // An empty context that passes Cedar's context check is the one reading `{}` against the
                // schema gives; one that does not is read that way, for the error it words.
                let empty = Context::empty();
                let (empty_context, scope) = if empty.validate(schema, uid).is_ok() {
                    (Ok(empty), scope_of(schema, uid))
                } else {
                    (context_of(schema, uid, Map::new()), None)
                };
                let context_type = types.action_context(&uid.to_string()).cloned();
                (uid.clone(), Action { empty_context, scope, context_type })
            })
            .collect();
        Actions { actions }
    }

    /// The request, checked against the schema.
    pub fn request(
        &self,
        schema: &Schema,
        principal: EntityUid,
        action: EntityUid,
        resource: EntityUid,
        context: std::borrow::Cow<'_, Map<String, Value>>,
    ) -> Result<Request, Error> {
        let Some(known) = self.actions.get(&action) else {
            return Err(Error::new(Code::RequestInvalid, format!("action `{action}` is not in the schema")));
        };
        let context = if context.is_empty() {
            let empty = known.empty_context.clone()?;
            if let Some((principals, resources)) = &known.scope {
                if principals.allows(&principal) && resources.allows(&resource) {
                    // Both halves of Cedar's validation are known to pass: checking them again would change
                    // nothing.
                    return Request::new(principal, action, resource, empty, None)
                        .map_err(|e| Error::new(Code::RequestInvalid, error_chain(&e)));
                }
            }
            empty
        } else {
            let direct = || Context::from_pairs(request::context::read(&context, known.context_type.as_ref()?)?).ok();
            match direct() {
                Some(context) => context,
                None => context_of(schema, &action, context.into_owned())?,
            }
        };
        Request::new(principal, action, resource, context, Some(schema))
            .map_err(|e| Error::new(Code::RequestInvalid, error_chain(&e)))
    }
}

/// The principal and resource types for which Cedar's scope check of `action` passes (an external type is
/// left out: Cedar's check decides it). `None` if the action itself does not pass (not defined, or
/// external).
fn scope_of(schema: &Schema, action: &EntityUid) -> Option<(Scope, Scope)> {
    use cedar_policy_core::ast::RequestSchema as _;
    let validator = schema.as_ref();
    validator.validate_scope_variables(None, Some(action.as_ref()), None).ok()?;
    let scope = |types: &mut dyn Iterator<Item = &EntityTypeName>| {
        Scope(
            types
                .filter_map(|name| match &validator.get_entity_type(name.as_ref())?.kind {
                    ValidatorEntityTypeKind::Standard(_) => Some((name.clone(), None)),
                    ValidatorEntityTypeKind::Enum(ids) => Some((name.clone(), Some(ids.clone()))),
                    ValidatorEntityTypeKind::External => None,
                })
                .collect(),
        )
    };
    let principals = scope(&mut schema.principals_for_action(action)?);
    let resources = scope(&mut schema.resources_for_action(action)?);
    Some((principals, resources))
}

/// A request's context (Cedar JSON) read against the action's context type.
fn context_of(schema: &Schema, action: &EntityUid, context: Map<String, Value>) -> Result<Context, Error> {
    Context::from_json_value(Value::Object(context), Some((schema, action)))
        .map_err(|e| Error::new(Code::RequestInvalidContext, error_chain(&e)))
}
