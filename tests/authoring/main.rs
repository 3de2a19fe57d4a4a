//! The authoring stage (`src/authoring/`): every example store builds and its policy tests pass.

#[path = "../common/mod.rs"]
mod common;

mod control_characters;
mod stores;
