//! Object identities: what a dependency, comment or privilege refers to, on either side of a
//! diff. Built from names only (never oids), so the same object has the same identity in the
//! database the migrations build and in the one schema.sql builds.

use super::QName;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Obj {
    Schema(String),
    Extension(String),
    /// Enum, domain, composite or range type.
    Type(QName),
    Collation(QName),
    /// Function, procedure or aggregate, by its key `schema.name(identity args)`.
    Function(String),
    Sequence(QName),
    /// The `OWNED BY` link of a sequence (it goes with the owning column).
    SeqOwner(QName),
    Table(QName),
    /// A partition's membership of its parent (ATTACH / DETACH PARTITION).
    Partition(QName),
    Column(QName, String),
    /// A column's default (a generated column's expression belongs to the column itself).
    Default(QName, String),
    /// A table constraint: (table, constraint name).
    Constraint(QName, String),
    /// An index that backs no constraint, by its schema-qualified name.
    Index(QName),
    /// A view or materialized view.
    View(QName),
    Trigger(QName, String),
    Policy(QName, String),
    /// An extended statistics object.
    Statistics(QName),
    /// An object the engine keeps as a fingerprint only (`kind name`).
    Opaque(String),
}

impl Obj {
    /// The table a part belongs to (columns, defaults, constraints, triggers, policies).
    pub fn table(&self) -> Option<&QName> {
        match self {
            Obj::Column(t, _)
            | Obj::Default(t, _)
            | Obj::Constraint(t, _)
            | Obj::Trigger(t, _)
            | Obj::Policy(t, _) => Some(t),
            _ => None,
        }
    }

    /// Short kind name for messages.
    pub fn kind(&self) -> &'static str {
        match self {
            Obj::Schema(_) => "schema",
            Obj::Extension(_) => "extension",
            Obj::Type(_) => "type",
            Obj::Collation(_) => "collation",
            Obj::Function(_) => "function",
            Obj::Sequence(_) => "sequence",
            Obj::SeqOwner(_) => "ownership of sequence",
            Obj::Table(_) => "table",
            Obj::Partition(_) => "partition",
            Obj::Column(..) => "column",
            Obj::Default(..) => "default of column",
            Obj::Constraint(..) => "constraint",
            Obj::Index(_) => "index",
            Obj::View(_) => "view",
            Obj::Trigger(..) => "trigger",
            Obj::Policy(..) => "policy",
            Obj::Statistics(_) => "statistics",
            Obj::Opaque(_) => "object",
        }
    }
}

impl std::fmt::Display for Obj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Obj::Schema(n) | Obj::Extension(n) | Obj::Function(n) => {
                write!(f, "{} {n}", self.kind())
            }
            Obj::Opaque(n) => write!(f, "{n}"),
            Obj::Type(q)
            | Obj::Collation(q)
            | Obj::Sequence(q)
            | Obj::SeqOwner(q)
            | Obj::Table(q)
            | Obj::Partition(q)
            | Obj::Index(q)
            | Obj::View(q)
            | Obj::Statistics(q) => write!(f, "{} {q}", self.kind()),
            Obj::Column(t, c) | Obj::Default(t, c) => write!(f, "{} {t}.{c}", self.kind()),
            Obj::Constraint(t, n) | Obj::Trigger(t, n) | Obj::Policy(t, n) => {
                write!(f, "{} {n} on {t}", self.kind())
            }
        }
    }
}
