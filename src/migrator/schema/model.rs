//! The schema model both sides of a diff are read into. Plain data, sorted maps everywhere so
//! that every walk over it (and so every generated migration) is deterministic.

use std::collections::{BTreeMap, BTreeSet};

/// A schema-qualified name (`schema`, `name`), both unquoted as stored in the catalog.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QName {
    pub schema: String,
    pub name: String,
}

impl QName {
    pub fn new(schema: &str, name: &str) -> QName {
        QName {
            schema: schema.to_string(),
            name: name.to_string(),
        }
    }

    /// The name as SQL: `schema.name`, each part quoted when needed.
    pub fn sql(&self) -> String {
        format!("{}.{}", ident(&self.schema), ident(&self.name))
    }
}

impl std::fmt::Display for QName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.schema, self.name)
    }
}

/// Keywords PostgreSQL 15 reserves (categories R and T of `pg_get_keywords()`): these must be
/// quoted as identifiers.
const RESERVED: &[&str] = &[
    "all",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "binary",
    "both",
    "case",
    "cast",
    "check",
    "collate",
    "collation",
    "column",
    "concurrently",
    "constraint",
    "create",
    "cross",
    "current_catalog",
    "current_date",
    "current_role",
    "current_schema",
    "current_time",
    "current_timestamp",
    "current_user",
    "default",
    "deferrable",
    "desc",
    "distinct",
    "do",
    "else",
    "end",
    "except",
    "false",
    "fetch",
    "for",
    "foreign",
    "freeze",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "initially",
    "inner",
    "intersect",
    "into",
    "is",
    "isnull",
    "join",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "references",
    "returning",
    "right",
    "select",
    "session_user",
    "similar",
    "some",
    "symmetric",
    "system_user",
    "table",
    "tablesample",
    "then",
    "to",
    "trailing",
    "true",
    "union",
    "unique",
    "user",
    "using",
    "variadic",
    "verbose",
    "when",
    "where",
    "window",
    "with",
];

/// An identifier as SQL: bare when it is lowercase, simple and not reserved; quoted otherwise.
pub fn ident(name: &str) -> String {
    let simple = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if simple && !RESERVED.contains(&name) {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A string literal (standard_conforming_strings on).
pub fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Non-system schemas (including `public`).
    pub schemas: BTreeSet<String>,
    /// Extension name → schema it lives in.
    pub extensions: BTreeMap<String, String>,
    /// Enum types with their labels in sort order.
    pub enums: BTreeMap<QName, Vec<String>>,
    pub tables: BTreeMap<QName, Table>,
    pub sequences: BTreeMap<QName, Sequence>,
    pub views: BTreeMap<QName, View>,
    /// Functions and procedures keyed by `schema.name(identity args)`.
    pub functions: BTreeMap<String, Function>,
    /// Comments on schemas, types, sequences, views, functions (tables and columns carry theirs).
    pub comments: BTreeMap<ObjectRef, String>,
}

/// What a comment is attached to, as it appears after `COMMENT ON`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ObjectRef {
    /// `SCHEMA`, `TYPE`, `SEQUENCE`, `VIEW`, `MATERIALIZED VIEW`, `FUNCTION`, `PROCEDURE`.
    pub kind: String,
    /// The SQL name (already quoted), e.g. `public.f(integer)`.
    pub sql: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Columns in `attnum` order.
    pub columns: Vec<Column>,
    pub constraints: BTreeMap<String, Constraint>,
    /// Index name → index (not backing a constraint).
    pub indexes: BTreeMap<String, Index>,
    pub triggers: BTreeMap<String, Trigger>,
    pub policies: BTreeMap<String, Policy>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub comment: Option<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    /// `format_type(atttypid, atttypmod)`.
    pub type_sql: String,
    pub not_null: bool,
    /// `pg_get_expr` of the default (None for generated columns, whose expression is below).
    pub default: Option<String>,
    /// `a` (ALWAYS) or `d` (BY DEFAULT) for identity columns.
    pub identity: Option<char>,
    /// The identity sequence's options, all explicit (`INCREMENT BY 1`, `MINVALUE 1`, …).
    pub identity_options: Option<Vec<String>>,
    /// The expression of a `GENERATED ALWAYS AS (…) STORED` column.
    pub generated: Option<String>,
    /// The collation when it differs from the type's default.
    pub collation: Option<QName>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Constraint {
    /// `p`, `u`, `c`, `f`, `x`.
    pub kind: char,
    /// `pg_get_constraintdef` (includes DEFERRABLE / NOT VALID).
    pub definition: String,
    /// For foreign keys: the referenced table.
    pub references: Option<QName>,
    /// Column names the constraint covers (conkey).
    pub columns: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// `pg_get_indexdef`.
    pub definition: String,
    /// Column names used (empty entries for expressions are left out).
    pub columns: Vec<String>,
    pub comment: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// `pg_get_triggerdef`.
    pub definition: String,
    pub function: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub permissive: bool,
    /// `ALL`, `SELECT`, `INSERT`, `UPDATE`, `DELETE`.
    pub command: String,
    /// Role names (`public` when none).
    pub roles: Vec<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The column that owns it (`OWNED BY table.column`).
    pub owned_by: Option<(QName, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct View {
    pub materialized: bool,
    /// `pg_get_viewdef(oid, true)` without the trailing `;`.
    pub definition: String,
    /// `reloptions` (e.g. `security_barrier=true`), comma-separated.
    pub options: Option<String>,
    /// The relations (tables, views) and the columns of them it reads.
    pub depends_on: BTreeMap<QName, BTreeSet<String>>,
    pub comment: Option<String>,
    /// Indexes on a materialized view: name → definition.
    pub indexes: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// `pg_get_functiondef` (a complete `CREATE OR REPLACE FUNCTION …`).
    pub definition: String,
    /// `procedure` or `function`.
    pub kind: String,
    /// SQL signature for DROP/COMMENT: `schema.name(identity args)`.
    pub signature: String,
    /// `pg_get_function_result` (changing it needs DROP + CREATE).
    pub result: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_only_when_needed() {
        assert_eq!(ident("users"), "users");
        assert_eq!(ident("user"), "\"user\"");
        assert_eq!(ident("Users"), "\"Users\"");
        assert_eq!(ident("a\"b"), "\"a\"\"b\"");
        assert_eq!(ident("1x"), "\"1x\"");
        assert_eq!(QName::new("public", "order").sql(), "public.\"order\"");
        assert_eq!(literal("it's"), "'it''s'");
    }
}
