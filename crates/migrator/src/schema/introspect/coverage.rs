//! Every column of every catalog the introspection reads, and what becomes of it. The rule of
//! the engine: an attribute the catalog holds for a managed object is either managed (compared
//! and generated), part of a definition compared as a whole, or refused by name when it differs
//! (kept as a fingerprint). Nothing is dropped silently. An integration test lists the live
//! server's catalog columns and fails on any column missing here, so a new attribute (a newer
//! PostgreSQL, a catalog not thought of) must be classified before the engine can be trusted
//! with it.

/// What the engine does with a catalog column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Compared between the two sides and generated in migrations.
    Managed,
    /// Part of a definition text that is compared as a whole (`pg_get_indexdef`, …).
    InDefinition,
    /// Identifies or links objects (names, oids, owning relation, dependency rows).
    Identity,
    /// Kept as a fingerprint: a difference is refused, naming the object.
    Refused,
    /// Physical, statistical or runtime state, not schema (sizes, counters, validity flags the
    /// server maintains itself).
    NotSchema,
    /// Deliberately not compared, with the reason in the README (ownership, versions of the
    /// server's own packages).
    Ignored,
}

use Fate::*;

/// `(catalog, column, fate)`. Columns of newer PostgreSQL versions may be listed too.
pub const COVERAGE: &[(&str, &str, Fate)] = &[
    ("pg_namespace", "oid", Identity),
    ("pg_namespace", "nspname", Managed),
    ("pg_namespace", "nspowner", Ignored),
    ("pg_namespace", "nspacl", Managed),
    ("pg_extension", "oid", Identity),
    ("pg_extension", "extname", Managed),
    ("pg_extension", "extowner", Ignored),
    ("pg_extension", "extnamespace", Managed),
    ("pg_extension", "extrelocatable", NotSchema),
    ("pg_extension", "extversion", Ignored),
    ("pg_extension", "extconfig", NotSchema),
    ("pg_extension", "extcondition", NotSchema),
    ("pg_collation", "oid", Identity),
    ("pg_collation", "collname", Managed),
    ("pg_collation", "collnamespace", Managed),
    ("pg_collation", "collowner", Ignored),
    ("pg_collation", "collprovider", Managed),
    ("pg_collation", "collisdeterministic", Managed),
    ("pg_collation", "collencoding", NotSchema),
    ("pg_collation", "collcollate", Managed),
    ("pg_collation", "collctype", Managed),
    ("pg_collation", "colliculocale", Managed),
    ("pg_collation", "colllocale", Managed),
    ("pg_collation", "collicurules", Managed),
    ("pg_collation", "collversion", Ignored),
    ("pg_type", "oid", Identity),
    ("pg_type", "typname", Managed),
    ("pg_type", "typnamespace", Managed),
    ("pg_type", "typowner", Ignored),
    ("pg_type", "typlen", InDefinition),
    ("pg_type", "typbyval", InDefinition),
    ("pg_type", "typtype", Managed),
    ("pg_type", "typcategory", InDefinition),
    ("pg_type", "typispreferred", InDefinition),
    ("pg_type", "typisdefined", NotSchema),
    ("pg_type", "typdelim", InDefinition),
    ("pg_type", "typrelid", Identity),
    ("pg_type", "typsubscript", InDefinition),
    ("pg_type", "typelem", Identity),
    ("pg_type", "typarray", Identity),
    ("pg_type", "typinput", InDefinition),
    ("pg_type", "typoutput", InDefinition),
    ("pg_type", "typreceive", InDefinition),
    ("pg_type", "typsend", InDefinition),
    ("pg_type", "typmodin", InDefinition),
    ("pg_type", "typmodout", InDefinition),
    ("pg_type", "typanalyze", InDefinition),
    ("pg_type", "typalign", InDefinition),
    ("pg_type", "typstorage", InDefinition),
    ("pg_type", "typnotnull", Managed),
    ("pg_type", "typbasetype", Managed),
    ("pg_type", "typtypmod", Managed),
    ("pg_type", "typndims", InDefinition),
    ("pg_type", "typcollation", Managed),
    ("pg_type", "typdefaultbin", InDefinition),
    ("pg_type", "typdefault", Managed),
    ("pg_type", "typacl", Managed),
    ("pg_enum", "oid", Identity),
    ("pg_enum", "enumtypid", Identity),
    ("pg_enum", "enumsortorder", Managed),
    ("pg_enum", "enumlabel", Managed),
    ("pg_range", "rngtypid", Identity),
    ("pg_range", "rngsubtype", Managed),
    ("pg_range", "rngmultitypid", Managed),
    ("pg_range", "rngcollation", Managed),
    ("pg_range", "rngsubopc", Managed),
    ("pg_range", "rngcanonical", Managed),
    ("pg_range", "rngsubdiff", Managed),
    ("pg_class", "oid", Identity),
    ("pg_class", "relname", Managed),
    ("pg_class", "relnamespace", Managed),
    ("pg_class", "reltype", Identity),
    ("pg_class", "reloftype", Refused),
    ("pg_class", "relowner", Ignored),
    ("pg_class", "relam", Refused),
    ("pg_class", "relfilenode", NotSchema),
    ("pg_class", "reltablespace", Refused),
    ("pg_class", "relpages", NotSchema),
    ("pg_class", "reltuples", NotSchema),
    ("pg_class", "relallvisible", NotSchema),
    ("pg_class", "relallfrozen", NotSchema),
    ("pg_class", "reltoastrelid", Identity),
    ("pg_class", "relhasindex", NotSchema),
    ("pg_class", "relisshared", NotSchema),
    ("pg_class", "relpersistence", Managed),
    ("pg_class", "relkind", Managed),
    ("pg_class", "relnatts", NotSchema),
    ("pg_class", "relchecks", NotSchema),
    ("pg_class", "relhasrules", NotSchema),
    ("pg_class", "relhastriggers", NotSchema),
    ("pg_class", "relhassubclass", NotSchema),
    ("pg_class", "relrowsecurity", Managed),
    ("pg_class", "relforcerowsecurity", Managed),
    ("pg_class", "relispopulated", NotSchema),
    ("pg_class", "relreplident", Managed),
    ("pg_class", "relispartition", Managed),
    ("pg_class", "relrewrite", NotSchema),
    ("pg_class", "relfrozenxid", NotSchema),
    ("pg_class", "relminmxid", NotSchema),
    ("pg_class", "relacl", Managed),
    ("pg_class", "reloptions", Managed),
    ("pg_class", "relpartbound", Managed),
    ("pg_attribute", "attrelid", Identity),
    ("pg_attribute", "attname", Managed),
    ("pg_attribute", "atttypid", Managed),
    ("pg_attribute", "attstattarget", Managed),
    ("pg_attribute", "attlen", InDefinition),
    ("pg_attribute", "attnum", Identity),
    ("pg_attribute", "attndims", InDefinition),
    ("pg_attribute", "attcacheoff", NotSchema),
    ("pg_attribute", "atttypmod", Managed),
    ("pg_attribute", "attbyval", InDefinition),
    ("pg_attribute", "attalign", InDefinition),
    ("pg_attribute", "attstorage", Managed),
    ("pg_attribute", "attcompression", Managed),
    ("pg_attribute", "attnotnull", Managed),
    ("pg_attribute", "atthasdef", Managed),
    ("pg_attribute", "atthasmissing", NotSchema),
    ("pg_attribute", "attidentity", Managed),
    ("pg_attribute", "attgenerated", Managed),
    ("pg_attribute", "attisdropped", Identity),
    ("pg_attribute", "attislocal", Managed),
    ("pg_attribute", "attinhcount", Managed),
    ("pg_attribute", "attcollation", Managed),
    ("pg_attribute", "attacl", Managed),
    // Options named `pg_…` are the server's own bookkeeping (PostgreSQL 15.20 stamps every
    // column with `pg_attver`), not schema: the introspection leaves them out.
    ("pg_attribute", "attoptions", Managed),
    ("pg_attribute", "attfdwoptions", Refused),
    ("pg_attribute", "attmissingval", NotSchema),
    ("pg_attrdef", "oid", Identity),
    ("pg_attrdef", "adrelid", Identity),
    ("pg_attrdef", "adnum", Identity),
    ("pg_attrdef", "adbin", Managed),
    ("pg_constraint", "oid", Identity),
    ("pg_constraint", "conname", Managed),
    ("pg_constraint", "connamespace", Identity),
    ("pg_constraint", "contype", Managed),
    ("pg_constraint", "condeferrable", InDefinition),
    ("pg_constraint", "condeferred", InDefinition),
    ("pg_constraint", "convalidated", InDefinition),
    ("pg_constraint", "conrelid", Identity),
    ("pg_constraint", "contypid", Identity),
    ("pg_constraint", "conindid", Identity),
    ("pg_constraint", "conparentid", Managed),
    ("pg_constraint", "confrelid", InDefinition),
    ("pg_constraint", "confupdtype", InDefinition),
    ("pg_constraint", "confdeltype", InDefinition),
    ("pg_constraint", "confmatchtype", InDefinition),
    ("pg_constraint", "conislocal", Managed),
    ("pg_constraint", "coninhcount", Managed),
    ("pg_constraint", "connoinherit", InDefinition),
    ("pg_constraint", "conkey", InDefinition),
    ("pg_constraint", "confkey", InDefinition),
    ("pg_constraint", "conpfeqop", InDefinition),
    ("pg_constraint", "conppeqop", InDefinition),
    ("pg_constraint", "conffeqop", InDefinition),
    ("pg_constraint", "confdelsetcols", InDefinition),
    ("pg_constraint", "conexclop", InDefinition),
    ("pg_constraint", "conbin", InDefinition),
    ("pg_constraint", "conperiod", InDefinition),
    ("pg_constraint", "conenforced", InDefinition),
    ("pg_index", "indexrelid", Identity),
    ("pg_index", "indrelid", Identity),
    ("pg_index", "indnatts", InDefinition),
    ("pg_index", "indnkeyatts", InDefinition),
    ("pg_index", "indisunique", InDefinition),
    ("pg_index", "indnullsnotdistinct", InDefinition),
    ("pg_index", "indisprimary", InDefinition),
    ("pg_index", "indisexclusion", InDefinition),
    ("pg_index", "indimmediate", InDefinition),
    ("pg_index", "indisclustered", Managed),
    ("pg_index", "indisvalid", Refused),
    ("pg_index", "indcheckxmin", NotSchema),
    ("pg_index", "indisready", NotSchema),
    ("pg_index", "indislive", NotSchema),
    ("pg_index", "indisreplident", Managed),
    ("pg_index", "indkey", InDefinition),
    ("pg_index", "indcollation", InDefinition),
    ("pg_index", "indclass", InDefinition),
    ("pg_index", "indoption", InDefinition),
    ("pg_index", "indexprs", InDefinition),
    ("pg_index", "indpred", InDefinition),
    ("pg_inherits", "inhrelid", Managed),
    ("pg_inherits", "inhparent", Managed),
    ("pg_inherits", "inhseqno", Refused),
    ("pg_inherits", "inhdetachpending", NotSchema),
    ("pg_partitioned_table", "partrelid", Identity),
    ("pg_partitioned_table", "partstrat", InDefinition),
    ("pg_partitioned_table", "partnatts", InDefinition),
    ("pg_partitioned_table", "partdefid", InDefinition),
    ("pg_partitioned_table", "partattrs", InDefinition),
    ("pg_partitioned_table", "partclass", InDefinition),
    ("pg_partitioned_table", "partcollation", InDefinition),
    ("pg_partitioned_table", "partexprs", InDefinition),
    ("pg_trigger", "oid", Identity),
    ("pg_trigger", "tgrelid", Identity),
    ("pg_trigger", "tgparentid", Managed),
    ("pg_trigger", "tgname", Managed),
    ("pg_trigger", "tgfoid", InDefinition),
    ("pg_trigger", "tgtype", InDefinition),
    ("pg_trigger", "tgenabled", Managed),
    ("pg_trigger", "tgisinternal", Identity),
    ("pg_trigger", "tgconstrrelid", InDefinition),
    ("pg_trigger", "tgconstrindid", InDefinition),
    ("pg_trigger", "tgconstraint", InDefinition),
    ("pg_trigger", "tgdeferrable", InDefinition),
    ("pg_trigger", "tginitdeferred", InDefinition),
    ("pg_trigger", "tgnargs", InDefinition),
    ("pg_trigger", "tgattr", InDefinition),
    ("pg_trigger", "tgargs", InDefinition),
    ("pg_trigger", "tgqual", InDefinition),
    ("pg_trigger", "tgoldtable", InDefinition),
    ("pg_trigger", "tgnewtable", InDefinition),
    ("pg_policy", "oid", Identity),
    ("pg_policy", "polname", Managed),
    ("pg_policy", "polrelid", Identity),
    ("pg_policy", "polcmd", Managed),
    ("pg_policy", "polpermissive", Managed),
    ("pg_policy", "polroles", Managed),
    ("pg_policy", "polqual", Managed),
    ("pg_policy", "polwithcheck", Managed),
    ("pg_sequence", "seqrelid", Identity),
    ("pg_sequence", "seqtypid", Managed),
    ("pg_sequence", "seqstart", Managed),
    ("pg_sequence", "seqincrement", Managed),
    ("pg_sequence", "seqmax", Managed),
    ("pg_sequence", "seqmin", Managed),
    ("pg_sequence", "seqcache", Managed),
    ("pg_sequence", "seqcycle", Managed),
    ("pg_proc", "oid", Identity),
    ("pg_proc", "proname", Managed),
    ("pg_proc", "pronamespace", Managed),
    ("pg_proc", "proowner", Ignored),
    ("pg_proc", "prolang", InDefinition),
    ("pg_proc", "procost", InDefinition),
    ("pg_proc", "prorows", InDefinition),
    ("pg_proc", "provariadic", InDefinition),
    ("pg_proc", "prosupport", InDefinition),
    ("pg_proc", "prokind", Managed),
    ("pg_proc", "prosecdef", InDefinition),
    ("pg_proc", "proleakproof", InDefinition),
    ("pg_proc", "proisstrict", InDefinition),
    ("pg_proc", "proretset", InDefinition),
    ("pg_proc", "provolatile", InDefinition),
    ("pg_proc", "proparallel", InDefinition),
    ("pg_proc", "pronargs", InDefinition),
    ("pg_proc", "pronargdefaults", InDefinition),
    ("pg_proc", "prorettype", InDefinition),
    ("pg_proc", "proargtypes", InDefinition),
    ("pg_proc", "proallargtypes", InDefinition),
    ("pg_proc", "proargmodes", InDefinition),
    ("pg_proc", "proargnames", InDefinition),
    ("pg_proc", "proargdefaults", InDefinition),
    ("pg_proc", "protrftypes", InDefinition),
    ("pg_proc", "prosrc", InDefinition),
    ("pg_proc", "probin", InDefinition),
    ("pg_proc", "prosqlbody", InDefinition),
    ("pg_proc", "proconfig", InDefinition),
    ("pg_proc", "proacl", Managed),
    ("pg_aggregate", "aggfnoid", Identity),
    ("pg_aggregate", "aggkind", Managed),
    ("pg_aggregate", "aggnumdirectargs", InDefinition),
    ("pg_aggregate", "aggtransfn", Managed),
    ("pg_aggregate", "aggfinalfn", Managed),
    ("pg_aggregate", "aggcombinefn", Managed),
    ("pg_aggregate", "aggserialfn", Managed),
    ("pg_aggregate", "aggdeserialfn", Managed),
    ("pg_aggregate", "aggmtransfn", Managed),
    ("pg_aggregate", "aggminvtransfn", Managed),
    ("pg_aggregate", "aggmfinalfn", Managed),
    ("pg_aggregate", "aggfinalextra", Managed),
    ("pg_aggregate", "aggmfinalextra", Managed),
    ("pg_aggregate", "aggfinalmodify", Managed),
    ("pg_aggregate", "aggmfinalmodify", Managed),
    ("pg_aggregate", "aggsortop", Managed),
    ("pg_aggregate", "aggtranstype", Managed),
    ("pg_aggregate", "aggtransspace", Managed),
    ("pg_aggregate", "aggmtranstype", Managed),
    ("pg_aggregate", "aggmtransspace", Managed),
    ("pg_aggregate", "agginitval", Managed),
    ("pg_aggregate", "aggminitval", Managed),
    ("pg_statistic_ext", "oid", Identity),
    ("pg_statistic_ext", "stxrelid", InDefinition),
    ("pg_statistic_ext", "stxname", Managed),
    ("pg_statistic_ext", "stxnamespace", Managed),
    ("pg_statistic_ext", "stxowner", Ignored),
    ("pg_statistic_ext", "stxstattarget", Managed),
    ("pg_statistic_ext", "stxkeys", InDefinition),
    ("pg_statistic_ext", "stxkind", InDefinition),
    ("pg_statistic_ext", "stxexprs", InDefinition),
    ("pg_rewrite", "oid", Identity),
    ("pg_rewrite", "rulename", Refused),
    ("pg_rewrite", "ev_class", Identity),
    ("pg_rewrite", "ev_type", Refused),
    ("pg_rewrite", "ev_enabled", Refused),
    ("pg_rewrite", "is_instead", Refused),
    ("pg_rewrite", "ev_qual", Refused),
    ("pg_rewrite", "ev_action", InDefinition),
    ("pg_depend", "classid", Identity),
    ("pg_depend", "objid", Identity),
    ("pg_depend", "objsubid", Identity),
    ("pg_depend", "refclassid", Identity),
    ("pg_depend", "refobjid", Identity),
    ("pg_depend", "refobjsubid", Identity),
    ("pg_depend", "deptype", Identity),
    ("pg_default_acl", "oid", Identity),
    ("pg_default_acl", "defaclrole", Managed),
    ("pg_default_acl", "defaclnamespace", Managed),
    ("pg_default_acl", "defaclobjtype", Managed),
    ("pg_default_acl", "defaclacl", Managed),
    ("pg_description", "objoid", Identity),
    ("pg_description", "classoid", Identity),
    ("pg_description", "objsubid", Identity),
    ("pg_description", "description", Managed),
];

