//! Reading the fields `admin` uses from an interpolated YAML tree into a [`FileModel`]. Other
//! keys are ignored; a wrong type in a field we use is an error naming `file:line:col` and
//! the path (`services.api.environment`).

use std::collections::BTreeMap;
use std::path::Path;

use super::ComposeError;
use super::model::{
    EnvFile, FileModel, Healthcheck, ServiceConfig, Volume, VolumeKind, XAdmin, XDatabase,
};
use super::tree::{Node, Value};

mod run;

pub use run::split_words;

impl FileModel {
    /// Reads the fields we use from an interpolated tree; other keys are ignored.
    pub fn from_tree(file: &Path, root: &Node) -> Result<FileModel, ComposeError> {
        let cx = Cx { file };
        let top = cx.map(root, "")?;
        let mut model = FileModel::default();
        for (key, node) in top {
            match key.as_str() {
                "name" => model.name = cx.opt_text(node, "name")?,
                "x-admin" => model.x_admin = Some(cx.x_admin(node)?),
                "services" => {
                    for (name, svc) in cx.map(node, "services")? {
                        let path = format!("services.{name}");
                        model.services.insert(name.clone(), cx.service(svc, &path)?);
                    }
                }
                "networks" => model.networks = cx.resources(node, "networks")?,
                "volumes" => model.volumes = cx.resources(node, "volumes")?,
                _ => {}
            }
        }
        Ok(model)
    }
}

/// Conversion context: the file name for errors.
struct Cx<'a> {
    file: &'a Path,
}

