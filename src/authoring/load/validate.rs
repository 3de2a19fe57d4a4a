//! Strict validation of the parsed policies, templates and links against the schema.

use cedar_policy::{PolicySet, Schema, Validator};

use crate::errors::{Code, Error, Severity};
use crate::store::*;

pub(super) fn validate_policies(
    schema: &Schema,
    policies: &PolicySet,
    manifest: &[PolicyEntry],
    sources: &StoreSources,
    diagnostics: &mut Vec<Error>,
) {
    let validator = Validator::new(schema.clone());
    let result = validator.validate(policies, cedar_policy::ValidationMode::Strict);
    let file_of = |id: &str| -> Option<(&str, &str)> {
        let entry = manifest.iter().find(|e| e.id == id)?;
        let source = sources.policy_files.iter().find(|f| f.file == entry.file)?;
        Some((source.file.as_str(), source.text.as_str()))
    };
    for e in result.validation_errors() {
        let id = AsRef::<str>::as_ref(e.policy_id()).to_owned();
        diagnostics.extend(
            crate::diagnostics::from_miette(Code::PolicyValidation, Severity::Error, e, file_of(&id))
                .into_iter()
                .map(|d| d.for_policy(&id)),
        );
    }
    for w in result.validation_warnings() {
        let id = AsRef::<str>::as_ref(w.policy_id()).to_owned();
        // A policy whose scope matches no action applicable to its principal and resource can never
        // apply: almost always a misspelt action or entity type. Strict bundles reject it, as Cedar's
        // validator did before 4.11 and as the conformance corpus expects.
        let (code, severity) = match w {
            cedar_policy::ValidationWarning::InvalidActionApplication(_) => (Code::PolicyValidation, Severity::Error),
            _ => (Code::PolicyValidationWarning, Severity::Warning),
        };
        diagnostics.extend(crate::diagnostics::from_miette(code, severity, w, file_of(&id)).into_iter().map(|d| {
            let d = d.for_policy(&id);
            if severity == Severity::Error && d.help.is_none() {
                d.with_help(
                    "check the action names and the principal and resource types against the schema's `appliesTo`",
                )
            } else {
                d
            }
        }));
    }
}