/// The catalogs [`COVERAGE`] speaks for.
pub fn catalogs() -> Vec<&'static str> {
    let mut c: Vec<&str> = COVERAGE.iter().map(|(t, _, _)| *t).collect();
    c.dedup();
    c
}

/// The fate of a catalog column, if it is listed.
pub fn fate(catalog: &str, column: &str) -> Option<Fate> {
    COVERAGE
        .iter()
        .find(|(t, c, _)| *t == catalog && *c == column)
        .map(|(_, _, f)| *f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_entry_is_listed_once() {
        let mut seen = std::collections::BTreeSet::new();
        for (t, c, _) in COVERAGE {
            assert!(seen.insert((t, c)), "{t}.{c} is listed twice");
        }
        assert_eq!(fate("pg_attribute", "attstattarget"), Some(Fate::Managed));
        assert!(catalogs().contains(&"pg_class"));
    }

    /// Every catalog the introspection queries is either covered column by column here or read
    /// only for fingerprints of objects that are refused when they differ.
    #[test]
    fn the_introspection_reads_no_unlisted_catalog() {
        const FINGERPRINTS_ONLY: &[&str] = &[
            "pg_event_trigger",
            "pg_operator",
            "pg_opclass",
            "pg_opfamily",
            "pg_cast",
            "pg_conversion",
            "pg_language",
            "pg_ts_config",
            "pg_ts_dict",
            "pg_ts_parser",
            "pg_ts_template",
            "pg_publication",
            "pg_publication_rel",
            "pg_foreign_data_wrapper",
            "pg_foreign_server",
            "pg_foreign_table",
            "pg_user_mapping",
            "pg_user_mappings",
            "pg_transform",
            "pg_am",
            "pg_tablespace",
            "pg_roles",
            "pg_settings",
        ];
        let sources = [
            include_str!("mod.rs"),
            include_str!("objects.rs"),
            include_str!("relations.rs"),
            include_str!("depends.rs"),
            include_str!("opaque.rs"),
        ];
        let covered = catalogs();
        let mut unlisted = Vec::new();
        for src in sources {
            for (i, _) in src.match_indices("pg_") {
                let name: String = src[i..]
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                // Catalog tables only (functions such as pg_get_expr are followed by "(").
                let next = src[i + name.len()..].chars().next();
                let is_catalog = next.is_some_and(|c| c == ' ' || c == '\'' || c == ',')
                    && !name.ends_with('_')
                    && !name.starts_with("pg_get")
                    && !name.starts_with("pg_toast")
                    && !name.starts_with("pg_temp");
                if is_catalog
                    && !covered.contains(&name.as_str())
                    && !FINGERPRINTS_ONLY.contains(&name.as_str())
                    && !["pg_catalog", "pg_database_owner", "pg_dump"].contains(&name.as_str())
                {
                    unlisted.push(name);
                }
            }
        }
        unlisted.sort();
        unlisted.dedup();
        assert!(
            unlisted.is_empty(),
            "catalogs read but not classified: {unlisted:?}"
        );
    }
}
