//! The corpus: real projects that ship PostgreSQL schemas and migration histories in their
//! registry packages, pinned, and how each becomes our layout (ordered migrations, and the
//! project's own full schema where it ships one). Every change made to a project's files is
//! listed in [`ADAPTATIONS`] with its reason; the loaders below apply exactly those.

use std::path::{Path, PathBuf};

use super::fetch::{Archive, Artifact};

/// One migration: where it came from (for messages) and its SQL.
#[derive(Clone, Debug)]
pub struct Migration {
    pub name: String,
    pub sql: String,
    /// The project's down script, where it ships one (sqlx `.down.sql`, diesel `down.sql`).
    pub down: Option<String>,
}

/// A project in our layout.
#[derive(Clone, Debug)]
pub struct History {
    pub migrations: Vec<Migration>,
    /// The project's own full schema (file name, SQL), where it ships one.
    pub schema: Option<(String, String)>,
}

pub struct Project {
    /// Short name used in the table.
    pub name: &'static str,
    pub artifact: Artifact,
    /// How many cut points of the history are checked.
    pub cuts: usize,
    /// Reads the extracted package (its top directory: see [`super::fetch::fetch`]).
    pub load: fn(&Path) -> Result<History, String>,
}

/// A change made to a project's files before use, and why.
pub struct Adaptation {
    pub project: &'static str,
    pub what: &'static str,
    pub why: &'static str,
}

/// Every adaptation, in one place.
pub const ADAPTATIONS: &[Adaptation] = &[
    Adaptation {
        project: "synapse",
        what: "skip `*.py` deltas (and `*.sql.sqlite`, as synapse itself does on PostgreSQL)",
        why: "Python deltas need a running synapse; the SQL history stays replayable without them",
    },
    Adaptation {
        project: "synapse",
        what: "replace `$%AUTO_INCREMENT_PRIMARY_KEY%$` by `BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY`",
        why: "synapse's PostgresEngine.executescript makes this substitution before running a file",
    },
    Adaptation {
        project: "lemmy",
        what: "append `replaceable_schema/` (DROP/CREATE SCHEMA r, utils.sql, triggers.sql) as the last migration",
        why: "lemmy's schema_setup::run executes it after the diesel migrations",
    },
    Adaptation {
        project: "pgmq",
        what: "use `pgmq.sql` (the full install script) as the one migration and as schema.sql",
        why: "the crate ships upgrade scripts from 0.7.3 on but no base to replay them from",
    },
    Adaptation {
        project: "(all)",
        what: "desired states taken from pg_dump (used as schema.sql) drop psql meta-commands (`\\restrict`) and the `search_path` reset",
        why: "meta-commands are not SQL; with search_path '' sqlxmq's dump does not even restore (a SQL function in an index predicate fails to inline: `uuid_nil()` not found)",
    },
];

