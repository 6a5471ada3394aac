//! `migrator`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use admin::migrator::cli::Cli;
use admin::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    // Set by `admin` when it runs us in the container, so hints name `admin db …`.
    let invoked_as = std::env::var("MIGRATOR_INVOKED_AS").ok();
    let printer = Printer::new(cli.format, cli.verbose).with_invoked_as(invoked_as);
    admin::logging::init(cli.verbose);
    admin::entry::run(&printer, admin::migrator::run(cli, &printer))
}
