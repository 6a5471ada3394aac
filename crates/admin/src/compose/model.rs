//! The typed part of a Compose file that `admin` uses, read from an (interpolated) YAML tree,
//! and the override rules for several files (compose-go `override`): scalars are replaced,
//! `environment` is merged by key, `volumes` by container path, `env_file` by path,
//! `profiles` are a union, a later `x-admin` replaces an earlier one as a whole.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// One file (or the merge of several): only the fields `admin` uses.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileModel {
    /// Top-level `name:`.
    pub name: Option<String>,
    /// `x-admin: {service, migrator}`.
    pub x_admin: Option<XAdmin>,
    pub services: BTreeMap<String, ServiceConfig>,
    /// Top-level `networks:` (only `name:` and `external:` matter to us).
    pub networks: BTreeMap<String, Resource>,
    /// Top-level `volumes:`.
    pub volumes: BTreeMap<String, Resource>,
}

/// A top-level network or volume: the engine object's name is `<project>_<key>` unless it is
/// `external` or has an explicit `name:`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resource {
    pub name: Option<String>,
    pub external: bool,
}

impl Resource {
    /// The engine name of the network/volume `key` in project `project`.
    pub fn engine_name(resource: Option<&Resource>, project: &str, key: &str) -> String {
        match resource {
            Some(r) if r.name.is_some() => r.name.clone().unwrap_or_default(),
            Some(r) if r.external => key.to_owned(),
            _ => format!("{project}_{key}"),
        }
    }
}

/// One `depends_on` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency {
    pub service: String,
    /// `service_started` (the default), `service_healthy` or `service_completed_successfully`.
    pub condition: String,
}

/// The `x-admin` extension.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XAdmin {
    pub service: Option<String>,
    pub migrator: Option<String>,
    /// The host's migrations folder (relative to the project directory).
    pub migrations: Option<String>,
    /// The host's schema.sql (relative to the project directory).
    pub schema: Option<String>,
    /// `host` (the working tree, the default) or `image` (the files in the API image).
    pub files: Option<String>,
    /// The database service (for `dbshell`; default: the one DATABASE_URL's host names).
    pub db_service: Option<String>,
    /// `databases:` the named databases, in the order written.
    pub databases: Vec<XDatabase>,
}

/// One entry of `x-admin.databases` (see `crate::databases`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct XDatabase {
    pub name: String,
    /// The variable holding its URL in the API container (default `DATABASE_URL`).
    pub url: Option<String>,
    /// Its migrations folder (relative to the project directory).
    pub migrations: Option<String>,
    /// Its schema.sql (relative to the project directory).
    pub schema: Option<String>,
    /// Where the Compose file declares it (for messages).
    pub origin: String,
}

/// What `admin` needs to know about a service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceConfig {
    pub image: Option<String>,
    /// Whether the service has a `build:` section.
    pub build: bool,
    /// `environment` (map or list form). `None` = a bare `KEY`: taken from the host when
    /// Compose creates the container.
    pub environment: BTreeMap<String, Option<String>>,
    pub env_file: Vec<EnvFile>,
    pub healthcheck: Option<Healthcheck>,
    pub volumes: Vec<Volume>,
    pub working_dir: Option<String>,
    pub user: Option<String>,
    pub profiles: Vec<String>,
    /// `networks:` of the service: network key → aliases (`None` = the `default` network).
    pub networks: Option<BTreeMap<String, Vec<String>>>,
    pub network_mode: Option<String>,
    /// `entrypoint:` (a string is split like Compose splits it: on whitespace).
    pub entrypoint: Option<Vec<String>>,
    pub depends_on: Vec<Dependency>,
    pub extra_hosts: Vec<String>,
    pub tmpfs: Vec<String>,
}

/// One `env_file` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFile {
    /// As written (relative to the project directory).
    pub path: String,
    /// `required: false` lets Compose skip a missing file.
    pub required: bool,
}

/// The `healthcheck` section: only whether it is disabled matters to us.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Healthcheck {
    pub disable: Option<bool>,
    /// `test`, as a list (a string `test` becomes one item).
    pub test: Option<Vec<String>>,
}

impl Healthcheck {
    /// `disable: true` or `test: ["NONE"]` turn the image's healthcheck off.
    pub fn is_disabled(&self) -> bool {
        self.disable == Some(true)
            || self
                .test
                .as_ref()
                .and_then(|t| t.first())
                .is_some_and(|t| t == "NONE")
    }
}

/// The kind of a `volumes` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeKind {
    Bind,
    Volume,
    Tmpfs,
    Other(String),
}

/// One `volumes` entry of a service (short or long syntax).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Volume {
    pub kind: VolumeKind,
    /// Host path for binds (made absolute by [`super::resolve`]), volume name for volumes.
    pub source: Option<String>,
    /// Path in the container.
    pub target: String,
    pub read_only: bool,
}

/// A bind mount: a host directory visible in the container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindMount {
    pub host: PathBuf,
    pub container: String,
    pub read_only: bool,
}