pub fn all() -> Vec<Project> {
    vec![
        Project {
            name: "procrastinate",
            artifact: Artifact {
                registry: "PyPI",
                package: "procrastinate",
                version: "3.10.0",
                url: "https://files.pythonhosted.org/packages/52/51/c7ea18faef04260a1e67cb60c2c815ff0f2792c323c4f3a733478cbfc883/procrastinate-3.10.0-py3-none-any.whl",
                sha256: "949ad25b4377c30e03a9d0e053d15dfa47ef02b3f12ae8a7f3254686183c152c",
                archive: Archive::Zip,
            },
            cuts: 6,
            load: procrastinate,
        },
        Project {
            name: "procrastinate",
            artifact: Artifact {
                registry: "PyPI",
                package: "procrastinate",
                version: "2.15.1",
                url: "https://files.pythonhosted.org/packages/b5/c9/b24f255facb97cdca7dc3fccf7943c748d3585eeee19bf2df73fb4df2cb4/procrastinate-2.15.1-py3-none-any.whl",
                sha256: "20e70b38bda0ab0a1fb24f627107b1f49a35a1d6f40c4ebd93a424d4f7bfe0fe",
                archive: Archive::Zip,
            },
            cuts: 4,
            load: procrastinate,
        },
        Project {
            name: "synapse",
            artifact: Artifact {
                registry: "PyPI",
                package: "matrix-synapse",
                version: "1.163.2",
                url: "https://files.pythonhosted.org/packages/97/83/be86b413a92893f45f566b77532638aac1da1b48eb282322c1ab76fda8ec/matrix_synapse-1.163.2.tar.gz",
                sha256: "4583f1cb8ae6e257c67b752148c3f5ec16ccf7d6cc5d8375d88a14ac20f8effe",
                archive: Archive::TarGz,
            },
            cuts: 6,
            load: synapse,
        },
        Project {
            name: "atuin",
            artifact: Artifact {
                registry: "crates.io",
                package: "atuin-server-postgres",
                version: "18.20.1",
                url: "https://static.crates.io/crates/atuin-server-postgres/atuin-server-postgres-18.20.1.crate",
                sha256: "cdcb3b7eb7bb415ce97d531ff12e86c54eb9652995e20b9a73891c1eabd7c4b5",
                archive: Archive::TarGz,
            },
            cuts: 5,
            load: atuin,
        },
        Project {
            name: "sqlxmq",
            artifact: Artifact {
                registry: "crates.io",
                package: "sqlxmq",
                version: "0.6.0",
                url: "https://static.crates.io/crates/sqlxmq/sqlxmq-0.6.0.crate",
                sha256: "b2bd99fe20294f548a6298d60b6490871d78d53d739919a13834d77ffd656869",
                archive: Archive::TarGz,
            },
            cuts: 3,
            load: sqlxmq,
        },
        Project {
            name: "lemmy",
            artifact: Artifact {
                registry: "crates.io",
                package: "lemmy_db_schema",
                version: "0.19.21",
                url: "https://static.crates.io/crates/lemmy_db_schema/lemmy_db_schema-0.19.21.crate",
                sha256: "8569be2266043a656e6b2b01a9c362bd265a8d81dab7b3f5384c8210c1e8bdf7",
                archive: Archive::TarGz,
            },
            cuts: 8,
            load: lemmy,
        },
        Project {
            name: "pgmq",
            artifact: Artifact {
                registry: "crates.io",
                package: "pgmq",
                version: "0.33.7",
                url: "https://static.crates.io/crates/pgmq/pgmq-0.33.7.crate",
                sha256: "50eb534c14338bf3c0048606af7ea9fbf32f674debe392f9267eeeddf0582d1d",
                archive: Archive::TarGz,
            },
            cuts: 0,
            load: pgmq,
        },
    ]
}

fn read(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// File names in a directory (sorted); `Ok(empty)` when it does not exist.
fn list(dir: &Path) -> Result<Vec<String>, String> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    };
    let mut names = Vec::new();
    for e in rd {
        let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
        names.push(e.file_name().to_string_lossy().into_owned());
    }
    names.sort();
    Ok(names)
}

fn migration(path: &Path, name: String) -> Result<Migration, String> {
    Ok(Migration {
        name,
        sql: read(path)?,
        down: None,
    })
}

/// The migration with its down script, when the project ships `down` (read as is).
fn with_down(mut m: Migration, down: &Path) -> Result<Migration, String> {
    if down.exists() {
        m.down = Some(read(down)?);
    }
    Ok(m)
}

/// Ordered by file name (= version): procrastinate's `NN.NN.NN_NN_*.sql`.
fn procrastinate(root: &Path) -> Result<History, String> {
    let sql = root.join("procrastinate/sql");
    let dir = sql.join("migrations");
    let migrations = list(&dir)?
        .into_iter()
        .filter(|n| n.ends_with(".sql"))
        .map(|n| migration(&dir.join(&n), n))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(History {
        migrations,
        schema: Some(("schema.sql".into(), read(&sql.join("schema.sql"))?)),
    })
}

/// `SCHEMA_VERSION = N` in synapse/storage/schema/__init__.py.
fn synapse_version(schema: &Path) -> Result<u32, String> {
    let init = schema.join("__init__.py");
    read(&init)?
        .lines()
        .find_map(|l| l.strip_prefix("SCHEMA_VERSION = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{}: no `SCHEMA_VERSION = N` line", init.display()))
}

