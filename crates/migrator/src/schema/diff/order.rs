//! The up order of a plan: edges from what operations create, drop and alter, read against
//! both dependency graphs; a topological sort that breaks ties by phase, order and key (so the
//! output is deterministic and reads in a familiar order); then constraints and defaults of new
//! (and, for down, dropped) tables are folded into their `CREATE TABLE` where the order allows.
//!
//! Edges (P → Q: P runs before Q in up):
//! 1. Q creates or needs an object that depends on X: every creator of X → Q. An object no
//!    operation touches is looked through (its own dependencies count), which is how a rename
//!    of a table orders everything created on the renamed table after it.
//! 2. P drops or alters X: every dropper of an object depending on X → P (looking through
//!    objects nobody drops), so dependents are out of the way first — and, read backwards,
//!    down re-creates X before its dependents.
//! 3. An object dropped and created again: the drop → the create.
//! 4. Operations of the same phase and key keep the order they were made in.
//! 5. An operation that must precede the drop of X (`precedes_drop`) → every dropper of X.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use super::render::TableSql;
use super::{Op, Ops, Part, Plan, Side};
use crate::schema::SchemaError;
use crate::schema::model::{Dependents, Obj, Schema};

struct Graph<'a> {
    ops: &'a [Op],
    creators: HashMap<&'a Obj, Vec<usize>>,
    /// Operations that remove an object (renames of it not included: they name the parent by
    /// its new name, so they follow the parent's own rename).
    droppers: HashMap<&'a Obj, Vec<usize>>,
    /// Renames away from a name, which must come before that name is taken again.
    renamed: HashMap<&'a Obj, Vec<usize>>,
    desired: &'a Schema,
    dependents: &'a Dependents<'a>,
    succ: Vec<BTreeSet<usize>>,
    pred: Vec<BTreeSet<usize>>,
}

