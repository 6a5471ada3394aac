//! The typed admin→migrator contract. `admin` never builds the migrator's argv with `format!`:
//! it fills the migrator's own clap types and [`to_argv`] turns them into argv, which the
//! round-trip test parses back with the migrator's parser. The migrator's `--format json`
//! progress is a stream of [`Event`]s, one JSON object per line on stdout.

use serde::{Deserialize, Serialize};

use crate::cli::{Cli, Command};
use crate::output::Format;

/// One progress event of `migrate`/`downgrade --format json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// The run starts; `total` migrations will be applied (or reverted).
    Start { direction: Direction, total: usize },
    /// One migration starts running.
    Running {
        version: i64,
        description: String,
        index: usize,
    },
    /// One migration was applied (committed with its bookkeeping row).
    Applied {
        version: i64,
        description: String,
        duration_ms: f64,
    },
    /// One migration was reverted.
    Reverted {
        version: i64,
        description: String,
        duration_ms: f64,
    },
    /// One migration failed and was rolled back; the run stops.
    Failed {
        version: i64,
        description: String,
        error: String,
    },
    /// The run ended; `count` migrations were applied (or reverted).
    Done {
        direction: Direction,
        count: usize,
        duration_ms: f64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

/// The argv (after the program name) that makes the migrator parse exactly `cli`.
/// `--database-url` is only passed when set: inside the container DATABASE_URL comes from the
/// container's environment and never travels on a command line.
pub fn to_argv(cli: &Cli) -> Vec<String> {
    let mut argv: Vec<String> = Vec::new();
    if let Some(url) = &cli.database_url {
        argv.push(format!("--database-url={url}"));
    }
    if let Some(var) = &cli.database_url_env {
        argv.push(format!("--database-url-env={var}"));
    }
    if let Some(dir) = &cli.migrations_dir {
        argv.push(format!("--migrations-dir={}", dir.display()));
    }
    if cli.format == Format::Json {
        argv.push("--format=json".into());
    }
    for _ in 0..cli.verbose {
        argv.push("-v".into());
    }
    if cli.bundle {
        argv.push("--bundle".into());
    }
    if cli.protocol {
        argv.push("--protocol".into());
    }
    match &cli.command {
        Command::Makemigrations(a) => {
            argv.push("makemigrations".into());
            argv.push(format!("--message={}", a.message));
            if a.empty {
                argv.push("--empty".into());
            }
            if let Some(schema) = &a.schema {
                argv.push(format!("--schema={}", schema.display()));
            }
            for (on, flag) in [
                (a.check, "--check"),
                (a.strict, "--strict"),
                (a.no_verify, "--no-verify"),
                (a.no_cache, "--no-cache"),
                (a.from_database, "--from-database"),
            ] {
                if on {
                    argv.push(flag.into());
                }
            }
        }
        Command::Migrate(a) => {
            argv.push("migrate".into());
            if a.dry_run {
                argv.push("--dry-run".into());
            }
            if a.plan {
                argv.push("--plan".into());
            }
            if a.allow_out_of_order {
                argv.push("--allow-out-of-order".into());
            }
            argv.push(format!("--lock-timeout={}", a.lock_timeout));
            if let Some(t) = a.target {
                argv.push("--".into());
                argv.push(t.to_string());
            }
        }
        Command::Downgrade(a) => {
            argv.push("downgrade".into());
            if a.dry_run {
                argv.push("--dry-run".into());
            }
            if a.plan {
                argv.push("--plan".into());
            }
            argv.push(format!("--lock-timeout={}", a.lock_timeout));
            argv.push("--".into());
            argv.push(a.target.to_string());
        }
        Command::History => argv.push("history".into()),
        Command::Current => argv.push("current".into()),
        Command::Drift => argv.push("drift".into()),
        Command::Baseline(a) => {
            argv.push("baseline".into());
            argv.push(format!("--message={}", a.message));
        }
        Command::Reset(a) => {
            argv.push("reset".into());
            if a.yes {
                argv.push("--yes".into());
            }
        }
        Command::Pull(a) => {
            argv.push("pull".into());
            if a.force {
                argv.push("--force".into());
            }
            if let Some(o) = &a.output {
                argv.push(format!("--output={}", o.display()));
            }
        }
        Command::Stamp(a) => {
            argv.push("stamp".into());
            argv.push(format!("--lock-timeout={}", a.lock_timeout));
            argv.push("--".into());
            argv.push(a.target.to_string());
        }
        Command::Graph(a) => {
            argv.push("graph".into());
            argv.push(format!("--to={}", a.to.name()));
            for (on, flag) in [(a.from_database, "--from-database"), (a.force, "--force")] {
                if on {
                    argv.push(flag.into());
                }
            }
            if let Some(o) = &a.output {
                argv.push(format!("--output={}", o.display()));
            }
            if let Some(schema) = &a.schema {
                argv.push(format!("--schema={}", schema.display()));
            }
        }
        Command::Sqlmigrate(a) => {
            argv.push("sqlmigrate".into());
            if a.down {
                argv.push("--down".into());
            }
            argv.push("--".into());
            argv.push(a.version.to_string());
        }
        Command::Squash(a) => {
            argv.push("squash".into());
            argv.push(format!("--message={}", a.message));
            if a.concat {
                argv.push("--concat".into());
            }
            argv.push("--".into());
            argv.extend(a.range.iter().map(i64::to_string));
        }
    }
    argv
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::*;
    use clap::Parser;
    use proptest::prelude::*;
    use std::path::PathBuf;

    /// `--dry-run` and `--plan` (never both: clap refuses the pair).
    fn arb_checks() -> impl Strategy<Value = (bool, bool)> {
        prop_oneof![
            Just((false, false)),
            Just((true, false)),
            Just((false, true))
        ]
    }

    fn arb_command() -> impl Strategy<Value = Command> {
        prop_oneof![
            (
                "\\PC{0,40}",
                any::<bool>(),
                proptest::option::of("[a-zA-Z0-9_./ -]{1,30}"),
                any::<[bool; 5]>()
            )
                .prop_map(
                    |(message, empty, schema, [check, strict, no_verify, no_cache, from_db])| {
                        Command::Makemigrations(MakemigrationsArgs {
                            message,
                            empty,
                            from_database: from_db && !empty && !check && schema.is_none(),
                            schema: schema.map(PathBuf::from),
                            check,
                            strict,
                            no_verify,
                            no_cache,
                        })
                    }
                ),
            (
                proptest::option::of(prop_oneof![
                    Just(MigrateTarget::Head),
                    (1u32..=u32::MAX).prop_map(MigrateTarget::Steps),
                    (0i64..i64::MAX).prop_map(MigrateTarget::Version)
                ]),
                arb_checks(),
                any::<bool>(),
                0u64..100_000
            )
                .prop_map(
                    |(target, (dry_run, plan), allow_out_of_order, lock_timeout)| {
                        Command::Migrate(MigrateArgs {
                            target,
                            dry_run,
                            plan,
                            allow_out_of_order,
                            lock_timeout,
                        })
                    }
                ),
            (
                prop_oneof![
                    (1u32..=u32::MAX).prop_map(DowngradeTarget::Steps),
                    (0i64..i64::MAX).prop_map(DowngradeTarget::Version),
                    Just(DowngradeTarget::Zero)
                ],
                arb_checks(),
                0u64..1000
            )
                .prop_map(
                    |(target, (dry_run, plan), lock_timeout)| Command::Downgrade(DowngradeArgs {
                        target,
                        dry_run,
                        plan,
                        lock_timeout
                    })
                ),
            Just(Command::History),
            Just(Command::Current),
            Just(Command::Drift),
            any::<bool>().prop_map(|yes| Command::Reset(ResetArgs { yes })),
            "\\PC{0,40}".prop_map(|message| Command::Baseline(BaselineArgs { message })),
            (any::<bool>(), proptest::option::of("[a-z/._-]{1,12}")).prop_map(|(force, o)| {
                Command::Pull(PullArgs {
                    output: o.map(std::path::PathBuf::from),
                    force,
                })
            }),
            (
                prop_oneof![
                    Just(StampTarget::Head),
                    Just(StampTarget::Base),
                    (0i64..i64::MAX).prop_map(StampTarget::Version)
                ],
                0u64..1000
            )
                .prop_map(|(target, lock_timeout)| Command::Stamp(StampArgs {
                    target,
                    lock_timeout
                })),
            (0i64..i64::MAX, any::<bool>())
                .prop_map(|(version, down)| Command::Sqlmigrate(SqlmigrateArgs { version, down })),
            (
                proptest::collection::vec(0i64..i64::MAX, 1..=2),
                "\\PC{0,40}",
                any::<bool>()
            )
                .prop_map(|(range, message, concat)| Command::Squash(SquashArgs {
                    range,
                    message,
                    concat
                })),
            (
                any::<[bool; 3]>(),
                proptest::option::of("[a-zA-Z0-9_./ -]{1,30}"),
                proptest::option::of("[a-zA-Z0-9_./ -]{1,30}"),
            )
                .prop_map(|([from_database, svg, force], output, schema)| {
                    Command::Graph(GraphArgs {
                        from_database,
                        to: if svg {
                            GraphFormat::Svg
                        } else {
                            GraphFormat::Mermaid
                        },
                        output: output.map(PathBuf::from),
                        force,
                        schema: schema.map(PathBuf::from),
                    })
                }),
        ]
    }

    proptest! {
        /// Whatever admin asks for, the migrator's own parser reads back exactly that.
        #[test]
        fn argv_round_trips_through_the_migrator_parser(
            command in arb_command(),
            url in proptest::option::of("postgres://[a-z]{1,8}:[ -~]{1,12}@[a-z]{1,8}/[a-z]{1,8}"),
            url_env in proptest::option::of("[A-Z_][A-Z0-9_]{0,20}"),
            dir in proptest::option::of("[a-zA-Z0-9_./ -]{1,30}"),
            json in any::<bool>(),
            verbose in 0u8..4,
            bundle in any::<bool>(),
            protocol in any::<bool>(),
        ) {
            let cli = Cli {
                database_url: url,
                database_url_env: url_env,
                migrations_dir: dir.map(PathBuf::from),
                format: if json { Format::Json } else { Format::Text },
                verbose,
                bundle,
                protocol,
                command,
            };
            let mut argv = vec!["migrator".to_string()];
            argv.extend(to_argv(&cli));
            let parsed = Cli::try_parse_from(&argv).map_err(|e| e.to_string());
            // DATABASE_URL / MIGRATIONS_DIR / SCHEMA_FILE in the test environment would fill a
            // None; compare the rest then.
            let parsed = parsed.map(|mut p| {
                if cli.database_url.is_none() {
                    p.database_url = None;
                }
                if cli.migrations_dir.is_none() {
                    p.migrations_dir = None;
                }
                if let (Command::Makemigrations(want), Command::Makemigrations(got)) =
                    (&cli.command, &mut p.command)
                    && want.schema.is_none()
                {
                    got.schema = None;
                }
                if let (Command::Graph(want), Command::Graph(got)) = (&cli.command, &mut p.command)
                    && want.schema.is_none()
                {
                    got.schema = None;
                }
                p
            });
            prop_assert_eq!(parsed, Ok(cli));
        }
    }

    /// The Alembic/Django forms, each rendered and parsed back (the property test covers the
    /// rest): `head`, `+N`, `-N`, `base`/`zero`, `--plan`.
    #[test]
    fn target_forms_round_trip() {
        let cases = [
            (&["migrate", "head"][..], "head"),
            (&["migrate", "+3", "--plan"], "+3"),
            (&["migrate", "20260101000000"], "20260101000000"),
            (&["downgrade", "-2", "--plan"], "-2"),
            (&["downgrade", "base"], "zero"),
            (&["downgrade", "zero", "--dry-run"], "zero"),
            (&["stamp", "base"], "base"),
            (&["stamp", "zero"], "base"),
            (&["stamp", "head"], "head"),
        ];
        for (args, rendered) in cases {
            let mut argv = vec!["migrator"];
            argv.extend(args);
            let cli = Cli::try_parse_from(&argv).map_err(|e| e.to_string());
            let Ok(cli) = cli else {
                panic!("{args:?}: {cli:?}");
            };
            let out = to_argv(&cli);
            assert_eq!(out.last().map(String::as_str), Some(rendered), "{out:?}");
            assert_eq!(
                out.contains(&"--plan".to_string()),
                args.contains(&"--plan")
            );
            let mut again = vec!["migrator".to_string()];
            again.extend(out);
            let back = Cli::try_parse_from(&again).map_err(|e| e.to_string());
            assert_eq!(back, Ok(cli), "{args:?}");
        }
    }

    #[test]
    fn events_are_one_json_object_each() {
        let e = Event::Applied {
            version: 20260101000000,
            description: "add users".into(),
            duration_ms: 1.5,
        };
        let line = serde_json::to_string(&e).map_err(|e| e.to_string());
        assert_eq!(
            line.as_deref(),
            Ok(
                r#"{"event":"applied","version":20260101000000,"description":"add users","duration_ms":1.5}"#
            )
        );
        let back: Result<Event, _> = serde_json::from_str(line.as_deref().unwrap_or(""));
        assert_eq!(back.ok(), Some(e));
    }
}
