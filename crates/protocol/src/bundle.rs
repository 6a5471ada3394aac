//! The files a command needs, sent by admin to the migrator on the exec's stdin: the host's
//! migrations folder (every `.sql` file, bytes exactly as on disk: checksums and CRLF survive)
//! and schema.sql. One JSON document, versioned, with limits checked by both sides.

use std::io::Read;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

/// The bundle format's version; the migrator refuses another one.
pub const VERSION: u32 = 1;
/// At most this many migration files.
pub const MAX_FILES: usize = 10_000;
/// At most this many bytes of file contents (migrations and schema.sql together).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bundle {
    pub version: u32,
    /// How the sender shows the migrations folder (its messages use it).
    pub migrations_dir: String,
    /// Every `.sql` file of the folder, sorted by name.
    pub migrations: Vec<BundleFile>,
    /// The schema file, when the command needs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<SchemaFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleFile {
    pub name: String,
    #[serde(with = "b64")]
    pub bytes: Vec<u8>,
}

/// schema.sql: how the sender shows it, whether it was named explicitly (then it must exist),
/// and its bytes when it exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemaFile {
    pub shown: String,
    pub explicit: bool,
    /// Where the explicit path came from (`--schema`, `SCHEMA_FILE`, `x-admin.schema`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_by: Option<String>,
    #[serde(default, with = "b64_opt", skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read the migrations folder {dir}: {source}")]
    ReadDir { dir: String, source: std::io::Error },
    #[error("cannot read {path}: {source}")]
    ReadFile {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "the migrations folder {dir} holds {count} .sql files; at most {MAX_FILES} can be sent to the migrator"
    )]
    TooManyFiles { dir: String, count: usize },
    #[error(
        "the migration files and schema.sql take {bytes} bytes; at most {MAX_BYTES} bytes can be sent to the migrator"
    )]
    TooLarge { bytes: u64 },
    #[error("the file bundle on stdin is not valid: {0}")]
    Invalid(String),
    #[error(
        "the file bundle has format version {0}, this migrator reads version {VERSION}\nhint: use the same admin and migrator release (rebuild the API image)"
    )]
    Version(u32),
}

