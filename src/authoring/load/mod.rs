//! Reading a store's files and compiling them: parsing the schema and policies, assigning policy ids,
//! linking templates, parsing static entities, and strict validation.

use std::collections::HashSet;
use std::str::FromStr;

use cedar_policy::{Entities, EntityUid, Schema};
use serde_json::Value;

use crate::errors::{Code, Error, Severity};
use crate::store::config::ValidationMode;
use crate::store::*;

mod files;
#[cfg(test)]
mod located_json_diagnostics;
mod policies;
#[cfg(test)]
mod tests;
mod validate;

pub use files::sources_from_files;
use policies::parse_policies;
pub use policies::policy_spans;
use validate::validate_policies;

/// A diagnostic for each policy whose conditions nest too deeply for a compiled bundle.
pub fn too_deep_to_compile(sources: &StoreSources) -> Vec<Error> {
    sources.policy_files.iter().flat_map(policies::too_deep_to_compile).collect()
}

pub fn has_errors(diagnostics: &[Error]) -> bool {
    diagnostics.iter().any(|d| !d.is_warning())
}

/// Turns store sources into Cedar objects. With `validate`, every policy, template and link is checked
/// against the schema in strict mode (unless the store's `validationSettings.mode` is `OFF`). Returns the
/// compiled store when there are no errors, and every diagnostic (errors and warnings) either way.
pub fn parse_store(sources: &StoreSources, validate: bool) -> (Option<PolicyStore>, Vec<Error>) {
    let mut diagnostics = Vec::new();
    let schema = parse_schema(&sources.schema, &mut diagnostics);
    let (policies, manifest) = parse_policies(sources, &mut diagnostics);
    let Some(schema) = schema else {
        return (None, diagnostics);
    };
    let namespace = sources.authorizer.namespace.clone().or_else(|| action_namespace(&schema));
    let entities = match Entities::from_json_value(Value::Array(sources.entities.clone()), Some(&schema)) {
        Ok(entities) => Some(entities),
        Err(e) => {
            diagnostics.extend(
                crate::diagnostics::from_miette(Code::EntitiesInvalid, Severity::Error, &e, None)
                    .into_iter()
                    .map(|d| d.in_file(ENTITIES_FILE).with_help("each entity must match its type in the schema")),
            );
            None
        }
    };
    let types = super::schema_types(&sources.schema);
    for problem in crate::token::sources::check_against_schema(&sources.authorizer, &types) {
        diagnostics.push(Error::diagnostic(Code::ConfigInvalid, problem).in_file(CONFIG_FILE));
    }
    if let Ok(resolved) = crate::token::sources::resolve(&sources.authorizer) {
        for warning in crate::token::sources::warnings(&resolved) {
            diagnostics.push(Error::warning(Code::ConfigAnyAudience, warning).in_file(CONFIG_FILE));
        }
    }
    let schema_actions: HashSet<EntityUid> = schema.actions().cloned().collect();
    let route_problems = match crate::authorizer::routes::Routes::from_config(&sources.authorizer, namespace.as_deref())
    {
        Ok(routes) => routes.check_against_schema(&schema_actions, &types),
        Err(errors) => errors,
    };
    for problem in route_problems {
        diagnostics.push(Error::diagnostic(Code::ConfigRoutes, problem).in_file(CONFIG_FILE));
    }
    let strict = validate && sources.authorizer.validation_settings.mode == ValidationMode::Strict;
    // Validate whatever parsed, so one run reports every problem of the store.
    if strict {
        validate_policies(&schema, &policies, &manifest, sources, &mut diagnostics);
        diagnostics.extend(super::has_check::undeclared_has(
            &schema,
            &types,
            &policies,
            &manifest,
            &sources.policy_files,
        ));
    }
    if has_errors(&diagnostics) {
        return (None, diagnostics);
    }
    let Some(entities) = entities else {
        return (None, diagnostics);
    };
    let compiled = PolicyStore {
        schema,
        policies,
        entities,
        config: sources.authorizer.clone(),
        manifest,
        namespace,
        actions: schema_actions,
    };
    (Some(compiled), diagnostics)
}

fn parse_schema(source: &SchemaSource, diagnostics: &mut Vec<Error>) -> Option<Schema> {
    let file = Some((source.file.as_str(), source.text.as_str()));
    match source.format {
        SchemaFormat::Cedar => match Schema::from_cedarschema_str(&source.text) {
            Ok((schema, warnings)) => {
                for w in warnings {
                    diagnostics.extend(crate::diagnostics::from_miette(
                        Code::SchemaWarning,
                        Severity::Warning,
                        &w,
                        file,
                    ));
                }
                Some(schema)
            }
            Err(e) => {
                diagnostics.extend(crate::diagnostics::from_miette(Code::SchemaParse, Severity::Error, &e, file));
                None
            }
        },
        SchemaFormat::Json => match Schema::from_json_str(&source.text) {
            Ok(schema) => Some(schema),
            Err(e) => {
                diagnostics.extend(crate::diagnostics::from_miette(Code::SchemaParse, Severity::Error, &e, file));
                None
            }
        },
    }
}

/// The namespace of the schema's actions, when they all share one.
fn action_namespace(schema: &Schema) -> Option<String> {
    let namespaces: HashSet<String> = schema.actions().map(|a| a.type_name().namespace()).collect();
    match namespaces.into_iter().collect::<Vec<_>>().as_slice() {
        [one] if !one.is_empty() => Some(one.clone()),
        _ => None,
    }
}

/// Checks a store without building anything: every diagnostic, errors and warnings.
pub fn check(files: &StoreFiles) -> Vec<Error> {
    let mut diagnostics = match sources_from_files(files) {
        Ok(sources) => parse_store(&sources, true).1,
        Err(diagnostics) => diagnostics,
    };
    super::locate::locate_in_files(&mut diagnostics, files);
    diagnostics
}

/// Parses an entity uid written in Cedar syntax, such as `App::User::"alice"`.
pub fn parse_uid(text: &str) -> Result<EntityUid, String> {
    EntityUid::from_str(text)
        .map_err(|e| format!("`{text}` is not an entity uid: {}", crate::diagnostics::error_chain(&e)))
}