impl ServiceConfig {
    /// The service's bind mounts (host paths as resolved against the project directory).
    pub fn bind_mounts(&self) -> Vec<BindMount> {
        self.volumes
            .iter()
            .filter(|v| v.kind == VolumeKind::Bind)
            .filter_map(|v| {
                v.source.as_ref().map(|s| BindMount {
                    host: PathBuf::from(s),
                    container: v.target.clone(),
                    read_only: v.read_only,
                })
            })
            .collect()
    }

    /// Whether a healthcheck is declared in the Compose file and not disabled (the image may
    /// still have one: inspect the container for the truth).
    pub fn has_healthcheck(&self) -> bool {
        self.healthcheck.as_ref().is_some_and(|h| !h.is_disabled())
    }

    /// Applies a later file's definition of the same service.
    fn merge(&mut self, later: ServiceConfig) {
        if later.image.is_some() {
            self.image = later.image;
        }
        self.build |= later.build;
        self.environment.extend(later.environment);
        for f in later.env_file {
            match self.env_file.iter_mut().find(|e| e.path == f.path) {
                Some(existing) => existing.required = f.required,
                None => self.env_file.push(f),
            }
        }
        match (&mut self.healthcheck, later.healthcheck) {
            (Some(h), Some(l)) => {
                if l.disable.is_some() {
                    h.disable = l.disable;
                }
                if l.test.is_some() {
                    h.test = l.test;
                }
            }
            (None, Some(l)) => self.healthcheck = Some(l),
            (_, None) => {}
        }
        for v in later.volumes {
            match self.volumes.iter_mut().find(|e| e.target == v.target) {
                Some(existing) => *existing = v,
                None => self.volumes.push(v),
            }
        }
        if later.working_dir.is_some() {
            self.working_dir = later.working_dir;
        }
        if later.user.is_some() {
            self.user = later.user;
        }
        for p in later.profiles {
            if !self.profiles.contains(&p) {
                self.profiles.push(p);
            }
        }
        if let Some(later_networks) = later.networks {
            self.networks
                .get_or_insert_with(BTreeMap::new)
                .extend(later_networks);
        }
        if later.network_mode.is_some() {
            self.network_mode = later.network_mode;
        }
        if later.entrypoint.is_some() {
            self.entrypoint = later.entrypoint;
        }
        for d in later.depends_on {
            self.depends_on.retain(|e| e.service != d.service);
            self.depends_on.push(d);
        }
        for h in later.extra_hosts {
            if !self.extra_hosts.contains(&h) {
                self.extra_hosts.push(h);
            }
        }
        for t in later.tmpfs {
            if !self.tmpfs.contains(&t) {
                self.tmpfs.push(t);
            }
        }
    }
}

impl FileModel {
    /// Applies a later file on top of this one.
    pub fn merge(&mut self, later: FileModel) {
        if later.name.is_some() {
            self.name = later.name;
        }
        if later.x_admin.is_some() {
            self.x_admin = later.x_admin;
        }
        self.networks.extend(later.networks);
        self.volumes.extend(later.volumes);
        for (name, svc) in later.services {
            match self.services.get_mut(&name) {
                Some(existing) => existing.merge(svc),
                None => {
                    self.services.insert(name, svc);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::{model, svc};

    #[test]
    fn later_file_overrides_earlier() {
        let mut base = model(
            "name: base\nx-admin: {service: api, migrator: /bin/m}\nservices:\n  api:\n    image: app:1\n    environment: {A: \"1\", B: \"2\"}\n    volumes: [\"./m:/app/m\", \"data:/data\"]\n    healthcheck: {test: [CMD, x]}\n    profiles: [a]\n  db:\n    image: postgres\n",
        );
        let over = model(
            "x-admin: {service: web}\nservices:\n  api:\n    image: app:2\n    environment:\n      - B=3\n      - C=4\n    volumes: [\"./other:/app/m:ro\"]\n    healthcheck: {disable: true}\n    profiles: [b]\n  web:\n    build: .\n",
        );
        base.merge(over);
        assert_eq!(base.name.as_deref(), Some("base"));
        // x- keys are replaced whole: the migrator of the first file is gone.
        assert_eq!(
            base.x_admin,
            Some(XAdmin {
                service: Some("web".into()),
                migrator: None,
                migrations: None,
                schema: None,
                files: None,
                db_service: None,
                databases: Vec::new(),
            })
        );
        let api = svc(&base, "api");
        assert_eq!(api.image.as_deref(), Some("app:2"));
        let env: Vec<(&str, &str)> = api
            .environment
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref().unwrap_or("")))
            .collect();
        assert_eq!(env, vec![("A", "1"), ("B", "3"), ("C", "4")]);
        assert_eq!(api.volumes.len(), 2);
        assert_eq!(api.volumes[0].source.as_deref(), Some("./other"));
        assert!(api.volumes[0].read_only);
        assert!(!api.has_healthcheck());
        assert_eq!(api.profiles, vec!["a".to_owned(), "b".to_owned()]);
        assert_eq!(svc(&base, "db").image.as_deref(), Some("postgres"));
        assert!(svc(&base, "web").build);
    }
}
