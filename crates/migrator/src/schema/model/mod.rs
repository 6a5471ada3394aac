//! The schema model both sides of a diff are read into. Plain data, sorted maps everywhere so
//! that every walk over it (and so every generated migration) is deterministic.
//!
//! Every managed object has an identity ([`Obj`]) that does not depend on oids, so the two sides
//! can be compared; comments, privileges and dependencies (read from `pg_depend`) are keyed by it.

mod obj;
mod sql;

use std::collections::{BTreeMap, BTreeSet};

pub use obj::Obj;
pub use sql::{ident, literal};

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

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    /// Non-system schemas (including `public`).
    pub schemas: BTreeSet<String>,
    /// Extension name → schema it lives in.
    pub extensions: BTreeMap<String, String>,
    /// Enum, domain, composite and range types.
    pub types: BTreeMap<QName, TypeDef>,
    pub collations: BTreeMap<QName, Collation>,
    pub tables: BTreeMap<QName, Table>,
    pub sequences: BTreeMap<QName, Sequence>,
    pub views: BTreeMap<QName, View>,
    /// Functions, procedures and aggregates keyed by `schema.name(identity args)`.
    pub functions: BTreeMap<String, Function>,
    /// Extended statistics objects.
    pub statistics: BTreeMap<QName, Statistics>,
    /// Objects the engine does not generate SQL for, by `kind name` → a fingerprint of their
    /// definition: equal on both sides they are left alone, different they are refused.
    pub opaque: BTreeMap<String, String>,
    /// Comments of every object that has one.
    pub comments: BTreeMap<Obj, String>,
    /// Privileges granted on an object to roles other than its owner.
    pub privileges: BTreeMap<Obj, BTreeSet<Grant>>,
    /// `ALTER DEFAULT PRIVILEGES`: what objects created later get, where it differs from
    /// PostgreSQL's own defaults.
    pub default_privileges: BTreeMap<DefaultAcl, BTreeSet<Grant>>,
    /// What each object depends on (from `pg_depend`, plus the implicit parent of a table's
    /// parts). Only managed objects appear on either side.
    pub deps: BTreeMap<Obj, BTreeSet<Obj>>,
}

/// Each object → the objects that depend on it ([`Schema::dependents`]).
pub type Dependents<'a> = BTreeMap<&'a Obj, BTreeSet<&'a Obj>>;

impl Schema {
    /// Objects that depend on each object (the inverse of [`Schema::deps`]), borrowed from it.
    pub fn dependents(&self) -> Dependents<'_> {
        let mut out = Dependents::new();
        for (o, ds) in &self.deps {
            for d in ds {
                out.entry(d).or_default().insert(o);
            }
        }
        out
    }

    /// Parts of a table depend on the table (`pg_depend` records most only against columns;
    /// a rename of the table must come after every drop that still names it); a partition's
    /// membership depends on both tables; a sequence's ownership on the owning column.
    pub fn add_implicit_deps(&mut self) {
        let mut add: Vec<(Obj, Obj)> = Vec::new();
        for (q, t) in &self.tables {
            let table = Obj::Table(q.clone());
            for c in &t.columns {
                add.push((Obj::Column(q.clone(), c.name.clone()), table.clone()));
                if c.default.is_some() {
                    add.push((
                        Obj::Default(q.clone(), c.name.clone()),
                        Obj::Column(q.clone(), c.name.clone()),
                    ));
                }
            }
            for n in t.constraints.keys() {
                add.push((Obj::Constraint(q.clone(), n.clone()), table.clone()));
            }
            for n in t.indexes.keys() {
                add.push((Obj::Index(QName::new(&q.schema, n)), table.clone()));
            }
            for n in t.triggers.keys() {
                add.push((Obj::Trigger(q.clone(), n.clone()), table.clone()));
            }
            for n in t.policies.keys() {
                add.push((Obj::Policy(q.clone(), n.clone()), table.clone()));
            }
            if let Some(p) = &t.partition_of {
                let link = Obj::Partition(q.clone());
                add.push((link.clone(), Obj::Table(p.parent.clone())));
                add.push((link, table.clone()));
            }
        }
        for (q, seq) in &self.sequences {
            if let Some((t, c)) = &seq.owned_by {
                let col = Obj::Column(t.clone(), c.clone());
                // pg_depend records the ownership against the sequence itself.
                if let Some(d) = self.deps.get_mut(&Obj::Sequence(q.clone())) {
                    d.remove(&col);
                }
                add.push((Obj::SeqOwner(q.clone()), col));
                add.push((Obj::SeqOwner(q.clone()), Obj::Sequence(q.clone())));
            }
        }
        for (o, d) in add {
            if o != d {
                self.deps.entry(o).or_default().insert(d);
            }
        }
    }

    /// The table and index map entry of an index, by its schema-qualified name.
    pub fn index(&self, q: &QName) -> Option<(&QName, &Index)> {
        self.tables
            .iter()
            .filter(|(t, _)| t.schema == q.schema)
            .find_map(|(t, table)| table.indexes.get(&q.name).map(|i| (t, i)))
    }
}

/// A privilege granted to a role (`PUBLIC` for everyone).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Grant {
    pub grantee: String,
    /// `SELECT`, `INSERT`, `USAGE`, `EXECUTE`, …
    pub privilege: String,
    pub grantable: bool,
}

/// Whose future objects, where, of which kind (`ALTER DEFAULT PRIVILEGES FOR ROLE … IN SCHEMA
/// … ON …`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DefaultAcl {
    /// None: the role that runs the migration (`FOR ROLE` omitted).
    pub role: Option<String>,
    pub schema: Option<String>,
    /// `r` tables, `S` sequences, `f` functions, `T` types, `n` schemas.
    pub objtype: char,
}

