//! Objects the engine does not generate SQL for, kept as fingerprints: equal on both sides they
//! never block a migration; added, removed or changed they are refused by name (see
//! [`crate::schema::diff`]). Secrets (user mapping options) are hashed, never kept.

use super::{CATALOGS, Ids, Query, Reads, USER_NS, get};
use crate::schema::SchemaError;
use crate::schema::model::*;

const OTHER_OBJECTS: &str = "other objects";

/// The catalog reads of this module (sent together, see [`super::fetch`]).
pub(super) fn queries() -> Vec<Query> {
    vec![(OTHER_OBJECTS, opaque_sql())]
}

fn opaque_sql() -> String {
    let user = |alias: &str, ns_col: &str| {
        format!("JOIN pg_namespace n ON n.oid = {alias}.{ns_col} WHERE {USER_NS}")
    };
    format!(
        "SELECT 'pg_event_trigger', e.oid::int8, 'event trigger ' || e.evtname, \
                concat_ws(' ', e.evtevent, e.evtfoid::regproc::text, array_to_string(e.evttags, ','), e.evtenabled) \
           FROM pg_event_trigger e \
         UNION ALL SELECT 'pg_operator', o.oid::int8, 'operator ' || o.oid::regoperator::text, \
                concat_ws(' ', o.oprcode::regproc::text, o.oprcom::regoper::text, o.oprnegate::regoper::text, \
                          o.oprrest::regproc::text, o.oprjoin::regproc::text, o.oprcanmerge, o.oprcanhash) \
           FROM pg_operator o {op} \
         UNION ALL SELECT 'pg_opclass', c.oid::int8, 'operator class ' || n.nspname || '.' || c.opcname, \
                concat_ws(' ', c.opcmethod, c.opcintype::regtype::text, c.opcdefault, c.opckeytype) \
           FROM pg_opclass c {opc} \
         UNION ALL SELECT 'pg_opfamily', f.oid::int8, 'operator family ' || n.nspname || '.' || f.opfname, \
                f.opfmethod::text FROM pg_opfamily f {opf} \
         UNION ALL SELECT 'pg_cast', c.oid::int8, \
                'cast (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')', \
                concat_ws(' ', c.castfunc::regprocedure::text, c.castcontext, c.castmethod) \
           FROM pg_cast c WHERE c.oid >= 16384 AND NOT EXISTS (SELECT 1 FROM pg_depend cd \
                WHERE cd.classid = 'pg_cast'::regclass AND cd.objid = c.oid AND cd.deptype = 'i') \
         UNION ALL SELECT 'pg_conversion', c.oid::int8, 'conversion ' || n.nspname || '.' || c.conname, \
                concat_ws(' ', c.conforencoding, c.contoencoding, c.conproc::regproc::text, c.condefault) \
           FROM pg_conversion c {conv} \
         UNION ALL SELECT 'pg_language', l.oid::int8, 'language ' || l.lanname, \
                concat_ws(' ', l.lanpltrusted, l.lanplcallfoid::regproc::text) FROM pg_language l \
          WHERE l.oid >= 16384 AND l.lanname <> 'plpgsql' \
         UNION ALL SELECT 'pg_ts_config', c.oid::int8, 'text search configuration ' || n.nspname || '.' || c.cfgname, \
                c.cfgparser::text FROM pg_ts_config c {tsc} \
         UNION ALL SELECT 'pg_ts_dict', d.oid::int8, 'text search dictionary ' || n.nspname || '.' || d.dictname, \
                concat_ws(' ', d.dicttemplate, d.dictinitoption) FROM pg_ts_dict d {tsd} \
         UNION ALL SELECT 'pg_ts_parser', p.oid::int8, 'text search parser ' || n.nspname || '.' || p.prsname, \
                '' FROM pg_ts_parser p {tsp} \
         UNION ALL SELECT 'pg_ts_template', t.oid::int8, 'text search template ' || n.nspname || '.' || t.tmplname, \
                '' FROM pg_ts_template t {tst} \
         UNION ALL SELECT 'pg_publication', p.oid::int8, 'publication ' || p.pubname, \
                concat_ws(' ', p.puballtables, p.pubinsert, p.pubupdate, p.pubdelete, p.pubtruncate, \
                          (SELECT string_agg(pr.prrelid::regclass::text, ',' ORDER BY 1) \
                             FROM pg_publication_rel pr WHERE pr.prpubid = p.oid)) \
           FROM pg_publication p \
         UNION ALL SELECT 'pg_foreign_data_wrapper', w.oid::int8, 'foreign-data wrapper ' || w.fdwname, \
                concat_ws(' ', w.fdwhandler, w.fdwvalidator, array_to_string(w.fdwoptions, ',')) \
           FROM pg_foreign_data_wrapper w \
         UNION ALL SELECT 'pg_foreign_server', f.oid::int8, 'foreign server ' || f.srvname, \
                concat_ws(' ', f.srvfdw, f.srvtype, f.srvversion, array_to_string(f.srvoptions, ',')) \
           FROM pg_foreign_server f \
         UNION ALL SELECT 'pg_user_mapping', u.umid::int8, 'user mapping for ' || u.usename || ' on ' || u.srvname, \
                md5(coalesce(array_to_string(u.umoptions, ','), '')) FROM pg_user_mappings u \
         UNION ALL SELECT 'pg_transform', t.oid::int8, 'transform for ' || format_type(t.trftype, NULL), \
                concat_ws(' ', t.trflang, t.trffromsql, t.trftosql) FROM pg_transform t WHERE t.oid >= 16384 \
         UNION ALL SELECT 'pg_am', a.oid::int8, 'access method ' || a.amname, \
                concat_ws(' ', a.amhandler, a.amtype) FROM pg_am a WHERE a.oid >= 16384 \
         UNION ALL SELECT 'pg_class', c.oid::int8, 'foreign table ' || n.nspname || '.' || c.relname, \
                concat_ws(' ', ft.ftserver, array_to_string(ft.ftoptions, ','), \
                          (SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod), ',' ORDER BY a.attnum) \
                             FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped)) \
           FROM pg_foreign_table ft JOIN pg_class c ON c.oid = ft.ftrelid {ft}",
        op = user("o", "oprnamespace"),
        opc = user("c", "opcnamespace"),
        opf = user("f", "opfnamespace"),
        conv = user("c", "connamespace"),
        tsc = user("c", "cfgnamespace"),
        tsd = user("d", "dictnamespace"),
        tsp = user("p", "prsnamespace"),
        tst = user("t", "tmplnamespace"),
        ft = user("c", "relnamespace"),
    )
}

pub(super) fn opaque(reads: &mut Reads, s: &mut Schema, ids: &mut Ids) -> Result<(), SchemaError> {
    // Extension members are skipped here (read once, not anti-joined in every part).
    for r in reads.take(OTHER_OBJECTS)? {
        let w = "other objects";
        let class: String = get(&r, 0, w)?;
        if ids.is_ext_member(&class, get(&r, 1, w)?) {
            continue;
        }
        let key: String = get(&r, 2, w)?;
        if let Some(c) = CATALOGS.iter().find(|c| **c == class) {
            ids.add(c, get(&r, 1, w)?, 0, Obj::Opaque(key.clone()));
        }
        s.opaque
            .insert(key, get::<Option<String>>(&r, 3, w)?.unwrap_or_default());
    }
    Ok(())
}
