//! What a migration script contains, checked before anything runs, with PostgreSQL's own
//! parser (`pg_query`, libpg_query: the server's grammar, so statement boundaries, dollar
//! quotes, comments and function bodies are seen exactly as the server sees them):
//!
//! - a NUL byte (the server cannot receive it: the protocol ends strings there);
//! - `COPY … FROM STDIN` (the server would wait for data no one sends, holding the migration
//!   lock forever) and `COPY … TO STDOUT` (data for a client that has no use for it);
//! - transaction control (BEGIN, START TRANSACTION, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT,
//!   RELEASE, PREPARE TRANSACTION, COMMIT/ROLLBACK PREPARED): it would end or split the
//!   transaction a migration runs in together with its bookkeeping row;
//! - more than one statement in a `-- no-transaction` file (the server runs them as one
//!   implicit transaction, which defeats the point, and a failure leaves some of them done).
//!
//! Statements inside function bodies and DO blocks are string constants to the parser, so a
//! `COMMIT` there is never flagged. Positions are the file's own (1-based line and column of
//! the statement's first token).

use pg_query::NodeEnum;
use pg_query::protobuf::{self, Token, TransactionStmtKind};

/// A reason to refuse a script, at a position of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    /// What is wrong and why (one sentence).
    pub what: String,
    /// What to do about it (the hint, before "then run: …").
    pub fix: String,
}

/// What is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A migration (`no_tx`: it runs outside a transaction).
    Migration { no_tx: bool },
    /// schema.sql: only what cannot work at all (NUL, COPY with the client); it may end its
    /// transaction, the generator copes with that.
    Schema,
}

/// Checks one migration script; `no_tx` when it runs outside a transaction
/// (`-- no-transaction`). Returns the first problem found, in file order.
pub fn check(sql: &str, no_tx: bool) -> Option<Problem> {
    check_as(sql, Kind::Migration { no_tx })
}

/// Checks schema.sql before it is loaded into a shadow database: a NUL byte, COPY with the
/// client (which would wait forever).
pub fn check_schema(sql: &str) -> Option<Problem> {
    check_as(sql, Kind::Schema)
}

fn check_as(sql: &str, kind: Kind) -> Option<Problem> {
    if let Some(at) = sql.bytes().position(|b| b == 0) {
        let (line, column) = line_col(sql, at);
        return Some(Problem {
            line,
            column,
            what: "the file contains a NUL byte (0x00), which PostgreSQL cannot receive".into(),
            fix: "remove the NUL byte (is the file binary, or saved as UTF-16?)".into(),
        });
    }
    match pg_query::split_with_parser(sql) {
        Ok(statements) => check_statements(sql, &statements, kind),
        // The parser rejects the file: syntax the server would reject too (it parses the
        // whole script before running any of it, so nothing runs), or syntax newer than this
        // parser. Neither is a reason to refuse here: the server is the judge. Only the one
        // thing that would make the run wait forever is still looked for, token by token.
        Err(_) => copy_by_tokens(sql),
    }
}

/// First words that may begin a COPY or a transaction-control statement. Only statements
/// beginning so are parsed into a tree (one at a time): a full parse tree of a large script
/// costs far more memory than the script.
const SUSPECT: [&str; 10] = [
    "ABORT",
    "BEGIN",
    "COMMIT",
    "COPY",
    "END",
    "PREPARE",
    "RELEASE",
    "ROLLBACK",
    "SAVEPOINT",
    "START",
];