impl<'a> Graph<'a> {
    fn new(ops: &'a [Op], dependents: &'a Dependents<'a>, desired: &'a Schema) -> Graph<'a> {
        let mut creators: HashMap<&Obj, Vec<usize>> = HashMap::new();
        let mut droppers: HashMap<&Obj, Vec<usize>> = HashMap::new();
        let mut renamed: HashMap<&Obj, Vec<usize>> = HashMap::new();
        for (i, op) in ops.iter().enumerate() {
            for o in &op.creates {
                creators.entry(o).or_default().push(i);
            }
            for o in &op.drops {
                let map = if op.rename {
                    &mut renamed
                } else {
                    &mut droppers
                };
                map.entry(o).or_default().push(i);
            }
        }
        Graph {
            ops,
            creators,
            droppers,
            renamed,
            desired,
            dependents,
            succ: vec![BTreeSet::new(); ops.len()],
            pred: vec![BTreeSet::new(); ops.len()],
        }
    }

    fn edge(&mut self, from: usize, to: usize) {
        if from != to {
            self.succ[from].insert(to);
            self.pred[to].insert(from);
        }
    }

    /// Creators of `o`, or of what `o` depends on when nothing creates `o` (desired side).
    fn creator_frontier(&self, o: &Obj, memo: &mut HashMap<Obj, Vec<usize>>) -> Vec<usize> {
        if let Some(c) = self.creators.get(o) {
            return c.clone();
        }
        if let Some(m) = memo.get(o) {
            return m.clone();
        }
        memo.insert(o.clone(), Vec::new()); // cycle guard
        let mut out = BTreeSet::new();
        if let Some(deps) = self.desired.deps.get(o) {
            for d in deps {
                out.extend(self.creator_frontier(d, memo));
            }
        }
        let out: Vec<usize> = out.into_iter().collect();
        memo.insert(o.clone(), out.clone());
        out
    }

    /// Droppers of `o`, or of what depends on `o` when nothing drops `o` (current side).
    fn dropper_frontier(&self, o: &Obj, memo: &mut HashMap<Obj, Vec<usize>>) -> Vec<usize> {
        if let Some(d) = self.droppers.get(o) {
            return d.clone();
        }
        if let Some(m) = memo.get(o) {
            return m.clone();
        }
        memo.insert(o.clone(), Vec::new());
        let mut out = BTreeSet::new();
        if let Some(deps) = self.dependents.get(o) {
            for &d in deps {
                out.extend(self.dropper_frontier(d, memo));
            }
        }
        let out: Vec<usize> = out.into_iter().collect();
        memo.insert(o.clone(), out.clone());
        out
    }

    fn build(&mut self) {
        let mut up_memo = HashMap::new();
        let mut down_memo = HashMap::new();
        let mut edges: Vec<(usize, usize)> = Vec::new();
        for (q, op) in self.ops.iter().enumerate() {
            let mut needs: BTreeSet<&Obj> = op.needs.iter().collect();
            for o in &op.creates {
                if let Some(d) = self.desired.deps.get(o) {
                    needs.extend(d.iter());
                }
            }
            for d in needs {
                if op.creates.contains(d) {
                    continue;
                }
                for p in self.creator_frontier(d, &mut up_memo) {
                    edges.push((p, q));
                }
            }
            for x in op.drops.iter().chain(op.alters.iter()) {
                let Some(deps) = self.dependents.get(x) else {
                    continue;
                };
                for &y in deps {
                    if op.drops.contains(y) {
                        continue;
                    }
                    for z in self.dropper_frontier(y, &mut down_memo) {
                        edges.push((z, q));
                    }
                }
            }
        }
        for (p, op) in self.ops.iter().enumerate() {
            for o in &op.precedes_drop {
                for d in self.droppers.get(o).into_iter().flatten() {
                    edges.push((p, *d));
                }
            }
        }
        for (o, ds) in self.droppers.iter().chain(self.renamed.iter()) {
            if let Some(cs) = self.creators.get(o) {
                for d in ds {
                    for c in cs {
                        edges.push((*d, *c));
                    }
                }
            }
        }
        let mut last: HashMap<(super::Phase, &str), usize> = HashMap::new();
        for (i, op) in self.ops.iter().enumerate() {
            if let Some(prev) = last.insert((op.phase, op.key.as_str()), i) {
                edges.push((prev, i));
            }
        }
        for (a, b) in edges {
            self.edge(a, b);
        }
    }

    /// Kahn's algorithm, smallest (phase, order, key, index) first among the ready ones.
    fn sort(&self) -> Result<Vec<usize>, SchemaError> {
        let n = self.ops.len();
        let mut indegree: Vec<usize> = self.pred.iter().map(|p| p.len()).collect();
        let rank = |i: usize| {
            let o = &self.ops[i];
            Reverse((o.phase, o.order, o.key.clone(), i))
        };
        let mut ready: BinaryHeap<_> = (0..n).filter(|i| indegree[*i] == 0).map(rank).collect();
        let mut out = Vec::with_capacity(n);
        while let Some(Reverse((_, _, _, i))) = ready.pop() {
            out.push(i);
            for s in &self.succ[i] {
                indegree[*s] -= 1;
                if indegree[*s] == 0 {
                    ready.push(rank(*s));
                }
            }
        }
        if out.len() < n {
            return Err(self.cycle_error(&indegree));
        }
        Ok(out)
    }

    /// Names the operations of one cycle among those that could not be ordered.
    fn cycle_error(&self, indegree: &[usize]) -> SchemaError {
        let stuck: BTreeSet<usize> = (0..indegree.len()).filter(|i| indegree[*i] > 0).collect();
        let mut path = Vec::new();
        let mut at = stuck.iter().next().copied();
        while let Some(i) = at {
            if let Some(p) = path.iter().position(|x| *x == i) {
                path.drain(..p);
                break;
            }
            path.push(i);
            at = self.pred[i].iter().find(|p| stuck.contains(p)).copied();
        }
        path.reverse();
        let names: Vec<&str> = path.iter().map(|i| self.ops[*i].key.as_str()).collect();
        SchemaError::Unsupported {
            object: names
                .first()
                .copied()
                .unwrap_or("the migration")
                .to_string(),
            reason: format!(
                "its objects depend on each other in a cycle ({}); split the change into two migrations",
                names.join(" → ")
            ),
        }
    }
}

