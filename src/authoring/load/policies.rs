//! Policy files parsed into one policy set: ids from `@id` annotations or the file and position, the
//! span of each policy for diagnostics, template links, and conditions too deep for the engine refused.

use std::collections::HashMap;
use std::str::FromStr;

use cedar_policy::{PolicyId, PolicySet, SlotId};

use crate::errors::position_of;
use crate::errors::{Code, Error, Severity};
use crate::store::*;

/// The stem of a policy file's name: `policies/admin.cedar` gives `admin`.
pub(super) fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".cedar").unwrap_or(name)
}

pub(super) fn parse_policies(sources: &StoreSources, diagnostics: &mut Vec<Error>) -> (PolicySet, Vec<PolicyEntry>) {
    let mut set = PolicySet::new();
    let mut manifest: Vec<PolicyEntry> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for source in &sources.policy_files {
        let file = Some((source.file.as_str(), source.text.as_str()));
        // Measured before Cedar parses the file: its parser, too, recurses once per level.
        let too_deep = too_deep_policies(source);
        if !too_deep.is_empty() {
            diagnostics.extend(too_deep);
            continue;
        }
        let parsed = match PolicySet::from_str(&source.text) {
            Ok(parsed) => parsed,
            Err(errors) => {
                for e in errors.iter() {
                    diagnostics.extend(crate::diagnostics::from_miette(Code::PolicyParse, Severity::Error, e, file));
                }
                continue;
            }
        };
        let spans = policy_spans(&source.text);
        // `from_str` numbers policies and templates `policy0`, `policy1`, ... in source order.
        let mut items: Vec<(usize, Item)> = parsed
            .policies()
            .map(|p| (auto_index(p.id()), Item::Static(p.clone())))
            .chain(parsed.templates().map(|t| (auto_index(t.id()), Item::Template(t.clone()))))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        for (index, item) in items {
            let annotated = item.annotation("id").map(str::to_string);
            let id = annotated.clone().unwrap_or_else(|| format!("{}.{index}", file_stem(&source.file)));
            let span = spans.get(index).cloned();
            let mut entry = PolicyEntry {
                id: id.clone(),
                kind: item.kind(),
                effect: item.effect(),
                file: source.file.clone(),
                template_id: None,
                offset: None,
                length: None,
                start: None,
                end: None,
            };
            if let Some((start, end)) = span {
                entry.offset = Some(start);
                entry.length = Some(end - start);
                entry.start = Some(position_of(&source.text, start));
                entry.end = Some(position_of(&source.text, end));
            }
            let located = |d: Error| match span {
                Some((start, end)) => d.in_file(&source.file).at(&source.text, start, end - start),
                None => d.in_file(&source.file),
            };
            if annotated.as_deref() == Some("") {
                diagnostics.push(located(Error::diagnostic(Code::PolicyId, "`@id` annotation is empty")));
                continue;
            }
            if let Some(&previous) = seen.get(&id) {
                let other = &manifest[previous];
                let place = match other.start {
                    Some(p) => format!("{}:{}:{}", other.file, p.line, p.column),
                    None => other.file.clone(),
                };
                diagnostics.push(located(
                    Error::diagnostic(Code::PolicyDuplicateId, format!("policy id `{id}` is already used at {place}"))
                        .with_help("give each policy a unique `@id(\"...\")` annotation"),
                ));
                continue;
            }
            let result = match item {
                Item::Static(p) => set.add(p.new_id(PolicyId::new(&id))),
                Item::Template(t) => set.add_template(t.new_id(PolicyId::new(&id))),
            };
            if let Err(e) = result {
                diagnostics.extend(
                    crate::diagnostics::from_miette(Code::PolicyInvalid, Severity::Error, &e, None)
                        .into_iter()
                        .map(located),
                );
                continue;
            }
            seen.insert(id, manifest.len());
            manifest.push(entry);
        }
    }
    for link in &sources.links {
        let mut values = HashMap::new();
        let mut bad = false;
        for (slot, value) in [(SlotId::principal(), &link.principal), (SlotId::resource(), &link.resource)] {
            if let Some(value) = value {
                match value.to_uid() {
                    Ok(uid) => {
                        values.insert(slot, uid);
                    }
                    Err(message) => {
                        diagnostics.push(
                            Error::diagnostic(Code::LinksInvalid, format!("link `{}`: {message}", link.id))
                                .in_file(LINKS_FILE),
                        );
                        bad = true;
                    }
                }
            }
        }
        if bad {
            continue;
        }
        if seen.contains_key(&link.id) {
            diagnostics.push(
                Error::diagnostic(Code::LinksDuplicateId, format!("link id `{}` is already used by a policy", link.id))
                    .in_file(LINKS_FILE),
            );
            continue;
        }
        let template_file = manifest
            .iter()
            .find(|e| e.id == link.template_id)
            .map(|e| e.file.clone())
            .unwrap_or_else(|| LINKS_FILE.to_string());
        match set.link(PolicyId::new(&link.template_id), PolicyId::new(&link.id), values) {
            Ok(()) => {
                let effect = set
                    .template(&PolicyId::new(&link.template_id))
                    .map(|t| effect_name(t.effect()))
                    .unwrap_or_default();
                seen.insert(link.id.clone(), manifest.len());
                manifest.push(PolicyEntry {
                    id: link.id.clone(),
                    kind: PolicyKind::Link,
                    effect,
                    file: template_file,
                    template_id: Some(link.template_id.clone()),
                    offset: None,
                    length: None,
                    start: None,
                    end: None,
                });
            }
            Err(e) => diagnostics.push(
                Error::diagnostic(
                    Code::LinksInvalid,
                    format!("link `{}`: {}", link.id, crate::diagnostics::error_chain(&e)),
                )
                .in_file(LINKS_FILE)
                .with_help("each link names a template of the store and a value for each of its slots"),
            ),
        }
    }
    (set, manifest)
}