/// `statements` are slices of `sql` as the server's parser splits it.
fn check_statements(sql: &str, statements: &[&str], kind: Kind) -> Option<Problem> {
    let no_tx = kind == Kind::Migration { no_tx: true };
    let base = sql.as_ptr() as usize;
    let starts: Vec<usize> = statements
        .iter()
        .map(|s| first_token(sql, (s.as_ptr() as usize).saturating_sub(base)))
        .collect();
    for (text, &start) in statements.iter().zip(&starts) {
        let word: String = sql[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect::<String>()
            .to_ascii_uppercase();
        if !SUSPECT.contains(&word.as_str()) {
            continue;
        }
        let Ok(parsed) = pg_query::parse(text, pg_query::ParserOptions::default()) else {
            continue;
        };
        let node = first_node(&parsed);
        let found = match node {
            Some(NodeEnum::CopyStmt(c)) => copy_problem(c),
            Some(NodeEnum::TransactionStmt(t)) if kind != Kind::Schema => {
                Some(transaction_problem(t, no_tx))
            }
            _ => None,
        };
        if let Some((what, fix)) = found {
            let (line, column) = line_col(sql, start);
            return Some(Problem {
                line,
                column,
                what,
                fix,
            });
        }
    }
    if no_tx && let Some(&second) = starts.get(1) {
        let (line, column) = line_col(sql, second);
        return Some(Problem {
            line,
            column,
            what: format!(
                "a `-- no-transaction` migration must hold exactly one statement; this is \
                 statement 2 of {} (PostgreSQL would run them as one implicit transaction, and \
                 a failure would leave some of them done)",
                starts.len()
            ),
            fix: "move each further statement into a migration of its own (one statement per \
                  no-transaction file; create one with: migrator makemigrations --empty -m \"…\")"
                .into(),
        });
    }
    None
}

/// The node of a parsed single statement.
fn first_node(parsed: &pg_query::ParseResult) -> Option<&NodeEnum> {
    parsed
        .protobuf
        .stmts
        .first()
        .and_then(|raw| raw.stmt.as_ref())
        .and_then(|n| n.node.as_ref())
}

/// The first statement of a migration that is not schema DDL (data: INSERT, UPDATE, DELETE,
/// MERGE, COPY, TRUNCATE, SELECT, DO, CALL…), as (line, column, what it is): the schema
/// difference `squash` generates would lose it. A script the parser cannot read counts as one
/// (line 1): what it does cannot be known.
pub fn data_statement(sql: &str) -> Option<(usize, usize, String)> {
    let statements = match pg_query::split_with_parser(sql) {
        Ok(s) => s,
        Err(e) => return Some((1, 1, format!("a script the SQL parser cannot read: {e}"))),
    };
    let base = sql.as_ptr() as usize;
    for text in statements {
        let start = first_token(sql, (text.as_ptr() as usize).saturating_sub(base));
        let Ok(parsed) = pg_query::parse(text, pg_query::ParserOptions::default()) else {
            let (line, column) = line_col(sql, start);
            return Some((
                line,
                column,
                "a statement the SQL parser cannot read".into(),
            ));
        };
        let node = first_node(&parsed);
        let what = match node {
            Some(NodeEnum::InsertStmt(_)) => "INSERT",
            Some(NodeEnum::UpdateStmt(_)) => "UPDATE",
            Some(NodeEnum::DeleteStmt(_)) => "DELETE",
            Some(NodeEnum::MergeStmt(_)) => "MERGE",
            Some(NodeEnum::CopyStmt(_)) => "COPY",
            Some(NodeEnum::TruncateStmt(_)) => "TRUNCATE",
            Some(NodeEnum::SelectStmt(_)) => "SELECT",
            Some(NodeEnum::DoStmt(_)) => "DO",
            Some(NodeEnum::CallStmt(_)) => "CALL",
            Some(NodeEnum::ExecuteStmt(_)) => "EXECUTE",
            Some(NodeEnum::RefreshMatViewStmt(_)) => "REFRESH MATERIALIZED VIEW",
            Some(NodeEnum::NotifyStmt(_)) => "NOTIFY",
            Some(NodeEnum::ExplainStmt(_)) => "EXPLAIN",
            Some(NodeEnum::CreateTableAsStmt(c))
                if c.objtype != protobuf::ObjectType::ObjectMatview as i32 =>
            {
                "CREATE TABLE AS"
            }
            _ => continue,
        };
        let (line, column) = line_col(sql, start);
        return Some((line, column, format!("{what} at line {line}")));
    }
    None
}

/// Whether the script's last statement has no `;` (comments aside): another script appended
/// to it would continue that statement. A script the scanner cannot read counts as open.
pub fn ends_open(sql: &str) -> bool {
    // No tokens at all: nothing to scan (the scanner gives a null list then).
    if sql.trim().is_empty() {
        return false;
    }
    let Ok(tokens) = pg_query::scan_tokens(sql) else {
        return true;
    };
    let is = |t: &protobuf::ScanToken, k: Token| t.token == k as i32;
    tokens
        .iter()
        .rev()
        .find(|t| !is(t, Token::SqlComment) && !is(t, Token::CComment))
        .is_some_and(|t| !is(t, Token::Ascii59))
}

fn copy_problem(c: &protobuf::CopyStmt) -> Option<(String, String)> {
    if c.is_program || !c.filename.is_empty() {
        return None;
    }
    Some(if c.is_from {
        (
            "COPY … FROM STDIN cannot run in a migration: nothing sends it data, so the server \
             would wait forever while the migration lock is held"
                .into(),
            "load the rows with INSERT … VALUES (or COPY … FROM a file on the database server)"
                .into(),
        )
    } else {
        (
            "COPY … TO STDOUT cannot run in a migration: it sends rows to a client that has no \
             use for them"
                .into(),
            "remove the COPY (or write to a file on the database server: COPY … TO '/path')".into(),
        )
    })
}

fn transaction_problem(t: &protobuf::TransactionStmt, no_tx: bool) -> (String, String) {
    use TransactionStmtKind as K;
    let name = match TransactionStmtKind::try_from(t.kind).unwrap_or(K::Undefined) {
        K::TransStmtBegin => "BEGIN",
        K::TransStmtStart => "START TRANSACTION",
        K::TransStmtCommit => "COMMIT",
        K::TransStmtRollback => "ROLLBACK",
        K::TransStmtSavepoint => "SAVEPOINT",
        K::TransStmtRelease => "RELEASE SAVEPOINT",
        K::TransStmtRollbackTo => "ROLLBACK TO SAVEPOINT",
        K::TransStmtPrepare => "PREPARE TRANSACTION",
        K::TransStmtCommitPrepared => "COMMIT PREPARED",
        K::TransStmtRollbackPrepared => "ROLLBACK PREPARED",
        K::Undefined => "a transaction-control statement",
    };
    if no_tx {
        (
            format!(
                "{name} in a `-- no-transaction` migration: transaction control is not allowed \
                 in migrations (the migrator decides where transactions begin and end)"
            ),
            format!("remove the {name}"),
        )
    } else {
        (
            format!(
                "{name} controls the transaction this migration runs in together with its \
                 bookkeeping row: the migration would no longer apply all or nothing"
            ),
            format!(
                "remove the {name} (each migration already runs in one transaction; for \
                 statements that cannot, use a `-- no-transaction` file with one statement)"
            ),
        )
    }
}

/// The parser could not read the script: looks for `COPY … STDIN/STDOUT` statement by
/// statement in the scanner's tokens (strings, dollar quotes and comments are single tokens).
fn copy_by_tokens(sql: &str) -> Option<Problem> {
    let tokens = pg_query::scan_tokens(sql).ok()?;
    let mut statement: Vec<&protobuf::ScanToken> = Vec::new();
    let is = |t: &protobuf::ScanToken, k: Token| t.token == k as i32;
    let mut found = None;
    for t in tokens.iter().chain(std::iter::once(&protobuf::ScanToken {
        start: 0,
        end: 0,
        token: Token::Ascii59 as i32,
        keyword_kind: 0,
    })) {
        if is(t, Token::SqlComment) || is(t, Token::CComment) {
            continue;
        }
        if !is(t, Token::Ascii59) {
            statement.push(t);
            continue;
        }
        if let Some(first) = statement.first()
            && is(first, Token::Copy)
        {
            let direction = statement.iter().find_map(|t| {
                (is(t, Token::Stdin) || is(t, Token::Stdout)).then_some(is(t, Token::Stdin))
            });
            if let Some(from) = direction {
                found = Some((first.start, from));
                break;
            }
        }
        statement.clear();
    }
    let (start, from) = found?;
    let stmt = protobuf::CopyStmt {
        is_from: from,
        ..Default::default()
    };
    let (what, fix) = copy_problem(&stmt)?;
    let (line, column) = line_col(sql, usize::try_from(start).unwrap_or(0));
    Some(Problem {
        line,
        column,
        what,
        fix,
    })
}

/// The byte offset of the first token at or after `from` (skips blanks and comments, which
/// the parser counts as part of the statement that follows them).
fn first_token(sql: &str, from: usize) -> usize {
    let bytes = sql.as_bytes();
    let mut i = from.min(bytes.len());
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"--") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"/*") {
            // Block comments nest in PostgreSQL.
            let mut depth = 0usize;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            return i;
        }
    }
}

