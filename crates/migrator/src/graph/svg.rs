//! The model as a self-contained SVG, laid out here (no external tool): one box per table
//! (a header with its name, a row per column with its keys and type), in columns by foreign
//! key depth (referenced tables left of the tables that reference them), and one polyline per
//! foreign key between the boxes' sides at the key's rows, with crow's-foot ends. Integer
//! coordinates and a monospace font whose width is estimated per character; everything in
//! sorted order: the same model gives the same bytes.

use std::collections::BTreeMap;

use protocol::er::{Cardinality, ErModel, ErRelationship, ErTable};

use super::display_name;

/// Estimated advance of one character of the 12px monospace font.
const CH: i64 = 8;
const ROW: i64 = 20;
const HEAD: i64 = 26;
const PAD: i64 = 8;
const GAP_X: i64 = 96;
const GAP_Y: i64 = 32;
const MARGIN: i64 = 24;
/// The key column (`PK,FK`).
const KEY_CHARS: i64 = 6;

/// A table's box.
struct Box {
    x: i64,
    y: i64,
    w: i64,
    h: i64,
    layer: usize,
}

impl Box {
    fn right(&self) -> i64 {
        self.x + self.w
    }

    /// The vertical middle of column `i`'s row (the header's without one).
    fn row_y(&self, i: Option<usize>) -> i64 {
        match i {
            Some(i) => self.y + HEAD + ROW * i as i64 + ROW / 2,
            None => self.y + HEAD / 2,
        }
    }
}

pub fn render(model: &ErModel) -> String {
    let index: BTreeMap<String, usize> = model
        .tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.qualified(), i))
        .collect();
    let boxes = layout(model, &index);
    let mut body = String::new();
    let mut width = MARGIN;
    let mut height = MARGIN;
    for (t, b) in model.tables.iter().zip(&boxes) {
        body.push_str(&table(t, b));
        width = width.max(b.right() + MARGIN);
        height = height.max(b.y + b.h + MARGIN);
    }
    for (k, r) in model.relationships.iter().enumerate() {
        let (Some(&from), Some(&to)) = (index.get(&r.from), index.get(&r.to)) else {
            continue;
        };
        let (child, parent) = (
            (&model.tables[from], &boxes[from]),
            (&model.tables[to], &boxes[to]),
        );
        let (group, right) = edge(r, k, child, parent);
        body.push_str(&group);
        width = width.max(right + MARGIN);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"12\">\n<rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n{body}</svg>\n"
    )
}

/// Each table's layer: 0 for tables that reference no other, else one more than the deepest
/// table it references (a reference that closes a cycle is not followed).
fn layers(model: &ErModel, index: &BTreeMap<String, usize>) -> Vec<usize> {
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); model.tables.len()];
    for r in &model.relationships {
        if let (Some(&c), Some(&p)) = (index.get(&r.from), index.get(&r.to))
            && c != p
        {
            parents[c].push(p);
        }
    }
    let mut depth: Vec<Option<usize>> = vec![None; model.tables.len()];
    let mut on_stack = vec![false; model.tables.len()];
    for t in 0..model.tables.len() {
        visit(t, &parents, &mut depth, &mut on_stack);
    }
    depth.into_iter().map(Option::unwrap_or_default).collect()
}

fn visit(t: usize, parents: &[Vec<usize>], depth: &mut [Option<usize>], on: &mut [bool]) -> usize {
    if let Some(d) = depth[t] {
        return d;
    }
    on[t] = true;
    let mut d = 0;
    for &p in &parents[t] {
        if !on[p] {
            d = d.max(visit(p, parents, depth, on) + 1);
        }
    }
    on[t] = false;
    depth[t] = Some(d);
    d
}

fn layout(model: &ErModel, index: &BTreeMap<String, usize>) -> Vec<Box> {
    let layer = layers(model, index);
    let count = layer.iter().copied().max().map_or(0, |m| m + 1);
    let sizes: Vec<(i64, i64)> = model.tables.iter().map(size).collect();
    let mut layer_w = vec![0; count];
    for (i, &(w, _)) in sizes.iter().enumerate() {
        layer_w[layer[i]] = layer_w[layer[i]].max(w);
    }
    let mut layer_x = vec![MARGIN; count];
    for l in 1..count {
        layer_x[l] = layer_x[l - 1] + layer_w[l - 1] + GAP_X;
    }
    let mut next_y = vec![MARGIN; count];
    sizes
        .iter()
        .enumerate()
        .map(|(i, &(w, h))| {
            let l = layer[i];
            let y = next_y[l];
            next_y[l] += h + GAP_Y;
            Box {
                x: layer_x[l],
                y,
                w,
                h,
                layer: l,
            }
        })
        .collect()
}

fn chars(s: &str) -> i64 {
    s.chars().count() as i64
}

/// A table's box size: its widest line, its rows.
fn size(t: &ErTable) -> (i64, i64) {
    let name = chars(display_name(&t.qualified()));
    let names = t.columns.iter().map(|c| chars(&c.name)).max().unwrap_or(0);
    let types = t
        .columns
        .iter()
        .map(|c| chars(&c.type_sql))
        .max()
        .unwrap_or(0);
    let rows = (KEY_CHARS + names + 2 + types) * CH;
    let w = (name * CH).max(rows).max(12 * CH) + 2 * PAD;
    (w, HEAD + ROW * t.columns.len() as i64 + PAD / 2)
}

