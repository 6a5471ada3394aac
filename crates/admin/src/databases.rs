//! Which database a db command works on. A project has one database (the API service's
//! `DATABASE_URL`, the migrations folder and schema.sql `files` finds) unless its Compose file
//! names several:
//!
//! ```yaml
//! x-admin:
//!   databases:
//!     main: {}                                  # DATABASE_URL, the project's migrations
//!     analytics:
//!       url: ANALYTICS_DATABASE_URL             # the variable in the API container
//!       migrations: analytics/migrations        # relative to the project directory
//!       schema: analytics/schema.sql            # default: beside its migrations folder
//! ```
//!
//! `--database NAME` (or `ADMIN_DATABASE`) picks one; without it the one named `default`,
//! else the first. `--all-databases` runs the command on each (`commands::all`). Pure: the
//! choice is made from `x-admin` and the flags alone.

use crate::compose::{XAdmin, XDatabase};

/// The variable that holds the URL when a database names none.
pub const DEFAULT_URL_VAR: &str = "DATABASE_URL";

/// One database a command runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Database {
    /// Its name in `x-admin.databases`; `None` for a project that declares none.
    pub name: Option<String>,
    /// The variable holding its URL in the API container (the value is never read here).
    pub url_var: String,
    /// Its migrations folder as written in the Compose file (relative to the project
    /// directory); `None`: the project's usual lookup (`files::locate`).
    pub migrations: Option<String>,
    /// Its schema.sql as written; `None`: beside its migrations folder.
    pub schema: Option<String>,
    /// Its own `migrations` key (not inherited): with `--files image`, the folder in the image
    /// (relative to the container's working directory).
    pub image_migrations: Option<String>,
    /// Where `migrations`/`schema` came from, for messages (`x-admin.databases.analytics`).
    pub origin: String,
}

impl Database {
    /// `main` or, for a project without named databases, `the database`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => n.clone(),
            None => "the database".to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DatabasesError {
    #[error(
        "there is no database `{name}` in x-admin.databases (declared: {declared})\nhint: admin --database {first} …"
    )]
    Unknown {
        name: String,
        declared: String,
        first: String,
    },
    #[error(
        "`{name}`: the Compose file declares no databases, so there is nothing to pick by name\nhint: declare them: x-admin: {{databases: {{{name}: {{url: VAR, migrations: DIR}}}}}}, or leave out --database (and ADMIN_DATABASE)"
    )]
    NoneDeclared { name: String },
    #[error(
        "--all-databases: the Compose file declares no databases (x-admin.databases)\nhint: declare them: x-admin: {{databases: {{main: {{}}, other: {{url: OTHER_DATABASE_URL, migrations: other/migrations}}}}}}"
    )]
    AllNoneDeclared,
    #[error(
        "`db {command}` works on one database at a time, not with --all-databases\nhint: admin --database NAME db {command}"
    )]
    NotWithAll { command: String },
    #[error(
        "--migrations-dir names one folder, and --all-databases runs on several, each with its own\nhint: set each database's folder in x-admin.databases.NAME.migrations, or pick one: admin --database NAME --migrations-dir DIR …"
    )]
    DirWithAll,
}

