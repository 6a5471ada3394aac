//! Pure: the entity-relationship model of a [`Schema`] (tables, their keys, the relationships
//! their foreign keys make) and its two renderings, [`mermaid`] and [`svg`]. Everything is
//! walked in sorted order, so the same schema gives the same bytes.

pub mod mermaid;
pub mod svg;

use std::collections::BTreeSet;

use protocol::er::{Cardinality, ErColumn, ErModel, ErRelationship, ErTable};

use crate::schema::model::{Schema, Table};

/// The model of every table (partitions are drawn as their parent) and every foreign key.
pub fn model(schema: &Schema) -> ErModel {
    let mut tables = Vec::new();
    let mut relationships = Vec::new();
    for (q, t) in schema
        .tables
        .iter()
        .filter(|(_, t)| t.partition_of.is_none())
    {
        let pk = key_columns(t, 'p');
        let fk: BTreeSet<&str> = t
            .constraints
            .values()
            .filter(|c| c.kind == 'f')
            .flat_map(|c| c.columns.iter().map(String::as_str))
            .collect();
        let unique_sets = unique_sets(t);
        let columns = t
            .columns
            .iter()
            .map(|c| ErColumn {
                name: c.name.clone(),
                type_sql: c.type_sql.clone(),
                nullable: !c.not_null,
                pk: pk.contains(c.name.as_str()),
                unique: unique_sets.contains(&BTreeSet::from([c.name.as_str()])),
                fk: fk.contains(c.name.as_str()),
            })
            .collect();
        tables.push(ErTable {
            schema: q.schema.clone(),
            name: q.name.clone(),
            columns,
        });
        for (name, c) in &t.constraints {
            let Some(to) = c.references.as_ref().filter(|_| c.kind == 'f') else {
                continue;
            };
            let cols: BTreeSet<&str> = c.columns.iter().map(String::as_str).collect();
            let one = (!pk.is_empty() && cols == pk) || unique_sets.contains(&cols);
            let optional = c
                .columns
                .iter()
                .any(|n| t.column(n).is_none_or(|col| !col.not_null));
            relationships.push(ErRelationship {
                from: q.to_string(),
                from_columns: c.columns.clone(),
                to: to.to_string(),
                to_columns: c.ref_columns.clone(),
                constraint: name.clone(),
                cardinality: if one {
                    Cardinality::OneToOne
                } else {
                    Cardinality::ManyToOne
                },
                optional,
            });
        }
    }
    relationships.sort();
    ErModel {
        tables,
        relationships,
    }
}

/// The columns of the table's first constraint of `kind` (its primary key for `p`).
fn key_columns(t: &Table, kind: char) -> BTreeSet<&str> {
    t.constraints
        .values()
        .find(|c| c.kind == kind)
        .map(|c| c.columns.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// Column sets that are unique: unique constraints and unique indexes that are not partial
/// and cover columns only.
fn unique_sets(t: &Table) -> BTreeSet<BTreeSet<&str>> {
    let constraints = t
        .constraints
        .values()
        .filter(|c| c.kind == 'u')
        .map(|c| c.columns.iter().map(String::as_str).collect());
    let indexes = t
        .indexes
        .values()
        .filter(|i| {
            i.definition.starts_with("CREATE UNIQUE INDEX") && !i.definition.contains(" WHERE ")
        })
        .filter(|i| !i.columns.is_empty() && !i.definition.contains("(("))
        .map(|i| i.columns.iter().map(String::as_str).collect());
    constraints.chain(indexes).collect()
}

/// The name a diagram shows: `name` in `public`, `schema.name` elsewhere.
pub fn display_name(qualified: &str) -> &str {
    qualified.strip_prefix("public.").unwrap_or(qualified)
}

#[cfg(test)]
pub(crate) mod tests;
