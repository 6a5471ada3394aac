//! `migrator`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use migrator::settings::ProcessEnv;
use protocol::cli::Cli;
use protocol::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let env = ProcessEnv::read();
    let printer =
        Printer::new(cli.format, cli.verbose, env.no_color).with_invoked_as(env.invoked_as.clone());
    protocol::logging::init(cli.verbose);
    protocol::entry::run(
        &printer,
        migrator::code_of,
        migrator::run(cli, env, &printer),
    )
}