fn keys(c: &protocol::er::ErColumn) -> String {
    let mut k = Vec::new();
    if c.pk {
        k.push("PK");
    }
    if c.fk {
        k.push("FK");
    }
    if c.unique && !c.pk {
        k.push("UK");
    }
    k.join(",")
}

fn table(t: &ErTable, b: &Box) -> String {
    let q = t.qualified();
    let mut out = format!(
        "<g class=\"table\" data-table=\"{}\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" rx=\"4\" fill=\"#ffffff\" stroke=\"#4a5568\"/>\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{HEAD}\" rx=\"4\" fill=\"#e2e8f0\" stroke=\"#4a5568\"/>\n<text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text>\n",
        esc(&q),
        b.x,
        b.y,
        b.w,
        b.h,
        b.x,
        b.y,
        b.w,
        b.x + PAD,
        b.y + HEAD / 2 + 4,
        esc(display_name(&q))
    );
    let names = t.columns.iter().map(|c| chars(&c.name)).max().unwrap_or(0);
    for (i, c) in t.columns.iter().enumerate() {
        let y = b.row_y(Some(i)) + 4;
        let weight = if c.pk { " font-weight=\"bold\"" } else { "" };
        out.push_str(&format!(
            "<text x=\"{}\" y=\"{y}\" fill=\"#718096\">{}</text><text x=\"{}\" y=\"{y}\"{weight}>{}</text><text x=\"{}\" y=\"{y}\" fill=\"#4a5568\">{}</text>\n",
            b.x + PAD,
            keys(c),
            b.x + PAD + KEY_CHARS * CH,
            esc(&c.name),
            b.x + PAD + (KEY_CHARS + names + 2) * CH,
            esc(&c.type_sql)
        ));
    }
    out.push_str("</g>\n");
    out
}

/// One relationship: its polyline and both ends; returns the group and its rightmost x.
fn edge(
    r: &ErRelationship,
    k: usize,
    (ct, cb): (&ErTable, &Box),
    (pt, pb): (&ErTable, &Box),
) -> (String, i64) {
    let row = |t: &ErTable, name: Option<&String>| {
        name.and_then(|n| t.columns.iter().position(|c| &c.name == n))
    };
    let yc = cb.row_y(row(ct, r.from_columns.first()));
    let yp = pb.row_y(row(pt, r.to_columns.first()));
    let spread = (k % 7) as i64 * 6;
    // Parent left of the child: right side to left side through the gap before the child's
    // layer; otherwise (same layer, a cycle, a self-reference) right side to right side.
    let (xp, dp, xc, dc, mx) = if pb.layer < cb.layer {
        let mx = cb.x - GAP_X / 2 - 18 + spread;
        (pb.right(), 1, cb.x, -1, mx)
    } else {
        let mx = pb.right().max(cb.right()) + 24 + spread;
        (pb.right(), 1, cb.right(), 1, mx)
    };
    let parent_end = if r.optional { End::ZeroOrOne } else { End::One };
    let child_end = match r.cardinality {
        Cardinality::OneToOne => End::ZeroOrOne,
        Cardinality::ManyToOne => End::ZeroOrMany,
    };
    let mut out = format!(
        "<g class=\"relationship\" data-constraint=\"{}\" data-from=\"{}\" data-to=\"{}\">\n<title>{}</title>\n<path class=\"edge\" d=\"M {xp} {yp} L {mx} {yp} L {mx} {yc} L {xc} {yc}\" fill=\"none\" stroke=\"#4a5568\"/>\n",
        esc(&r.constraint),
        esc(&r.from),
        esc(&r.to),
        esc(&format!(
            "{} ({}) -> {} ({})",
            r.constraint,
            r.from_columns.join(", "),
            r.to,
            r.to_columns.join(", ")
        ))
    );
    out.push_str(&parent_end.draw(xp, yp, dp));
    out.push_str(&child_end.draw(xc, yc, dc));
    out.push_str("</g>\n");
    (out, mx.max(xp).max(xc) + 12)
}

/// The end of a relationship line, in crow's-foot notation.
enum End {
    One,
    ZeroOrOne,
    ZeroOrMany,
}

impl End {
    /// Drawn at the box side (`x`, `y`), the line leaving in direction `d` (±1).
    fn draw(&self, x: i64, y: i64, d: i64) -> String {
        let bar = |at: i64| {
            format!(
                "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#4a5568\"/>\n",
                x + d * at,
                y - 6,
                x + d * at,
                y + 6
            )
        };
        let circle = |at: i64| {
            format!(
                "<circle cx=\"{}\" cy=\"{y}\" r=\"4\" fill=\"#ffffff\" stroke=\"#4a5568\"/>\n",
                x + d * at
            )
        };
        match self {
            End::One => format!("{}{}", bar(6), bar(10)),
            End::ZeroOrOne => format!("{}{}", bar(6), circle(14)),
            End::ZeroOrMany => {
                let foot = |dy: i64| {
                    format!(
                        "<line x1=\"{}\" y1=\"{y}\" x2=\"{x}\" y2=\"{}\" stroke=\"#4a5568\"/>\n",
                        x + d * 10,
                        y + dy
                    )
                };
                format!("{}{}{}", foot(-6), foot(6), circle(15))
            }
        }
    }
}

/// Text as XML character data or an attribute value.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}
