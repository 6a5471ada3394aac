//! Aggregates rendered as `CREATE AGGREGATE` from `pg_aggregate` (`pg_get_functiondef` does
//! not do them).

use super::get;
use crate::schema::SchemaError;
use crate::schema::model::*;

/// `CREATE AGGREGATE name(args) (…);` from a functions-query row, options as pg_dump writes
/// them (only those that differ from the defaults).
pub(super) fn definition(
    r: &sqlx::postgres::PgRow,
    q: &QName,
    arguments: &str,
) -> Result<String, SchemaError> {
    let w = "aggregates";
    let text = |i: usize| get::<Option<String>>(r, i, w);
    let aggkind = text(10)?.unwrap_or_default();
    let mut o: Vec<String> = vec![
        format!("SFUNC = {}", text(11)?.unwrap_or_default()),
        format!("STYPE = {}", text(24)?.unwrap_or_default()),
    ];
    let space: i32 = get(r, 25, w)?;
    if space != 0 {
        o.push(format!("SSPACE = {space}"));
    }
    let modify = |m: Option<String>, default: &str| match m.as_deref() {
        Some(x) if x != default => Some(match x {
            "r" => "READ_ONLY",
            "s" => "SHAREABLE",
            _ => "READ_WRITE",
        }),
        _ => None,
    };
    let default_modify = if aggkind == "n" { "r" } else { "w" };
    if let Some(f) = text(12)? {
        o.push(format!("FINALFUNC = {f}"));
        if get::<bool>(r, 19, w)? {
            o.push("FINALFUNC_EXTRA".into());
        }
        if let Some(m) = modify(text(21)?, default_modify) {
            o.push(format!("FINALFUNC_MODIFY = {m}"));
        }
    }
    for (i, name) in [
        (13, "COMBINEFUNC"),
        (14, "SERIALFUNC"),
        (15, "DESERIALFUNC"),
    ] {
        if let Some(f) = text(i)? {
            o.push(format!("{name} = {f}"));
        }
    }
    if let Some(init) = text(28)? {
        o.push(format!("INITCOND = {}", literal(&init)));
    }
    if let Some(f) = text(16)? {
        o.push(format!("MSFUNC = {f}"));
        if let Some(f) = text(17)? {
            o.push(format!("MINVFUNC = {f}"));
        }
        if let Some(t) = text(26)? {
            o.push(format!("MSTYPE = {t}"));
        }
        let mspace: i32 = get(r, 27, w)?;
        if mspace != 0 {
            o.push(format!("MSSPACE = {mspace}"));
        }
        if let Some(f) = text(18)? {
            o.push(format!("MFINALFUNC = {f}"));
            if get::<bool>(r, 20, w)? {
                o.push("MFINALFUNC_EXTRA".into());
            }
            if let Some(m) = modify(text(22)?, default_modify) {
                o.push(format!("MFINALFUNC_MODIFY = {m}"));
            }
        }
        if let Some(init) = text(29)? {
            o.push(format!("MINITCOND = {}", literal(&init)));
        }
    }
    if let Some(op) = text(23)? {
        let name = op.split('(').next().unwrap_or_default();
        o.push(format!("SORTOP = OPERATOR({name})"));
    }
    match text(30)?.as_deref() {
        Some("s") => o.push("PARALLEL = SAFE".into()),
        Some("r") => o.push("PARALLEL = RESTRICTED".into()),
        _ => {}
    }
    if aggkind == "h" {
        o.push("HYPOTHETICAL".into());
    }
    Ok(format!(
        "CREATE AGGREGATE {}({arguments}) (\n    {}\n)",
        q.sql(),
        o.join(",\n    ")
    ))
}
