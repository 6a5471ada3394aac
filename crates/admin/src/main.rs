//! `admin`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use admin::cli::Cli;
use admin::settings::{no_color, process_env};
use protocol::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let env = process_env();
    let printer = Printer::new(cli.format, cli.verbose, no_color(&env));
    protocol::logging::init(cli.verbose);
    protocol::entry::run(&printer, admin::code_of, admin::run(cli, env, &printer))
}
