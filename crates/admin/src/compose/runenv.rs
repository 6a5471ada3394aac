//! The environment a container of a service is created with, as Compose computes it: every
//! `env_file` in order (later files win; a missing file is an error unless `required: false`),
//! then `environment:` on top (a bare `KEY` takes the value from the project environment — the
//! real environment merged with `.env` — and is left out when that has none).

use std::collections::BTreeMap;
use std::path::Path;

use super::model::ServiceConfig;
use super::{ComposeError, EnvMap, dotenv};

/// Where a variable of a service's environment comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// `environment:` in a Compose file.
    Environment,
    /// An `env_file` (absolute path).
    EnvFile(String),
}

/// The service's environment with each value's origin (values are secrets: never print them).
pub fn service_environment(
    svc: &ServiceConfig,
    project_env: &EnvMap,
) -> Result<BTreeMap<String, (String, Origin)>, ComposeError> {
    let mut out: BTreeMap<String, (String, Origin)> = BTreeMap::new();
    for f in &svc.env_file {
        let path = Path::new(&f.path);
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !f.required => continue,
            Err(source) => {
                return Err(ComposeError::Read {
                    path: path.to_path_buf(),
                    source,
                });
            }
        };
        for (k, v) in dotenv::parse(path, &text, project_env)? {
            out.insert(k, (v, Origin::EnvFile(f.path.clone())));
        }
    }
    for (k, v) in &svc.environment {
        match v {
            Some(v) => {
                out.insert(k.clone(), (v.clone(), Origin::Environment));
            }
            None => match project_env.get(k) {
                Some(v) => {
                    out.insert(k.clone(), (v.clone(), Origin::Environment));
                }
                None => {
                    out.remove(k);
                }
            },
        }
    }
    Ok(out)
}

impl super::Project {
    /// The API service's container environment as Compose computes it (values only).
    pub fn api_environment(&self) -> Result<BTreeMap<String, String>, ComposeError> {
        Ok(service_environment(&self.service_config, &self.env)?
            .into_iter()
            .map(|(k, (v, _))| (k, v))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::model::EnvFile;

    #[test]
    fn env_files_in_order_then_environment_wins() {
        let dir = match tempfile::tempdir() {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let a = dir.path().join("a.env");
        let b = dir.path().join("b.env");
        for (p, text) in [(&a, "X=1\nY=a\nZ=${HOSTV}\n"), (&b, "Y=b\n")] {
            if let Err(e) = std::fs::write(p, text) {
                panic!("{e}");
            }
        }
        let mut svc = ServiceConfig {
            env_file: vec![
                EnvFile {
                    path: a.display().to_string(),
                    required: true,
                },
                EnvFile {
                    path: b.display().to_string(),
                    required: true,
                },
                EnvFile {
                    path: dir.path().join("absent.env").display().to_string(),
                    required: false,
                },
            ],
            environment: BTreeMap::from([
                ("X".to_owned(), Some("env".to_owned())),
                ("FROM_HOST".to_owned(), None),
                ("UNSET".to_owned(), None),
            ]),
            ..ServiceConfig::default()
        };
        let project_env = EnvMap::from([
            ("HOSTV".to_owned(), "h".to_owned()),
            ("FROM_HOST".to_owned(), "fh".to_owned()),
        ]);
        let env = match service_environment(&svc, &project_env) {
            Ok(e) => e,
            Err(e) => panic!("{e}"),
        };
        let values: Vec<(&str, &str)> = env
            .iter()
            .map(|(k, (v, _))| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            values,
            vec![("FROM_HOST", "fh"), ("X", "env"), ("Y", "b"), ("Z", "h")]
        );
        assert_eq!(env["Y"].1, Origin::EnvFile(b.display().to_string()));
        assert_eq!(env["X"].1, Origin::Environment);

        svc.env_file[2].required = true;
        let err = match service_environment(&svc, &project_env) {
            Ok(_) => panic!("a required env_file that is missing must fail"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains("absent.env"), "{err}");
    }
}
