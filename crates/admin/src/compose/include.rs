//! `include:` (Compose 2.20+): other Compose files loaded as part of the project, each with
//! its own directory as the base of its relative paths.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::discover::absolute;
use super::interpolate::interpolate_tree;
use super::model::FileModel;
use super::project::{Loaded, absolutize_paths, parent_of, read, tree_error};
use super::tree::{self, Node};
use super::{ComposeError, EnvMap};

/// One included file: its path, the directory its relative paths resolve against, and the
/// line/column of its entry.
type Entry = (PathBuf, PathBuf, (u64, u64));

/// How deep `include:` may nest (Compose has no limit but rejects cycles; this bounds both).
const MAX_INCLUDE_DEPTH: usize = 16;

/// One Compose file with what it includes (`include:`: paths relative to the file, each
/// loaded with its own directory as the base of its relative paths; a service defined both in
/// an included file and in the including one is an error, as in Compose).
pub(super) fn load_file(
    file: &Path,
    env: &EnvMap,
    hint_env_file: &Path,
    chain: &mut Vec<PathBuf>,
    loaded: &mut Loaded,
    unset: &mut BTreeSet<String>,
) -> Result<FileModel, ComposeError> {
    let raw = tree::parse(file, &read(file)?)?;
    let mut node = raw.clone();
    let lookup = |k: &str| env.get(k).cloned();
    interpolate_tree(&mut node, &lookup, unset).map_err(|e| tree_error(file, hint_env_file, e))?;
    let own = FileModel::from_tree(file, &node)?;
    loaded.raw_trees.push((file.to_path_buf(), raw));
    let Some(include) = node.get("include") else {
        return Ok(own);
    };
    chain.push(file.to_path_buf());
    let mut merged = FileModel::default();
    for (path, dir, at) in include_entries(file, include)? {
        if chain.contains(&path) || chain.len() >= MAX_INCLUDE_DEPTH {
            return Err(ComposeError::Schema {
                file: file.to_path_buf(),
                line: at.0,
                col: at.1,
                path: "include".to_owned(),
                message: format!(
                    "{} includes itself (directly or through other files)",
                    path.display()
                ),
            });
        }
        let mut model = load_file(&path, env, hint_env_file, chain, loaded, unset)?;
        for svc in model.services.values_mut() {
            absolutize_paths(svc, &dir, env);
        }
        merged.merge(model);
    }
    chain.pop();
    if let Some(name) = own
        .services
        .keys()
        .find(|k| merged.services.contains_key(*k))
    {
        return Err(ComposeError::Schema {
            file: file.to_path_buf(),
            line: include.pos.line,
            col: include.pos.col,
            path: format!("services.{name}"),
            message: format!(
                "service {name} is defined here and in an included file (Compose refuses this: rename one, or extend with a second -f file instead)"
            ),
        });
    }
    merged.merge(own);
    Ok(merged)
}

/// The entries of `include:`: `(file, directory for its relative paths, line/col)`. Short
/// form: a path; long form: `{path: P | [P…], project_directory: D}`.
fn include_entries(file: &Path, include: &Node) -> Result<Vec<Entry>, ComposeError> {
    let base = parent_of(file);
    let bad = |n: &Node, what: &str| ComposeError::Schema {
        file: file.to_path_buf(),
        line: n.pos.line,
        col: n.pos.col,
        path: "include".to_owned(),
        message: format!("expected {what}, found {}", n.value.kind()),
    };
    let items: Vec<&Node> = match &include.value {
        tree::Value::Seq(items) => items.iter().collect(),
        _ => return Err(bad(include, "a list")),
    };
    let mut out = Vec::new();
    for item in items {
        let at = (item.pos.line, item.pos.col);
        let text = |n: &Node| n.value.scalar_text().ok_or_else(|| bad(n, "a path"));
        match &item.value {
            tree::Value::Map(_) => {
                let dir = match item.get("project_directory") {
                    Some(d) => absolute(&base, Path::new(&text(d)?)),
                    None => PathBuf::new(),
                };
                let paths = match item.get("path") {
                    Some(n) => match &n.value {
                        tree::Value::Seq(ps) => {
                            ps.iter().map(text).collect::<Result<Vec<_>, _>>()?
                        }
                        _ => vec![text(n)?],
                    },
                    None => return Err(bad(item, "a mapping with `path`")),
                };
                for p in paths {
                    let path = absolute(&base, Path::new(&p));
                    let d = if dir.as_os_str().is_empty() {
                        parent_of(&path)
                    } else {
                        dir.clone()
                    };
                    out.push((path, d, at));
                }
            }
            _ => {
                let path = absolute(&base, Path::new(&text(item)?));
                out.push((path.clone(), parent_of(&path), at));
            }
        }
    }
    Ok(out)
}
