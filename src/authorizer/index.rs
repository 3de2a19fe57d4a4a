//! A policy index: policies grouped, at load time, by the actions their scope can match and by the
//! entity their principal scope names, so a request evaluates only the policies that can apply to it.
//!
//! For a request with action `a` and principal `p`, the candidates are the policies that can match `a`
//! and whose principal scope is unconstrained (or only a type test), plus those whose principal scope is
//! `== e` or `in e` for `e` equal to `p` or one of `p`'s ancestors. Any other policy's scope is false for
//! the request, so it can neither be satisfied nor raise an error (conditions are only evaluated once the
//! scope holds): leaving it out changes nothing. Each group is a small policy set evaluated by Cedar's
//! own authorizer; the answers combine as Cedar combines policies: any satisfied `forbid` denies, else
//! any satisfied `permit` allows, else deny; errors are collected from every group.

use std::collections::{HashMap, HashSet};

use cedar_policy::{ActionConstraint, Entities, EntityUid, Policy, PolicyId, PolicySet, PrincipalConstraint, Request};

use crate::store::PolicyStore;

/// The index's tables are built from the store and only looked up by a request, which cannot grow them: a
/// fast hash without a random key is enough.
type Fast = foldhash::fast::FixedState;

/// One action's policies.
#[derive(Debug, Clone, Default)]
struct ActionGroup {
    /// Policies whose principal scope names no entity.
    any_principal: PolicySet,
    /// Policies whose principal scope is `== e` or `in e`, by `e`.
    by_principal: HashMap<EntityUid, PolicySet, Fast>,
}

#[derive(Debug, Clone, Default)]
pub struct PolicyIndex {
    by_action: HashMap<EntityUid, ActionGroup, Fast>,
}

/// What Cedar's evaluation of some policy sets says, combined.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub allow: bool,
    pub reasons: Vec<PolicyId>,
    pub errors: Vec<cedar_policy::AuthorizationError>,
}

/// The actions of the schema a policy's action scope can match.
fn matching_actions(
    constraint: &ActionConstraint,
    actions: &[EntityUid],
    action_entities: &Entities,
) -> Vec<EntityUid> {
    let is_in = |action: &EntityUid, group: &EntityUid| {
        action == group || action_entities.ancestors(action).is_some_and(|mut a| a.any(|x| x == group))
    };
    actions
        .iter()
        .filter(|action| match constraint {
            ActionConstraint::Any => true,
            ActionConstraint::Eq(a) => *action == a,
            ActionConstraint::In(groups) => groups.iter().any(|g| is_in(action, g)),
        })
        .cloned()
        .collect()
}

fn principal_key(policy: &Policy) -> Option<EntityUid> {
    match policy.principal_constraint() {
        PrincipalConstraint::Eq(e) | PrincipalConstraint::In(e) | PrincipalConstraint::IsIn(_, e) => Some(e),
        PrincipalConstraint::Any | PrincipalConstraint::Is(_) => None,
    }
}

/// Adds `policy` to `set`: a static policy as it is; a linked one with its template and link.
fn add(set: &mut PolicySet, policy: &Policy, all: &PolicySet) -> Result<(), String> {
    match (policy.template_id(), policy.template_links()) {
        (Some(template_id), Some(values)) => {
            if set.template(template_id).is_none() {
                let template =
                    all.template(template_id).ok_or_else(|| format!("template `{template_id}` is missing"))?;
                set.add_template(template.clone()).map_err(|e| e.to_string())?;
            }
            set.link(template_id.clone(), policy.id().clone(), values).map_err(|e| e.to_string())
        }
        _ => set.add(policy.clone()).map_err(|e| e.to_string()),
    }
}

impl PolicyIndex {
    /// Groups a store's policies. Fails only if the store's own policies cannot be regrouped, which would
    /// be a bug: the caller then evaluates the whole set.
    pub fn build(store: &PolicyStore) -> Result<PolicyIndex, String> {
        let actions: Vec<EntityUid> = store.actions.iter().cloned().collect();
        let action_entities = store.schema.action_entities().map_err(|e| e.to_string())?;
        let mut index = PolicyIndex::default();
        for action in &actions {
            index.by_action.insert(action.clone(), ActionGroup::default());
        }
        for policy in store.policies.policies() {
            let key = principal_key(policy);
            for action in matching_actions(&policy.action_constraint(), &actions, &action_entities) {
                let group = index.by_action.entry(action).or_default();
                let set = match &key {
                    Some(k) => group.by_principal.entry(k.clone()).or_default(),
                    None => &mut group.any_principal,
                };
                add(set, policy, &store.policies)?;
            }
        }
        Ok(index)
    }

    /// Evaluates only the groups that can apply to the request.
    pub fn evaluate(&self, engine: &cedar_policy::Authorizer, request: &Request, entities: &Entities) -> Evaluation {
        let mut evaluation = Evaluation::default();
        let (Some(action), Some(principal)) = (request.action(), request.principal()) else {
            return evaluation;
        };
        let Some(group) = self.by_action.get(action) else {
            return evaluation;
        };
        let mut keys: Vec<&EntityUid> = vec![principal];
        if let Some(ancestors) = entities.ancestors(principal) {
            keys.extend(ancestors);
        }
        let mut seen: HashSet<&EntityUid> = HashSet::new();
        let sets = std::iter::once(&group.any_principal)
            .chain(keys.into_iter().filter(|k| seen.insert(*k)).filter_map(|k| group.by_principal.get(k)));
        let mut permits = Vec::new();
        let mut forbids = Vec::new();
        for set in sets {
            if set.is_empty() {
                continue;
            }
            let response = engine.is_authorized(request, set, entities);
            let reasons = response.diagnostics().reason().cloned();
            match response.decision() {
                cedar_policy::Decision::Allow => permits.extend(reasons),
                cedar_policy::Decision::Deny => forbids.extend(reasons),
            }
            evaluation.errors.extend(response.diagnostics().errors().cloned());
        }
        // A group that denied with reasons had a forbid satisfied; one that allowed, a permit and no forbid.
        evaluation.allow = forbids.is_empty() && !permits.is_empty();
        evaluation.reasons = if forbids.is_empty() { permits } else { forbids };
        evaluation
    }
}