/// Synapse's own order (synapse/storage/prepare_database.py): common/schema_version.sql;
/// then every file of the newest full schema ≤ SCHEMA_VERSION in common/, main/, state/,
/// sorted by (file name, path); then for each later version the delta files of those three
/// directories, sorted the same way. `.sql` and `.sql.postgres` run; `.sql.sqlite` is skipped,
/// `.py` deltas too (see [`ADAPTATIONS`]).
fn synapse(root: &Path) -> Result<History, String> {
    let schema = root.join("synapse/storage/schema");
    let version = synapse_version(&schema)?;
    let full_dir = schema.join("common/full_schemas");
    let full = list(&full_dir)?
        .iter()
        .filter_map(|n| n.parse::<u32>().ok())
        .filter(|v| *v <= version)
        .max()
        .ok_or_else(|| format!("{}: no full schema ≤ {version}", full_dir.display()))?;
    let stores = ["common", "main", "state"];
    let entries = |kind: &str, v: u32| -> Result<Vec<(String, PathBuf)>, String> {
        let mut all = Vec::new();
        for store in stores {
            let dir = schema.join(store).join(kind).join(v.to_string());
            for n in list(&dir)? {
                all.push((n.clone(), dir.join(n)));
            }
        }
        all.sort();
        Ok(all)
    };
    let runs = |n: &str| n.ends_with(".sql") || n.ends_with(".sql.postgres");
    let mut migrations = vec![migration(
        &schema.join("common/schema_version.sql"),
        "common/schema_version.sql".into(),
    )?];
    let mut take = |kind: &str, v: u32| -> Result<(), String> {
        for (n, path) in entries(kind, v)? {
            if runs(&n) {
                let rel = path.strip_prefix(&schema).unwrap_or(&path);
                let mut m = migration(&path, rel.display().to_string())?;
                m.sql = m.sql.replace(
                    "$%AUTO_INCREMENT_PRIMARY_KEY%$",
                    "BIGINT PRIMARY KEY GENERATED ALWAYS AS IDENTITY",
                );
                migrations.push(m);
            }
        }
        Ok(())
    };
    take("full_schemas", full)?;
    for v in full + 1..=version {
        take("delta", v)?;
    }
    Ok(History {
        migrations,
        schema: None,
    })
}

/// sqlx order: by the integer version before the first `_`.
fn sqlx_folder(dir: &Path, suffix: &str) -> Result<Vec<Migration>, String> {
    let mut found = Vec::new();
    for n in list(dir)? {
        if !n.ends_with(suffix) || (suffix == ".sql" && n.ends_with(".down.sql")) {
            continue;
        }
        let version: i64 = n
            .split('_')
            .next()
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("{}: {n}: no sqlx version prefix", dir.display()))?;
        found.push((version, n));
    }
    found.sort();
    found
        .into_iter()
        .map(|(_, n)| migration(&dir.join(&n), n))
        .collect()
}

fn atuin(root: &Path) -> Result<History, String> {
    let dir = root.join("migrations");
    Ok(History {
        migrations: sqlx_folder(&dir, ".sql")?,
        schema: None,
    })
}

fn sqlxmq(root: &Path) -> Result<History, String> {
    let dir = root.join("migrations");
    let migrations = sqlx_folder(&dir, ".up.sql")?
        .into_iter()
        .map(|m| {
            let down = dir.join(m.name.replace(".up.sql", ".down.sql"));
            with_down(m, &down)
        })
        .collect::<Result<_, _>>()?;
    Ok(History {
        migrations,
        schema: None,
    })
}

/// Diesel order: migration directories sorted by name (version first), each `up.sql`; then
/// the replaceable schema as lemmy runs it (see [`ADAPTATIONS`]).
fn lemmy(root: &Path) -> Result<History, String> {
    let dir = root.join("migrations");
    let mut migrations = Vec::new();
    for n in list(&dir)? {
        let up = dir.join(&n).join("up.sql");
        if up.exists() {
            let m = migration(&up, format!("{n}/up.sql"))?;
            migrations.push(with_down(m, &dir.join(&n).join("down.sql"))?);
        }
    }
    let r = root.join("replaceable_schema");
    let sql = format!(
        "DROP SCHEMA IF EXISTS r CASCADE;\nCREATE SCHEMA r;\n{}\n{}",
        read(&r.join("utils.sql"))?,
        read(&r.join("triggers.sql"))?
    );
    migrations.push(Migration {
        name: "replaceable_schema/{utils,triggers}.sql".into(),
        sql,
        down: None,
    });
    Ok(History {
        migrations,
        schema: None,
    })
}

fn pgmq(root: &Path) -> Result<History, String> {
    let path = root.join("src/install/embedded/sql/pgmq.sql");
    let sql = read(&path)?;
    Ok(History {
        migrations: vec![Migration {
            name: "pgmq.sql".into(),
            sql: sql.clone(),
            down: None,
        }],
        schema: Some(("pgmq.sql".into(), sql)),
    })
}
