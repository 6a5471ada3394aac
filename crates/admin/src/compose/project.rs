//! Resolving the whole project: env files, Compose files, merge, project name, API service,
//! migrator path, and the `docker compose …` command lines for hints.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use super::discover::{self, absolute};
use super::interpolate::{TemplateError, TreeError, tree_required_variables};
use super::model::{FileModel, ServiceConfig, VolumeKind};
use super::tree::Node;
use super::{ComposeError, EnvMap, MissingVariable, dotenv};

/// The migrator command used when neither `ADMIN_MIGRATOR` nor `x-admin.migrator` is set.
pub const DEFAULT_MIGRATOR: &str = "migrator";

/// The command-line inputs of the resolution (`admin`'s global flags), already parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolveOptions {
    /// `-f FILE` (repeatable), relative to the working directory.
    pub files: Vec<PathBuf>,
    /// `-p NAME`.
    pub project_name: Option<String>,
    /// `--project-directory DIR`.
    pub project_directory: Option<PathBuf>,
    /// `--env-file FILE` (repeatable); replaces the default `.env`.
    pub env_files: Vec<PathBuf>,
    /// `--service NAME`.
    pub service: Option<String>,
}

/// A resolved Compose project with its chosen API service.
#[derive(Clone, PartialEq)]
pub struct Project {
    /// Compose project name (the `com.docker.compose.project` label).
    pub name: String,
    /// Project directory (absolute).
    pub dir: PathBuf,
    /// Compose files, absolute, in override order.
    pub files: Vec<PathBuf>,
    /// The `.env` / `--env-file` files that were read, in order.
    pub env_files: Vec<PathBuf>,
    /// Real environment merged with the env files (real env wins): what interpolation used.
    pub env: EnvMap,
    /// The API service's name.
    pub service: String,
    /// The API service's merged, interpolated configuration. Bind-mount sources and
    /// `env_file` paths are absolute.
    pub service_config: ServiceConfig,
    /// All service names, sorted.
    pub services: Vec<String>,
    /// The other services' merged configurations (paths absolute, like `service_config`).
    pub others: std::collections::BTreeMap<String, ServiceConfig>,
    /// Top-level `networks:`.
    pub networks: std::collections::BTreeMap<String, super::model::Resource>,
    /// Top-level `volumes:`.
    pub volumes: std::collections::BTreeMap<String, super::model::Resource>,
    /// The migrator command in the container.
    pub migrator: String,
    /// The `x-admin` extension (merged over the Compose files).
    pub x_admin: super::model::XAdmin,
    /// Variables the API service uses without a default (`${VAR}`, `$VAR`, `${VAR:?…}`).
    pub required_variables: BTreeSet<String>,
    /// Warnings for the user (unset variables, ambiguous file names, unsupported keys).
    pub warnings: Vec<String>,
    cwd: PathBuf,
    explicit_project_dir: bool,
}

impl fmt::Debug for Project {
    /// Never prints environment values (they hold secrets): only the variable names.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Project")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("files", &self.files)
            .field("env_files", &self.env_files)
            .field("env_keys", &self.env.keys().collect::<Vec<_>>())
            .field("service", &self.service)
            .field("services", &self.services)
            .field("migrator", &self.migrator)
            .field("required_variables", &self.required_variables)
            .field("warnings", &self.warnings)
            .finish_non_exhaustive()
    }
}

/// Compose v2's `NormalizeProjectName`: lowercase, keep `[a-z0-9_-]`, trim leading `_`/`-`.
pub fn normalize_project_name(name: &str) -> String {
    let kept: String = name
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_' || *c == '-')
        .collect();
    kept.trim_start_matches(['_', '-']).to_owned()
}

/// Joins argv for display in a hint, quoting words the shell would split or expand.
pub fn shell_join(argv: &[String]) -> String {
    let quote = |a: &String| {
        let safe = !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c));
        if safe {
            a.clone()
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        }
    };
    argv.iter().map(quote).collect::<Vec<_>>().join(" ")
}

/// Go's `strconv.ParseBool` truthy spellings (for `COMPOSE_DISABLE_ENV_FILE`).
fn truthy(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "true" | "TRUE" | "True")
}

fn non_empty(v: Option<&String>) -> Option<&str> {
    v.map(String::as_str).filter(|s| !s.is_empty())
}

pub(super) fn read(path: &Path) -> Result<String, ComposeError> {
    super::read_text(path)
}

/// The environment for interpolation: the real env plus the env files (real env wins).
struct EnvSetup {
    env: EnvMap,
    /// Env files read, in order.
    paths: Vec<PathBuf>,
    /// Whether the default `.env` is used (no `--env-file`/`COMPOSE_ENV_FILES`, not disabled).
    default_dotenv: bool,
    /// Directory whose `.env` was looked at first.
    first_dir: PathBuf,
}

