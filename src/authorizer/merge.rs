//! A request's entities added to the store's, without rebuilding the transitive closure.
//!
//! Cedar's `Entities::add_entities` repairs the closure after adding, and that walks every entity of the
//! store: with a hundred static entities it costs more than the decision. But a request's entities can
//! only point into the store (they may not redefine it), and the store's closure is already computed, so
//! each request entity's ancestors are its parents plus, for a parent in the store, that parent's
//! ancestors, and for a parent in the request, that parent's own ancestors, computed the same way. With
//! those full sets the entities go in as they are (cedar-policy-core's `TCComputation::AssumeAlreadyComputed`).
//!
//! That holds while nothing in the store descends from a request entity. Whenever it might not (a store
//! entity names as its ancestor an entity the store does not define and the request does), or the request
//! entities form a cycle, repeat a uid or chain deeper than [`MAX_DEPTH`], the merge takes Cedar's own path,
//! which also reports cycles and duplicates exactly as before.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use cedar_policy::entities_errors::EntitiesError;
use cedar_policy::{Entities, Entity, Schema};
use cedar_policy_core::ast::{self, EntityUID, UnreservedId};
use cedar_policy_core::entities::conformance::EntitySchemaConformanceChecker;
use cedar_policy_core::entities::{
    Dereference, Entities as CoreEntities, EntityJsonParser, EntityTypeDescription as DescribesType, NoEntitiesSchema,
    Schema as EntitySchema, SchemaType, TCComputation,
};
use cedar_policy_core::extensions::Extensions;
use cedar_policy_core::validator::{CoreSchema, EntityTypeDescription};
use nonempty::NonEmpty;
use serde_json::Value;
use smol_str::SmolStr;

/// A request's entity list (Cedar entity JSON) read against the schema, as `Entities::from_json_value`
/// reads it (attributes typed and checked, action entities checked against the schema's), but without
/// adding the schema's action entities (the store has them) and without a closure of its own: both are
/// the merge's business.
pub fn parse_request_entities(list: Vec<Value>, schema: &RequestSchema<'_>) -> Result<Vec<Entity>, EntitiesError> {
    let parsed = match parse_plain(&list, schema) {
        Some(parsed) => parsed,
        None => parse_with_cedar(list, schema)?,
    };
    // Where request entities are parents of one another, their closure among themselves is computed here,
    // as Cedar's parser does (refusing cycles): an entity repeating one of the store's is compared with it
    // by its ancestors.
    let uids: HashSet<_> = parsed.iter().map(Entity::uid).collect();
    let nested =
        parsed.iter().any(|e| AsRef::<ast::Entity>::as_ref(e).parents().any(|p| uids.contains(&p.clone().into())));
    if nested {
        return Ok(Entities::from_entities(parsed, None)?.into_iter().collect());
    }
    Ok(parsed)
}

/// A request's entity list read by Cedar's JSON parser against the schema, with no action entities added
/// and no closure computed.
pub fn parse_with_cedar(list: Vec<Value>, schema: &RequestSchema<'_>) -> Result<Vec<Entity>, EntitiesError> {
    let parser = EntityJsonParser::new(Some(schema), Extensions::all_available(), TCComputation::AssumeAlreadyComputed);
    Ok(parser.from_json_value(Value::Array(list))?.into_iter().map(Entity::from).collect())
}

/// A request's entity list read without Cedar's JSON parser, when every entity is in the plain form most
/// callers send: `{"uid", "attrs": {}, "parents"}` (and `"tags": {}`), each uid `{"type", "id"}` or
/// `{"__entity": {"type", "id"}}` naming an entity type of the schema (not an action). Each entity is built
/// as that parser builds it and checked by the same schema conformance check. Anything else (attributes or
/// tags, another form, a type the schema does not have, an entity the check refuses, a uid listed twice)
/// gives `None`: Cedar's parser then reads the list and says what is wrong, exactly as before.
pub fn parse_plain(list: &[Value], schema: &RequestSchema<'_>) -> Option<Vec<Entity>> {
    let names = &schema.descriptions.names;
    let checker = EntitySchemaConformanceChecker::new(schema, Extensions::all_available());
    let mut seen = HashSet::with_capacity(list.len());
    let mut entities = Vec::with_capacity(list.len());
    for item in list {
        let map = item.as_object()?;
        let empty = |key: &str| map.get(key).and_then(Value::as_object).is_some_and(serde_json::Map::is_empty);
        let tags = match map.get("tags") {
            None => 0,
            Some(_) if empty("tags") => 1,
            Some(_) => return None,
        };
        if map.len() != 3 + tags || !empty("attrs") {
            return None;
        }
        let uid = plain_uid(map.get("uid")?, names)?;
        let parents =
            map.get("parents")?.as_array()?.iter().map(|p| plain_uid(p, names)).collect::<Option<HashSet<_>>>()?;
        if !seen.insert(uid.clone()) {
            return None;
        }
        let entity = ast::Entity::new_with_attr_partial_value(uid, [], HashSet::new(), parents, []);
        checker.validate_entity(&entity).ok()?;
        entities.push(Entity::from(entity));
    }
    Some(entities)
}

