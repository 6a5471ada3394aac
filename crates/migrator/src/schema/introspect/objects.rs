//! Schemas, extensions, collations, types (enum, domain, composite, range), sequences,
//! functions and aggregates, extended statistics.

use super::{Ids, Query, Reads, USER_NS, acl, described, get, granted, not_ext, remember};
use crate::schema::SchemaError;
use crate::schema::model::*;

const SCHEMAS: &str = "schemas";
const EXTENSIONS: &str = "extensions";
const COLLATIONS: &str = "collations";
const TYPES: &str = "types";
const DOMAIN_CONSTRAINTS: &str = "domain constraints";
const SEQUENCES: &str = "sequences";
const FUNCTIONS: &str = "functions";
const STATISTICS: &str = "statistics";
const DEFAULT_PRIVILEGES: &str = "default privileges";

/// The catalog reads of this module (sent together, see [`super::fetch`]).
pub(super) fn queries() -> Vec<Query> {
    vec![
        (SCHEMAS, schemas_sql()),
        (EXTENSIONS, extensions_sql()),
        (COLLATIONS, collations_sql()),
        (TYPES, types_sql()),
        (DOMAIN_CONSTRAINTS, domain_constraints_sql()),
        (SEQUENCES, sequences_sql()),
        (FUNCTIONS, functions_sql()),
        (STATISTICS, statistics_sql()),
        (DEFAULT_PRIVILEGES, default_privileges_sql()),
    ]
}

fn schemas_sql() -> String {
    format!(
        "SELECT n.oid::int8, n.nspname::text, obj_description(n.oid, 'pg_namespace'), {} \
           FROM pg_namespace n WHERE {USER_NS} AND {}",
        granted("n.nspacl", "n.nspowner"),
        not_ext("pg_namespace", "n.oid")
    )
}

fn extensions_sql() -> String {
    "SELECT e.oid::int8, e.extname::text, n.nspname::text, \
                      obj_description(e.oid, 'pg_extension') FROM pg_extension e \
               JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname <> 'plpgsql'"
        .to_string()
}

fn collations_sql() -> String {
    format!(
        "SELECT c.oid::int8, n.nspname::text, c.collname::text, c.collprovider::text, \
                c.collisdeterministic, to_jsonb(c) ->> 'collcollate', to_jsonb(c) ->> 'collctype', \
                coalesce(to_jsonb(c) ->> 'colliculocale', to_jsonb(c) ->> 'colllocale'), \
                to_jsonb(c) ->> 'collicurules', obj_description(c.oid, 'pg_collation') \
           FROM pg_collation c JOIN pg_namespace n ON n.oid = c.collnamespace \
          WHERE {USER_NS} AND {}",
        not_ext("pg_collation", "c.oid")
    )
}

