//! Model × model → an ordered plan of operations, each with its up SQL and its inverse.
//!
//! Every operation sits in a [`Phase`]: drops of dependents first (triggers, policies, views,
//! foreign keys, indexes, constraints), then renames, then drops of the objects themselves, then
//! creates in dependency order (schemas, extensions, types, functions, sequences, tables,
//! columns, constraints, indexes, foreign keys, views, triggers, policies, comments). The down
//! script is the inverse of every operation in reverse order, which is valid because the up
//! order is. Operations implied by another (a table's indexes go with the table) have no SQL
//! on that side but still carry their inverse. Output is sorted, so it is deterministic.

mod columns;
mod objects;
mod tables;
mod views;

use super::SchemaError;
use super::lint::Hazard;
use super::model::Schema;
use super::renames::Renames;

/// When an operation runs; up runs in this order, down in the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Comments and ownerships of dropped/recreated objects (restored by down last).
    Forget,
    DropTrigger,
    DropPolicy,
    DropView,
    DropForeignKey,
    DropIndex,
    DropConstraint,
    Rename,
    DropColumn,
    DropTable,
    DropSequence,
    DropFunction,
    DropType,
    DropExtension,
    DropSchema,
    CreateSchema,
    CreateExtension,
    CreateType,
    CreateFunction,
    CreateSequence,
    CreateTable,
    AlterColumn,
    OwnSequence,
    AddConstraint,
    CreateIndex,
    AddForeignKey,
    CreateView,
    CreateTrigger,
    Security,
    Comment,
}

/// One step of a migration.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub phase: Phase,
    /// Sort order inside the phase (view depth; table, column, then key renames; RLS first).
    pub order: i64,
    /// What it is about, e.g. `table public.users`; also the sort key.
    pub key: String,
    pub up: Option<String>,
    pub down: Option<String>,
    pub hazards: Vec<Hazard>,
}

/// The ordered operations of one migration.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub ops: Vec<Op>,
    /// `SET check_function_bodies = false` is needed (functions are created).
    pub functions: bool,
}

impl Plan {
    /// True when there is nothing to do.
    pub fn is_empty(&self) -> bool {
        self.ops.iter().all(|o| o.up.is_none() && o.down.is_none())
    }

    fn script(&self, stmts: Vec<&String>) -> String {
        let mut out = String::new();
        if self.functions && !stmts.is_empty() {
            out.push_str("SET LOCAL check_function_bodies = false;\n\n");
        }
        for s in stmts {
            out.push_str(s);
            out.push('\n');
        }
        out
    }

    pub fn up_sql(&self) -> String {
        self.script(self.ops.iter().filter_map(|o| o.up.as_ref()).collect())
    }

    pub fn down_sql(&self) -> String {
        self.script(
            self.ops
                .iter()
                .rev()
                .filter_map(|o| o.down.as_ref())
                .collect(),
        )
    }

    /// Every hazard of the up direction, in plan order.
    pub fn hazards(&self) -> Vec<&Hazard> {
        self.ops.iter().flat_map(|o| o.hazards.iter()).collect()
    }
}

/// Collects operations while a diff runs.
#[derive(Debug, Default)]
pub(crate) struct Ops {
    ops: Vec<(usize, Op)>,
    functions: bool,
}

impl Ops {
    pub(crate) fn push(
        &mut self,
        phase: Phase,
        key: impl Into<String>,
        up: Option<String>,
        down: Option<String>,
    ) -> &mut Op {
        self.push_ordered(phase, 0, key, up, down)
    }

    pub(crate) fn push_ordered(
        &mut self,
        phase: Phase,
        order: i64,
        key: impl Into<String>,
        up: Option<String>,
        down: Option<String>,
    ) -> &mut Op {
        let n = self.ops.len();
        self.ops.push((
            n,
            Op {
                phase,
                order,
                key: key.into(),
                up,
                down,
                hazards: Vec::new(),
            },
        ));
        let last = self.ops.len() - 1;
        &mut self.ops[last].1
    }

    fn finish(mut self) -> Plan {
        self.ops.sort_by(|(na, a), (nb, b)| {
            (a.phase, a.order, &a.key, na).cmp(&(b.phase, b.order, &b.key, nb))
        });
        Plan {
            ops: self
                .ops
                .into_iter()
                .map(|(_, o)| o)
                .filter(|o| o.up.is_some() || o.down.is_some())
                .collect(),
            functions: self.functions,
        }
    }
}

impl Op {
    pub(crate) fn hazard(&mut self, h: Hazard) -> &mut Op {
        self.hazards.push(h);
        self
    }
}

/// What happens to an object that may exist on either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    Kept,
    Recreated,
    Dropped,
    Created,
}

/// Comment operations for an object with the given fate (`target` is what follows `COMMENT ON`).
pub(crate) fn comment_ops(
    ops: &mut Ops,
    target: &str,
    fate: Fate,
    old: Option<&String>,
    new: Option<&String>,
) {
    let set = |c: Option<&String>| {
        format!(
            "COMMENT ON {target} IS {};",
            c.map_or("NULL".to_string(), |c| super::model::literal(c))
        )
    };
    let key = format!("comment on {target}");
    match fate {
        Fate::Kept => {
            if old != new {
                ops.push(Phase::Comment, key, Some(set(new)), Some(set(old)));
            }
        }
        Fate::Recreated => {
            if old.is_some() {
                ops.push(Phase::Forget, key.clone(), None, Some(set(old)));
            }
            if new.is_some() {
                ops.push(Phase::Comment, key, Some(set(new)), None);
            }
        }
        Fate::Dropped => {
            if old.is_some() {
                ops.push(Phase::Forget, key, None, Some(set(old)));
            }
        }
        Fate::Created => {
            if new.is_some() {
                ops.push(Phase::Comment, key, Some(set(new)), None);
            }
        }
    }
}

/// The plan that takes a database from `current` to `desired`.
pub fn diff(current: &Schema, desired: &Schema, renames: &Renames) -> Result<Plan, SchemaError> {
    let mut ops = Ops::default();
    objects::schemas(&mut ops, current, desired);
    objects::extensions(&mut ops, current, desired);
    let changes = tables::tables(&mut ops, current, desired, renames)?;
    let mut recreated = objects::functions(&mut ops, current, desired);
    objects::enums(&mut ops, current, desired, &changes, &mut recreated)?;
    objects::sequences(&mut ops, current, desired, &changes);
    views::views(&mut ops, current, desired, &changes);
    objects::comments(&mut ops, current, desired, &recreated);
    Ok(ops.finish())
}

#[cfg(test)]
mod tests;