/// A uid written `{"type", "id"}` or `{"__entity": {"type", "id"}}`, with a type of the schema's (by its
/// normalized name, as Cedar's parser requires it).
fn plain_uid(value: &Value, names: &HashMap<String, ast::EntityType>) -> Option<EntityUID> {
    let map = value.as_object()?;
    let map = match (map.len(), map.get("__entity")) {
        (1, Some(inner)) => inner.as_object()?,
        _ => map,
    };
    if map.len() != 2 {
        return None;
    }
    let entity_type = names.get(map.get("type")?.as_str()?)?;
    let id = map.get("id")?.as_str()?;
    Some(EntityUID::from_components(entity_type.clone(), ast::Eid::new(id), None))
}

/// Each entity type's schema description, made once: Cedar makes one for every entity it checks, and
/// making one walks every entity type of the schema.
#[derive(Debug, Default)]
pub struct Descriptions {
    by_type: HashMap<ast::EntityType, Arc<EntityTypeDescription>>,
    /// The schema's entity types (not actions) by their normalized names.
    names: HashMap<String, ast::EntityType>,
}

impl Descriptions {
    pub fn new(schema: &Schema) -> Descriptions {
        let validator = schema.as_ref();
        Descriptions {
            by_type: validator
                .entity_types()
                .filter_map(|t| Some((t.name().clone(), Arc::new(EntityTypeDescription::new(validator, t.name())?))))
                .collect(),
            names: validator
                .entity_types()
                .filter(|t| !t.name().is_action())
                .map(|t| (t.name().to_string(), t.name().clone()))
                .collect(),
        }
    }
}

/// The schema as request entities are read and checked against it: the same types and actions, each
/// type's description made once, and no action entities to add (the store has them).
pub struct RequestSchema<'a> {
    core: CoreSchema<'a>,
    descriptions: &'a Descriptions,
}

impl<'a> RequestSchema<'a> {
    pub fn new(schema: &'a Schema, descriptions: &'a Descriptions) -> RequestSchema<'a> {
        RequestSchema { core: CoreSchema::new(schema.as_ref()), descriptions }
    }
}

impl EntitySchema for RequestSchema<'_> {
    type EntityTypeDescription = Described;
    type ActionEntityIterator = std::iter::Empty<Arc<ast::Entity>>;

    fn entity_type(&self, entity_type: &ast::EntityType) -> Option<Described> {
        match self.descriptions.by_type.get(entity_type) {
            Some(described) => Some(Described(described.clone())),
            None => self.core.entity_type(entity_type).map(|d| Described(Arc::new(d))),
        }
    }

    fn action(&self, action: &EntityUID) -> Option<Arc<ast::Entity>> {
        self.core.action(action)
    }

    fn entity_types_with_basename<'b>(
        &'b self,
        basename: &'b UnreservedId,
    ) -> Box<dyn Iterator<Item = ast::EntityType> + 'b> {
        self.core.entity_types_with_basename(basename)
    }

    fn action_entities(&self) -> Self::ActionEntityIterator {
        std::iter::empty()
    }
}

/// A shared entity type description.
pub struct Described(Arc<EntityTypeDescription>);

impl DescribesType for Described {
    fn entity_type(&self) -> ast::EntityType {
        self.0.entity_type()
    }

    fn attr_type(&self, attr: &str) -> Option<SchemaType> {
        self.0.attr_type(attr)
    }

    fn tag_type(&self) -> Option<SchemaType> {
        self.0.tag_type()
    }

    fn required_attrs<'s>(&'s self) -> Box<dyn Iterator<Item = SmolStr> + 's> {
        self.0.required_attrs()
    }

    fn allowed_parent_types(&self) -> Arc<HashSet<ast::EntityType>> {
        self.0.allowed_parent_types()
    }

    fn open_attributes(&self) -> bool {
        self.0.open_attributes()
    }

    fn enum_entity_eids(&self) -> Option<&NonEmpty<ast::Eid>> {
        self.0.enum_entity_eids()
    }

    fn is_external(&self) -> bool {
        self.0.is_external()
    }
}