fn types_sql() -> String {
    format!(
        "SELECT t.oid::int8, n.nspname::text, t.typname::text, t.typtype::text, t.typarray::int8, \
                ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder), \
                CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, \
                t.typdefault, t.typnotnull, \
                CASE WHEN t.typcollation <> bt.typcollation OR (t.typtype <> 'd' AND t.typcollation <> 0) \
                     THEN cn.nspname::text END, \
                CASE WHEN t.typcollation <> bt.typcollation OR (t.typtype <> 'd' AND t.typcollation <> 0) \
                     THEN co.collname::text END, \
                format_type(rg.rngsubtype, NULL), \
                CASE WHEN rg.rngsubopc IS NOT NULL AND NOT opc.opcdefault THEN opcn.nspname || '.' || opc.opcname END, \
                rcn.nspname::text, rco.collname::text, \
                nullif(rg.rngcanonical::regproc::text, '-'), nullif(rg.rngsubdiff::regproc::text, '-'), \
                mn.nspname::text, mt.typname::text, rg.rngmultitypid::int8, \
                obj_description(t.oid, 'pg_type'), {} \
           FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
           LEFT JOIN pg_type bt ON bt.oid = t.typbasetype \
           LEFT JOIN pg_collation co ON co.oid = t.typcollation LEFT JOIN pg_namespace cn ON cn.oid = co.collnamespace \
           LEFT JOIN pg_range rg ON rg.rngtypid = t.oid \
           LEFT JOIN pg_opclass opc ON opc.oid = rg.rngsubopc LEFT JOIN pg_namespace opcn ON opcn.oid = opc.opcnamespace \
           LEFT JOIN pg_collation rco ON rco.oid = rg.rngcollation AND rg.rngcollation <> \
                (SELECT st.typcollation FROM pg_type st WHERE st.oid = rg.rngsubtype) \
           LEFT JOIN pg_namespace rcn ON rcn.oid = rco.collnamespace \
           LEFT JOIN pg_type mt ON mt.oid = rg.rngmultitypid LEFT JOIN pg_namespace mn ON mn.oid = mt.typnamespace \
          WHERE {USER_NS} AND (t.typtype IN ('e', 'd', 'r') \
                OR (t.typtype = 'c' AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = t.typrelid AND c.relkind = 'c')))",
        acl(
            "coalesce(t.typacl, acldefault('T', t.typowner))",
            "t.typowner"
        ),
    )
}

fn domain_constraints_sql() -> String {
    "SELECT con.oid::int8, n.nspname::text, t.typname::text, con.conname::text, \
                      pg_get_constraintdef(con.oid), obj_description(con.oid, 'pg_constraint') \
                 FROM pg_constraint con JOIN pg_type t ON t.oid = con.contypid \
                 JOIN pg_namespace n ON n.oid = t.typnamespace \
                WHERE con.contypid <> 0 AND con.contype = 'c'"
        .to_string()
}

fn sequences_sql() -> String {
    format!(
        "SELECT n.nspname::text, c.relname::text, format_type(sq.seqtypid, NULL), sq.seqstart, \
                sq.seqincrement, sq.seqmin, sq.seqmax, sq.seqcache, sq.seqcycle, \
                tn.nspname::text, tc.relname::text, ta.attname::text, ds.description, \
                c.oid::int8, c.relpersistence = 'u', {}, d.deptype IS NOT DISTINCT FROM 'i' \
           FROM pg_sequence sq JOIN pg_class c ON c.oid = sq.seqrelid \
           JOIN pg_namespace n ON n.oid = c.relnamespace \
           LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = c.oid \
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0 \
           LEFT JOIN pg_class tc ON tc.oid = d.refobjid LEFT JOIN pg_namespace tn ON tn.oid = tc.relnamespace \
           LEFT JOIN pg_attribute ta ON ta.attrelid = d.refobjid AND ta.attnum = d.refobjsubid {} \
          WHERE {USER_NS} AND {}",
        granted("c.relacl", "c.relowner"),
        described("ds", "c.oid", "pg_class", "0"),
        not_ext("pg_class", "c.oid")
    )
}