/// A diagnostic for each policy of a file whose conditions nest deeper than the engine's stack allows.
pub(super) fn too_deep_policies(source: &SourceFile) -> Vec<Error> {
    deeper_than(source, crate::authoring::depth::MAX_DEPTH, |depth, limit| {
        format!(
            "this policy's condition nests at least {depth} levels deep, over the limit of {limit}: the engine recurses once per level and would run out of stack"
        )
    })
}

/// A diagnostic for each policy of a file too deep for a compiled bundle
/// ([`crate::authoring::depth::COMPILED_MAX_DEPTH`]).
pub(super) fn too_deep_to_compile(source: &SourceFile) -> Vec<Error> {
    deeper_than(source, crate::authoring::depth::COMPILED_MAX_DEPTH, |depth, limit| {
        format!(
            "this policy's condition nests {depth} levels deep: a compiled bundle (the Lambda and Lambda@Edge packages) takes up to {limit}, because loading one rebuilds each condition from Cedar's JSON form, which takes more stack per level than reading policy text"
        )
    })
}

fn deeper_than(source: &SourceFile, limit: usize, describe: impl Fn(usize, usize) -> String) -> Vec<Error> {
    policy_spans(&source.text)
        .into_iter()
        .filter_map(|(start, end)| {
            let depth = match crate::authoring::depth::condition_depth(&source.text[start..end]) {
                Ok(depth) | Err(depth) if depth > limit => depth,
                _ => return None,
            };
            Some(
                Error::diagnostic(Code::PolicyTooDeep, describe(depth, limit))
                    .in_file(&source.file)
                    .at(&source.text, start, end - start)
                    .with_help("split the policy, or test membership with a set: `[\"a\", \"b\"].contains(x)` instead of a chain of `||`"),
            )
        })
        .collect()
}

pub(super) enum Item {
    Static(cedar_policy::Policy),
    Template(cedar_policy::Template),
}

impl Item {
    fn annotation(&self, key: &str) -> Option<&str> {
        match self {
            Item::Static(p) => p.annotation(key),
            Item::Template(t) => t.annotation(key),
        }
    }
    fn kind(&self) -> PolicyKind {
        match self {
            Item::Static(_) => PolicyKind::Static,
            Item::Template(_) => PolicyKind::Template,
        }
    }
    fn effect(&self) -> String {
        match self {
            Item::Static(p) => effect_name(p.effect()),
            Item::Template(t) => effect_name(t.effect()),
        }
    }
}

pub(super) fn effect_name(effect: cedar_policy::Effect) -> String {
    match effect {
        cedar_policy::Effect::Permit => "permit".into(),
        cedar_policy::Effect::Forbid => "forbid".into(),
    }
}

pub(super) fn auto_index(id: &PolicyId) -> usize {
    id.to_string().strip_prefix("policy").and_then(|n| n.parse().ok()).unwrap_or(usize::MAX)
}

/// Byte ranges of the policies in a policy file, in order: from each policy's first token (its first
/// annotation, or `permit`/`forbid`) to its closing `;`. `;` ends a policy wherever it appears outside a
/// string or comment, since Cedar's grammar uses it nowhere else.
pub fn policy_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                start.get_or_insert(i);
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b';' => {
                if let Some(s) = start.take() {
                    spans.push((s, i + 1));
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    spans
}
