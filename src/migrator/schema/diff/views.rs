//! Views and materialized views: created, dropped, or dropped and recreated when their
//! definition changes or when something they read changes (a dropped table, a dropped or
//! retyped column, a view that is itself recreated). Drops run deepest first, creates in
//! dependency order.

use std::collections::{BTreeMap, BTreeSet};

use super::tables::Changes;
use super::{Fate, Ops, Phase, comment_ops};
use crate::migrator::schema::lint::Hazard;
use crate::migrator::schema::model::*;

/// How many views stand between a view and the tables (1 = reads only tables).
fn depths(s: &Schema) -> BTreeMap<QName, i64> {
    fn depth(
        s: &Schema,
        q: &QName,
        seen: &mut BTreeMap<QName, i64>,
        stack: &mut Vec<QName>,
    ) -> i64 {
        if let Some(d) = seen.get(q) {
            return *d;
        }
        if stack.contains(q) {
            return 1;
        }
        stack.push(q.clone());
        let d = 1 + s.views[q]
            .depends_on
            .keys()
            .filter(|r| s.views.contains_key(*r))
            .map(|r| depth(s, r, seen, stack))
            .max()
            .unwrap_or(0);
        stack.pop();
        seen.insert(q.clone(), d);
        d
    }
    let mut seen = BTreeMap::new();
    for q in s.views.keys() {
        depth(s, q, &mut seen, &mut Vec::new());
    }
    seen
}

fn kind(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

fn create(q: &QName, v: &View) -> String {
    let with = v
        .options
        .as_ref()
        .map(|o| format!(" WITH ({o})"))
        .unwrap_or_default();
    let mut s = format!("CREATE {} {}{with} AS\n{};", kind(v), q.sql(), v.definition);
    for def in v.indexes.values() {
        s.push_str(&format!("\n{def};"));
    }
    s
}

fn drop(q: &QName, v: &View) -> String {
    format!("DROP {} {};", kind(v), q.sql())
}

pub(crate) fn views(ops: &mut Ops, cur: &Schema, des: &Schema, ch: &Changes) {
    let (cd, dd) = (depths(cur), depths(des));
    let mut recreate: BTreeSet<QName> = BTreeSet::new();
    for (q, v) in &cur.views {
        let changed = des.views.get(q).is_none_or(|n| {
            n.definition != v.definition
                || n.materialized != v.materialized
                || n.options != v.options
                || n.indexes != v.indexes
        });
        let reads_changed = v.depends_on.iter().any(|(rel, cols)| {
            ch.dropped_tables.contains(rel)
                || ch.table_renames.contains_key(rel)
                || cols.iter().any(|c| {
                    let k = (rel.clone(), c.clone());
                    ch.dropped_columns.contains(&k)
                        || ch.retyped_columns.contains(&k)
                        || ch.column_renames.contains_key(&k)
                })
        });
        if changed || reads_changed {
            recreate.insert(q.clone());
        }
    }
    // Views over recreated views are recreated too.
    loop {
        let more: Vec<QName> = cur
            .views
            .iter()
            .filter(|(q, v)| {
                !recreate.contains(*q) && v.depends_on.keys().any(|r| recreate.contains(r))
            })
            .map(|(q, _)| q.clone())
            .collect();
        if more.is_empty() {
            break;
        }
        recreate.extend(more);
    }
    for q in &recreate {
        let v = &cur.views[q];
        let op = ops.push_ordered(
            Phase::DropView,
            -cd.get(q).copied().unwrap_or(1),
            format!("view {q}"),
            Some(drop(q, v)),
            Some(create(q, v)),
        );
        if !des.views.contains_key(q) && v.materialized {
            op.hazard(Hazard::Destructive(format!(
                "drops materialized view {q} and its data"
            )));
        }
        let fate = if des.views.contains_key(q) {
            Fate::Recreated
        } else {
            Fate::Dropped
        };
        let target = format!("{} {}", kind(v), q.sql());
        comment_ops(
            ops,
            &target,
            fate,
            v.comment.as_ref(),
            des.views.get(q).and_then(|n| n.comment.as_ref()),
        );
    }
    for (q, v) in &des.views {
        let target = format!("{} {}", kind(v), q.sql());
        match cur.views.get(q) {
            Some(o) if !recreate.contains(q) => {
                comment_ops(
                    ops,
                    &target,
                    Fate::Kept,
                    o.comment.as_ref(),
                    v.comment.as_ref(),
                );
                continue;
            }
            Some(_) => {}
            None => comment_ops(ops, &target, Fate::Created, None, v.comment.as_ref()),
        }
        ops.push_ordered(
            Phase::CreateView,
            dd.get(q).copied().unwrap_or(1),
            format!("view {q}"),
            Some(create(q, v)),
            Some(drop(q, v)),
        );
    }
}
