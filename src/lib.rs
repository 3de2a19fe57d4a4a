//! cedar-authorizer: Cedar authorization with Amazon Verified Permissions' request, response and token
//! shapes, built to run compiled to WebAssembly in Lambda authorizers, Lambda@Edge and the browser.
//!
//! The modules follow the data flow: a policy [`store`] compiles into a [`bundle`]; an [`authorizer`]
//! loads a bundle and answers [`avp`]-shaped requests. [`json_api`] is the JSON twin of what [`wasm`]
//! exports.

pub mod authorizer;
pub mod avp;
pub mod bundle;
pub mod compiled;
pub mod config;
pub mod diagnostics;
pub mod entity_cache;
pub mod entity_ref;
pub mod errors;
pub mod http;
pub mod iam;
pub mod json_api;
pub mod path;
pub mod policy_index;
#[cfg(feature = "authoring")]
pub mod policy_tests;
pub mod routes;
pub mod schema_types;
pub mod store;
pub mod token;
pub mod values;
pub mod wasm;
pub mod with_token;

pub use authorizer::Authorizer;
pub use avp::{Answer, BatchAnswer, Decision};
pub use bundle::{Bundle, LoadError};
pub use diagnostics::Diagnostic;
pub use errors::{codes, ErrorItem};
