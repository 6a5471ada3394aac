//! Helpers shared by the compose unit tests.

use std::path::Path;

use super::model::{FileModel, ServiceConfig};
use super::tree;

/// One Compose file's model, parsed from text (panics with the error: a failing test).
pub fn model(text: &str) -> FileModel {
    let file = Path::new("/p/compose.yaml");
    match tree::parse(file, text).and_then(|t| FileModel::from_tree(file, &t)) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// A service of a model (panics when it is missing).
pub fn svc<'a>(m: &'a FileModel, name: &str) -> &'a ServiceConfig {
    match m.services.get(name) {
        Some(s) => s,
        None => panic!("no service {name} in {m:?}"),
    }
}

/// The error a Compose file's text gives (panics when it parses).
pub fn model_err(text: &str) -> String {
    let file = Path::new("/p/compose.yaml");
    match tree::parse(file, text).and_then(|t| FileModel::from_tree(file, &t)) {
        Ok(m) => panic!("expected an error, got {m:?}"),
        Err(e) => e.to_string(),
    }
}
