//! Property test: a mid-sized schema mutated at random (columns added / dropped / retyped /
//! NOT NULL / defaults, indexes, unique and check constraints, foreign keys, tables added and
//! dropped, views over tables toggled, enum labels appended or removed, enum columns added,
//! UNLOGGED, fillfactor, column statistics, grants). For every pair the generated migration
//! must pass the pg_dump oracle (privileges included) both ways. `PROPTEST_CASES=N` runs more.

use proptest::prelude::*;

use super::oracle::{drop_db, exec, generate_pair, normalized_dump, show_diff};
use crate::common::pg;

const TYPES: [&str; 5] = [
    "integer",
    "bigint",
    "text",
    "character varying(40)",
    "numeric(10,2)",
];
/// Column type index of the enum `mood` (never a retype source or target).
const ENUM: usize = 5;

#[derive(Debug, Clone)]
struct Col {
    name: String,
    ty: usize,
    not_null: bool,
    default: bool,
}

#[derive(Debug, Clone)]
struct Tab {
    name: String,
    cols: Vec<Col>,
    indexes: Vec<String>,
    uniques: Vec<String>,
    checks: Vec<String>,
    fk: bool,
    view: bool,
    unlogged: bool,
    fillfactor: bool,
    stats: bool,
    grant: bool,
}

#[derive(Debug, Clone)]
struct Model {
    tables: Vec<Tab>,
    next: usize,
    labels: usize,
}

/// One random change; indexes are taken modulo the current sizes.
#[derive(Debug, Clone)]
enum Mut {
    AddCol(usize, usize),
    DropCol(usize, usize),
    Retype(usize, usize, usize),
    NotNull(usize, usize),
    Default(usize, usize),
    Index(usize, usize),
    Unique(usize, usize),
    Check(usize, usize),
    Fk(usize),
    AddTable,
    DropTable(usize),
    View(usize),
    AddLabel,
    DropLabel,
    AddEnumCol(usize),
    Unlogged(usize),
    Fillfactor(usize),
    Stats(usize),
    Grant(usize),
}

fn base() -> Model {
    let mut m = Model {
        tables: Vec::new(),
        next: 0,
        labels: 2,
    };
    for t in 0..6 {
        let mut tab = Tab {
            name: format!("t{t}"),
            cols: Vec::new(),
            indexes: Vec::new(),
            uniques: Vec::new(),
            checks: Vec::new(),
            fk: t % 2 == 1,
            view: t == 2,
            unlogged: false,
            fillfactor: t == 4,
            stats: t == 5,
            grant: t == 1,
        };
        for k in 0..4 {
            tab.cols.push(Col {
                name: format!("c{}", m.next),
                ty: (t + k) % TYPES.len(),
                not_null: k == 0,
                default: k == 1,
            });
            m.next += 1;
        }
        if t % 3 == 0 {
            tab.indexes.push(tab.cols[1].name.clone());
        }
        m.tables.push(tab);
    }
    m
}

fn default_sql(ty: usize) -> &'static str {
    match ty {
        2 | 3 => "'x'",
        ENUM => "'l0'",
        _ => "0",
    }
}

fn type_sql(ty: usize) -> &'static str {
    if ty == ENUM { "mood" } else { TYPES[ty] }
}

