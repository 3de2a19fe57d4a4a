//! The WebAssembly exports: thin delegations to [`crate::json_api`]. JSON strings cross the boundary;
//! the compiled store stays inside the instance.

use wasm_bindgen::prelude::*;

use crate::authorizer::Authorizer;
use crate::json_api;

/// A loaded policy store. Created once; every decision call reuses it.
#[wasm_bindgen]
pub struct WasmAuthorizer {
    inner: Authorizer,
}

fn load_error(e: &crate::bundle::LoadError) -> JsError {
    JsError::new(&json_api::load_error_json(e))
}

#[wasm_bindgen]
impl WasmAuthorizer {
    /// Loads a bundle (JSON text). Throws an error whose message is the JSON of the load error.
    #[wasm_bindgen(js_name = fromBundle)]
    pub fn from_bundle(bundle_json: &str) -> Result<WasmAuthorizer, JsError> {
        json_api::load_authorizer_from_bundle(bundle_json)
            .map(|inner| WasmAuthorizer { inner })
            .map_err(|e| load_error(&e))
    }

    /// Validates and loads a store given as `{path: text}` JSON.
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(files_json: &str) -> Result<WasmAuthorizer, JsError> {
        json_api::load_authorizer_from_files(files_json)
            .map(|inner| WasmAuthorizer { inner })
            .map_err(|e| load_error(&e))
    }

    pub fn hash(&self) -> String {
        self.inner.hash().to_string()
    }

    pub fn manifest(&self) -> String {
        json_api::manifest(&self.inner)
    }

    #[wasm_bindgen(js_name = isAuthorized)]
    pub fn is_authorized(&self, input_json: &str) -> String {
        json_api::is_authorized(&self.inner, input_json)
    }

    #[wasm_bindgen(js_name = batchIsAuthorized)]
    pub fn batch_is_authorized(&self, input_json: &str) -> String {
        json_api::batch_is_authorized(&self.inner, input_json)
    }

    /// `IsAuthorizedWithToken`; `now` is seconds since the epoch.
    #[wasm_bindgen(js_name = isAuthorizedWithToken)]
    pub fn is_authorized_with_token(&self, input_json: &str, now: f64) -> String {
        json_api::is_authorized_with_token(&self.inner, input_json, now)
    }

    /// `isAuthorizedWithToken` as `<validUntil>\n<answer JSON>` (`-` when the token did not verify).
    #[wasm_bindgen(js_name = isAuthorizedWithTokenFramed)]
    pub fn is_authorized_with_token_framed(&self, input_json: &str, now: f64) -> String {
        json_api::is_authorized_with_token_framed(&self.inner, input_json, now)
    }

    #[wasm_bindgen(js_name = batchIsAuthorizedWithToken)]
    pub fn batch_is_authorized_with_token(&self, input_json: &str, now: f64) -> String {
        json_api::batch_is_authorized_with_token(&self.inner, input_json, now)
    }

    /// Imports an issuer's JWKS (JSON text), replacing its keys.
    #[wasm_bindgen(js_name = setJwks)]
    pub fn set_jwks(&mut self, issuer: &str, jwks_json: &str) -> String {
        json_api::set_jwks(&mut self.inner, issuer, jwks_json)
    }

    pub fn warnings(&self) -> String {
        json_api::warnings(&self.inner)
    }

    pub fn issuers(&self) -> String {
        json_api::issuers(&self.inner)
    }

    #[wasm_bindgen(js_name = explainToken)]
    pub fn explain_token(&self, token: &str, kind: &str, now: f64) -> String {
        json_api::explain_token(&self.inner, token, kind, now)
    }

    #[wasm_bindgen(js_name = tokenCacheStats)]
    pub fn token_cache_stats(&self) -> String {
        json_api::token_cache_stats(&self.inner)
    }

    #[wasm_bindgen(js_name = entityCacheStats)]
    pub fn entity_cache_stats(&self) -> String {
        json_api::entity_cache_stats(&self.inner)
    }

    /// An HTTP request (token, method, path, ...) through its route to a decision.
    #[wasm_bindgen(js_name = authorizeHttp)]
    pub fn authorize_http(&self, input_json: &str, now: f64) -> String {
        json_api::authorize_http(&self.inner, input_json, now)
    }

    /// Verifies and routes an HTTP request without deciding.
    #[wasm_bindgen(js_name = prepareHttp)]
    pub fn prepare_http(&self, input_json: &str, now: f64) -> String {
        json_api::prepare_http(&self.inner, input_json, now)
    }

    pub fn routes(&self) -> String {
        json_api::routes(&self.inner)
    }

    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = runTests)]
    pub fn run_tests(&self, files_json: &str) -> String {
        json_api::run_tests(&self.inner, files_json)
    }
}

#[cfg(feature = "authoring")]
#[wasm_bindgen(js_name = buildBundle)]
pub fn build_bundle(files_json: &str) -> String {
    json_api::build_bundle(files_json)
}

#[cfg(feature = "authoring")]
#[wasm_bindgen(js_name = checkStore)]
pub fn check_store(files_json: &str) -> String {
    json_api::check_store(files_json)
}

#[cfg(feature = "authoring")]
#[wasm_bindgen(js_name = renderDiagnostics)]
pub fn render_diagnostics(diagnostics_json: &str, files_json: &str) -> String {
    json_api::render_diagnostics(diagnostics_json, files_json)
}

#[cfg(feature = "authoring")]
#[wasm_bindgen(js_name = renderTestReport)]
pub fn render_test_report(report_json: &str) -> String {
    json_api::render_test_report(report_json)
}

#[cfg(feature = "authoring")]
#[wasm_bindgen(js_name = compileBundle)]
pub fn compile_bundle(bundle_json: &str) -> String {
    json_api::compile_bundle(bundle_json)
}