impl EnvSetup {
    /// First pass, before the Compose files are known (they may set `COMPOSE_FILE`):
    /// `--env-file`, else `COMPOSE_ENV_FILES`, else `.env` of `--project-directory` or of the
    /// working directory.
    fn first_pass(
        opts: &ResolveOptions,
        cwd: &Path,
        project_dir_flag: Option<&Path>,
        os_env: &EnvMap,
    ) -> Result<EnvSetup, ComposeError> {
        let explicit: Vec<PathBuf> = opts.env_files.iter().map(|f| absolute(cwd, f)).collect();
        let (listed, origin) = if !explicit.is_empty() {
            (explicit, "--env-file")
        } else if let Some(v) = non_empty(os_env.get("COMPOSE_ENV_FILES")) {
            let files = v.split(',').map(|f| absolute(cwd, Path::new(f.trim())));
            (files.collect(), "COMPOSE_ENV_FILES")
        } else {
            (Vec::new(), "")
        };
        let disabled = os_env
            .get("COMPOSE_DISABLE_ENV_FILE")
            .is_some_and(|v| truthy(v));
        // The working directory's .env first (also with -f: `docker compose` reads it too),
        // the project directory's in the second pass.
        let first_dir = match project_dir_flag {
            Some(d) => d.to_path_buf(),
            None => cwd.to_path_buf(),
        };
        let mut setup = EnvSetup {
            env: os_env.clone(),
            paths: Vec::new(),
            default_dotenv: listed.is_empty() && !disabled,
            first_dir,
        };
        for f in &listed {
            if !f.is_file() {
                return Err(ComposeError::EnvFileMissing {
                    path: f.clone(),
                    origin: origin.to_owned(),
                });
            }
        }
        let mut files = listed;
        let dotenv = setup.first_dir.join(".env");
        if setup.default_dotenv && dotenv.is_file() {
            files.push(dotenv);
        }
        setup.load(&files)?;
        Ok(setup)
    }

    /// Second pass, like `docker compose`: the project directory's `.env` too, when it is
    /// not the one already read. Variables already set keep their values.
    fn second_pass(&mut self, dir: &Path) -> Result<(), ComposeError> {
        let dotenv = dir.join(".env");
        if self.default_dotenv && dir != self.first_dir && dotenv.is_file() {
            self.load(&[dotenv])?;
        }
        Ok(())
    }

    /// Reads `files` in order (later ones override earlier ones among themselves); values
    /// interpolate against the environment so far first. Variables already in the
    /// environment win.
    fn load(&mut self, files: &[PathBuf]) -> Result<(), ComposeError> {
        let mut vars = EnvMap::new();
        for f in files {
            let mut lookup = vars.clone();
            lookup.extend(self.env.iter().map(|(k, v)| (k.clone(), v.clone())));
            vars.extend(dotenv::parse(f, &read(f)?, &lookup)?);
            self.paths.push(f.clone());
        }
        for (k, v) in vars {
            self.env.entry(k).or_insert(v);
        }
        Ok(())
    }
}

/// The Compose files read, interpolated and merged.
pub(super) struct Loaded {
    pub(super) merged: FileModel,
    /// Each file's tree before interpolation (for required-variable extraction).
    pub(super) raw_trees: Vec<(PathBuf, Node)>,
    pub(super) warnings: Vec<String>,
}

fn load_files(
    files: &[PathBuf],
    env: &EnvMap,
    hint_env_file: &Path,
) -> Result<Loaded, ComposeError> {
    let mut loaded = Loaded {
        merged: FileModel::default(),
        raw_trees: Vec::new(),
        warnings: Vec::new(),
    };
    let mut unset = BTreeSet::new();
    for file in files {
        let model = super::include::load_file(
            file,
            env,
            hint_env_file,
            &mut Vec::new(),
            &mut loaded,
            &mut unset,
        )?;
        loaded.merged.merge(model);
    }
    for var in &unset {
        loaded.warnings.push(format!(
            "the {var:?} variable is not set. Defaulting to a blank string."
        ));
    }
    Ok(loaded)
}