impl Bundle {
    /// Reads `dir`'s `.sql` files (`shown` is how messages name the folder; a folder that does
    /// not exist has none) and, if asked, the schema file at `schema` (None: the command needs
    /// none).
    pub fn from_folder(
        dir: &Path,
        shown: &str,
        schema: Option<(&Path, SchemaFile)>,
    ) -> Result<Bundle, BundleError> {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => Some(e),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(source) => {
                return Err(BundleError::ReadDir {
                    dir: shown.to_string(),
                    source,
                });
            }
        };
        let mut names: Vec<String> = Vec::new();
        for e in entries.into_iter().flatten() {
            let e = e.map_err(|source| BundleError::ReadDir {
                dir: shown.to_string(),
                source,
            })?;
            let is_file = e.file_type().is_ok_and(|t| t.is_file());
            let name = e.file_name().to_string_lossy().into_owned();
            if is_file && name.ends_with(".sql") {
                names.push(name);
            }
        }
        names.sort();
        if names.len() > MAX_FILES {
            return Err(BundleError::TooManyFiles {
                dir: shown.to_string(),
                count: names.len(),
            });
        }
        let mut total: u64 = 0;
        let mut migrations = Vec::with_capacity(names.len());
        for name in names {
            let path = dir.join(&name);
            let bytes = std::fs::read(&path).map_err(|source| BundleError::ReadFile {
                path: format!("{}/{name}", shown.trim_end_matches('/')),
                source,
            })?;
            total += bytes.len() as u64;
            if total > MAX_BYTES {
                return Err(BundleError::TooLarge { bytes: total });
            }
            migrations.push(BundleFile { name, bytes });
        }
        let schema = match schema {
            None => None,
            Some((path, mut file)) => {
                file.bytes = match std::fs::read(path) {
                    Ok(b) => Some(b),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                    Err(source) => {
                        return Err(BundleError::ReadFile {
                            path: file.shown.clone(),
                            source,
                        });
                    }
                };
                total += file.bytes.as_ref().map_or(0, |b| b.len() as u64);
                if total > MAX_BYTES {
                    return Err(BundleError::TooLarge { bytes: total });
                }
                Some(file)
            }
        };
        Ok(Bundle {
            version: VERSION,
            migrations_dir: shown.to_string(),
            migrations,
            schema,
        })
    }

    pub fn to_json(&self) -> Result<Vec<u8>, BundleError> {
        serde_json::to_vec(self).map_err(|e| BundleError::Invalid(e.to_string()))
    }

    /// Reads a bundle from `input` (stdin), never more than the limits allow.
    pub fn read(input: impl Read) -> Result<Bundle, BundleError> {
        // base64 grows 4/3; names and JSON add a little per file.
        let cap = MAX_BYTES / 3 * 4 + 4096 + (MAX_FILES as u64) * 512;
        let mut buf = Vec::new();
        input
            .take(cap + 1)
            .read_to_end(&mut buf)
            .map_err(|e| BundleError::Invalid(e.to_string()))?;
        if buf.len() as u64 > cap {
            return Err(BundleError::TooLarge {
                bytes: buf.len() as u64,
            });
        }
        let probe: serde_json::Value =
            serde_json::from_slice(&buf).map_err(|e| BundleError::Invalid(e.to_string()))?;
        let version = probe.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
        if version != u64::from(VERSION) {
            return Err(BundleError::Version(version as u32));
        }
        let b: Bundle =
            serde_json::from_value(probe).map_err(|e| BundleError::Invalid(e.to_string()))?;
        if b.migrations.len() > MAX_FILES {
            return Err(BundleError::TooManyFiles {
                dir: b.migrations_dir.clone(),
                count: b.migrations.len(),
            });
        }
        let total: u64 = b
            .migrations
            .iter()
            .map(|f| f.bytes.len() as u64)
            .sum::<u64>()
            + b.schema
                .as_ref()
                .and_then(|s| s.bytes.as_ref())
                .map_or(0, |x| x.len() as u64);
        if total > MAX_BYTES {
            return Err(BundleError::TooLarge { bytes: total });
        }
        if let Some(bad) = b
            .migrations
            .iter()
            .find(|f| f.name.contains(['/', '\\', '\0']) || f.name.starts_with('.'))
        {
            return Err(BundleError::Invalid(format!(
                "bad file name {:?}",
                bad.name
            )));
        }
        Ok(b)
    }
}

mod b64 {
    use super::*;

    pub fn serialize<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

mod b64_opt {
    use super::*;

    pub fn serialize<S: serde::Serializer>(
        bytes: &Option<Vec<u8>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match bytes {
            Some(b) => s.serialize_some(&STANDARD.encode(b)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let s = Option::<String>::deserialize(d)?;
        s.map(|s| STANDARD.decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_survive_exactly_and_limits_hold() {
        let dir = std::env::temp_dir().join(format!("bundle-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub")).unwrap_or_default();
        let crlf = b"CREATE TABLE t (a int);\r\n-- \xc3\xa9\r\n".to_vec();
        std::fs::write(dir.join("1_a.up.sql"), &crlf).unwrap_or_default();
        std::fs::write(dir.join("README.md"), "not sent").unwrap_or_default();
        let schema = dir.with_extension("schema.sql");
        std::fs::write(&schema, "CREATE TABLE t (a int);").unwrap_or_default();
        let wanted = SchemaFile {
            shown: "schema.sql".into(),
            explicit: false,
            given_by: None,
            bytes: None,
        };
        let b = Bundle::from_folder(&dir, "migrations", Some((&schema, wanted)));
        let Ok(b) = b else { panic!("{b:?}") };
        assert_eq!(b.migrations.len(), 1, "only .sql files, no directories");
        assert_eq!(b.migrations[0].bytes, crlf);
        let wire = b.to_json().unwrap_or_default();
        let back = Bundle::read(&wire[..]);
        assert_eq!(back.ok(), Some(b.clone()));
        let mut other = b.clone();
        other.version = 2;
        let wire = serde_json::to_vec(&other).unwrap_or_default();
        assert!(matches!(
            Bundle::read(&wire[..]),
            Err(BundleError::Version(2))
        ));
        let mut evil = b;
        evil.migrations[0].name = "../x.sql".into();
        let wire = serde_json::to_vec(&evil).unwrap_or_default();
        assert!(matches!(
            Bundle::read(&wire[..]),
            Err(BundleError::Invalid(_))
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_file(&schema);
    }
}
