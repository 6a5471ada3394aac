//! `admin`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use admin::admin::cli::Cli;
use admin::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.format, cli.verbose);
    admin::logging::init(cli.verbose);
    admin::entry::run(&printer, admin::admin::run(cli, &printer))
}
