//! Resolution that survives `${VAR:?message}` failures, for `env_check`: each unset required
//! variable is recorded (file:line:col and the message) and stood in for, so the report can
//! show it as a row among the others instead of stopping at the first.

use std::path::Path;

use super::project::{Project, ResolveOptions, resolve};
use super::{ComposeError, EnvMap, MissingVariable};

/// Stands in for an unset required variable while resolving (never shown, never sent).
const STAND_IN: &str = "\u{1}admin-env-check-unset\u{1}";
/// More failures than any real file has: a loop guard.
const MAX_FAILURES: usize = 256;

/// Like [`resolve`], plus the `${VAR:?}` failures it stood in for (their variables are absent
/// from the returned project's `env`).
pub fn resolve_collecting(
    opts: &ResolveOptions,
    cwd: &Path,
    os_env: &EnvMap,
) -> Result<(Project, Vec<MissingVariable>), ComposeError> {
    let mut env = os_env.clone();
    let mut failures: Vec<MissingVariable> = Vec::new();
    loop {
        match resolve(opts, cwd, &env) {
            Ok(mut project) => {
                project.env.retain(|_, v| v != STAND_IN);
                return Ok((project, failures));
            }
            // Unset, or set but empty (`${VAR:?}` refuses empty too).
            Err(ComposeError::RequiredVariable(m))
                if failures.len() < MAX_FAILURES
                    && env.get(&m.variable).is_none_or(String::is_empty) =>
            {
                env.insert(m.variable.clone(), STAND_IN.to_owned());
                failures.push(*m);
            }
            Err(e) => return Err(e),
        }
    }
}

/// Whether a value is the stand-in (or built from it).
pub fn is_stand_in(value: &str) -> bool {
    value.contains(STAND_IN)
}