/// Orders the operations, folds parts into `CREATE TABLE`, renders, drops empty operations.
/// `dependents`: the current schema's ([`Schema::dependents`], computed once per diff).
pub(crate) fn finish(
    ops: Ops,
    dependents: &Dependents<'_>,
    desired: &Schema,
) -> Result<Plan, SchemaError> {
    let Ops { ops, functions } = ops;
    let mut g = Graph::new(&ops, dependents, desired);
    g.build();
    let order = g.sort()?;
    let merged = merge_inline(&g, &order);
    let mut ops: Vec<Option<Op>> = ops.into_iter().map(Some).collect();
    // Fold merged parts into their table's statement; implied ones lose their table-side SQL.
    for (part, table) in &merged {
        let Some(mut p) = ops[*part].take() else {
            continue;
        };
        let Some(inline) = p.inline.take() else {
            continue;
        };
        if inline.part == Part::Implied {
            match inline.side {
                Side::Up => p.down = None,
                Side::Down => p.up = None,
            }
            ops[*part] = Some(p);
        } else if let Some(Some(t)) = ops.get_mut(*table)
            && let Some(body) = t.body.as_mut()
        {
            body.absorb(inline.part);
        }
    }
    let mut out = Vec::with_capacity(order.len());
    for i in order {
        let Some(mut op) = ops[i].take() else {
            continue;
        };
        if let Some(body) = op.body.take() {
            let sql = Some(body.render());
            match body.side {
                Side::Up => op.up = sql,
                Side::Down => op.down = sql,
            }
        }
        if op.up.is_some() || op.down.is_some() {
            out.push(op);
        }
    }
    Ok(Plan {
        ops: out,
        functions,
    })
}

/// Which inline parts can go into their table's statement: (part op, table op). A part of a
/// created table moves up to the `CREATE TABLE`, so nothing it waits for may run after that;
/// a part of a dropped table moves (in down) to the statement re-creating it, so nothing that
/// must run after it in up may run before the drop.
fn merge_inline(g: &Graph, order: &[usize]) -> Vec<(usize, usize)> {
    let pos: HashMap<usize, usize> = order.iter().enumerate().map(|(p, i)| (*i, p)).collect();
    let mut tables: HashMap<(&crate::schema::model::QName, Side), usize> = HashMap::new();
    for (i, op) in g.ops.iter().enumerate() {
        if let Some(b) = &op.body {
            tables.insert((&b.table, b.side), i);
        }
    }
    // Parts moved into the statement, and implied parts whose table-side SQL is left out.
    let mut moved: HashMap<usize, usize> = HashMap::new();
    let mut implied: HashMap<usize, usize> = HashMap::new();
    let ups = order.iter();
    let downs = order.iter().rev();
    for (side, walk) in [
        (Side::Up, ups.collect::<Vec<_>>()),
        (Side::Down, downs.collect()),
    ] {
        for &x in walk {
            let Some(inline) = g.ops[x].inline.as_ref().filter(|i| i.side == side) else {
                continue;
            };
            let Some(&t) = tables.get(&(&inline.table, side)) else {
                continue;
            };
            let pt = pos[&t];
            let is_implied = inline.part == Part::Implied;
            // Where an operation's SQL ends up (a moved part: in its table's statement).
            let at = |z: &usize| moved.get(z).map_or(pos[z], |m| pos[m]);
            // An operation that must stay on the far side of x relative to the table.
            let fine = |z: &usize| {
                *z == t
                    || moved.get(z) == Some(&t)
                    || (is_implied && implied.get(z) == Some(&t))
                    || match side {
                        Side::Up => at(z) < pt,
                        Side::Down => at(z) > pt,
                    }
            };
            let ok = match side {
                Side::Up => g.pred[x].iter().all(fine),
                Side::Down => g.succ[x].iter().all(fine),
            };
            if ok {
                if is_implied {
                    implied.insert(x, t);
                } else {
                    moved.insert(x, t);
                }
            }
        }
    }
    let into: HashMap<usize, usize> = moved.into_iter().chain(implied).collect();
    let mut out: Vec<(usize, usize)> = into.into_iter().collect();
    // Parts in the order they were made (the statement lists them that way).
    out.sort();
    out
}

impl TableSql {
    fn absorb(&mut self, part: Part) {
        match part {
            Part::Constraint(name, def, after) => {
                self.constraints.push((name, def));
                self.after.extend(after);
            }
            Part::Default(col, expr) => {
                self.defaults.insert(col, expr);
            }
            Part::Implied => {}
        }
    }
}
