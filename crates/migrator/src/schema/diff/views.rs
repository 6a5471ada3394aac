//! Views and materialized views: created, dropped, or dropped and recreated when their
//! definition, options or (for materialized views) indexes change. Views over something that
//! is recreated are recreated by the cascade; the order comes from their dependencies.

use super::render::decorated;
use super::{Ops, Phase};
use crate::schema::lint::Hazard;
use crate::schema::model::*;

fn kind(v: &View) -> &'static str {
    if v.materialized {
        "MATERIALIZED VIEW"
    } else {
        "VIEW"
    }
}

/// `CREATE [MATERIALIZED] VIEW …` with a materialized view's indexes.
pub(crate) fn create_sql(q: &QName, v: &View) -> String {
    let with = v
        .options
        .as_ref()
        .map(|o| format!(" WITH ({o})"))
        .unwrap_or_default();
    let mut s = format!("CREATE {} {}{with} AS\n{};", kind(v), q.sql(), v.definition);
    for i in v.indexes.values() {
        s.push_str(&format!("\n{};", i.definition));
    }
    s
}

pub(crate) fn drop_sql(q: &QName, v: &View) -> String {
    format!("DROP {} {};", kind(v), q.sql())
}

/// The view with its comment, privileges and its indexes' comments.
fn create_full(s: &Schema, q: &QName, v: &View) -> String {
    let mut sql = decorated(s, &Obj::View(q.clone()), create_sql(q, v));
    for name in v.indexes.keys() {
        let obj = Obj::Index(QName::new(&q.schema, name));
        if let Some(c) = s.comments.get(&obj) {
            sql.push('\n');
            sql.push_str(&format!(
                "COMMENT ON INDEX {} IS {};",
                QName::new(&q.schema, name).sql(),
                literal(c)
            ));
        }
    }
    sql
}

fn objs(q: &QName, v: &View) -> Vec<Obj> {
    let mut out = vec![Obj::View(q.clone())];
    out.extend(
        v.indexes
            .keys()
            .map(|n| Obj::Index(QName::new(&q.schema, n))),
    );
    out
}

pub(crate) fn views(ops: &mut Ops, cur: &Schema, des: &Schema) {
    let changed = |q: &QName, v: &View| {
        des.views.get(q).is_none_or(|n| {
            n.definition != v.definition
                || n.materialized != v.materialized
                || n.options != v.options
                || n.indexes != v.indexes
        })
    };
    for (q, v) in &cur.views {
        if !changed(q, v) {
            continue;
        }
        let op = ops
            .push(
                Phase::DropView,
                format!("view {q}"),
                Some(drop_sql(q, v)),
                Some(create_full(cur, q, v)),
            )
            .drops(objs(q, v));
        if !des.views.contains_key(q) && v.materialized {
            op.hazard(Hazard::Destructive(format!(
                "drops materialized view {q} and its data"
            )));
        }
    }
    for (q, v) in &des.views {
        if cur.views.get(q).is_some_and(|o| !changed(q, o)) {
            continue;
        }
        ops.push(
            Phase::CreateView,
            format!("view {q}"),
            Some(create_full(des, q, v)),
            Some(drop_sql(q, v)),
        )
        .creates(objs(q, v));
    }
}
