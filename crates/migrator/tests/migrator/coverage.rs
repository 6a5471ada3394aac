//! The autogenerate rule "every attribute the catalog holds for a managed object is managed or
//! refused by name", held against the live server: every column of every catalog the
//! introspection reads must be classified in `introspect::coverage::COVERAGE`, so a column a
//! newer PostgreSQL adds fails here until someone decides what the engine does with it.

use migrator::schema::introspect::coverage::{COVERAGE, catalogs, fate};

use crate::common::pg;

#[tokio::test]
async fn every_live_catalog_column_is_classified() {
    let mut c = pg::cluster().connect("postgres").await;
    let mut missing = Vec::new();
    let mut seen = 0;
    for cat in catalogs() {
        let cols: Vec<String> = match sqlx::query_scalar(
            "SELECT attname::text FROM pg_attribute \
              WHERE attrelid = ('pg_catalog.' || $1)::regclass AND attnum > 0 AND NOT attisdropped \
              ORDER BY attnum",
        )
        .bind(cat)
        .fetch_all(&mut c)
        .await
        {
            Ok(v) => v,
            Err(e) => panic!("columns of {cat}: {e}"),
        };
        assert!(!cols.is_empty(), "catalog {cat} has no columns here");
        for col in cols {
            seen += 1;
            if fate(cat, &col).is_none() {
                missing.push(format!("{cat}.{col}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "catalog columns the engine does not classify (add each to COVERAGE with its fate): {}",
        missing.join(", ")
    );
    // Not vacuous: the list speaks for the columns that matter, and most are classified here.
    assert!(seen > 250, "only {seen} catalog columns checked");
    assert!(COVERAGE.len() >= seen);
}
