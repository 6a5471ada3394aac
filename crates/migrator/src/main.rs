//! `migrator`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use migrator::settings::ProcessEnv;
use protocol::cli::Cli;
use protocol::entry::Errors;
use protocol::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let env = ProcessEnv::read(cli.database_url_env.as_deref());
    let printer = Printer::new(cli.format, cli.verbose, env.no_color).with_protocol(cli.protocol);
    protocol::logging::init(cli.verbose);
    let errors = Errors {
        code_of: migrator::code_of,
        diagnose: migrator::error::diagnose,
    };
    protocol::entry::run(&printer, errors, migrator::run(cli, env, &printer))
}