impl Cx<'_> {
    fn err(&self, node: &Node, path: &str, message: String) -> ComposeError {
        ComposeError::Schema {
            file: self.file.to_path_buf(),
            line: node.pos.line,
            col: node.pos.col,
            path: if path.is_empty() {
                "(top level)".to_owned()
            } else {
                path.to_owned()
            },
            message,
        }
    }

    fn expected(&self, node: &Node, path: &str, what: &str) -> ComposeError {
        self.err(
            node,
            path,
            format!("expected {what}, found {}", node.value.kind()),
        )
    }

    /// A mapping's entries; null counts as empty.
    fn map<'n>(&self, node: &'n Node, path: &str) -> Result<&'n [(String, Node)], ComposeError> {
        match &node.value {
            Value::Map(entries) => Ok(entries),
            Value::Null => Ok(&[]),
            _ => Err(self.expected(node, path, "a mapping")),
        }
    }

    fn text(&self, node: &Node, path: &str) -> Result<String, ComposeError> {
        node.value
            .scalar_text()
            .ok_or_else(|| self.expected(node, path, "a string"))
    }

    fn opt_text(&self, node: &Node, path: &str) -> Result<Option<String>, ComposeError> {
        match node.value {
            Value::Null => Ok(None),
            _ => self.text(node, path).map(Some),
        }
    }

    fn bool(&self, node: &Node, path: &str) -> Result<bool, ComposeError> {
        match &node.value {
            Value::Bool(b) => Ok(*b),
            Value::Str(s) if s == "true" || s == "false" => Ok(s == "true"),
            _ => Err(self.expected(node, path, "true or false")),
        }
    }

    /// A string or a list of strings.
    fn strings(&self, node: &Node, path: &str) -> Result<Vec<String>, ComposeError> {
        match &node.value {
            Value::Seq(items) => items
                .iter()
                .enumerate()
                .map(|(i, n)| self.text(n, &format!("{path}[{i}]")))
                .collect(),
            Value::Null => Ok(Vec::new()),
            _ => Ok(vec![self.text(node, path)?]),
        }
    }

    fn x_admin(&self, node: &Node) -> Result<XAdmin, ComposeError> {
        let mut x = XAdmin::default();
        for (key, value) in self.map(node, "x-admin")? {
            let path = format!("x-admin.{key}");
            match key.as_str() {
                "service" => x.service = self.opt_text(value, &path)?,
                "migrator" => x.migrator = self.opt_text(value, &path)?,
                "migrations" => x.migrations = self.opt_text(value, &path)?,
                "schema" => x.schema = self.opt_text(value, &path)?,
                "files" => x.files = self.opt_text(value, &path)?,
                "db_service" => x.db_service = self.opt_text(value, &path)?,
                "databases" => x.databases = self.databases(value, &path)?,
                _ => {
                    return Err(self.err(
                        value,
                        &path,
                        format!(
                            "unknown key `{key}` (x-admin knows `service`, `migrator`, `migrations`, `schema`, `files`, `db_service` and `databases`)"
                        ),
                    ));
                }
            }
        }
        Ok(x)
    }

    /// `x-admin.databases`: name → `{url, migrations, schema}` (each optional).
    fn databases(&self, node: &Node, path: &str) -> Result<Vec<XDatabase>, ComposeError> {
        let mut out = Vec::new();
        for (name, value) in self.map(node, path)? {
            let p = format!("{path}.{name}");
            if !crate::databases::valid_name(name) {
                return Err(self.err(
                    value,
                    &p,
                    format!(
                        "`{name}` is not a database name admin can take (letters, digits, `_`, `-`; at most 63)"
                    ),
                ));
            }
            let mut db = XDatabase {
                name: name.clone(),
                origin: format!("{}:{}", self.file.display(), value.pos.line),
                ..XDatabase::default()
            };
            for (key, v) in self.map(value, &p)? {
                let kp = format!("{p}.{key}");
                match key.as_str() {
                    "url" => db.url = self.opt_text(v, &kp)?,
                    "migrations" => db.migrations = self.opt_text(v, &kp)?,
                    "schema" => db.schema = self.opt_text(v, &kp)?,
                    _ => {
                        return Err(self.err(
                            v,
                            &kp,
                            format!(
                                "unknown key `{key}` (a database knows `url`, `migrations` and `schema`)"
                            ),
                        ));
                    }
                }
            }
            if let Some(var) = &db.url
                && !crate::databases::valid_var(var)
            {
                return Err(self.err(
                    value,
                    &format!("{p}.url"),
                    "this is not an environment variable name (the value is not shown: it may be a secret); `url` names the variable that holds the URL in the API container (e.g. ANALYTICS_DATABASE_URL), never the URL itself".to_string(),
                ));
            }
            out.push(db);
        }
        Ok(out)
    }

    fn service(&self, node: &Node, path: &str) -> Result<ServiceConfig, ComposeError> {
        let mut svc = ServiceConfig::default();
        for (key, value) in self.map(node, path)? {
            let p = format!("{path}.{key}");
            match key.as_str() {
                "image" => svc.image = self.opt_text(value, &p)?,
                "build" => svc.build = value.value != Value::Null,
                "environment" => svc.environment = self.environment(value, &p)?,
                "env_file" => svc.env_file = self.env_file(value, &p)?,
                "healthcheck" => svc.healthcheck = self.healthcheck(value, &p)?,
                "volumes" => svc.volumes = self.volumes(value, &p)?,
                "working_dir" => svc.working_dir = self.opt_text(value, &p)?,
                "user" => svc.user = self.opt_text(value, &p)?,
                "profiles" => svc.profiles = self.strings(value, &p)?,
                "networks" => svc.networks = Some(self.service_networks(value, &p)?),
                "network_mode" => svc.network_mode = self.opt_text(value, &p)?,
                "entrypoint" => svc.entrypoint = self.entrypoint(value, &p)?,
                "depends_on" => svc.depends_on = self.depends_on(value, &p)?,
                "extra_hosts" => svc.extra_hosts = self.extra_hosts(value, &p)?,
                "tmpfs" => svc.tmpfs = self.strings(value, &p)?,
                _ => {}
            }
        }
        Ok(svc)
    }

    fn environment(
        &self,
        node: &Node,
        path: &str,
    ) -> Result<BTreeMap<String, Option<String>>, ComposeError> {
        let mut env = BTreeMap::new();
        match &node.value {
            Value::Map(entries) => {
                for (k, v) in entries {
                    let value = match &v.value {
                        Value::Null => None,
                        _ => Some(self.text(v, &format!("{path}.{k}"))?),
                    };
                    env.insert(k.clone(), value);
                }
            }
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let entry = self.text(item, &format!("{path}[{i}]"))?;
                    match entry.split_once('=') {
                        Some((k, v)) => env.insert(k.to_owned(), Some(v.to_owned())),
                        None => env.insert(entry, None),
                    };
                }
            }
            Value::Null => {}
            _ => return Err(self.expected(node, path, "a mapping or a list of KEY=VALUE")),
        }
        Ok(env)
    }

    fn env_file(&self, node: &Node, path: &str) -> Result<Vec<EnvFile>, ComposeError> {
        let items: Vec<&Node> = match &node.value {
            Value::Seq(items) => items.iter().collect(),
            Value::Null => Vec::new(),
            _ => vec![node],
        };
        let mut out = Vec::new();
        for (i, item) in items.into_iter().enumerate() {
            let p = format!("{path}[{i}]");
            match &item.value {
                Value::Map(_) => {
                    let path_node = item
                        .get("path")
                        .ok_or_else(|| self.err(item, &p, "missing `path`".to_owned()))?;
                    let required = match item.get("required") {
                        Some(r) => self.bool(r, &format!("{p}.required"))?,
                        None => true,
                    };
                    out.push(EnvFile {
                        path: self.text(path_node, &format!("{p}.path"))?,
                        required,
                    });
                }
                _ => out.push(EnvFile {
                    path: self.text(item, &p)?,
                    required: true,
                }),
            }
        }
        Ok(out)
    }

    fn healthcheck(&self, node: &Node, path: &str) -> Result<Option<Healthcheck>, ComposeError> {
        if node.value == Value::Null {
            return Ok(None);
        }
        let mut h = Healthcheck::default();
        for (key, value) in self.map(node, path)? {
            let p = format!("{path}.{key}");
            match key.as_str() {
                "disable" => h.disable = Some(self.bool(value, &p)?),
                "test" => h.test = Some(self.strings(value, &p)?),
                _ => {}
            }
        }
        Ok(Some(h))
    }

    fn volumes(&self, node: &Node, path: &str) -> Result<Vec<Volume>, ComposeError> {
        let items = match &node.value {
            Value::Seq(items) => items,
            Value::Null => return Ok(Vec::new()),
            _ => return Err(self.expected(node, path, "a list")),
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            out.push(match &item.value {
                Value::Map(_) => self.long_volume(item, &p)?,
                // The spec is not quoted: after interpolation it may hold an environment value.
                Value::Str(s) => short_volume(s).ok_or_else(|| {
                    self.err(
                        item,
                        &p,
                        format!(
                            "invalid volume: expected [SOURCE:]TARGET[:MODE], found {} `:`-separated part(s){}",
                            s.split(':').count(),
                            if s.split(':').any(str::is_empty) {
                                " with an empty one"
                            } else {
                                ""
                            }
                        ),
                    )
                })?,
                _ => return Err(self.expected(item, &p, "a string or a mapping")),
            });
        }
        Ok(out)
    }

    fn long_volume(&self, node: &Node, path: &str) -> Result<Volume, ComposeError> {
        let field = |k: &str| -> Result<Option<String>, ComposeError> {
            match node.get(k) {
                Some(n) => self.opt_text(n, &format!("{path}.{k}")),
                None => Ok(None),
            }
        };
        let target =
            field("target")?.ok_or_else(|| self.err(node, path, "missing `target`".to_owned()))?;
        let kind = match field("type")?.as_deref() {
            Some("bind") => VolumeKind::Bind,
            Some("volume") | None => VolumeKind::Volume,
            Some("tmpfs") => VolumeKind::Tmpfs,
            Some(other) => VolumeKind::Other(other.to_owned()),
        };
        let read_only = match node.get("read_only") {
            Some(n) => self.bool(n, &format!("{path}.read_only"))?,
            None => false,
        };
        Ok(Volume {
            kind,
            source: field("source")?,
            target,
            read_only,
        })
    }
}

