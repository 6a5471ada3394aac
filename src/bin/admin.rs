//! `admin`: parse args, run, print the error once, exit with its code.

use clap::Parser;

use admin::admin::cli::Cli;
use admin::output::Printer;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let printer = Printer::new(cli.format, cli.verbose);
    admin::logging::init(cli.verbose);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build();
    let result = match runtime {
        Ok(rt) => rt.block_on(admin::admin::run(cli, &printer)),
        Err(e) => Err(anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    match result {
        Ok(code) => code.into(),
        Err(err) => {
            // If stderr itself is gone there is nobody left to tell.
            if printer.error(&err).is_err() {
                return admin::exit::ExitCode::Failure.into();
            }
            admin::exit::of(&err).into()
        }
    }
}
