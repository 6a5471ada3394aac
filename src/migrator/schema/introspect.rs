//! Reads a database's schema through pg_catalog into [`Schema`] with a fixed number of queries
//! (one per object kind, never one per table). System schemas, extension-owned objects and
//! `_sqlx_migrations` are left out; object kinds the diff engine cannot express are reported as
//! [`SchemaError::Unsupported`] naming the object, never silently ignored.

use std::collections::{BTreeMap, HashMap};

use sqlx::{PgConnection, Row};

use super::SchemaError;
use super::model::*;

/// Filters a `pg_namespace n` to user schemas.
const USER_NS: &str = "n.nspname NOT IN ('pg_catalog', 'information_schema') \
     AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

/// Filters out objects owned by an extension (`CLASS` is the catalog, `OID` the object's oid).
fn not_ext(class: &str, oid: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '{class}'::regclass \
         AND xd.objid = {oid} AND xd.deptype = 'e')"
    )
}

async fn rows(
    conn: &mut PgConnection,
    what: &str,
    sql: String,
) -> Result<Vec<sqlx::postgres::PgRow>, SchemaError> {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(conn)
        .await
        .map_err(|e| SchemaError::Introspect {
            what: what.to_string(),
            message: e.to_string(),
        })
}

fn get<'r, T>(row: &'r sqlx::postgres::PgRow, i: usize, what: &str) -> Result<T, SchemaError>
where
    T: sqlx::Decode<'r, sqlx::Postgres> + sqlx::Type<sqlx::Postgres>,
{
    row.try_get(i).map_err(|e| SchemaError::Introspect {
        what: what.to_string(),
        message: e.to_string(),
    })
}

/// Reads the whole schema (15 queries). Names in definitions come out schema-qualified: the
/// search_path is empty while reading (as pg_dump does) and restored afterwards.
pub async fn introspect(conn: &mut PgConnection) -> Result<Schema, SchemaError> {
    rows(
        conn,
        "search_path",
        "SELECT set_config('search_path', '', false)".into(),
    )
    .await?;
    let schema = read(conn).await;
    rows(conn, "search_path", "SELECT set_config('search_path', reset_val, false) FROM pg_settings WHERE name = 'search_path'".into()).await?;
    schema
}