impl Model {
    fn apply(&mut self, m: &Mut) {
        let nt = self.tables.len();
        let col_of = |t: &Tab, c: usize| (!t.cols.is_empty()).then(|| c % t.cols.len());
        match *m {
            Mut::AddCol(t, ty) => {
                let name = format!("c{}", self.next);
                self.next += 1;
                self.tables[t % nt].cols.push(Col {
                    name,
                    ty: ty % TYPES.len(),
                    not_null: false,
                    default: false,
                });
            }
            Mut::DropCol(t, c) => {
                let tab = &mut self.tables[t % nt];
                if let Some(i) = col_of(tab, c) {
                    let name = tab.cols.remove(i).name;
                    for v in [&mut tab.indexes, &mut tab.uniques, &mut tab.checks] {
                        v.retain(|n| *n != name);
                    }
                }
            }
            Mut::Retype(t, c, ty) => {
                let tab = &mut self.tables[t % nt];
                if let Some(i) = col_of(tab, c)
                    && tab.cols[i].ty != ENUM
                {
                    tab.cols[i].ty = ty % TYPES.len();
                    tab.cols[i].default = false;
                }
            }
            Mut::NotNull(t, c) | Mut::Default(t, c) => {
                let tab = &mut self.tables[t % nt];
                if let Some(i) = col_of(tab, c) {
                    if matches!(m, Mut::NotNull(..)) {
                        tab.cols[i].not_null = !tab.cols[i].not_null;
                    } else {
                        tab.cols[i].default = !tab.cols[i].default;
                    }
                }
            }
            Mut::Index(t, c) | Mut::Unique(t, c) | Mut::Check(t, c) => {
                let tab = &mut self.tables[t % nt];
                if let Some(i) = col_of(tab, c) {
                    let name = tab.cols[i].name.clone();
                    let list = match m {
                        Mut::Index(..) => &mut tab.indexes,
                        Mut::Unique(..) => &mut tab.uniques,
                        _ => &mut tab.checks,
                    };
                    if let Some(p) = list.iter().position(|n| *n == name) {
                        list.remove(p);
                    } else {
                        list.push(name);
                    }
                }
            }
            Mut::Fk(t) => {
                let i = t % nt;
                if i > 0 {
                    self.tables[i].fk = !self.tables[i].fk;
                }
            }
            Mut::AddTable => {
                let name = format!("t{}", self.next);
                let col = format!("c{}", self.next + 1);
                self.next += 2;
                self.tables.push(Tab {
                    name,
                    cols: vec![Col {
                        name: col,
                        ty: 2,
                        not_null: false,
                        default: false,
                    }],
                    indexes: Vec::new(),
                    uniques: Vec::new(),
                    checks: Vec::new(),
                    fk: true,
                    view: false,
                    unlogged: false,
                    fillfactor: false,
                    stats: false,
                    grant: false,
                });
            }
            Mut::View(t) => {
                let tab = &mut self.tables[t % nt];
                tab.view = !tab.view;
            }
            Mut::AddLabel => self.labels += 1,
            Mut::DropLabel => {
                // The last label; l0 (every enum default) stays.
                if self.labels > 1 {
                    self.labels -= 1;
                }
            }
            Mut::Unlogged(t) => {
                // A table others reference (t0) stays logged.
                let i = t % nt;
                if i > 0 && !self.tables[i].fk {
                    self.tables[i].unlogged = !self.tables[i].unlogged;
                }
            }
            Mut::Fillfactor(t) => {
                let tab = &mut self.tables[t % nt];
                tab.fillfactor = !tab.fillfactor;
            }
            Mut::Stats(t) => {
                let tab = &mut self.tables[t % nt];
                tab.stats = !tab.stats;
            }
            Mut::Grant(t) => {
                let tab = &mut self.tables[t % nt];
                tab.grant = !tab.grant;
            }
            Mut::AddEnumCol(t) => {
                let name = format!("c{}", self.next);
                self.next += 1;
                self.tables[t % nt].cols.push(Col {
                    name,
                    ty: ENUM,
                    not_null: false,
                    default: true,
                });
            }
            Mut::DropTable(t) => {
                if nt > 2 && t % nt > 0 {
                    self.tables.remove(t % nt);
                }
            }
        }
    }