fn functions_sql() -> String {
    format!(
        "SELECT p.oid::int8, n.nspname::text, p.proname::text, pg_get_function_identity_arguments(p.oid), \
                p.prokind::text, CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) END, \
                coalesce(pg_get_function_result(p.oid), ''), obj_description(p.oid, 'pg_proc'), \
                pg_get_function_arguments(p.oid), {}, \
                a.aggkind::text, a.aggtransfn::regproc::text, nullif(a.aggfinalfn::regproc::text, '-'), \
                nullif(a.aggcombinefn::regproc::text, '-'), nullif(a.aggserialfn::regproc::text, '-'), \
                nullif(a.aggdeserialfn::regproc::text, '-'), nullif(a.aggmtransfn::regproc::text, '-'), \
                nullif(a.aggminvtransfn::regproc::text, '-'), nullif(a.aggmfinalfn::regproc::text, '-'), \
                a.aggfinalextra, a.aggmfinalextra, a.aggfinalmodify::text, a.aggmfinalmodify::text, \
                CASE WHEN a.aggsortop <> 0 THEN a.aggsortop::regoperator::text END, \
                format_type(a.aggtranstype, NULL), a.aggtransspace, \
                CASE WHEN a.aggmtranstype <> 0 THEN format_type(a.aggmtranstype, NULL) END, a.aggmtransspace, \
                a.agginitval, a.aggminitval, p.proparallel::text, \
                (SELECT d.refobjid::int8 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass \
                  AND d.objid = p.oid AND d.refclassid = 'pg_type'::regclass AND d.deptype = 'i' LIMIT 1) \
           FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
           LEFT JOIN pg_aggregate a ON a.aggfnoid = p.oid \
          WHERE {USER_NS} AND {}",
        acl(
            "coalesce(p.proacl, acldefault('f', p.proowner))",
            "p.proowner"
        ),
        not_ext("pg_proc", "p.oid")
    )
}

fn statistics_sql() -> String {
    format!(
        "SELECT st.oid::int8, n.nspname::text, st.stxname::text, pg_get_statisticsobjdef(st.oid), \
                CASE WHEN coalesce(st.stxstattarget, -1) >= 0 THEN st.stxstattarget::int4 END, \
                obj_description(st.oid, 'pg_statistic_ext') \
           FROM pg_statistic_ext st JOIN pg_namespace n ON n.oid = st.stxnamespace \
          WHERE {USER_NS} AND {}",
        not_ext("pg_statistic_ext", "st.oid")
    )
}

fn default_privileges_sql() -> String {
    format!(
        "SELECT CASE WHEN d.defaclrole = (SELECT r.oid FROM pg_roles r WHERE r.rolname = current_user) \
                     THEN NULL ELSE pg_get_userbyid(d.defaclrole)::text END, \
                n.nspname::text, d.defaclobjtype::text, {} \
           FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace",
        acl("d.defaclacl", "d.defaclrole")
    )
}

pub(super) fn schemas(reads: &mut Reads, s: &mut Schema, ids: &mut Ids) -> Result<(), SchemaError> {
    for r in reads.take(SCHEMAS)? {
        let name: String = get(&r, 1, "schemas")?;
        let obj = Obj::Schema(name.clone());
        ids.add("pg_namespace", get(&r, 0, "schemas")?, 0, obj.clone());
        // The default comment of `public` is not part of anyone's schema.
        let comment = get::<Option<String>>(&r, 2, "schemas")?
            .filter(|c| !(name == "public" && c == "standard public schema"));
        remember(s, &obj, comment, Some(get(&r, 3, "schemas")?));
        s.schemas.insert(name);
    }
    Ok(())
}

