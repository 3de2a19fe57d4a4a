//! cedar-authorizer: Cedar authorization with Amazon Verified Permissions' request, response and token
//! shapes, built to run compiled to WebAssembly in Lambda authorizers, Lambda@Edge and the browser.
//!
//! The modules follow the data flow: a policy [`store`] (files, `authorizer.json`, schema types) becomes a
//! [`bundle`]; [`token`]s are verified and mapped; a [`request`] in Verified Permissions' shapes goes to the
//! [`Authorizer`], which answers. [`authoring`] (behind the `authoring` feature) builds and checks stores
//! and runs policy tests. [`ffi`] is the typed twin of every function the wasm module exports.

// Every refusal carries the one error record, whose optional places (file, line, column, policy, issuer)
// make it larger than clippy's default for an `Err`: it is built only when something is refused, and the
// decision path's cost is Cedar's evaluation, not a move of a few more bytes.
#![allow(clippy::result_large_err)]

#[cfg(feature = "authoring")]
pub mod authoring;
pub mod authorizer;
pub mod bundle;
pub mod diagnostics;
pub mod errors;
pub mod ffi;
pub mod request;
pub mod store;
pub mod token;
#[cfg(target_arch = "wasm32")]
mod wasm;

pub use authorizer::Authorizer;
pub use bundle::Bundle;
pub use errors::{Code, Error, Failure};
pub use request::{Answer, BatchAnswer, Decision};