    fn sql(&self) -> String {
        let labels: Vec<String> = (0..self.labels).map(|l| format!("'l{l}'")).collect();
        let mut out = String::from(
            "DO $$ BEGIN CREATE ROLE mutate_reader; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$;\n",
        );
        out.push_str(&format!(
            "CREATE TYPE mood AS ENUM ({});\n",
            labels.join(", ")
        ));
        for t in &self.tables {
            let mut lines = vec!["    id integer PRIMARY KEY".to_string()];
            for c in &t.cols {
                let mut l = format!("    {} {}", c.name, type_sql(c.ty));
                if c.default {
                    l.push_str(&format!(" DEFAULT {}", default_sql(c.ty)));
                }
                if c.not_null {
                    l.push_str(" NOT NULL");
                }
                lines.push(l);
            }
            if t.fk && !t.unlogged {
                lines.push("    parent_id integer REFERENCES t0 (id) ON DELETE CASCADE".into());
            }
            for c in &t.uniques {
                lines.push(format!("    CONSTRAINT {}_{c}_key UNIQUE ({c})", t.name));
            }
            for c in &t.checks {
                lines.push(format!(
                    "    CONSTRAINT {}_{c}_check CHECK ({c} IS NOT NULL OR id > 0)",
                    t.name
                ));
            }
            out.push_str(&format!(
                "CREATE {}TABLE {} (\n{}\n){};\n",
                if t.unlogged { "UNLOGGED " } else { "" },
                t.name,
                lines.join(",\n"),
                if t.fillfactor {
                    " WITH (fillfactor = 70)"
                } else {
                    ""
                }
            ));
            if t.stats {
                out.push_str(&format!(
                    "ALTER TABLE {} ALTER COLUMN id SET STATISTICS 500;\n",
                    t.name
                ));
            }
            if t.grant {
                out.push_str(&format!(
                    "GRANT SELECT, INSERT ON {} TO mutate_reader;\n",
                    t.name
                ));
            }
            for c in &t.indexes {
                out.push_str(&format!(
                    "CREATE INDEX {}_{c}_idx ON {} ({c});\n",
                    t.name, t.name
                ));
            }
        }
        out
    }
}

fn arb_mut() -> impl Strategy<Value = Mut> {
    (0u8..19, 0usize..50, 0usize..50, 0usize..50).prop_map(|(k, a, b, c)| match k {
        0 => Mut::AddCol(a, b),
        1 => Mut::DropCol(a, b),
        2 => Mut::Retype(a, b, c),
        3 => Mut::NotNull(a, b),
        4 => Mut::Default(a, b),
        5 => Mut::Index(a, b),
        6 => Mut::Unique(a, b),
        7 => Mut::Check(a, b),
        8 => Mut::Fk(a),
        9 => Mut::AddTable,
        10 => Mut::DropTable(a),
        11 => Mut::View(a),
        12 => Mut::AddLabel,
        13 => Mut::DropLabel,
        14 => Mut::Unlogged(a),
        15 => Mut::Fillfactor(a),
        16 => Mut::Stats(a),
        17 => Mut::Grant(a),
        _ => Mut::AddEnumCol(a),
    })
}

async fn check(before: String, after: String) -> Result<(), String> {
    let (up, down) = generate_pair(&[before.as_str()], &after, true).await?;
    let cluster = pg::cluster();
    let (a, b) = (cluster.create_db().await, cluster.create_db().await);
    exec(&a, &before).await?;
    let dump_before = normalized_dump(&a)?;
    exec(&a, &up).await.map_err(|e| format!("up: {e}\n{up}"))?;
    exec(&b, &after).await?;
    let mut problems = Vec::new();
    let (x, y) = (normalized_dump(&a)?, normalized_dump(&b)?);
    if x != y {
        problems.push(format!(
            "before + up != after\n{}\n--- up\n{up}",
            show_diff(&x, &y)
        ));
    }
    exec(&a, &down)
        .await
        .map_err(|e| format!("down: {e}\n{down}"))?;
    let x = normalized_dump(&a)?;
    if x != dump_before {
        problems.push(format!(
            "before + up + down != before\n{}\n--- down\n{down}",
            show_diff(&x, &dump_before)
        ));
    }
    for db in [&a, &b] {
        drop_db(db).await;
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 8, max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn random_schema_mutations_pass_the_oracle(
        first in proptest::collection::vec(arb_mut(), 0..4),
        second in proptest::collection::vec(arb_mut(), 1..7),
    ) {
        let mut m = base();
        for x in &first {
            m.apply(x);
        }
        let before = m.sql();
        for x in &second {
            m.apply(x);
        }
        let after = m.sql();
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build();
        let rt = match rt {
            Ok(rt) => rt,
            Err(e) => panic!("runtime: {e}"),
        };
        let result = rt.block_on(check(before.clone(), after.clone()));
        prop_assert!(result.is_ok(), "{}\n--- before\n{before}\n--- after\n{after}", result.err().unwrap_or_default());
    }
}
