//! Model × model → an ordered plan of operations, each with its up SQL and its inverse.
//!
//! Each operation says which objects it creates (desired identities), drops and alters in
//! place (current identities). [`order`] turns that, with both sides' dependency graphs (read
//! from `pg_depend`), into the up order: an object is created after everything it depends on,
//! dropped after everything that depends on it, dropped before it is created again, and
//! dependents of an object altered in place are out of the way first. The [`Phase`] of an
//! operation only breaks ties, so that the output reads in a familiar order (drops, then
//! creates, kinds grouped). The down script is the inverse of every operation in reverse order,
//! which is valid because the up order is. Operations implied by another (a table's indexes go
//! with the table) have no SQL on that side but still carry their inverse.
//!
//! Objects that depend on something dropped or rebuilt are recreated around it ([`cascade`]);
//! constraints and defaults of new tables are written inside `CREATE TABLE` when the order
//! allows it. Output is deterministic.

mod cascade;
mod columns;
mod objects;
mod order;
mod parts;
mod render;
mod tables;
mod types;
mod views;

use std::collections::BTreeSet;

use super::SchemaError;
use super::lint::Hazard;
use super::model::{Obj, QName, Schema};
use super::renames::Renames;

pub(crate) use render::TableSql;

/// When an operation runs when nothing else decides; up runs in this order, down in the
/// reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Restorations only the down script needs (comments, ownerships of dropped objects).
    Forget,
    DropTrigger,
    DropPolicy,
    DropView,
    DropForeignKey,
    DropIndex,
    DropStatistics,
    DropConstraint,
    DropDefault,
    Detach,
    Rename,
    DropColumn,
    DropTable,
    DropSequence,
    DropFunction,
    DropType,
    DropCollation,
    DropExtension,
    DropSchema,
    CreateSchema,
    CreateExtension,
    CreateCollation,
    CreateType,
    CreateFunction,
    CreateSequence,
    CreateTable,
    AlterTable,
    AlterColumn,
    OwnSequence,
    AddConstraint,
    CreateIndex,
    AddForeignKey,
    CreateStatistics,
    CreateView,
    CreateTrigger,
    Security,
    Comment,
    Privileges,
}

/// Which script a `CREATE TABLE` (and the parts that may go inside it) belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Side {
    /// A created table: the statement is in up.
    Up,
    /// A dropped table: the statement re-creating it is in down.
    Down,
}

/// A part of a created (or dropped) table: a constraint or default that can be written inside
/// its `CREATE TABLE`, or an object whose removal the table's `DROP TABLE` implies.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Inline {
    pub table: QName,
    pub side: Side,
    pub part: Part,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Part {
    /// (name, definition, comment/privilege statements that follow it).
    Constraint(String, String, Vec<String>),
    /// (column, expression).
    Default(String, String),
    /// Gone with the table: the operation's SQL on the table's side (down for a created table,
    /// up for a dropped one) is left out when the order allows it.
    Implied,
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
    /// Objects that exist (in their desired form) once this runs.
    pub(crate) creates: Vec<Obj>,
    /// Objects (current identities) this removes.
    pub(crate) drops: Vec<Obj>,
    /// Objects (current identities) changed in place: whatever depends on them and is dropped
    /// must be dropped first.
    pub(crate) alters: Vec<Obj>,
    /// Objects (desired identities) that must exist before this runs, beyond what the created
    /// objects depend on.
    pub(crate) needs: Vec<Obj>,
    /// A rename: it "drops" the old name and "creates" the new one for ordering only; what
    /// depends on the object follows it.
    pub(crate) rename: bool,
    /// Objects (current identities) whose dependents must be recreated around this operation
    /// (in up, down or both).
    pub(crate) disturbs: Vec<cascade::Disturb>,
    /// Objects (current identities) whose drop must come after this.
    pub(crate) precedes_drop: Vec<Obj>,
    /// A `CREATE TABLE` whose statement is rendered at the end (parts may be merged in).
    pub(crate) body: Option<Box<TableSql>>,
    pub(crate) inline: Option<Inline>,
}

impl Op {
    pub(crate) fn hazard(&mut self, h: Hazard) -> &mut Op {
        self.hazards.push(h);
        self
    }

