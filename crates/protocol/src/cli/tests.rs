//! Parsing the migrator's command line: the targets' forms and their refusals.

use super::*;
use clap::CommandFactory;

#[test]
fn cli_is_well_formed() {
    Cli::command().debug_assert();
}

#[test]
fn downgrade_targets_parse() {
    assert_eq!("-3".parse(), Ok(DowngradeTarget::Steps(3)));
    assert_eq!("zero".parse(), Ok(DowngradeTarget::Zero));
    assert_eq!("base".parse(), Ok(DowngradeTarget::Zero));
    assert_eq!(
        "20260101000000".parse(),
        Ok(DowngradeTarget::Version(20260101000000))
    );
    for bad in ["-0", "abc", "-x", "+1", "head", "", "1e3", " 1"] {
        assert!(bad.parse::<DowngradeTarget>().is_err(), "{bad}");
    }
}

#[test]
fn migrate_targets_parse() {
    assert_eq!("head".parse(), Ok(MigrateTarget::Head));
    assert_eq!("+1".parse(), Ok(MigrateTarget::Steps(1)));
    assert_eq!("+12".parse(), Ok(MigrateTarget::Steps(12)));
    assert_eq!("0".parse(), Ok(MigrateTarget::Version(0)));
    assert_eq!(
        "20260101000000".parse(),
        Ok(MigrateTarget::Version(20260101000000))
    );
    for bad in [
        "+0", "-0", "+x", "+", "-1", "base", "zero", "x", "", "++1", "+-1", "1.5",
    ] {
        assert!(bad.parse::<MigrateTarget>().is_err(), "{bad}");
    }
    // Going back points at downgrade with the same step count.
    let e = "-2".parse::<MigrateTarget>().err();
    assert_eq!(
        e.map(|e| (e.subcommand, e.args)),
        Some(("downgrade", "-2".to_string()))
    );
}

#[test]
fn stamp_targets_parse() {
    assert_eq!("head".parse(), Ok(StampTarget::Head));
    assert_eq!("base".parse(), Ok(StampTarget::Base));
    assert_eq!("zero".parse(), Ok(StampTarget::Base));
    assert_eq!("7".parse(), Ok(StampTarget::Version(7)));
    for bad in ["-1", "+1", "x", ""] {
        assert!(bad.parse::<StampTarget>().is_err(), "{bad}");
    }
}

fn parse(args: &[&str]) -> Result<Command, String> {
    let mut argv = vec!["migrator"];
    argv.extend(args);
    Cli::try_parse_from(argv)
        .map(|c| c.command)
        .map_err(|e| e.to_string())
}

#[test]
fn targets_as_alembic_and_django_users_type_them() {
    let migrate = |target, plan| {
        Ok(Command::Migrate(MigrateArgs {
            target,
            dry_run: false,
            plan,
            allow_out_of_order: false,
            lock_timeout: 60,
        }))
    };
    assert_eq!(parse(&["migrate"]), migrate(None, false));
    assert_eq!(
        parse(&["migrate", "head"]),
        migrate(Some(MigrateTarget::Head), false)
    );
    assert_eq!(
        parse(&["migrate", "+2", "--plan"]),
        migrate(Some(MigrateTarget::Steps(2)), true)
    );
    let downgrade = |target, plan| {
        Ok(Command::Downgrade(DowngradeArgs {
            target,
            dry_run: false,
            plan,
            lock_timeout: 60,
        }))
    };
    assert_eq!(
        parse(&["downgrade", "base"]),
        downgrade(DowngradeTarget::Zero, false)
    );
    assert_eq!(
        parse(&["downgrade", "-2", "--plan"]),
        downgrade(DowngradeTarget::Steps(2), true)
    );
    assert_eq!(
        parse(&["stamp", "base"]),
        Ok(Command::Stamp(StampArgs {
            target: StampTarget::Base,
            lock_timeout: 60
        }))
    );
    assert!(parse(&["migrate", "--plan", "--dry-run"]).is_err());
}

#[test]
fn bad_targets_name_the_accepted_forms_and_the_command_to_type() {
    let err = |args: &[&str]| {
        let mut argv = vec!["migrator"];
        argv.extend(args);
        match Cli::try_parse_from(argv) {
            Ok(c) => panic!("{args:?} parsed: {c:?}"),
            Err(e) => (e.exit_code(), e.to_string()),
        }
    };
    let cases: [(&[&str], &str, &str); 8] = [
        (
            &["migrate", "+0"],
            "`+0` is not a step count",
            "hint: migrator migrate +1",
        ),
        (
            &["migrate", "+x"],
            "`+x` is not a step count",
            "hint: migrator migrate +1",
        ),
        (
            &["migrate", "-0"],
            "`-0` goes back",
            "hint: migrator downgrade -1",
        ),
        (
            &["migrate", "-3"],
            "`-3` goes back",
            "hint: migrator downgrade -3",
        ),
        (
            &["migrate", "zero"],
            "downgrade's job",
            "hint: migrator downgrade base",
        ),
        (
            &["downgrade", "-0"],
            "`-0` is not a step count",
            "hint: migrator downgrade -1",
        ),
        (
            &["downgrade", "+2"],
            "`+2` goes forward",
            "hint: migrator migrate +2",
        ),
        (
            &["stamp", "nope"],
            "stamp takes a VERSION, `head`",
            "hint: migrator stamp head",
        ),
    ];
    for (args, message, hint) in cases {
        let (code, text) = err(args);
        assert_eq!(code, 2, "{args:?}");
        assert!(text.starts_with("error: "), "{text}");
        assert!(text.contains(message), "{args:?}: {text}");
        assert!(text.trim_end().ends_with(hint), "{args:?}: {text}");
    }
    let (_, text) = err(&["migrate", "x"]);
    assert!(text.contains("`head`") && text.contains("`+N`") && text.contains("VERSION"));
    let (_, text) = err(&["downgrade", "x"]);
    assert!(text.contains("`-N`") && text.contains("`base`") && text.contains("`zero`"));
}

#[test]
fn negative_step_parses_as_positional() {
    let cli = Cli::try_parse_from(["migrator", "downgrade", "-3"]).map_err(|e| e.to_string());
    let cli = cli.as_ref().map(|c| c.command.clone());
    assert_eq!(
        cli,
        Ok(Command::Downgrade(DowngradeArgs {
            target: DowngradeTarget::Steps(3),
            dry_run: false,
            plan: false,
            lock_timeout: 60
        }))
    );
}