#[derive(Debug, Clone, PartialEq)]
pub enum TypeDef {
    /// Labels in sort order.
    Enum(Vec<String>),
    Domain(Domain),
    Composite(Vec<Attribute>),
    Range(RangeType),
}

impl TypeDef {
    pub fn kind(&self) -> &'static str {
        match self {
            TypeDef::Enum(_) => "enum type",
            TypeDef::Domain(_) => "domain",
            TypeDef::Composite(_) => "composite type",
            TypeDef::Range(_) => "range type",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Domain {
    /// `format_type` of the base type.
    pub base: String,
    pub default: Option<String>,
    pub not_null: bool,
    pub collation: Option<QName>,
    /// Constraint name → `pg_get_constraintdef` (`CHECK (…)`, maybe `NOT VALID`).
    pub constraints: BTreeMap<String, String>,
}

/// An attribute of a composite type.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub name: String,
    pub type_sql: String,
    pub collation: Option<QName>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct RangeType {
    pub subtype: String,
    /// Non-default operator class of the subtype.
    pub opclass: Option<String>,
    pub collation: Option<QName>,
    pub canonical: Option<String>,
    pub subtype_diff: Option<String>,
    /// The multirange type's name when it is not the default one.
    pub multirange: Option<QName>,
}

/// A user-defined collation: everything after `CREATE COLLATION name`.
#[derive(Debug, Clone, PartialEq)]
pub struct Collation {
    pub definition: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Columns in `attnum` order.
    pub columns: Vec<Column>,
    pub constraints: BTreeMap<String, Constraint>,
    /// Index name → index (not backing a constraint; the index's schema is the table's).
    pub indexes: BTreeMap<String, Index>,
    pub triggers: BTreeMap<String, Trigger>,
    pub policies: BTreeMap<String, Policy>,
    pub rls_enabled: bool,
    pub rls_forced: bool,
    pub unlogged: bool,
    /// Storage parameters (`fillfactor=70`, `toast.autovacuum_enabled=false`), sorted.
    pub options: Vec<String>,
    /// `PARTITION BY` of a partitioned table (`pg_get_partkeydef`).
    pub partition_by: Option<String>,
    /// The parent and bound of a partition.
    pub partition_of: Option<PartitionOf>,
    /// `REPLICA IDENTITY`: `NOTHING`, `FULL` or `USING INDEX name` (None: the default).
    pub replica_identity: Option<String>,
    /// The index `CLUSTER ON` marks.
    pub clustered_on: Option<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct PartitionOf {
    pub parent: QName,
    /// `FOR VALUES …` or `DEFAULT` (`pg_get_expr(relpartbound)`).
    pub bound: String,
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
    /// `SET STATISTICS n` (None: the default, -1).
    pub statistics: Option<i32>,
    /// `SET (n_distinct = …)` attribute options, sorted.
    pub options: Vec<String>,
    /// `SET STORAGE …` when it differs from the type's default storage.
    pub storage: Option<String>,
    /// The type's default storage (what `storage: None` stands for).
    pub type_storage: String,
    /// `SET COMPRESSION …` (None: the server default).
    pub compression: Option<String>,
}

impl Column {
    /// A plain column of a type (no default, constraint or attribute set).
    pub fn new(name: &str, type_sql: &str) -> Column {
        Column {
            name: name.to_string(),
            type_sql: type_sql.to_string(),
            not_null: false,
            default: None,
            identity: None,
            identity_options: None,
            generated: None,
            collation: None,
            statistics: None,
            options: Vec::new(),
            storage: None,
            type_storage: "EXTENDED".into(),
            compression: None,
        }
    }
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
    /// For foreign keys: the referenced columns (confkey), by name.
    pub ref_columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// `pg_get_indexdef` (`ON ONLY` of a partitioned index already removed).
    pub definition: String,
    /// Column names used (empty entries for expressions are left out).
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Trigger {
    /// `pg_get_triggerdef`.
    pub definition: String,
    pub function: String,
    /// `tgenabled`: `O` (the default), `D` disabled, `R` replica, `A` always.
    pub enabled: char,
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
    pub unlogged: bool,
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
    /// Indexes on a materialized view: name → index.
    pub indexes: BTreeMap<String, Index>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Function {
    /// A complete `CREATE OR REPLACE FUNCTION …` (`pg_get_functiondef`), or `CREATE AGGREGATE`.
    pub definition: String,
    /// `FUNCTION`, `PROCEDURE` or `AGGREGATE`.
    pub kind: String,
    /// SQL signature for DROP/COMMENT/GRANT: `schema.name(identity args)`.
    pub signature: String,
    /// `pg_get_function_result` (changing it needs DROP + CREATE).
    pub result: String,
    /// `pg_get_function_arguments`: names and defaults too (changing names or removing a
    /// default needs DROP + CREATE).
    pub arguments: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Statistics {
    /// `pg_get_statisticsobjdef`.
    pub definition: String,
    /// `ALTER STATISTICS … SET STATISTICS n` (None: the default).
    pub target: Option<i32>,
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

    #[test]
    fn dependents_invert_deps() {
        let mut s = Schema::default();
        let t = Obj::Table(QName::new("public", "t"));
        let c = Obj::Column(QName::new("public", "t"), "a".into());
        s.deps.insert(c.clone(), [t.clone()].into());
        assert_eq!(s.dependents().get(&t), Some(&[&c].into()));
    }
}
