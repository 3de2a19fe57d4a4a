//! The authorizer: a compiled policy store that answers Verified Permissions-shaped requests.
//!
//! Everything expensive happens when the authorizer is built ([`Authorizer::new`], from a loaded store):
//! resolving identity sources and routes, indexing policies. A decision decodes the request, merges its entities with the
//! static ones, validates it against the schema and evaluates. Nothing on the decision path panics or
//! returns an error: every failure is a DENY with an [`Error`].

pub mod allowed;
pub mod cache_policy;
pub mod entity_cache;
pub mod http;
pub mod identity;
pub mod index;
pub mod merge;
pub mod requests;
pub mod routes;
pub mod with_token;

use std::sync::{Arc, Mutex};

use cedar_policy::{Entities, Entity, EntityUid, Request};
use serde_json::{Map, Value};

use crate::authorizer::entity_cache::EntityCache;
use crate::authorizer::index::PolicyIndex;
use crate::authorizer::merge::{Descriptions, Merger, RequestSchema};
use crate::authorizer::requests::Actions;
use crate::authorizer::routes::Routes;
use crate::bundle::compiled::{self, CompiledBundle};
use crate::bundle::signature::Signed;
use crate::diagnostics::error_chain;
use crate::errors::{Code, Error, Failure};
use crate::request::{self, Answer, BatchAnswer, BatchResult, Decision, DeterminingPolicy, RequestParts};
use crate::store::schema_types::SchemaTypes;
use crate::store::{PolicyEntry, PolicyStore};
use crate::token::sources::{self, Issuers};
use identity::TokenCache;

pub struct Authorizer {
    pub(crate) store: PolicyStore,
    hash: String,
    engine: cedar_policy::Authorizer,
    /// Identity sources and their imported keys.
    pub(crate) issuers: Issuers,
    /// Attribute types of the schema, for typing token claims.
    pub(crate) types: SchemaTypes,
    /// Verified tokens' mapped identities, by digest of the whole token.
    pub(crate) token_cache: Mutex<TokenCache>,
    /// Static entities merged with a request's, by the request's entity list.
    entity_cache: Mutex<EntityCache>,
    /// Adds a request's entities to the static ones without a closure repair where that is sound.
    merger: Merger,
    /// Each entity type's schema description, for checking request entities.
    descriptions: Descriptions,
    /// `authorizer.json`'s routes.
    pub(crate) routes: Routes,
    /// The policies grouped by action and principal scope (`None` only if grouping failed: then every
    /// request evaluates the whole set).
    index: Option<PolicyIndex>,
    /// Things about the configuration worth a warning when it loads.
    warnings: Vec<String>,
    /// Each action of the schema: its empty context, what its requests' scope may be, its context type.
    actions: Actions,
    /// The bundle's verified signature, when it was loaded under trusted keys.
    signed: Option<Signed>,
}

impl Authorizer {
    /// Loads a compiled bundle (its hash already checked by [`compiled::from_value`]).
    pub fn from_compiled(bundle: &CompiledBundle) -> Result<Self, Failure> {
        let store = compiled::load(bundle)?;
        Authorizer::new(store, bundle.hash.clone(), SchemaTypes::from_resolved_json(&bundle.schema_types))
    }

    /// Builds the authorizer of a loaded store: resolves the identity sources and routes, and indexes the
    /// policies. `hash` is the bundle's content hash; `types` the schema's attribute types.
    pub fn new(store: PolicyStore, hash: String, types: SchemaTypes) -> Result<Self, Failure> {
        let sources = sources::resolve(&store.config)
            .map_err(|errors| Failure::of(Code::BundleInvalid, format!("`authorizer.json`: {}", errors.join("; "))))?;
        let warnings = sources::warnings(&sources);
        let issuers = Issuers::new(sources, store.config.token_validation.clone());
        let routes = Routes::from_config(&store.config, store.namespace.as_deref())
            .map_err(|errors| Failure::of(Code::BundleInvalid, format!("`authorizer.json`: {}", errors.join("; "))))?;
        let index = PolicyIndex::build(&store).ok();
        let merger = Merger::new(&store.entities);
        let descriptions = Descriptions::new(&store.schema);
        let actions = Actions::new(&store.schema, &store.actions, &types);
        Ok(Authorizer {
            actions,
            descriptions,
            merger,
            index,
            types,
            store,
            hash,
            engine: cedar_policy::Authorizer::new(),
            issuers,
            token_cache: Mutex::new(TokenCache::default()),
            entity_cache: Mutex::new(EntityCache::default()),
            routes,
            warnings,
            signed: None,
        })
    }

