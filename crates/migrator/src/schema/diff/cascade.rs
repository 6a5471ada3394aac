//! Recreation of dependents. When an object is dropped (and maybe created again), or changed
//! in a way PostgreSQL refuses while something depends on it (a column's type, an enum swapped
//! for a new one), every object that depends on it and is otherwise kept is dropped before and
//! created again after — transitively, in the direction(s) that need it — with its comment and
//! privileges. What cannot be recreated (a table, a plain column: data) is refused, naming both
//! objects. The ordering of the new operations comes from what they drop and create.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::render::{self, add_constraint, create_policy, create_trigger, drop_constraint};
use super::tables::{Changes, add_column};
use super::{Ops, Phase};
use crate::schema::SchemaError;
use crate::schema::model::*;

/// Which dependents of a disturbed object must move out of the way.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kinds {
    /// Everything that depends on it.
    All,
    /// What blocks `ALTER COLUMN … TYPE`: views and rules, triggers, policies, generated
    /// columns, functions; indexes, constraints and statistics are rebuilt by PostgreSQL.
    Retype,
    /// Everything but the table columns the operation converts itself (an enum swap).
    NotColumns,
}

/// An object (current identity) whose dependents must be recreated around an operation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Disturb {
    pub obj: Obj,
    pub kinds: Kinds,
    pub up: bool,
    pub down: bool,
}

impl Disturb {
    pub fn both(obj: Obj, kinds: Kinds) -> Disturb {
        Disturb {
            obj,
            kinds,
            up: true,
            down: true,
        }
    }

    pub fn down(obj: Obj, kinds: Kinds) -> Disturb {
        Disturb {
            obj,
            kinds,
            up: false,
            down: true,
        }
    }
}

fn affected(kinds: Kinds, dependent: &Obj) -> bool {
    match kinds {
        Kinds::All => true,
        Kinds::Retype => matches!(
            dependent,
            Obj::View(_)
                | Obj::Trigger(..)
                | Obj::Policy(..)
                | Obj::Column(..)
                | Obj::Function(_)
                | Obj::Opaque(_)
        ),
        Kinds::NotColumns => !matches!(dependent, Obj::Column(..)),
    }
}

/// How to create and drop an object of side `s`: (create phase, drop phase, create, drop).
fn recreate_sql(s: &Schema, o: &Obj) -> Option<(Phase, Phase, String, String)> {
    let (cp, dp, create, drop) = match o {
        Obj::Index(q) => {
            let def = match s.index(q) {
                Some((_, i)) => i.definition.clone(),
                None => s
                    .views
                    .values()
                    .find_map(|v| v.indexes.get(&q.name).filter(|_| true))?
                    .definition
                    .clone(),
            };
            (
                Phase::CreateIndex,
                Phase::DropIndex,
                format!("{def};"),
                format!("DROP INDEX {};", q.sql()),
            )
        }
        Obj::Constraint(t, n) => {
            let c = s.tables.get(t)?.constraints.get(n)?;
            let (cp, dp) = if c.kind == 'f' {
                (Phase::AddForeignKey, Phase::DropForeignKey)
            } else {
                (Phase::AddConstraint, Phase::DropConstraint)
            };
            (
                cp,
                dp,
                add_constraint(t, n, &c.definition),
                drop_constraint(t, n),
            )
        }
        Obj::View(q) => {
            let v = s.views.get(q)?;
            (
                Phase::CreateView,
                Phase::DropView,
                super::views::create_sql(q, v),
                super::views::drop_sql(q, v),
            )
        }
        Obj::Trigger(t, n) => (
            Phase::CreateTrigger,
            Phase::DropTrigger,
            create_trigger(t, n, s.tables.get(t)?.triggers.get(n)?),
            format!("DROP TRIGGER {} ON {};", ident(n), t.sql()),
        ),
        Obj::Policy(t, n) => (
            Phase::Security,
            Phase::DropPolicy,
            create_policy(t, n, s.tables.get(t)?.policies.get(n)?),
            format!("DROP POLICY {} ON {};", ident(n), t.sql()),
        ),
        Obj::Default(t, c) => {
            let d = s.tables.get(t)?.column(c)?.default.as_ref()?;
            let col = format!("ALTER TABLE {} ALTER COLUMN {}", t.sql(), ident(c));
            (
                Phase::AlterColumn,
                Phase::DropDefault,
                format!("{col} SET DEFAULT {d};"),
                format!("{col} DROP DEFAULT;"),
            )
        }
        Obj::Function(k) => {
            let f = s.functions.get(k)?;
            (
                Phase::CreateFunction,
                Phase::DropFunction,
                format!("{};", f.definition),
                format!("DROP {} {};", f.kind, f.signature),
            )
        }
        Obj::Statistics(q) => {
            let st = s.statistics.get(q)?;
            (
                Phase::CreateStatistics,
                Phase::DropStatistics,
                super::objects::create_statistics(q, st),
                format!("DROP STATISTICS {};", q.sql()),
            )
        }
        Obj::Column(t, c) => {
            let col = s.tables.get(t)?.column(c)?;
            col.generated.as_ref()?;
            (
                Phase::AlterColumn,
                Phase::DropColumn,
                add_column(s, t, col),
                format!("ALTER TABLE {} DROP COLUMN {};", t.sql(), ident(c)),
            )
        }
        _ => return None,
    };
    // A column's add already carries its decorations.
    let create = if matches!(o, Obj::Column(..)) {
        create
    } else {
        render::decorated(s, o, create)
    };
    Some((cp, dp, create, drop))
}