/// `[SOURCE:]TARGET[:MODE]`. A source starting with `.`, `/` or `~` is a host path.
fn short_volume(spec: &str) -> Option<Volume> {
    let parts: Vec<&str> = spec.split(':').collect();
    let (source, target, mode) = match parts.as_slice() {
        [t] => (None, *t, ""),
        [s, t] => (Some(*s), *t, ""),
        [s, t, m] => (Some(*s), *t, *m),
        _ => return None,
    };
    if target.is_empty() || source.is_some_and(str::is_empty) {
        return None;
    }
    let kind = match source {
        Some(s) if s.starts_with(['.', '/', '~']) => VolumeKind::Bind,
        _ => VolumeKind::Volume,
    };
    Some(Volume {
        kind,
        source: source.map(str::to_owned),
        target: target.to_owned(),
        read_only: mode.split(',').any(|m| m == "ro"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::test_support::{model, svc};
    use crate::compose::tree;

    #[test]
    fn anchors_and_merge_keys_feed_services() {
        let m = model(
            "x-common: &common\n  image: app:1\n  environment: &env\n    A: \"1\"\n    B: two\n  user: \"1000:1000\"\nservices:\n  api:\n    <<: *common\n    environment:\n      <<: *env\n      B: override\n      C:\n  worker:\n    <<: [*common]\n    user: root\n",
        );
        let api = svc(&m, "api");
        assert_eq!(api.image.as_deref(), Some("app:1"));
        assert_eq!(api.user.as_deref(), Some("1000:1000"));
        let env: Vec<(&str, Option<&str>)> = api
            .environment
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        assert_eq!(
            env,
            vec![("A", Some("1")), ("B", Some("override")), ("C", None)]
        );
        let worker = svc(&m, "worker");
        assert_eq!(worker.image.as_deref(), Some("app:1"));
        assert_eq!(worker.user.as_deref(), Some("root"));
        assert_eq!(worker.environment.get("B"), Some(&Some("two".to_owned())));
    }

    #[test]
    fn environment_list_form_and_scalar_values() {
        let m = model(
            "services:\n  api:\n    environment:\n      - A=1\n      - B=x=y\n      - BARE\n  db:\n    environment:\n      PORT: 5432\n      FLAG: true\n      MODE: yes\n",
        );
        let api = &svc(&m, "api").environment;
        assert_eq!(api.get("A"), Some(&Some("1".to_owned())));
        assert_eq!(api.get("B"), Some(&Some("x=y".to_owned())));
        assert_eq!(api.get("BARE"), Some(&None));
        let db = &svc(&m, "db").environment;
        assert_eq!(db.get("PORT"), Some(&Some("5432".to_owned())));
        assert_eq!(db.get("FLAG"), Some(&Some("true".to_owned())));
        // YAML 1.2 booleans only: `yes` stays the string Compose would pass.
        assert_eq!(db.get("MODE"), Some(&Some("yes".to_owned())));
    }

    #[test]
    fn volumes_short_and_long_forms() {
        let m = model(
            "services:\n  api:\n    volumes:\n      - ./migrations:/app/migrations:ro,z\n      - data:/var/lib/data\n      - /anon\n      - type: bind\n        source: ../shared\n        target: /shared\n      - type: tmpfs\n        target: /tmp\n",
        );
        let v = &svc(&m, "api").volumes;
        assert_eq!(v.len(), 5);
        assert_eq!(
            v[0],
            Volume {
                kind: VolumeKind::Bind,
                source: Some("./migrations".into()),
                target: "/app/migrations".into(),
                read_only: true
            }
        );
        assert_eq!(
            (v[1].kind.clone(), v[1].source.as_deref()),
            (VolumeKind::Volume, Some("data"))
        );
        assert_eq!(
            (v[2].kind.clone(), v[2].source.as_deref()),
            (VolumeKind::Volume, None)
        );
        assert_eq!(
            (v[3].kind.clone(), v[3].target.as_str()),
            (VolumeKind::Bind, "/shared")
        );
        assert_eq!(v[4].kind, VolumeKind::Tmpfs);
        let binds = svc(&m, "api").bind_mounts();
        assert_eq!(binds.len(), 2);
        assert_eq!(binds[0].container, "/app/migrations");
    }

    #[test]
    fn healthcheck_build_env_file_profiles() {
        let m = model(
            "services:\n  api:\n    build: .\n    healthcheck:\n      test: [CMD, true]\n    env_file:\n      - .env\n      - path: extra.env\n        required: false\n    profiles: [tools]\n  db:\n    healthcheck:\n      disable: true\n    env_file: db.env\n  cache:\n    healthcheck:\n      test: NONE\n",
        );
        let api = svc(&m, "api");
        assert!(api.build && api.has_healthcheck());
        assert_eq!(
            api.env_file,
            vec![
                EnvFile {
                    path: ".env".into(),
                    required: true
                },
                EnvFile {
                    path: "extra.env".into(),
                    required: false
                }
            ]
        );
        assert_eq!(api.profiles, vec!["tools".to_owned()]);
        let db = svc(&m, "db");
        assert!(!db.build && !db.has_healthcheck() && db.healthcheck.is_some());
        assert_eq!(db.env_file[0].path, "db.env");
        assert!(!svc(&m, "cache").has_healthcheck());
    }

    #[test]
    fn wrong_types_name_file_line_col_and_path() {
        let file = Path::new("/p/compose.yaml");
        let cases = [
            (
                "services:\n  api:\n    environment: 5\n",
                "/p/compose.yaml:3:18: services.api.environment: expected a mapping or a list",
            ),
            (
                "services:\n  api:\n    volumes:\n      - [a]\n",
                "/p/compose.yaml:4:9: services.api.volumes[0]: expected a string or a mapping",
            ),
            (
                "x-admin:\n  servce: api\n",
                "/p/compose.yaml:2:11: x-admin.servce: unknown key `servce`",
            ),
            (
                "services: [api]\n",
                "/p/compose.yaml:1:11: services: expected a mapping, found a list",
            ),
        ];
        for (text, want) in cases {
            let err = match tree::parse(file, text).and_then(|t| FileModel::from_tree(file, &t)) {
                Ok(m) => panic!("{text:?} gave {m:?}"),
                Err(e) => e.to_string(),
            };
            assert!(err.starts_with(want), "got {err}\nwant {want}");
        }
    }
}