async fn read(conn: &mut PgConnection) -> Result<Schema, SchemaError> {
    unsupported(conn).await?;
    let mut s = Schema::default();

    let sql = format!(
        "SELECT n.nspname::text, obj_description(n.oid, 'pg_namespace') FROM pg_namespace n \
         WHERE {USER_NS} AND {}",
        not_ext("pg_namespace", "n.oid")
    );
    for r in rows(conn, "schemas", sql).await? {
        let name: String = get(&r, 0, "schemas")?;
        if let Some(c) = get::<Option<String>>(&r, 1, "schemas")? {
            // The default comment of `public` is not part of anyone's schema.
            if !(name == "public" && c == "standard public schema") {
                s.comments.insert(
                    ObjectRef {
                        kind: "SCHEMA".into(),
                        sql: ident(&name),
                    },
                    c,
                );
            }
        }
        s.schemas.insert(name);
    }

    let sql = "SELECT e.extname::text, n.nspname::text FROM pg_extension e \
               JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"
        .to_string();
    for r in rows(conn, "extensions", sql).await? {
        s.extensions
            .insert(get(&r, 0, "extensions")?, get(&r, 1, "extensions")?);
    }

    let sql = format!(
        "SELECT n.nspname::text, t.typname::text, \
                array_agg(e.enumlabel::text ORDER BY e.enumsortorder), obj_description(t.oid, 'pg_type') \
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
           JOIN pg_enum e ON e.enumtypid = t.oid \
          WHERE {USER_NS} AND {} GROUP BY n.nspname, t.typname, t.oid",
        not_ext("pg_type", "t.oid")
    );
    for r in rows(conn, "enum types", sql).await? {
        let q = QName::new(
            &get::<String>(&r, 0, "enums")?,
            &get::<String>(&r, 1, "enums")?,
        );
        if let Some(c) = get::<Option<String>>(&r, 3, "enums")? {
            s.comments.insert(
                ObjectRef {
                    kind: "TYPE".into(),
                    sql: q.sql(),
                },
                c,
            );
        }
        s.enums.insert(q, get(&r, 2, "enums")?);
    }

    // Tables, views and materialized views, by oid.
    let sql = format!(
        "SELECT c.oid::int8, n.nspname::text, c.relname::text, c.relkind::text, c.relrowsecurity, \
                c.relforcerowsecurity, obj_description(c.oid, 'pg_class'), \
                CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END, \
                array_to_string(c.reloptions, ', ') \
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
          WHERE c.relkind IN ('r', 'v', 'm') AND {USER_NS} AND {} \
            AND c.relname <> '_sqlx_migrations'",
        not_ext("pg_class", "c.oid")
    );
    let mut rels: HashMap<i64, (QName, bool)> = HashMap::new();
    for r in rows(conn, "tables and views", sql).await? {
        let oid: i64 = get(&r, 0, "tables")?;
        let q = QName::new(
            &get::<String>(&r, 1, "tables")?,
            &get::<String>(&r, 2, "tables")?,
        );
        let kind: String = get(&r, 3, "tables")?;
        let comment: Option<String> = get(&r, 6, "tables")?;
        let options: Option<String> = get(&r, 8, "tables")?;
        if kind == "r" {
            if let Some(o) = options.filter(|o| !o.is_empty()) {
                return Err(SchemaError::Unsupported {
                    object: format!("table {q}"),
                    reason: format!("storage parameters WITH ({o}) are not compared"),
                });
            }
            s.tables.insert(
                q.clone(),
                Table {
                    rls_enabled: get(&r, 4, "tables")?,
                    rls_forced: get(&r, 5, "tables")?,
                    comment,
                    ..Table::default()
                },
            );
            rels.insert(oid, (q, true));
        } else {
            let def: Option<String> = get(&r, 7, "views")?;
            let definition = def
                .unwrap_or_default()
                .trim_end()
                .trim_end_matches(';')
                .to_string();
            s.views.insert(
                q.clone(),
                View {
                    materialized: kind == "m",
                    definition,
                    options: options.filter(|o| !o.is_empty()),
                    depends_on: BTreeMap::new(),
                    comment,
                    indexes: BTreeMap::new(),
                },
            );
            rels.insert(oid, (q, false));
        }
    }

    let sql = "SELECT a.attrelid::int8, a.attname::text, format_type(a.atttypid, a.atttypmod), \
                a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity::text, \
                a.attgenerated::text, cn.nspname::text, co.collname::text, \
                col_description(a.attrelid, a.attnum), \
                CASE WHEN sq.seqrelid IS NOT NULL THEN ARRAY['INCREMENT BY ' || sq.seqincrement, \
                     'MINVALUE ' || sq.seqmin, 'MAXVALUE ' || sq.seqmax, 'START WITH ' || sq.seqstart, \
                     'CACHE ' || sq.seqcache, CASE WHEN sq.seqcycle THEN 'CYCLE' ELSE 'NO CYCLE' END] END \
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid AND c.relkind = 'r' \
           LEFT JOIN pg_depend sd ON a.attidentity <> '' AND sd.classid = 'pg_class'::regclass \
                AND sd.refclassid = 'pg_class'::regclass AND sd.refobjid = a.attrelid \
                AND sd.refobjsubid = a.attnum AND sd.deptype = 'i' \
           LEFT JOIN pg_sequence sq ON sq.seqrelid = sd.objid \
           JOIN pg_type t ON t.oid = a.atttypid \
           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
           LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> t.typcollation \
           LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
          WHERE a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attrelid, a.attnum"
        .to_string();
    for r in rows(conn, "columns", sql).await? {
        let Some((q, true)) = rels.get(&get::<i64>(&r, 0, "columns")?) else {
            continue;
        };
        let identity: String = get(&r, 5, "columns")?;
        let generated: String = get(&r, 6, "columns")?;
        let expr: Option<String> = get(&r, 4, "columns")?;
        let coll_ns: Option<String> = get(&r, 7, "columns")?;
        let coll: Option<String> = get(&r, 8, "columns")?;
        let column = Column {
            name: get(&r, 1, "columns")?,
            type_sql: get(&r, 2, "columns")?,
            not_null: get(&r, 3, "columns")?,
            default: if generated.is_empty() {
                expr.clone()
            } else {
                None
            },
            identity: identity.chars().next(),
            identity_options: get(&r, 10, "columns")?,
            generated: if generated.is_empty() { None } else { expr },
            collation: coll_ns.zip(coll).map(|(n, c)| QName::new(&n, &c)),
            comment: get(&r, 9, "columns")?,
        };
        if let Some(t) = s.tables.get_mut(q) {
            t.columns.push(column);
        }
    }

    let sql = "SELECT con.conrelid::int8, con.conname::text, con.contype::text, \
                pg_get_constraintdef(con.oid), fn.nspname::text, fc.relname::text, \
                ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(n, o) \
                      JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.o), \
                obj_description(con.oid, 'pg_constraint') \
           FROM pg_constraint con LEFT JOIN pg_class fc ON fc.oid = con.confrelid \
           LEFT JOIN pg_namespace fn ON fn.oid = fc.relnamespace WHERE con.conrelid <> 0"
        .to_string();
    for r in rows(conn, "constraints", sql).await? {
        let Some((q, true)) = rels.get(&get::<i64>(&r, 0, "constraints")?) else {
            continue;
        };
        let fns: Option<String> = get(&r, 4, "constraints")?;
        let frel: Option<String> = get(&r, 5, "constraints")?;
        let kind: String = get(&r, 2, "constraints")?;
        let c = Constraint {
            kind: kind.chars().next().unwrap_or('?'),
            definition: get(&r, 3, "constraints")?,
            references: fns.zip(frel).map(|(n, t)| QName::new(&n, &t)),
            columns: get(&r, 6, "constraints")?,
            comment: get(&r, 7, "constraints")?,
        };
        if let Some(t) = s.tables.get_mut(q) {
            t.constraints.insert(get(&r, 1, "constraints")?, c);
        }
    }

    let sql = "SELECT i.indrelid::int8, ic.relname::text, pg_get_indexdef(i.indexrelid), \
                ARRAY(SELECT a.attname::text FROM pg_attribute a WHERE a.attrelid = i.indrelid \
                      AND a.attnum = ANY (i.indkey) ORDER BY a.attnum), \
                obj_description(ic.oid, 'pg_class') \
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid \
          WHERE NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid \
                AND con.conrelid = i.indrelid AND con.contype IN ('p', 'u', 'x'))"
        .to_string();
    for r in rows(conn, "indexes", sql).await? {
        let Some((q, is_table)) = rels.get(&get::<i64>(&r, 0, "indexes")?) else {
            continue;
        };
        let name: String = get(&r, 1, "indexes")?;
        let definition: String = get(&r, 2, "indexes")?;
        if *is_table {
            let index = Index {
                definition,
                columns: get(&r, 3, "indexes")?,
                comment: get(&r, 4, "indexes")?,
            };
            if let Some(t) = s.tables.get_mut(q) {
                t.indexes.insert(name, index);
            }
        } else if let Some(v) = s.views.get_mut(q) {
            v.indexes.insert(name, definition);
        }
    }

    let sql = "SELECT DISTINCT r.ev_class::int8, rn.nspname::text, rc.relname::text, a.attname::text \
           FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass \
                AND d.objid = r.oid AND d.refclassid = 'pg_class'::regclass \
           JOIN pg_class rc ON rc.oid = d.refobjid JOIN pg_namespace rn ON rn.oid = rc.relnamespace \
           LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
                AND d.refobjsubid > 0 \
          WHERE d.refobjid <> r.ev_class ORDER BY 1, 2, 3, 4"
        .to_string();
    for r in rows(conn, "view dependencies", sql).await? {
        let Some((q, false)) = rels.get(&get::<i64>(&r, 0, "view deps")?) else {
            continue;
        };
        let dep = QName::new(
            &get::<String>(&r, 1, "view deps")?,
            &get::<String>(&r, 2, "view deps")?,
        );
        let col: Option<String> = get(&r, 3, "view deps")?;
        if let Some(v) = s.views.get_mut(q) {
            let cols = v.depends_on.entry(dep).or_default();
            if let Some(c) = col {
                cols.insert(c);
            }
        }
    }

    let sql = format!(
        "SELECT n.nspname::text, c.relname::text, format_type(sq.seqtypid, NULL), sq.seqstart, \
                sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle, \
                tn.nspname::text, tc.relname::text, ta.attname::text, obj_description(c.oid, 'pg_class') \
           FROM pg_sequence sq JOIN pg_class c ON c.oid = sq.seqrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 \
           LEFT JOIN pg_class tc ON tc.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace \
           LEFT JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid \
          WHERE {USER_NS} AND {} AND (d.deptype IS NULL OR d.deptype = 'a')",
        not_ext("pg_class", "c.oid")
    );
    for r in rows(conn, "sequences", sql).await? {
        let q = QName::new(
            &get::<String>(&r, 0, "sequences")?,
            &get::<String>(&r, 1, "sequences")?,
        );
        let tn: Option<String> = get(&r, 9, "sequences")?;
        let tc: Option<String> = get(&r, 10, "sequences")?;
        let ta: Option<String> = get(&r, 11, "sequences")?;
        let owned_by = match (tn, tc, ta) {
            (Some(n), Some(t), Some(a)) => Some((QName::new(&n, &t), a)),
            _ => None,
        };
        if let Some(c) = get::<Option<String>>(&r, 12, "sequences")? {
            s.comments.insert(
                ObjectRef {
                    kind: "SEQUENCE".into(),
                    sql: q.sql(),
                },
                c,
            );
        }
        s.sequences.insert(
            q,
            Sequence {
                data_type: get(&r, 2, "sequences")?,
                start: get(&r, 3, "sequences")?,
                increment: get(&r, 4, "sequences")?,
                min: get(&r, 5, "sequences")?,
                max: get(&r, 6, "sequences")?,
                cache: get(&r, 7, "sequences")?,
                cycle: get(&r, 8, "sequences")?,
                owned_by,
            },
        );
    }

    let sql = format!(
        "SELECT n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), \
                p.prokind::text, pg_get_functiondef(p.oid), \
                coalesce(pg_get_function_result(p.oid), ''), obj_description(p.oid, 'pg_proc') \
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
          WHERE {USER_NS} AND {} AND p.prokind IN ('f', 'p')",
        not_ext("pg_proc", "p.oid")
    );
    for r in rows(conn, "functions", sql).await? {
        let q = QName::new(
            &get::<String>(&r, 0, "functions")?,
            &get::<String>(&r, 1, "functions")?,
        );
        let args: String = get(&r, 2, "functions")?;
        let kind = if get::<String>(&r, 3, "functions")? == "p" {
            "PROCEDURE"
        } else {
            "FUNCTION"
        };
        let signature = format!("{}({args})", q.sql());
        if let Some(c) = get::<Option<String>>(&r, 6, "functions")? {
            s.comments.insert(
                ObjectRef {
                    kind: kind.into(),
                    sql: signature.clone(),
                },
                c,
            );
        }
        s.functions.insert(
            format!("{q}({args})"),
            Function {
                definition: get::<String>(&r, 4, "functions")?.trim_end().to_string(),
                kind: kind.into(),
                signature,
                result: get(&r, 5, "functions")?,
            },
        );
    }

    let sql = "SELECT t.tgrelid::int8, t.tgname::text, pg_get_triggerdef(t.oid), \
                p.oid::regprocedure::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
          WHERE NOT t.tgisinternal"
        .to_string();
    for r in rows(conn, "triggers", sql).await? {
        let name: String = get(&r, 1, "triggers")?;
        match rels.get(&get::<i64>(&r, 0, "triggers")?) {
            Some((q, true)) => {
                let trigger = Trigger {
                    definition: get(&r, 2, "triggers")?,
                    function: get(&r, 3, "triggers")?,
                };
                if let Some(t) = s.tables.get_mut(q) {
                    t.triggers.insert(name, trigger);
                }
            }
            Some((q, false)) => {
                return Err(SchemaError::Unsupported {
                    object: format!("trigger {name} on view {q}"),
                    reason: "triggers on views are not supported".into(),
                });
            }
            None => {}
        }
    }

    let sql = "SELECT pol.polrelid::int8, pol.polname::text, pol.polpermissive, pol.polcmd::text, \
                ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END \
                      FROM unnest(pol.polroles) r ORDER BY 1), \
                pg_get_expr(pol.polqual, pol.polrelid), pg_get_expr(pol.polwithcheck, pol.polrelid) \
           FROM pg_policy pol"
        .to_string();
    for r in rows(conn, "policies", sql).await? {
        let Some((q, true)) = rels.get(&get::<i64>(&r, 0, "policies")?) else {
            continue;
        };
        let cmd: String = get(&r, 3, "policies")?;
        let command = match cmd.as_str() {
            "r" => "SELECT",
            "a" => "INSERT",
            "w" => "UPDATE",
            "d" => "DELETE",
            _ => "ALL",
        };
        let policy = Policy {
            permissive: get(&r, 2, "policies")?,
            command: command.into(),
            roles: get(&r, 4, "policies")?,
            using: get(&r, 5, "policies")?,
            with_check: get(&r, 6, "policies")?,
        };
        if let Some(t) = s.tables.get_mut(q) {
            t.policies.insert(get(&r, 1, "policies")?, policy);
        }
    }
    Ok(s)
}

