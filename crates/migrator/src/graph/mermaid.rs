//! The model as a Mermaid `erDiagram`. Mermaid's grammar is narrow, so names are made to fit:
//! an entity name that is not a plain identifier (another schema's `schema.table`, spaces,
//! quotes) is written in double quotes, without the characters a quoted name cannot hold
//! (`"`, `%`, `\`); attribute types and names may only hold letters, digits and `_`, so
//! `character varying(20)` becomes `varchar_20` and `numeric(10,2)` `numeric_10_2`; a column
//! whose name had to change keeps its real name as the attribute's comment.
//!
//! A foreign key from `child` to `parent` is `parent ||--o{ child`: one parent row (`|o` when
//! a key column is nullable: zero or one), zero or more child rows (`o|` when the key columns
//! are unique or the primary key: zero or one).

use protocol::er::{Cardinality, ErColumn, ErModel, ErRelationship};

use super::display_name;

const INDENT: &str = "    ";

pub fn render(model: &ErModel) -> String {
    let mut out = String::from("erDiagram\n");
    for t in &model.tables {
        let entity = entity(display_name(&t.qualified()));
        if t.columns.is_empty() {
            out.push_str(&format!("{INDENT}{entity}\n"));
            continue;
        }
        out.push_str(&format!("{INDENT}{entity} {{\n"));
        for c in &t.columns {
            out.push_str(&format!("{INDENT}{INDENT}{}\n", attribute(c)));
        }
        out.push_str(&format!("{INDENT}}}\n"));
    }
    for r in &model.relationships {
        out.push_str(&format!("{INDENT}{}\n", relationship(r)));
    }
    out
}

fn relationship(r: &ErRelationship) -> String {
    let parent = if r.optional { "|o" } else { "||" };
    let child = match r.cardinality {
        Cardinality::OneToOne => "o|",
        Cardinality::ManyToOne => "o{",
    };
    format!(
        "{} {parent}--{child} {} : \"{}\"",
        entity(display_name(&r.to)),
        entity(display_name(&r.from)),
        quoted_text(&r.constraint)
    )
}

fn attribute(c: &ErColumn) -> String {
    let name = word(&c.name, "c");
    let mut keys = Vec::new();
    if c.pk {
        keys.push("PK");
    }
    if c.fk {
        keys.push("FK");
    }
    if c.unique && !c.pk {
        keys.push("UK");
    }
    let mut line = format!("{} {name}", word(&short_type(&c.type_sql), "t"));
    if !keys.is_empty() {
        line.push(' ');
        line.push_str(&keys.join(", "));
    }
    if name != c.name {
        line.push_str(&format!(" \"{}\"", quoted_text(&c.name)));
    }
    line
}

/// Words Mermaid's ER grammar reads as its own (keywords, cardinality aliases, keys).
const RESERVED: [&str; 20] = [
    "erdiagram",
    "direction",
    "style",
    "classdef",
    "class",
    "acctitle",
    "accdescr",
    "tb",
    "bt",
    "lr",
    "rl",
    "to",
    "optionally",
    "one",
    "many",
    "only",
    "zero",
    "or",
    "more",
    "u",
];

fn reserved(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    RESERVED.contains(&lower.as_str()) || ["pk", "fk", "uk"].contains(&lower.as_str())
}

/// An entity name: bare when it is a plain identifier, else double-quoted.
fn entity(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !reserved(name);
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", quoted_text(name))
    }
}

/// Text inside Mermaid double quotes: no `"`, `%`, `\` or line breaks.
fn quoted_text(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '"' => '\'',
            '%' | '\\' => '_',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

/// PostgreSQL's long type names in their short forms (`varchar(20)`, `timestamptz`).
fn short_type(t: &str) -> String {
    const SHORT: [(&str, &str); 7] = [
        ("character varying", "varchar"),
        ("timestamp with time zone", "timestamptz"),
        ("timestamp without time zone", "timestamp"),
        ("time with time zone", "timetz"),
        ("time without time zone", "time"),
        ("double precision", "float8"),
        ("bit varying", "varbit"),
    ];
    let mut out = t.to_string();
    for (long, short) in SHORT {
        out = out.replace(long, short);
    }
    out.replace("[]", " array")
}

/// A word of letters, digits and `_` starting with a letter (`prefix_` added when it does
/// not): every other run of characters becomes one `_`.
fn word(s: &str, prefix: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    let out = out.trim_end_matches('_').to_string();
    if out.starts_with(|c: char| c.is_ascii_alphabetic()) && !reserved(&out) {
        out
    } else {
        format!("{prefix}_{}", out.trim_start_matches('_'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_and_types_fit_mermaid() {
        assert_eq!(
            word(&short_type("character varying(20)"), "t"),
            "varchar_20"
        );
        assert_eq!(word(&short_type("numeric(10,2)"), "t"), "numeric_10_2");
        assert_eq!(word(&short_type("integer[]"), "t"), "integer_array");
        assert_eq!(
            word(&short_type("timestamp with time zone"), "t"),
            "timestamptz"
        );
        assert_eq!(word(&short_type("public.\"Mood\""), "t"), "public_Mood");
        assert_eq!(word("1st", "c"), "c_1st");
        assert_eq!(word("user id", "c"), "user_id");
        assert_eq!(word("_x", "c"), "c_x");
        assert_eq!(word("PK", "c"), "c_PK");
        assert_eq!(entity("one"), "\"one\"");
        assert_eq!(entity("users"), "users");
        assert_eq!(entity("Users"), "Users");
        assert_eq!(entity("sales.orders"), "\"sales.orders\"");
        assert_eq!(entity("a \"b\" 100%"), "\"a 'b' 100_\"");
    }
}
