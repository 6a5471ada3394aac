//! The entity-relationship model `graph` draws, as data: tables with their columns and keys,
//! and the relationships their foreign keys make. The migrator builds it from its schema
//! model and renders it (Mermaid, SVG); it travels to admin inside [`Outcome::Graph`].
//!
//! [`Outcome::Graph`]: crate::results::Outcome::Graph

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::results::Line;
use crate::text::{FileRef, Names};

/// Tables sorted by (schema, name), relationships by (from, constraint name): the same
/// schema always gives the same model.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErModel {
    pub tables: Vec<ErTable>,
    pub relationships: Vec<ErRelationship>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ErTable {
    pub schema: String,
    pub name: String,
    /// In the table's column order.
    pub columns: Vec<ErColumn>,
}

impl ErTable {
    /// `schema.name` (unquoted, as stored in the catalog).
    pub fn qualified(&self) -> String {
        format!("{}.{}", self.schema, self.name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ErColumn {
    pub name: String,
    /// As PostgreSQL formats it (`character varying(20)`, `numeric(10,2)`).
    #[serde(rename = "type")]
    pub type_sql: String,
    pub nullable: bool,
    /// Part of the primary key.
    pub pk: bool,
    /// Unique on its own (a one-column unique constraint or unique index).
    pub unique: bool,
    /// Part of a foreign key.
    pub fk: bool,
}

/// How many rows of `from` one row of `to` has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cardinality {
    /// The foreign key's columns are not unique: many rows may reference one.
    ManyToOne,
    /// The foreign key's columns are the primary key or unique: at most one row references one.
    OneToOne,
}

impl Cardinality {
    pub fn label(self) -> &'static str {
        match self {
            Cardinality::ManyToOne => "many-to-one",
            Cardinality::OneToOne => "one-to-one",
        }
    }
}

/// One foreign key: `from` (the referencing table) → `to` (the referenced one).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ErRelationship {
    /// `schema.name` of the referencing table.
    pub from: String,
    pub from_columns: Vec<String>,
    /// `schema.name` of the referenced table.
    pub to: String,
    pub to_columns: Vec<String>,
    /// The constraint's name.
    pub constraint: String,
    pub cardinality: Cardinality,
    /// A foreign key column is nullable: a `from` row may reference nothing.
    pub optional: bool,
}

impl ErModel {
    /// The model as `--format json` shows it.
    pub fn json(&self) -> serde_json::Value {
        json!({
            "tables": self.tables.iter().map(|t| json!({
                "name": t.qualified(),
                "schema": t.schema,
                "table": t.name,
                "columns": t.columns.iter().map(|c| json!({
                    "name": c.name,
                    "type": c.type_sql,
                    "nullable": c.nullable,
                    "pk": c.pk,
                    "unique": c.unique,
                    "fk": c.fk,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "relationships": self.relationships.iter().map(|r| json!({
                "constraint": r.constraint,
                "from": r.from,
                "from_columns": r.from_columns,
                "to": r.to,
                "to_columns": r.to_columns,
                "cardinality": r.cardinality.label(),
                "optional": r.optional,
            })).collect::<Vec<_>>(),
        })
    }
}

impl ErModel {
    /// `Outcome::Graph` as JSON: the model, where it comes from, the text, where it went.
    pub fn outcome_json(
        &self,
        source: Option<&FileRef>,
        format: &str,
        text: &str,
        file: Option<&FileRef>,
        names: &dyn Names,
    ) -> serde_json::Value {
        let mut v = self.json();
        v["source"] = json!(source.map_or_else(|| "database".into(), |f| names.file(f)));
        v["format"] = json!(format);
        v["text"] = json!(text);
        v["file"] = json!(file.map(|f| names.file(f)));
        v
    }

    /// `Outcome::Graph` as text: the diagram as data, or where it was written.
    pub fn outcome_text(
        &self,
        source: Option<&FileRef>,
        format: &str,
        text: &str,
        file: Option<&FileRef>,
        names: &dyn Names,
    ) -> Vec<Line> {
        let Some(f) = file else {
            return vec![Line::Data(text.trim_end_matches('\n').to_string())];
        };
        vec![
            Line::Status(format!(
                "Wrote the ER diagram of {} ({} table(s), {} relationship(s), {format}):",
                source.map_or_else(|| "the database".into(), |s| names.file(s)),
                self.tables.len(),
                self.relationships.len()
            )),
            Line::Data(names.file(f)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::results::Outcome;
    use crate::text::{Base, MigratorNames};

    fn model() -> ErModel {
        let col = |name: &str, pk: bool| ErColumn {
            name: name.into(),
            type_sql: "bigint".into(),
            nullable: !pk,
            pk,
            unique: false,
            fk: !pk,
        };
        ErModel {
            tables: vec![ErTable {
                schema: "public".into(),
                name: "users".into(),
                columns: vec![col("id", true), col("boss_id", false)],
            }],
            relationships: vec![ErRelationship {
                from: "public.users".into(),
                from_columns: vec!["boss_id".into()],
                to: "public.users".into(),
                to_columns: vec!["id".into()],
                constraint: "users_boss_id_fkey".into(),
                cardinality: Cardinality::ManyToOne,
                optional: true,
            }],
        }
    }

    #[test]
    fn a_graph_round_trips_and_renders_as_data_or_as_a_written_file() {
        let printed = Outcome::Graph {
            source: None,
            format: "mermaid".into(),
            model: model(),
            text: "erDiagram\n    users\n".into(),
            file: None,
        };
        let json = serde_json::to_string(&printed).unwrap_or_default();
        assert_eq!(
            serde_json::from_str::<Outcome>(&json).ok(),
            Some(printed.clone())
        );
        assert_eq!(
            printed.text(&MigratorNames),
            vec![Line::Data("erDiagram\n    users".into())]
        );
        let v = printed.json(&MigratorNames);
        assert_eq!(v["source"], "database");
        assert_eq!(v["tables"][0]["name"], "public.users");
        assert_eq!(v["tables"][0]["columns"][1]["nullable"], true);
        assert_eq!(v["relationships"][0]["cardinality"], "many-to-one");
        assert_eq!(v["relationships"][0]["to_columns"][0], "id");
        assert_eq!(v["text"], "erDiagram\n    users\n");
        assert_eq!(v["file"], serde_json::Value::Null);

        let written = Outcome::Graph {
            source: Some(FileRef::new(Base::Schema, "schema.sql", "/app/schema.sql")),
            format: "svg".into(),
            model: model(),
            text: "<svg/>".into(),
            file: Some(FileRef::new(Base::Output, "er.svg", "docs/er.svg")),
        };
        let text = written.text(&MigratorNames);
        assert!(
            matches!(&text[0], Line::Status(s) if s.starts_with("Wrote the ER diagram of /app/schema.sql (1 table(s), 1 relationship(s), svg):"))
        );
        assert_eq!(text[1], Line::Data("docs/er.svg".into()));
        let v = written.json(&MigratorNames);
        assert_eq!(
            (v["source"].clone(), v["file"].clone()),
            (json!("/app/schema.sql"), json!("docs/er.svg"))
        );
    }
}