/// One query listing every object of a kind the engine cannot express; the first one found
/// becomes an error naming it.
async fn unsupported(conn: &mut PgConnection) -> Result<(), SchemaError> {
    let sql = format!(
        "SELECT kind, name, reason FROM ( \
           SELECT 'type' AS kind, n.nspname || '.' || t.typname AS name, \
                  CASE t.typtype WHEN 'd' THEN 'domains' WHEN 'r' THEN 'range types' \
                       WHEN 'm' THEN 'multirange types' ELSE 'composite types' END || ' are not supported' AS reason \
             FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
            WHERE {USER_NS} AND {} AND (t.typtype IN ('d', 'r', 'm') \
                  OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c'))) \
           UNION ALL \
           SELECT 'table', n.nspname || '.' || c.relname, \
                  CASE c.relkind WHEN 'p' THEN 'partitioned tables are not supported' \
                       WHEN 'f' THEN 'foreign tables are not supported' \
                       ELSE 'unlogged tables are not supported' END \
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE {USER_NS} AND {} AND (c.relkind IN ('p', 'f') OR (c.relkind = 'r' AND c.relpersistence = 'u')) \
           UNION ALL \
           SELECT 'table', n.nspname || '.' || c.relname, 'table inheritance / partitions are not supported' \
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace \
           UNION ALL \
           SELECT 'function', n.nspname || '.' || p.proname, 'aggregates and window functions are not supported' \
             FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
            WHERE {USER_NS} AND {} AND p.prokind IN ('a', 'w') \
           UNION ALL \
           SELECT 'rule', r.rulename::text, 'rules are not supported' FROM pg_rewrite r \
             JOIN pg_class c ON c.oid = r.ev_class JOIN pg_namespace n ON n.oid = c.relnamespace \
            WHERE {USER_NS} AND r.rulename <> '_RETURN' \
           UNION ALL \
           SELECT 'event trigger', evtname::text, 'event triggers are not supported' FROM pg_event_trigger \
           UNION ALL \
           SELECT 'statistics', n.nspname || '.' || s.stxname, 'extended statistics are not supported' \
             FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace WHERE {USER_NS} \
           UNION ALL \
           SELECT 'collation', n.nspname || '.' || c.collname, 'user-defined collations are not supported' \
             FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace \
            WHERE {USER_NS} AND {} \
           UNION ALL \
           SELECT 'operator', n.nspname || '.' || o.oprname, 'user-defined operators are not supported' \
             FROM pg_operator o JOIN pg_namespace n ON n.oid = o.oprnamespace \
            WHERE {USER_NS} AND {} \
           UNION ALL \
           SELECT 'publication', pubname::text, 'publications are not supported' FROM pg_publication \
           UNION ALL \
           SELECT 'foreign server', srvname::text, 'foreign servers are not supported' FROM pg_foreign_server \
           UNION ALL \
           SELECT 'text search configuration', n.nspname || '.' || c.cfgname, 'text search configurations are not supported' \
             FROM pg_ts_config c JOIN pg_namespace n ON n.oid = c.cfgnamespace \
            WHERE {USER_NS} AND {} \
           UNION ALL \
           SELECT 'comment', CASE WHEN d.classoid = 'pg_trigger'::regclass THEN 'on trigger ' ELSE 'on policy ' END \
                  || d.objoid::text, 'comments on triggers and policies are not supported' \
             FROM pg_description d WHERE d.classoid IN ('pg_trigger'::regclass, 'pg_policy'::regclass) \
         ) u ORDER BY 1, 2 LIMIT 1",
        not_ext("pg_type", "t.oid"),
        not_ext("pg_class", "c.oid"),
        not_ext("pg_proc", "p.oid"),
        not_ext("pg_collation", "c.oid"),
        not_ext("pg_operator", "o.oid"),
        not_ext("pg_ts_config", "c.oid"),
    );
    if let Some(r) = rows(conn, "unsupported objects", sql).await?.first() {
        let kind: String = get(r, 0, "unsupported")?;
        let name: String = get(r, 1, "unsupported")?;
        return Err(SchemaError::Unsupported {
            object: format!("{kind} {name}"),
            reason: get(r, 2, "unsupported")?,
        });
    }
    Ok(())
}