pub(super) fn extensions(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<(), SchemaError> {
    for r in reads.take(EXTENSIONS)? {
        let name: String = get(&r, 1, "extensions")?;
        let obj = Obj::Extension(name.clone());
        ids.add("pg_extension", get(&r, 0, "extensions")?, 0, obj.clone());
        remember(s, &obj, get(&r, 3, "extensions")?, None);
        s.extensions.insert(name, get(&r, 2, "extensions")?);
    }
    Ok(())
}

pub(super) fn collations(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<(), SchemaError> {
    for r in reads.take(COLLATIONS)? {
        let q = QName::new(
            &get::<String>(&r, 1, "collations")?,
            &get::<String>(&r, 2, "collations")?,
        );
        let provider: String = get(&r, 3, "collations")?;
        let deterministic: bool = get(&r, 4, "collations")?;
        let collate: Option<String> = get(&r, 5, "collations")?;
        let ctype: Option<String> = get(&r, 6, "collations")?;
        let icu: Option<String> = get(&r, 7, "collations")?;
        let rules: Option<String> = get(&r, 8, "collations")?;
        let mut parts = vec![format!(
            "provider = {}",
            match provider.as_str() {
                "i" => "icu",
                "c" => "libc",
                _ => "default",
            }
        )];
        match (provider.as_str(), icu, collate, ctype) {
            ("i", Some(l), _, _) => parts.push(format!("locale = {}", literal(&l))),
            (_, _, Some(a), Some(b)) if a == b => parts.push(format!("locale = {}", literal(&a))),
            (_, _, a, b) => {
                if let Some(a) = a {
                    parts.push(format!("lc_collate = {}", literal(&a)));
                }
                if let Some(b) = b {
                    parts.push(format!("lc_ctype = {}", literal(&b)));
                }
            }
        }
        if let Some(rules) = rules {
            parts.push(format!("rules = {}", literal(&rules)));
        }
        if !deterministic {
            parts.push("deterministic = false".into());
        }
        let obj = Obj::Collation(q.clone());
        ids.add("pg_collation", get(&r, 0, "collations")?, 0, obj.clone());
        remember(s, &obj, get(&r, 9, "collations")?, None);
        s.collations.insert(
            q,
            Collation {
                definition: format!("({})", parts.join(", ")),
            },
        );
    }
    Ok(())
}

/// The collation of `o` as a name, when it is not the default of the type.
fn collation(ns: Option<String>, name: Option<String>) -> Option<QName> {
    ns.zip(name).map(|(n, c)| QName::new(&n, &c))
}

/// Enum, domain, range and standalone composite types (composite attributes come with the
/// columns query). Array and multirange types map to their element / range type.
pub(super) fn types(reads: &mut Reads, s: &mut Schema, ids: &mut Ids) -> Result<(), SchemaError> {
    for r in reads.take(TYPES)? {
        let w = "types";
        if ids.is_ext_member("pg_type", get(&r, 0, w)?) {
            continue;
        }
        let q = QName::new(&get::<String>(&r, 1, w)?, &get::<String>(&r, 2, w)?);
        let kind: String = get(&r, 3, w)?;
        let obj = Obj::Type(q.clone());
        ids.add("pg_type", get(&r, 0, w)?, 0, obj.clone());
        ids.add("pg_type", get(&r, 4, w)?, 0, obj.clone());
        let coll = collation(get(&r, 9, w)?, get(&r, 10, w)?);
        let def = match kind.as_str() {
            "e" => TypeDef::Enum(get(&r, 5, w)?),
            "d" => TypeDef::Domain(Domain {
                base: get::<Option<String>>(&r, 6, w)?.unwrap_or_default(),
                default: get(&r, 7, w)?,
                not_null: get(&r, 8, w)?,
                collation: coll,
                constraints: Default::default(),
            }),
            "r" => {
                let multi = QName::new(
                    &get::<Option<String>>(&r, 17, w)?.unwrap_or_default(),
                    &get::<Option<String>>(&r, 18, w)?.unwrap_or_default(),
                );
                ids.add("pg_type", get(&r, 19, w)?, 0, obj.clone());
                let default_multi = default_multirange_name(&q.name);
                TypeDef::Range(RangeType {
                    subtype: get::<Option<String>>(&r, 11, w)?.unwrap_or_default(),
                    opclass: get(&r, 12, w)?,
                    collation: collation(get(&r, 13, w)?, get(&r, 14, w)?),
                    canonical: get(&r, 15, w)?,
                    subtype_diff: get(&r, 16, w)?,
                    multirange: (multi.schema != q.schema || multi.name != default_multi)
                        .then_some(multi),
                })
            }
            _ => TypeDef::Composite(Vec::new()),
        };
        remember(s, &obj, get(&r, 20, w)?, Some(get(&r, 21, w)?));
        s.types.insert(q, def);
    }
    Ok(())
}

/// The multirange name PostgreSQL picks for range type `name` (`…range` → `…multirange`, else
/// `…_multirange`).
fn default_multirange_name(name: &str) -> String {
    match name.find("range") {
        Some(i) => format!("{}multirange{}", &name[..i], &name[i + 5..]),
        None => format!("{name}_multirange"),
    }
}

pub(super) fn domain_constraints(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<(), SchemaError> {
    for r in reads.take(DOMAIN_CONSTRAINTS)? {
        let w = "domain constraints";
        let q = QName::new(&get::<String>(&r, 1, w)?, &get::<String>(&r, 2, w)?);
        let Some(TypeDef::Domain(d)) = s.types.get_mut(&q) else {
            continue;
        };
        let name: String = get(&r, 3, w)?;
        d.constraints.insert(name.clone(), get(&r, 4, w)?);
        ids.add("pg_constraint", get(&r, 0, w)?, 0, Obj::Type(q.clone()));
        if let Some(c) = get::<Option<String>>(&r, 5, w)? {
            s.opaque
                .insert(format!("comment on domain constraint {name} of {q}"), c);
        }
    }
    Ok(())
}

pub(super) fn sequences(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<(), SchemaError> {
    for r in reads.take(SEQUENCES)? {
        let w = "sequences";
        let q = QName::new(&get::<String>(&r, 0, w)?, &get::<String>(&r, 1, w)?);
        let tn: Option<String> = get(&r, 9, w)?;
        let tc: Option<String> = get(&r, 10, w)?;
        let ta: Option<String> = get(&r, 11, w)?;
        let owned_by = match (tn, tc, ta) {
            (Some(n), Some(t), Some(a)) => Some((QName::new(&n, &t), a)),
            _ => None,
        };
        if get::<bool>(&r, 16, w)? {
            // An identity column's sequence: its options belong to the column.
            identity_options(s, &r, owned_by)?;
            continue;
        }
        let obj = Obj::Sequence(q.clone());
        ids.add("pg_class", get(&r, 13, w)?, 0, obj.clone());
        remember(s, &obj, get(&r, 12, w)?, Some(get(&r, 15, w)?));
        s.sequences.insert(
            q,
            Sequence {
                data_type: get(&r, 2, w)?,
                start: get(&r, 3, w)?,
                increment: get(&r, 4, w)?,
                min: get(&r, 5, w)?,
                max: get(&r, 6, w)?,
                cache: get(&r, 7, w)?,
                cycle: get(&r, 8, w)?,
                unlogged: get(&r, 14, w)?,
                owned_by,
            },
        );
    }
    Ok(())
}

/// The options of an identity column's sequence (a sequences-query row), as its `GENERATED …
/// AS IDENTITY (…)` clause lists them, set on the column.
fn identity_options(
    s: &mut Schema,
    r: &sqlx::postgres::PgRow,
    owned_by: Option<(QName, String)>,
) -> Result<(), SchemaError> {
    let w = "sequences";
    let Some((table, column)) = owned_by else {
        return Ok(());
    };
    let int = |i: usize| get::<i64>(r, i, w);
    let options = vec![
        format!("INCREMENT BY {}", int(4)?),
        format!("MINVALUE {}", int(5)?),
        format!("MAXVALUE {}", int(6)?),
        format!("START WITH {}", int(3)?),
        format!("CACHE {}", int(7)?),
        if get::<bool>(r, 8, w)? {
            "CYCLE"
        } else {
            "NO CYCLE"
        }
        .to_string(),
    ];
    if let Some(c) = s
        .tables
        .get_mut(&table)
        .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
    {
        c.identity_options = Some(options);
    }
    Ok(())
}

/// Functions, procedures, window functions and aggregates (aggregates rendered from
/// `pg_aggregate`: `pg_get_functiondef` does not do them).
pub(super) fn functions(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<(), SchemaError> {
    for r in reads.take(FUNCTIONS)? {
        let w = "functions";
        // A range type's constructors belong to the type.
        if let Some(owner) = get::<Option<i64>>(&r, 31, w)? {
            if let Some(t) = ids.resolve("pg_type", owner, 0) {
                ids.add("pg_proc", get(&r, 0, w)?, 0, t);
            }
            continue;
        }
        let q = QName::new(&get::<String>(&r, 1, w)?, &get::<String>(&r, 2, w)?);
        let args: String = get(&r, 3, w)?;
        let prokind: String = get(&r, 4, w)?;
        let kind = match prokind.as_str() {
            "p" => "PROCEDURE",
            "a" => "AGGREGATE",
            _ => "FUNCTION",
        };
        let arguments: String = get(&r, 8, w)?;
        let signature = format!("{}({args})", q.sql());
        let definition = if kind == "AGGREGATE" {
            super::aggregate::definition(&r, &q, &arguments)?
        } else {
            get::<Option<String>>(&r, 5, w)?
                .unwrap_or_default()
                .trim_end()
                .to_string()
        };
        let key = format!("{q}({args})");
        let obj = Obj::Function(key.clone());
        ids.add("pg_proc", get(&r, 0, w)?, 0, obj.clone());
        remember(s, &obj, get(&r, 7, w)?, Some(get(&r, 9, w)?));
        s.functions.insert(
            key,
            Function {
                definition,
                kind: kind.into(),
                signature,
                result: get(&r, 6, w)?,
                arguments,
            },
        );
    }
    Ok(())
}

pub(super) fn statistics(
    reads: &mut Reads,
    s: &mut Schema,
    ids: &mut Ids,
) -> Result<(), SchemaError> {
    for r in reads.take(STATISTICS)? {
        let w = "statistics";
        let q = QName::new(&get::<String>(&r, 1, w)?, &get::<String>(&r, 2, w)?);
        let obj = Obj::Statistics(q.clone());
        ids.add("pg_statistic_ext", get(&r, 0, w)?, 0, obj.clone());
        remember(s, &obj, get(&r, 5, w)?, None);
        s.statistics.insert(
            q,
            Statistics {
                definition: get(&r, 3, w)?,
                target: get(&r, 4, w)?,
            },
        );
    }
    Ok(())
}

/// `ALTER DEFAULT PRIVILEGES` entries (grants to the owning role left out; the role running the
/// introspection stands for "whoever runs the migration").
pub(super) fn default_privileges(reads: &mut Reads, s: &mut Schema) -> Result<(), SchemaError> {
    for r in reads.take(DEFAULT_PRIVILEGES)? {
        let w = "default privileges";
        let objtype: String = get(&r, 2, w)?;
        let key = DefaultAcl {
            role: get(&r, 0, w)?,
            schema: get(&r, 1, w)?,
            objtype: objtype.chars().next().unwrap_or('r'),
        };
        let g = super::grants(get(&r, 3, w)?);
        if g != default_acl_baseline(&key) {
            s.default_privileges.insert(key, g);
        }
    }
    Ok(())
}

/// What objects get without any `ALTER DEFAULT PRIVILEGES` (besides their owner): PUBLIC may
/// execute functions and use types; a schema-wide entry only ever adds.
pub fn default_acl_baseline(key: &DefaultAcl) -> std::collections::BTreeSet<Grant> {
    let public = |p: &str| Grant {
        grantee: "PUBLIC".into(),
        privilege: p.into(),
        grantable: false,
    };
    match (key.schema.is_some(), key.objtype) {
        (false, 'f') => [public("EXECUTE")].into(),
        (false, 'T') => [public("USAGE")].into(),
        _ => Default::default(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn multirange_names_follow_postgres() {
        use super::default_multirange_name as m;
        assert_eq!(m("floatrange"), "floatmultirange");
        assert_eq!(m("period"), "period_multirange");
        assert_eq!(m("a_range_b"), "a_multirange_b");
    }
}
