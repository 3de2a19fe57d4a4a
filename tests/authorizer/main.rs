//! The authorizer stage (`src/authorizer/`): HTTP routes to decisions, the policy API Gateway may cache,
//! the request-entity cache and the policy index, each against a plain evaluation of the same request.

#[path = "../common/mod.rs"]
mod common;

mod allowed_actions;
mod bundle_signature;
mod cache_policy;
mod entity_cache;
mod entity_merge;
mod http;
mod policy_index;
mod request_validation;