/// Resolves the project like `docker compose` would from `cwd` (absolute) with the real
/// environment `os_env`. Reads files; never touches Docker or the process environment.
pub fn resolve(
    opts: &ResolveOptions,
    cwd: &Path,
    os_env: &EnvMap,
) -> Result<Project, ComposeError> {
    let cwd = absolute(Path::new("/"), cwd);
    let project_dir_flag = opts.project_directory.as_ref().map(|d| absolute(&cwd, d));
    if let Some(d) = &project_dir_flag
        && !d.is_dir()
    {
        return Err(ComposeError::ProjectDirMissing { path: d.clone() });
    }

    let mut envs = EnvSetup::first_pass(opts, &cwd, project_dir_flag.as_deref(), os_env)?;
    let search_from = project_dir_flag.as_deref().unwrap_or(&cwd);
    let found = discover::compose_files(&opts.files, &envs.env, &cwd, search_from)?;
    let files = found.files;
    let dir = match (&project_dir_flag, files.first()) {
        (Some(d), _) => d.clone(),
        (None, Some(f)) => parent_of(f),
        (None, None) => cwd.clone(),
    };
    envs.second_pass(&dir)?;
    let env = &envs.env;
    let hint_env_file = envs
        .paths
        .first()
        .cloned()
        .unwrap_or_else(|| dir.join(".env"));

    let Loaded {
        mut merged,
        raw_trees,
        warnings: load_warnings,
    } = load_files(&files, env, &hint_env_file)?;
    let mut warnings = found.warnings;
    warnings.extend(load_warnings);

    let name = project_name(opts, env, &merged, &dir)?;
    let services: Vec<String> = merged.services.keys().cloned().collect();
    let x_admin = merged.x_admin.clone().unwrap_or_default();
    let service = select_service(opts, env, x_admin.service.as_deref(), &services)?;
    let mut service_config = merged.services.remove(&service).unwrap_or_default();
    absolutize_paths(&mut service_config, &dir, env);
    let mut others = std::mem::take(&mut merged.services);
    for svc in others.values_mut() {
        absolutize_paths(svc, &dir, env);
    }

    let mut required_variables = BTreeSet::new();
    for (file, raw) in &raw_trees {
        if let Some(svc) = raw.get("services").and_then(|s| s.get(&service)) {
            if svc.get("extends").is_some() {
                warnings.push(format!(
                    "{}: `extends:` of service {service} is not supported by admin; its settings are not seen",
                    file.display()
                ));
            }
            let names =
                tree_required_variables(svc).map_err(|e| tree_error(file, &hint_env_file, e))?;
            required_variables.extend(names);
        }
    }

    let migrator = non_empty(env.get("ADMIN_MIGRATOR"))
        .map(str::to_owned)
        .or(x_admin.migrator.clone().filter(|m| !m.is_empty()))
        .unwrap_or_else(|| DEFAULT_MIGRATOR.to_owned());

    Ok(Project {
        name,
        dir,
        files,
        env_files: envs.paths,
        env: envs.env,
        service,
        service_config,
        services,
        others,
        networks: std::mem::take(&mut merged.networks),
        volumes: std::mem::take(&mut merged.volumes),
        migrator,
        x_admin,
        required_variables,
        warnings,
        cwd,
        explicit_project_dir: project_dir_flag.is_some(),
    })
}

pub(super) fn parent_of(p: &Path) -> PathBuf {
    p.parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"))
}

pub(super) fn tree_error(file: &Path, env_file: &Path, e: TreeError) -> ComposeError {
    match e.error {
        TemplateError::Invalid { near, reason } => ComposeError::Interpolation {
            file: file.to_path_buf(),
            line: e.line,
            col: e.col,
            path: e.path,
            near,
            reason,
        },
        TemplateError::Required { variable, message } => {
            ComposeError::RequiredVariable(Box::new(MissingVariable {
                file: file.to_path_buf(),
                line: e.line,
                col: e.col,
                path: e.path,
                variable,
                message,
                env_file: env_file.to_path_buf(),
            }))
        }
    }
}

/// `-p` > `COMPOSE_PROJECT_NAME` > `name:` > directory name.
fn project_name(
    opts: &ResolveOptions,
    env: &EnvMap,
    merged: &FileModel,
    dir: &Path,
) -> Result<String, ComposeError> {
    let from_flag = opts.project_name.as_deref().filter(|s| !s.is_empty());
    let from_env = non_empty(env.get("COMPOSE_PROJECT_NAME"));
    for (name, origin) in [(from_flag, "-p"), (from_env, "COMPOSE_PROJECT_NAME")] {
        if let Some(name) = name {
            let normalized = normalize_project_name(name);
            if normalized != name {
                let suggestion = if normalized.is_empty() {
                    "NAME".to_owned()
                } else {
                    normalized
                };
                // A value from the environment or `.env` is never quoted.
                return Err(if origin == "-p" {
                    ComposeError::InvalidProjectName {
                        what: format!("{name:?} (from -p)"),
                        fix: format!("use -p {suggestion}"),
                    }
                } else {
                    ComposeError::InvalidProjectName {
                        what: format!("from {origin}"),
                        fix: format!("change {origin} to such a name, or pass -p NAME"),
                    }
                });
            }
            return Ok(name.to_owned());
        }
    }
    if let Some(n) = merged.name.as_deref().map(normalize_project_name)
        && !n.is_empty()
    {
        return Ok(n);
    }
    let base = dir
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = normalize_project_name(&base);
    if n.is_empty() {
        return Err(ComposeError::EmptyProjectName {
            dir: dir.to_path_buf(),
        });
    }
    Ok(n)
}