/// Adds the recreations every disturbance needs.
pub(crate) fn cascade(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    ch: &Changes,
    dependents: &Dependents<'_>,
) -> Result<(), SchemaError> {
    let dropped: BTreeSet<Obj> = ops.dropped().into_iter().cloned().collect();
    // (object, up, down) to walk from; the cause is kept for messages.
    let mut queue: VecDeque<(Obj, Kinds, bool, bool, Obj)> = VecDeque::new();
    for x in &dropped {
        queue.push_back((x.clone(), Kinds::All, true, true, x.clone()));
    }
    for op in ops.iter() {
        for d in &op.disturbs {
            queue.push_back((d.obj.clone(), d.kinds, d.up, d.down, d.obj.clone()));
        }
    }
    // Recreated so far: object → (up, down).
    let mut done: BTreeMap<Obj, (bool, bool)> = BTreeMap::new();
    while let Some((x, kinds, up, down, cause)) = queue.pop_front() {
        let Some(ys) = dependents.get(&x) else {
            continue;
        };
        for &y in ys {
            if !affected(kinds, y) || dropped.contains(y) {
                continue;
            }
            let (du, dd) = done.get(y).copied().unwrap_or((false, false));
            let (nu, nd) = (up && !du, down && !dd);
            if !nu && !nd {
                continue;
            }
            recreate(ops, cur, des, ch, y, (nu, nd), &cause)?;
            done.insert(y.clone(), (du || up, dd || down));
            queue.push_back((y.clone(), Kinds::All, nu, nd, cause.clone()));
        }
    }
    Ok(())
}

/// Drops `y` before and creates it after, on the sides `(up, down)` say.
fn recreate(
    ops: &mut Ops,
    cur: &Schema,
    des: &Schema,
    ch: &Changes,
    y: &Obj,
    (up, down): (bool, bool),
    cause: &Obj,
) -> Result<(), SchemaError> {
    let y_des = ch.to_desired(y);
    let refuse = || SchemaError::Unsupported {
        object: y.to_string(),
        reason: format!(
            "it depends on {cause}, which this migration drops or changes, and it cannot be recreated around that (it holds data)"
        ),
    };
    let (cp, dp, create_cur, drop_cur) = recreate_sql(cur, y).ok_or_else(refuse)?;
    let (_, _, create_des, drop_des) = recreate_sql(des, &y_des).ok_or_else(refuse)?;
    if up {
        // An in-place change (CREATE OR REPLACE, ALTER) is superseded by the recreation.
        ops.remove_in_place(&y_des);
    }
    let key = format!("recreate {y}");
    ops.push(
        dp,
        key.clone(),
        up.then(|| drop_cur.clone()),
        down.then(|| create_cur.clone()),
    )
    .drops([y.clone()]);
    ops.push(cp, key, up.then_some(create_des), down.then_some(drop_des))
        .creates([y_des]);
    Ok(())
}
