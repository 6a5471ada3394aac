//! `admin`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use admin::cli::Cli;
use admin::settings::{no_color, process_env};
use protocol::entry::Errors;
use protocol::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let env = process_env();
    let printer = Printer::new(cli.format, cli.verbose, no_color(&env));
    protocol::logging::init(cli.verbose);
    let errors = Errors {
        code_of: admin::code_of,
        diagnose: |_| None,
    };
    protocol::entry::run(&printer, errors, admin::run(cli, env, &printer))
}
