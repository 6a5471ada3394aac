//! Lint of generated migrations: destructive, data-dependent and locking operations. The diff
//! attaches a [`Hazard`] to the operation that causes it (it knows best); this module renders
//! them as `-- WARNING:` lines and decides what `--strict` refuses.

use super::SchemaError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hazard {
    /// Loses data: drop table / column / type / schema, type narrowing.
    Destructive(String),
    /// Succeeds or fails depending on the rows present (SET NOT NULL, new UNIQUE, validation).
    DataDependent(String),
    /// Holds a strong lock for long (index build without CONCURRENTLY, table rewrite).
    Locking(String),
}

impl Hazard {
    pub fn category(&self) -> &'static str {
        match self {
            Hazard::Destructive(_) => "destructive",
            Hazard::DataDependent(_) => "data-dependent",
            Hazard::Locking(_) => "locking",
        }
    }

    pub fn message(&self) -> &str {
        match self {
            Hazard::Destructive(m) | Hazard::DataDependent(m) | Hazard::Locking(m) => m,
        }
    }

    /// `destructive: drops table public.users and its data`.
    pub fn line(&self) -> String {
        format!("{}: {}", self.category(), self.message())
    }
}

/// `-- WARNING: …` lines for the top of the up file (empty when there is nothing to say).
pub fn header(hazards: &[&Hazard]) -> String {
    hazards
        .iter()
        .map(|h| format!("-- WARNING: {}\n", h.line().replace(['\n', '\r'], " ")))
        .collect()
}

/// `--strict`: any finding refuses the migration.
pub fn strict(hazards: &[&Hazard]) -> Result<(), SchemaError> {
    if hazards.is_empty() {
        return Ok(());
    }
    Err(SchemaError::Strict {
        count: hazards.len(),
        findings: hazards
            .iter()
            .map(|h| format!("  {}", h.line()))
            .collect::<Vec<_>>()
            .join("\n"),
    })
}

/// Integer width rank of a built-in numeric type name.
fn int_rank(t: &str) -> Option<u8> {
    match t {
        "smallint" => Some(1),
        "integer" => Some(2),
        "bigint" => Some(3),
        "real" => Some(4),
        "double precision" => Some(5),
        "numeric" => Some(6),
        _ => None,
    }
}

/// `character varying(20)` → ("character varying", Some([20])).
fn split_type(t: &str) -> (&str, Vec<i64>) {
    match t.split_once('(') {
        Some((base, rest)) => {
            let args = rest
                .trim_end_matches(')')
                .split(',')
                .filter_map(|a| a.trim().parse().ok())
                .collect();
            (base.trim(), args)
        }
        None => (t, Vec::new()),
    }
}

/// Whether changing a column from `old` to `new` can lose or reject existing values.
pub fn is_narrowing(old: &str, new: &str) -> bool {
    if old == new {
        return false;
    }
    let ((ob, oa), (nb, na)) = (split_type(old), split_type(new));
    let unbounded_text =
        |b: &str, a: &Vec<i64>| b == "text" || (b == "character varying" && a.is_empty());
    if unbounded_text(nb, &na) {
        return !(unbounded_text(ob, &oa) || ob == "character varying" || ob == "character");
    }
    if ob == nb {
        // Same base type: narrowing when any length / precision / scale shrinks.
        return oa.is_empty() && !na.is_empty() || oa.iter().zip(&na).any(|(o, n)| n < o);
    }
    match (int_rank(ob), int_rank(nb)) {
        (Some(o), Some(n)) => {
            // Fewer bits, integers into floats that cannot hold them, or a bounded numeric.
            n < o
                || (o == 3 && (n == 4 || n == 5))
                || (o == 2 && n == 4)
                || (nb == "numeric" && !na.is_empty())
        }
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrowing_is_detected() {
        assert!(is_narrowing("bigint", "integer"));
        assert!(is_narrowing("integer", "smallint"));
        assert!(is_narrowing(
            "character varying(50)",
            "character varying(20)"
        ));
        assert!(is_narrowing("text", "character varying(20)"));
        assert!(is_narrowing("numeric(10,2)", "numeric(8,2)"));
        assert!(is_narrowing("text", "integer"));
        assert!(is_narrowing("bigint", "real"));
    }

    #[test]
    fn widening_is_not_narrowing() {
        assert!(!is_narrowing("integer", "bigint"));
        assert!(!is_narrowing("smallint", "integer"));
        assert!(!is_narrowing(
            "character varying(20)",
            "character varying(50)"
        ));
        assert!(!is_narrowing("character varying(20)", "text"));
        assert!(!is_narrowing("integer", "numeric"));
        assert!(!is_narrowing("text", "text"));
    }

    #[test]
    fn header_and_strict() {
        let d = Hazard::Destructive("drops table public.a and its data".into());
        let l = Hazard::Locking("x\ny".into());
        assert_eq!(
            header(&[&d, &l]),
            "-- WARNING: destructive: drops table public.a and its data\n-- WARNING: locking: x y\n"
        );
        assert!(strict(&[]).is_ok());
        let e = strict(&[&d])
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            e.contains("1 finding(s)") && e.contains("destructive: drops table public.a"),
            "{e}"
        );
    }
}