/// 1-based line and column (in characters) of byte offset `at` of `text`.
fn line_col(text: &str, at: usize) -> (usize, usize) {
    let before = text.get(..at).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    #[test]
    fn scripts_that_end_open_are_seen() {
        use super::ends_open;
        assert!(ends_open("CREATE TABLE t ()"));
        assert!(ends_open("CREATE TABLE t ()\n-- done; really\n"));
        assert!(!ends_open("CREATE TABLE t (); -- done\n/* ok */"));
        assert!(!ends_open("-- nothing\n"));
        assert!(!ends_open(""));
        assert!(!ends_open(" \n"));
    }

    #[test]
    fn data_statements_are_found_with_their_line() {
        use super::data_statement;
        let ddl = "CREATE TABLE t (id int);\nCREATE INDEX ON t (id);\n\
                   CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ DELETE FROM t $$;\n\
                   CREATE MATERIALIZED VIEW v AS SELECT 1 AS x;";
        assert_eq!(data_statement(ddl), None);
        let data = "-- seed\nCREATE TABLE t (id int);\n\n  INSERT INTO t VALUES (1);";
        assert_eq!(
            data_statement(data),
            Some((4, 3, "INSERT at line 4".into()))
        );
        for (sql, what) in [
            ("UPDATE t SET id = 2", "UPDATE"),
            ("DO $$ BEGIN END $$", "DO"),
            ("SELECT setval('s', 3)", "SELECT"),
            ("TRUNCATE t", "TRUNCATE"),
            ("CREATE TABLE u AS SELECT 1", "CREATE TABLE AS"),
        ] {
            assert!(
                data_statement(sql).is_some_and(|(_, _, w)| w.starts_with(what)),
                "{sql}"
            );
        }
    }

    use super::*;

    fn at(sql: &str, no_tx: bool) -> Option<(usize, usize)> {
        check(sql, no_tx).map(|p| (p.line, p.column))
    }

    #[test]
    fn transaction_control_is_found_where_it_starts() {
        let sql =
            "-- header\ncreate table c1 (id int);\n\n  /* note */ commit;\ncreate table c2 ();";
        assert_eq!(at(sql, false), Some((4, 14)));
        assert!(check(sql, false).is_some_and(|p| p.what.starts_with("COMMIT")));
        for stmt in [
            "BEGIN",
            "begin work",
            "START TRANSACTION",
            "END",
            "ROLLBACK",
            "abort",
            "SAVEPOINT a",
            "RELEASE a",
            "ROLLBACK TO a",
            "PREPARE TRANSACTION 'x'",
            "COMMIT PREPARED 'x'",
            "ROLLBACK PREPARED 'x'",
        ] {
            let sql = format!("select 1;\n{stmt};\nselect 2;");
            assert_eq!(at(&sql, false), Some((2, 1)), "{stmt}");
        }
    }

    #[test]
    fn bodies_of_functions_and_do_blocks_are_not_statements() {
        let sql = "create function f() returns void language plpgsql as $$ begin commit; end $$;\n\
                   do $x$ begin rollback; end $x$;\n\
                   create procedure p() language sql begin atomic select 1; end;\n\
                   select 'commit; copy t from stdin;';\n";
        assert_eq!(check(sql, false), None);
    }

    #[test]
    fn copy_from_stdin_and_to_stdout_are_refused_but_files_are_not() {
        assert_eq!(
            at("create table t ();\ncopy t from stdin;\n", false),
            Some((2, 1))
        );
        let p = check("copy t (a) from stdin with (format csv);\n1\n\\.\n", false);
        assert!(p.is_some_and(|p| p.what.contains("FROM STDIN")));
        let p = check("select 1;\n  COPY (select 1) TO STDOUT;", true);
        assert!(
            p.as_ref().is_some_and(|p| p.what.contains("TO STDOUT")),
            "{p:?}"
        );
        assert_eq!(check("copy t from '/tmp/x.csv';", false), None);
        assert_eq!(check("copy t to program 'cat';", false), None);
    }

    #[test]
    fn no_transaction_files_hold_one_statement() {
        assert_eq!(
            check(
                "-- no-transaction\ncreate index concurrently i on t (a);\n",
                true
            ),
            None
        );
        let sql = "-- no-transaction\ncreate index concurrently i on t (a);\n-- next\ncreate index concurrently j on t (b);\n";
        assert_eq!(at(sql, true), Some((4, 1)));
        assert!(check(sql, true).is_some_and(|p| p.what.contains("statement 2 of 2")));
        // The same script in a transaction is fine (the server refuses CONCURRENTLY there).
        assert_eq!(check(sql, false), None);
    }

    #[test]
    fn schema_sql_may_end_its_transaction_but_not_copy_from_the_client() {
        assert_eq!(check_schema("create table t ();\ncommit;\n"), None);
        let p = check_schema("create table t ();\ncopy t from stdin;\n");
        assert_eq!(p.map(|p| (p.line, p.column)), Some((2, 1)));
        assert!(check_schema("select '\0'").is_some());
    }

    #[test]
    fn nul_bytes_are_placed() {
        let p = check("select 1;\nselect 'a\0b';", false);
        assert_eq!(p.map(|p| (p.line, p.column)), Some((2, 10)));
    }

    #[test]
    fn unparsable_scripts_run_unless_they_copy_from_stdin() {
        // Not valid SQL for this parser: the server decides.
        assert_eq!(check("create table t (;\ncommit;", false), None);
        let sql = "create tabel t ();\n-- c\ncopy t from stdin;";
        assert_eq!(at(sql, false), Some((3, 1)));
        assert_eq!(
            check("frobnicate; copy t to stdout", false).map(|p| p.line),
            Some(1)
        );
        assert_eq!(check("frobnicate; copy t to '/x'", false), None);
    }

    #[test]
    fn columns_count_characters() {
        assert_eq!(line_col("é;\nab commit", 6), (2, 3));
        assert_eq!(first_token("  /* a /* b */ c */ -- x\n  x", 0), 27);
    }
}