/// `--service` > `ADMIN_SERVICE` > `x-admin.service` > a service named `api`.
fn select_service(
    opts: &ResolveOptions,
    env: &EnvMap,
    x_admin: Option<&str>,
    services: &[String],
) -> Result<String, ComposeError> {
    let named = [
        (
            opts.service.as_deref().filter(|s| !s.is_empty()),
            "--service",
        ),
        (non_empty(env.get("ADMIN_SERVICE")), "ADMIN_SERVICE"),
        (x_admin.filter(|s| !s.is_empty()), "x-admin.service"),
    ];
    if let Some((name, origin)) = named.iter().find_map(|(n, o)| n.map(|n| (n, *o))) {
        if services.iter().any(|s| s == name) {
            return Ok(name.to_owned());
        }
        let what = if origin == "--service" {
            format!("service {name:?} (from --service)")
        } else {
            format!("the service named by {origin}")
        };
        return Err(ComposeError::UnknownService {
            what,
            services: services.to_vec(),
        });
    }
    if services.iter().any(|s| s == "api") {
        return Ok("api".to_owned());
    }
    Err(ComposeError::NoApiService {
        services: services.to_vec(),
    })
}

/// Makes bind-mount sources (`./x`, `../x`, `~/x`) and `env_file` paths absolute.
pub(super) fn absolutize_paths(svc: &mut ServiceConfig, dir: &Path, env: &EnvMap) {
    let home = env.get("HOME").map(PathBuf::from);
    let resolve = |s: &str| -> String {
        let p = match (s.strip_prefix('~'), &home) {
            (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
                home.join(rest.trim_start_matches('/'))
            }
            _ => absolute(dir, Path::new(s)),
        };
        p.to_string_lossy().into_owned()
    };
    for v in &mut svc.volumes {
        if v.kind == VolumeKind::Bind
            && let Some(src) = &v.source
        {
            v.source = Some(resolve(src));
        }
    }
    for f in &mut svc.env_file {
        f.path = absolute(dir, Path::new(&f.path))
            .to_string_lossy()
            .into_owned();
    }
}

impl Project {
    /// A path for display in a command line: relative to the working directory when inside it.
    /// `p` relative to the working directory when it is below it (for messages).
    pub fn shown_path(&self, p: &Path) -> String {
        self.shown(p)
    }

    fn shown(&self, p: &Path) -> String {
        match p.strip_prefix(&self.cwd) {
            Ok(rel) if !rel.as_os_str().is_empty() => rel.display().to_string(),
            _ => p.display().to_string(),
        }
    }

    /// The global arguments that make the Compose CLI see exactly this project:
    /// `-f` for each file, `--project-directory` and `--env-file` when given, and `-p`.
    pub fn compose_args(&self) -> Vec<String> {
        let mut args = Vec::new();
        for f in &self.files {
            args.push("-f".to_owned());
            args.push(self.shown(f));
        }
        if self.explicit_project_dir {
            args.push("--project-directory".to_owned());
            args.push(self.shown(&self.dir));
        }
        // Every env file that was read, not only explicit ones: Compose v1 given `-f` looks for
        // `.env` beside the Compose file, so without this a root `.env` would be missed.
        for f in &self.env_files {
            args.push("--env-file".to_owned());
            args.push(self.shown(f));
        }
        args.push("-p".to_owned());
        args.push(self.name.clone());
        args
    }

    /// `docker compose <compose_args> <args…>`.
    pub fn compose_command(&self, args: &[&str]) -> Vec<String> {
        let mut argv = vec!["docker".to_owned(), "compose".to_owned()];
        argv.extend(self.compose_args());
        argv.extend(args.iter().map(|a| (*a).to_owned()));
        argv
    }

    /// The command that starts the API service: `docker compose -f … -p NAME up -d SERVICE`.
    pub fn up_command(&self) -> Vec<String> {
        self.compose_command(&["up", "-d", &self.service])
    }

    /// The env file to name in hints about variables: the first one read, else `DIR/.env`.
    pub fn env_file_for_hints(&self) -> PathBuf {
        self.env_files
            .first()
            .cloned()
            .unwrap_or_else(|| self.dir.join(".env"))
    }
}