/// Request entities chained deeper than this (each the parent of the next) take Cedar's path.
pub const MAX_DEPTH: usize = 64;

/// What the merge needs to know about a store's entities, computed once when the authorizer is built.
#[derive(Debug, Default)]
pub struct Merger {
    /// Ancestors named by store entities that the store does not define: a request defining one of them
    /// changes store entities' ancestors, which only a closure repair gets right.
    dangling: HashSet<EntityUID>,
}

impl Merger {
    pub fn new(statics: &Entities) -> Merger {
        let core: &CoreEntities = statics.as_ref();
        let dangling = statics
            .iter()
            .flat_map(|e| AsRef::<ast::Entity>::as_ref(e).ancestors())
            .filter(|uid| matches!(core.entity(uid), Dereference::NoSuchEntity))
            .cloned()
            .collect();
        Merger { dangling }
    }

    /// The store's entities plus `fresh` (none of which the store has): without a closure repair where
    /// that is sound, else through Cedar's `add_entities`. The answer is the same entity set either way.
    pub fn merge(&self, statics: &Entities, fresh: Vec<Entity>) -> Result<Entities, EntitiesError> {
        match self.merge_without_repair(statics, &fresh) {
            Some(merged) => merged,
            None => merge_with_closure(statics, fresh),
        }
    }

    /// The merge without a closure repair, or `None` where only a repair is sound.
    pub fn merge_without_repair(
        &self,
        statics: &Entities,
        fresh: &[Entity],
    ) -> Option<Result<Entities, EntitiesError>> {
        let closed = self.closed(statics.as_ref(), fresh)?;
        let merged = statics.as_ref().clone().add_entities(
            closed.into_iter().map(Arc::new),
            None::<&NoEntitiesSchema>,
            TCComputation::AssumeAlreadyComputed,
            Extensions::all_available(),
        );
        Some(merged.map(Entities::from))
    }

    /// The request entities with their full ancestor sets, or `None` where only a closure repair is sound.
    fn closed(&self, statics: &CoreEntities, fresh: &[Entity]) -> Option<Vec<ast::Entity>> {
        let entities: Vec<&ast::Entity> = fresh.iter().map(AsRef::as_ref).collect();
        let mut index: HashMap<&EntityUID, usize> = HashMap::with_capacity(entities.len());
        for (i, entity) in entities.iter().enumerate() {
            let uid = entity.uid();
            let in_store = !matches!(statics.entity(uid), Dereference::NoSuchEntity);
            if in_store || self.dangling.contains(uid) || index.insert(uid, i).is_some() {
                return None;
            }
        }
        let mut closure =
            Closure { statics, entities: &entities, index: &index, state: vec![State::New; entities.len()] };
        let mut out = Vec::with_capacity(entities.len());
        for (i, original) in entities.iter().enumerate() {
            let ancestors = closure.ancestors(i, 0)?;
            let mut entity = (*original).clone();
            for uid in ancestors {
                entity.add_indirect_ancestor(uid);
            }
            out.push(entity);
        }
        Some(out)
    }
}

/// Cedar's own merge: add, then repair the transitive closure (and refuse cycles and duplicates).
pub fn merge_with_closure(statics: &Entities, fresh: Vec<Entity>) -> Result<Entities, EntitiesError> {
    statics.clone().add_entities(fresh, None)
}

#[derive(Clone)]
enum State {
    New,
    Visiting,
    Done(HashSet<EntityUID>),
}

/// A depth-first walk over the request entities, each one's ancestor set computed once.
struct Closure<'a> {
    statics: &'a CoreEntities,
    entities: &'a [&'a ast::Entity],
    index: &'a HashMap<&'a EntityUID, usize>,
    state: Vec<State>,
}

impl Closure<'_> {
    /// Request entity `i`'s ancestors; `None` for a cycle or a chain deeper than [`MAX_DEPTH`].
    fn ancestors(&mut self, i: usize, depth: usize) -> Option<HashSet<EntityUID>> {
        match &self.state[i] {
            State::Done(set) => return Some(set.clone()),
            State::Visiting => return None,
            State::New if depth > MAX_DEPTH => return None,
            State::New => {}
        }
        self.state[i] = State::Visiting;
        let mut set = HashSet::new();
        for parent in self.entities[i].ancestors() {
            set.insert(parent.clone());
            match self.index.get(parent) {
                Some(&j) => set.extend(self.ancestors(j, depth + 1)?),
                None => {
                    if let Dereference::Data(stored) = self.statics.entity(parent) {
                        set.extend(stored.ancestors().cloned());
                    }
                }
            }
        }
        self.state[i] = State::Done(set.clone());
        Some(set)
    }
}