    pub(crate) fn creates(&mut self, objs: impl IntoIterator<Item = Obj>) -> &mut Op {
        self.creates.extend(objs);
        self
    }

    pub(crate) fn drops(&mut self, objs: impl IntoIterator<Item = Obj>) -> &mut Op {
        self.drops.extend(objs);
        self
    }

    pub(crate) fn alters(&mut self, objs: impl IntoIterator<Item = Obj>) -> &mut Op {
        self.alters.extend(objs);
        self
    }

    pub(crate) fn needs(&mut self, objs: impl IntoIterator<Item = Obj>) -> &mut Op {
        self.needs.extend(objs);
        self
    }

    pub(crate) fn renames(&mut self) -> &mut Op {
        self.rename = true;
        self
    }

    pub(crate) fn disturb(&mut self, d: cascade::Disturb) -> &mut Op {
        self.disturbs.push(d);
        self
    }

    pub(crate) fn precedes_drop(&mut self, objs: impl IntoIterator<Item = Obj>) -> &mut Op {
        self.precedes_drop.extend(objs);
        self
    }

    pub(crate) fn inline(&mut self, table: &QName, side: Side, part: Part) -> &mut Op {
        self.inline = Some(Inline {
            table: table.clone(),
            side,
            part,
        });
        self
    }
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
    ops: Vec<Op>,
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
        self.ops.push(Op {
            phase,
            order,
            key: key.into(),
            up,
            down,
            hazards: Vec::new(),
            creates: Vec::new(),
            drops: Vec::new(),
            alters: Vec::new(),
            needs: Vec::new(),
            precedes_drop: Vec::new(),
            disturbs: Vec::new(),
            rename: false,
            body: None,
            inline: None,
        });
        let last = self.ops.len() - 1;
        &mut self.ops[last]
    }

    /// Objects some operation really drops (explicitly or as implied by another drop; renames
    /// do not count).
    pub(crate) fn dropped(&self) -> BTreeSet<&Obj> {
        self.ops
            .iter()
            .filter(|o| !o.rename)
            .flat_map(|o| o.drops.iter())
            .collect()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Op> {
        self.ops.iter()
    }

    /// The operations pushed since `from` (`len()` taken before), to add what they need.
    pub(crate) fn since(&mut self, from: usize) -> &mut [Op] {
        &mut self.ops[from..]
    }

    pub(crate) fn len(&self) -> usize {
        self.ops.len()
    }

    /// Removes operations that create `obj` in place without dropping it (an `ALTER` or
    /// `CREATE OR REPLACE` superseded by a drop and create).
    pub(crate) fn remove_in_place(&mut self, obj: &Obj) {
        self.ops
            .retain(|o| !(o.creates.contains(obj) && !o.drops.contains(obj) && o.body.is_none()));
    }
}

/// The plan that takes a database from `current` to `desired`.
pub fn diff(current: &Schema, desired: &Schema, renames: &Renames) -> Result<Plan, SchemaError> {
    // Two equal models have nothing between them: nothing changes, so nothing is generated
    // or refused (the proof's residual check takes the same shortcut). Renames are checked
    // against the models, so they take the full path.
    if current == desired && *renames == Renames::default() {
        return Ok(Plan {
            ops: Vec::new(),
            functions: false,
        });
    }
    objects::opaque(current, desired)?;
    let mut ops = Ops::default();
    objects::schemas(&mut ops, current, desired);
    objects::extensions(&mut ops, current, desired);
    types::collations(&mut ops, current, desired);
    let changes = tables::tables(&mut ops, current, desired, renames)?;
    objects::functions(&mut ops, current, desired);
    types::types(&mut ops, current, desired, &changes)?;
    objects::sequences(&mut ops, current, desired, &changes);
    objects::statistics(&mut ops, current, desired, &changes);
    views::views(&mut ops, current, desired);
    let dependents = current.dependents();
    cascade::cascade(&mut ops, current, desired, &changes, &dependents)?;
    objects::comments_and_privileges(&mut ops, current, desired, &changes);
    objects::default_privileges(&mut ops, current, desired);
    order::finish(ops, &dependents, desired)
}

#[cfg(test)]
mod tests;
