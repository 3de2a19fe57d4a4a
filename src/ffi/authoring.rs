//! The authoring functions (the `authoring` feature): checking and building stores, compiling bundles,
//! policy tests, the editor's helpers.

use super::*;
use crate::authoring::policy_tests::{self, TestReport};
use crate::bundle::compiled::CompiledBundle;
use crate::bundle::Bundle;
use crate::diagnostics;
use crate::store::StoreFiles;

/// Policies as Cedar's formatter writes them.
pub fn format_policies(text: &str, line_width: Option<usize>, indent: Option<usize>) -> Outcome<Text> {
    crate::authoring::editor::format_policies(text, line_width, indent).map(|text| Text { text }).into()
}

fn schema_format(name: &str) -> Result<crate::store::SchemaFormat, Failure> {
    match name {
        "cedar" => Ok(crate::store::SchemaFormat::Cedar),
        "json" => Ok(crate::store::SchemaFormat::Json),
        other => Err(Failure::of(Code::SchemaParse, format!("unknown schema form `{other}`: use `cedar` or `json`"))),
    }
}

/// A schema in the other form (`from` is `cedar` or `json`), by Cedar's own conversion.
pub fn convert_schema(text: &str, from: &str) -> Outcome<Text> {
    schema_format(from).and_then(|f| crate::authoring::editor::convert_schema(text, f)).map(|text| Text { text }).into()
}

/// A schema's outline for completion and hover (`format` is `cedar` or `json`).
pub fn schema_outline(text: &str, format: &str) -> Outcome<crate::authoring::editor::SchemaOutline> {
    schema_format(format)
        .and_then(|f| {
            crate::authoring::editor::outline(text, f).map_err(|e| Failure { errors: vec![e], warnings: Vec::new() })
        })
        .into()
}

/// Validates and loads a store given as files.
pub fn load_files(files: &StoreFiles) -> Result<Authorizer, Failure> {
    Authorizer::from_files(files)
}

/// A bundle built from a store's files.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct Built {
    pub bundle: Bundle,
}

/// Validates a store's files and builds its bundle: the bundle and any warnings, or every error.
pub fn build_bundle(files: &StoreFiles) -> Outcome<Built> {
    let outcome = crate::authoring::build_bundle(files);
    let Failure { errors, warnings } = Failure::from_diagnostics(outcome.diagnostics);
    match outcome.bundle {
        Some(bundle) => Outcome::Success { value: Built { bundle }, warnings },
        None => Outcome::Failure { errors, warnings },
    }
}

/// Every diagnostic of a store.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct Checked {
    pub diagnostics: Vec<Error>,
}

pub fn check_store(files: &StoreFiles) -> Outcome<Checked> {
    Outcome::success(Checked { diagnostics: crate::authoring::check(files) })
}

/// A compiled bundle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct Compiled {
    pub bundle: CompiledBundle,
}

/// A bundle compiled for the runtime builds.
pub fn compile_bundle(document: Value) -> Outcome<Compiled> {
    match crate::bundle::read(document) {
        Ok(Document::Bundle(bundle)) => {
            crate::authoring::compile_bundle(&bundle).map(|bundle| Compiled { bundle }).into()
        }
        Ok(Document::Compiled(bundle)) => Outcome::success(Compiled { bundle }),
        Err(e) => Err::<Compiled, _>(e).into(),
    }
}

/// Diagnostics printed like a compiler's, with source lines from `files`.
pub fn render_diagnostics(list: &[Error], files: &StoreFiles) -> Outcome<Text> {
    Outcome::success(Text { text: diagnostics::render(list, &|name| files.get(name).cloned()) })
}

/// Runs a store's test files against the authorizer.
pub fn run_tests(authorizer: &Authorizer, files: &StoreFiles) -> Outcome<TestReport> {
    Outcome::success(policy_tests::run(authorizer, files))
}

/// A test report as text.
pub fn render_test_report(report: &TestReport) -> Outcome<Text> {
    Outcome::success(Text { text: policy_tests::render(report) })
}

/// A bundle document as JSON text, every number exact (64-bit longs included): what the CLI writes.
pub fn bundle_text(document: &Value, pretty: bool) -> Outcome<Text> {
    let text = if pretty { serde_json::to_string_pretty(document) } else { serde_json::to_string(document) };
    match text {
        Ok(text) => Outcome::success(Text { text }),
        Err(e) => Failure::of(Code::BundleInvalid, format!("the bundle cannot be written: {e}")).into(),
    }
}