/// Letters, digits, `_` and `-`, 1 to 63 characters (a name safe in messages and JSON keys).
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A POSIX environment variable name.
pub fn valid_var(var: &str) -> bool {
    let mut chars = var.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The database(s) to run on: `requested` by name, every declared one (`all`), or the default
/// (`default`, else the first declared, else the project's one database).
pub fn select(
    x: &XAdmin,
    requested: Option<&str>,
    all: bool,
) -> Result<Vec<Database>, DatabasesError> {
    let declared: Vec<Database> = x.databases.iter().map(|d| from_entry(x, d)).collect();
    if all {
        return if declared.is_empty() {
            Err(DatabasesError::AllNoneDeclared)
        } else {
            Ok(declared)
        };
    }
    let Some(name) = requested.filter(|n| !n.is_empty()) else {
        let default = declared
            .iter()
            .find(|d| d.name.as_deref() == Some("default"))
            .or(declared.first())
            .cloned()
            .unwrap_or_else(|| Database {
                name: None,
                url_var: DEFAULT_URL_VAR.to_string(),
                migrations: x.migrations.clone(),
                schema: x.schema.clone(),
                image_migrations: None,
                origin: "x-admin".to_string(),
            });
        return Ok(vec![default]);
    };
    if declared.is_empty() {
        return Err(DatabasesError::NoneDeclared {
            name: name.to_string(),
        });
    }
    match declared.iter().find(|d| d.name.as_deref() == Some(name)) {
        Some(d) => Ok(vec![d.clone()]),
        None => Err(DatabasesError::Unknown {
            name: name.to_string(),
            declared: declared
                .iter()
                .map(Database::label)
                .collect::<Vec<_>>()
                .join(", "),
            first: declared[0].label(),
        }),
    }
}

/// Every declared database, or the project's one database when none is declared (what
/// env_check checks).
pub fn declared_or_default(x: &XAdmin) -> Vec<Database> {
    select(x, None, true)
        .or_else(|_| select(x, None, false))
        .unwrap_or_default()
}

/// A declared database: its own keys, else the project-wide `x-admin.migrations`/`schema`
/// (a database with its own folder has its schema.sql beside that folder by default).
fn from_entry(x: &XAdmin, d: &XDatabase) -> Database {
    let own_dir = d.migrations.is_some();
    Database {
        name: Some(d.name.clone()),
        url_var: d.url.clone().unwrap_or_else(|| DEFAULT_URL_VAR.to_string()),
        migrations: d.migrations.clone().or_else(|| x.migrations.clone()),
        schema: d
            .schema
            .clone()
            .or_else(|| (!own_dir).then(|| x.schema.clone()).flatten()),
        image_migrations: d.migrations.clone(),
        origin: format!("x-admin.databases.{}", d.name),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn x(dbs: &[(&str, Option<&str>, Option<&str>)]) -> XAdmin {
        XAdmin {
            migrations: Some("db/migrations".into()),
            schema: Some("db/schema.sql".into()),
            databases: dbs
                .iter()
                .map(|(n, url, dir)| XDatabase {
                    name: n.to_string(),
                    url: url.map(str::to_string),
                    migrations: dir.map(str::to_string),
                    schema: None,
                    origin: String::new(),
                })
                .collect(),
            ..XAdmin::default()
        }
    }

    fn names(v: &[Database]) -> Vec<String> {
        v.iter().map(Database::label).collect()
    }

    #[test]
    fn without_declared_databases_the_project_database_is_the_one() {
        let got = select(&x(&[]), None, false);
        assert_eq!(
            got,
            Ok(vec![Database {
                name: None,
                url_var: "DATABASE_URL".into(),
                migrations: Some("db/migrations".into()),
                schema: Some("db/schema.sql".into()),
                image_migrations: None,
                origin: "x-admin".into(),
            }])
        );
        assert_eq!(
            select(&x(&[]), Some("main"), false),
            Err(DatabasesError::NoneDeclared {
                name: "main".into()
            })
        );
        assert_eq!(
            select(&x(&[]), None, true),
            Err(DatabasesError::AllNoneDeclared)
        );
    }

    #[test]
    fn default_is_named_default_else_the_first() {
        let two = x(&[("main", None, None), ("default", Some("B_URL"), Some("b"))]);
        assert_eq!(
            names(&select(&two, None, false).unwrap_or_default()),
            ["default"]
        );
        let first = x(&[("main", None, None), ("other", Some("B_URL"), Some("b"))]);
        assert_eq!(
            names(&select(&first, None, false).unwrap_or_default()),
            ["main"]
        );
        assert_eq!(
            names(&select(&first, None, true).unwrap_or_default()),
            ["main", "other"]
        );
    }

    #[test]
    fn a_database_inherits_the_project_folder_unless_it_has_its_own() {
        let dbs = select(
            &x(&[("main", None, None), ("other", Some("B_URL"), Some("b"))]),
            None,
            true,
        )
        .unwrap_or_default();
        assert_eq!(dbs[0].url_var, "DATABASE_URL");
        assert_eq!(dbs[0].migrations.as_deref(), Some("db/migrations"));
        assert_eq!(dbs[0].schema.as_deref(), Some("db/schema.sql"));
        assert_eq!(dbs[1].url_var, "B_URL");
        assert_eq!(dbs[1].migrations.as_deref(), Some("b"));
        assert_eq!(dbs[1].schema, None, "beside its own folder");
        assert_eq!(dbs[1].origin, "x-admin.databases.other");
    }

    #[test]
    fn an_unknown_name_lists_the_declared_ones() {
        let err = select(
            &x(&[("main", None, None), ("b", None, None)]),
            Some("c"),
            false,
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
        assert_eq!(
            err,
            "there is no database `c` in x-admin.databases (declared: main, b)\nhint: admin --database main …"
        );
    }

    #[test]
    fn names_and_variables() {
        assert!(valid_name("tenant_a-1"));
        assert!(!valid_name("a b"));
        assert!(!valid_name(""));
        assert!(!valid_name(&"x".repeat(64)));
        assert!(valid_var("ANALYTICS_DATABASE_URL"));
        assert!(valid_var("_X1"));
        assert!(!valid_var("1X"));
        assert!(!valid_var("postgres://u:p@h/db"));
        assert!(!valid_var(""));
    }
}