    /// The schema as request entities are read and checked against it.
    pub(crate) fn request_schema(&self) -> RequestSchema<'_> {
        RequestSchema::new(&self.store.schema, &self.descriptions)
    }

    /// Things about the configuration worth a warning (it loaded all the same).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The bundle's content hash, `sha256:<hex>`.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// The bundle's verified signature (revision, when signed, by which key), if it was checked.
    pub fn signed(&self) -> Option<&Signed> {
        self.signed.as_ref()
    }

    /// Records the signature checked when the bundle was loaded.
    pub fn set_signed(&mut self, signed: Option<Signed>) {
        self.signed = signed;
    }

    /// The attribute types of the schema, as token claims are typed by them.
    pub fn schema_types(&self) -> &SchemaTypes {
        &self.types
    }

    pub fn manifest(&self) -> &[PolicyEntry] {
        &self.store.manifest
    }

    /// `IsAuthorized`: one request in Verified Permissions' shape (or with Cedar JSON context and entities).
    pub fn is_authorized(&self, input: &Value) -> Answer {
        let parts = match request::decode_request(input) {
            Ok(parts) => parts,
            Err(e) => return Answer::deny(e),
        };
        self.decide_with_entities(parts, input.get("entities"))
    }

    /// `IsAuthorized` from the request's JSON text, read without building a `Value` of the whole request
    /// ([`request::text`]); `None` when the text should be read as a `Value` and given to
    /// [`Authorizer::is_authorized`], which then answers as this would have.
    pub fn is_authorized_text(&self, text: &str) -> Option<Answer> {
        let read = request::text::read(text)?;
        Some(self.decide_with_entities(read.parts, read.entities.as_ref()))
    }

    /// A decoded request with its entities (absent, or any form [`request::decode_entities`] takes).
    fn decide_with_entities(&self, parts: RequestParts<'_>, entities: Option<&Value>) -> Answer {
        let list = match request::decode_entities(entities) {
            Ok(list) => list,
            Err(e) => return Answer::deny(e),
        };
        if list.is_empty() {
            return self.decide(parts, &self.store.entities);
        }
        match self.entities_with(list) {
            Ok(entities) => self.decide(parts, &entities),
            Err(e) => Answer::deny(e),
        }
    }

    /// `BatchIsAuthorized`: `{requests: [...], entities}`, with no limit on the number of requests. The shared
    /// entities are parsed once; a request may add its own.
    pub fn batch_is_authorized(&self, input: &Value) -> BatchAnswer {
        let requests = input.get("requests").and_then(Value::as_array).cloned().unwrap_or_default();
        let shared = request::decode_entities(input.get("entities"));
        let shared_entities = shared.clone().and_then(|list| self.entities_with(list));
        let results = requests
            .into_iter()
            .map(|request| {
                let answer = match (&shared, &shared_entities) {
                    (Err(e), _) | (_, Err(e)) => Answer::deny(e.clone()),
                    (Ok(shared_list), Ok(shared_entities)) => match request.get("entities") {
                        None | Some(Value::Null) => match request::decode_request(&request) {
                            Ok(parts) => self.decide(parts, shared_entities),
                            Err(e) => Answer::deny(e),
                        },
                        own => match request::decode_entities(own).and_then(|mut list| {
                            list.extend(shared_list.iter().cloned());
                            self.entities_with(list)
                        }) {
                            Ok(entities) => match request::decode_request(&request) {
                                Ok(parts) => self.decide(parts, &entities),
                                Err(e) => Answer::deny(e),
                            },
                            Err(e) => Answer::deny(e),
                        },
                    },
                };
                BatchResult { request, answer }
            })
            .collect();
        BatchAnswer { results }
    }

    /// The store's static entities plus a request's own (Cedar entity JSON), checked against the schema.
    /// A request entity may repeat a static one exactly, but not redefine it. A list seen before reuses the
    /// set merged then (see [`crate::authorizer::entity_cache`]).
    pub fn entities_with(&self, list: Vec<Value>) -> Result<Arc<Entities>, Error> {
        if list.is_empty() {
            return Ok(Arc::new(self.store.entities.clone()));
        }
        let Ok(key) = serde_json::to_string(&list) else {
            return self.entities_with_parsed(list, Vec::new()).map(Arc::new);
        };
        if let Some(entities) = self.entity_cache.lock().ok().and_then(|mut cache| cache.get(&key)) {
            return Ok(entities);
        }
        let merged = Arc::new(self.entities_with_parsed(list, Vec::new())?);
        if let Ok(mut cache) = self.entity_cache.lock() {
            cache.insert(key, &merged);
        }
        Ok(merged)
    }

    /// Merged entity-set cache counters: `(hits, misses, entries)`.
    pub fn entity_cache_stats(&self) -> (u64, u64, usize) {
        match self.entity_cache.lock() {
            Ok(c) => (c.hits, c.misses, c.len()),
            Err(_) => (0, 0, 0),
        }
    }

    /// Like [`Authorizer::entities_with`], plus entities already parsed (a verified token's principal and
    /// groups).
    pub(crate) fn entities_with_parsed(&self, list: Vec<Value>, mut added: Vec<Entity>) -> Result<Entities, Error> {
        if !list.is_empty() {
            let parsed = merge::parse_request_entities(list, &self.request_schema())
                .map_err(|e| Error::new(Code::RequestInvalidEntities, error_chain(&e)))?;
            added.extend(parsed);
        }
        // Entities the store already has (the schema's actions, which schema-based parsing adds, or an exact
        // copy of a static entity) are not added again; a different entity under a store uid is refused.
        let statics = &self.store.entities;
        let mut fresh = Vec::with_capacity(added.len());
        for entity in added {
            match statics.get(&entity.uid()) {
                Some(existing) if existing.deep_eq(&entity) => {}
                Some(_) => {
                    return Err(Error::new(
                        Code::RequestEntityConflict,
                        format!("entity `{}` differs from the policy store's: a request may not redefine an entity of the policy store", entity.uid()),
                    ))
                }
                None => fresh.push(entity),
            }
        }
        if fresh.is_empty() {
            return Ok(statics.clone());
        }
        // Already checked against the schema when parsed.
        self.merger.merge(statics, fresh).map_err(|e| match e {
            cedar_policy::entities_errors::EntitiesError::Duplicate(_) => Error::new(
                Code::RequestEntityConflict,
                format!("{}: the request lists an entity twice, differently", error_chain(&e)),
            ),
            other => Error::new(Code::RequestInvalidEntities, error_chain(&other)),
        })
    }

    /// Evaluates one decoded request against `entities`, through the policy index.
    pub fn decide(&self, parts: RequestParts<'_>, entities: &Entities) -> Answer {
        self.decide_with(parts, entities, true)
    }

    /// `IsAuthorized` evaluating every policy of the store, without the index: the reference the index is
    /// tested against.
    pub fn is_authorized_unindexed(&self, input: &Value) -> Answer {
        let parts = match request::decode_request(input) {
            Ok(parts) => parts,
            Err(e) => return Answer::deny(e),
        };
        match request::decode_entities(input.get("entities")).and_then(|list| self.entities_with(list)) {
            Ok(entities) => self.decide_with(parts, &entities, false),
            Err(e) => Answer::deny(e),
        }
    }

    fn decide_with(&self, parts: RequestParts<'_>, entities: &Entities, indexed: bool) -> Answer {
        let Some(principal) = parts.principal else {
            return Answer::deny(Error::new(
                Code::RequestMalformed,
                "the request has no `principal` ({\"entityType\": \"...\", \"entityId\": \"...\"})",
            ));
        };
        let request = match self.request(principal, parts.action, parts.resource, parts.context) {
            Ok(request) => request,
            Err(e) => return Answer::deny(e),
        };
        match (&self.index, indexed) {
            (Some(index), true) => {
                let evaluation = index.evaluate(&self.engine, &request, entities);
                answer_from_parts(evaluation.allow, evaluation.reasons.iter(), evaluation.errors.iter())
            }
            _ => {
                let response = self.engine.is_authorized(&request, &self.store.policies, entities);
                let allow = response.decision() == cedar_policy::Decision::Allow;
                answer_from_parts(allow, response.diagnostics().reason(), response.diagnostics().errors())
            }
        }
    }

    fn request(
        &self,
        principal: EntityUid,
        action: EntityUid,
        resource: EntityUid,
        context: std::borrow::Cow<'_, Map<String, Value>>,
    ) -> Result<Request, Error> {
        self.actions.request(&self.store.schema, principal, action, resource, context)
    }
}

fn answer_from_parts<'a>(
    allow: bool,
    reasons: impl Iterator<Item = &'a cedar_policy::PolicyId>,
    errors: impl Iterator<Item = &'a cedar_policy::AuthorizationError>,
) -> Answer {
    let decision = if allow { Decision::Allow } else { Decision::Deny };
    let mut ids: Vec<String> = reasons.map(|id| AsRef::<str>::as_ref(id).to_owned()).collect();
    ids.sort();
    ids.dedup();
    let mut errors: Vec<Error> = errors
        .map(|e| {
            let cedar_policy::AuthorizationError::PolicyEvaluationError(inner) = e;
            Error::new(Code::PolicyEvaluationError, error_chain(e)).for_policy(inner.policy_id().as_ref())
        })
        .collect();
    errors.sort_by(|a, b| a.policy_id.cmp(&b.policy_id));
    Answer {
        decision,
        determining_policies: ids.into_iter().map(|policy_id| DeterminingPolicy { policy_id }).collect(),
        errors,
        principal: None,
        warnings: Vec::new(),
    }
}
