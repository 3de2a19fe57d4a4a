//! A store's files read into its sources: which file is the schema, the policies, the entities and
//! `authorizer.json`, each JSON file parsed with its place kept for diagnostics.

use serde_json::Value;

use super::has_errors;
use crate::errors::{Code, Error};
use crate::store::config::AuthorizerConfig;
use crate::store::*;

/// Picks the store's parts out of its files. Files it does not know are ignored, except that a
/// misspelled known name is reported.
pub fn sources_from_files(files: &StoreFiles) -> Result<StoreSources, Vec<Error>> {
    let mut diagnostics = Vec::new();
    let schema = match (files.get(SCHEMA_FILE), files.get(SCHEMA_JSON_FILE)) {
        (Some(text), None) => {
            Some(SchemaSource { file: SCHEMA_FILE.into(), format: SchemaFormat::Cedar, text: text.clone() })
        }
        (None, Some(text)) => {
            Some(SchemaSource { file: SCHEMA_JSON_FILE.into(), format: SchemaFormat::Json, text: text.clone() })
        }
        (Some(_), Some(_)) => {
            diagnostics.push(
                Error::diagnostic(
                    Code::StoreSchema,
                    format!("the store has both `{SCHEMA_FILE}` and `{SCHEMA_JSON_FILE}`"),
                )
                .with_help("keep one schema file"),
            );
            None
        }
        (None, None) => {
            diagnostics.push(
                Error::diagnostic(Code::StoreSchema, "the store has no schema")
                    .with_help(format!("add `{SCHEMA_FILE}` (Cedar schema syntax) or `{SCHEMA_JSON_FILE}`")),
            );
            None
        }
    };
    let policy_files: Vec<SourceFile> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".cedar") && !path.starts_with(TESTS_DIR))
        .map(|(path, text)| SourceFile { file: path.clone(), text: text.clone() })
        .collect();
    if policy_files.is_empty() {
        diagnostics.push(
            Error::warning(Code::StoreNoPolicies, "the store has no `.cedar` policy files")
                .with_help("without policies every request is denied"),
        );
    }
    let links = match files.get(LINKS_FILE) {
        Some(text) => match parse_json_file::<Vec<TemplateLink>>(LINKS_FILE, text) {
            Ok(links) => links,
            Err(d) => {
                diagnostics.push(
                    d.with_help("`links.json` is a list of {\"id\", \"templateId\", \"principal\", \"resource\"}"),
                );
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let entities = match files.get(ENTITIES_FILE) {
        Some(text) => match parse_json_file::<Vec<Value>>(ENTITIES_FILE, text) {
            Ok(entities) => entities,
            Err(d) => {
                diagnostics.push(d.with_help("`entities.json` is a list of entities in Cedar's entity JSON form"));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let authorizer = match files.get(CONFIG_FILE) {
        Some(text) => match parse_json_file::<AuthorizerConfig>(CONFIG_FILE, text) {
            Ok(config) => config,
            Err(d) => {
                diagnostics.push(d.with_help("see js/schema/authorizer.schema.json for the file's shape"));
                AuthorizerConfig::default()
            }
        },
        None => AuthorizerConfig::default(),
    };
    for path in files.keys() {
        let lower = path.to_ascii_lowercase();
        let known = [SCHEMA_FILE, SCHEMA_JSON_FILE, LINKS_FILE, ENTITIES_FILE, CONFIG_FILE];
        if !known.contains(&path.as_str()) && known.contains(&lower.as_str()) {
            diagnostics.push(
                Error::diagnostic(Code::StoreFileName, format!("`{path}` is not read: names are case-sensitive"))
                    .with_help(format!("rename it to `{lower}`")),
            );
        }
    }
    match schema {
        Some(schema) if !has_errors(&diagnostics) => {
            Ok(StoreSources { schema, policy_files, links, entities, authorizer })
        }
        _ => Err(diagnostics),
    }
}

pub(super) fn parse_json_file<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::diagnostic(Code::StoreJson, format!("invalid `{file}`: {}", strip_position(&e)))
            .in_file(file)
            .at_line_column(text, e.line(), e.column().max(1))
    })
}

/// serde_json appends " at line L column C" to its messages; the diagnostic carries the place instead.
pub(super) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}
