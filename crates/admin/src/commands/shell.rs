//! `admin db shell [-- CMD ARGS...]`: an interactive shell in the API container (bash if present,
//! else sh) on a terminal; with stdin not a terminal, no TTY: stdin is copied then closed.

use crate::compose::Project;
use crate::docker::{ExecOutcome, ExecRequest};
use crate::error::AdminError;
use crate::exit::ExitCode;
use crate::output::Printer;
use crate::settings::Settings;

pub async fn run(
    settings: &Settings,
    project: &Project,
    printer: &Printer,
    command: &[String],
) -> anyhow::Result<ExitCode> {
    let target = crate::target::select(settings, project, printer).await?;
    let argv = if command.is_empty() {
        let shell = if target.has_program("bash").await? {
            "bash"
        } else {
            "sh"
        };
        vec![shell.to_string()]
    } else {
        command.to_vec()
    };
    let (interactive, mode) = super::terminal_mode();
    printer.verbose(&format!(
        "run in {} ({}): {}",
        target.describe(),
        if interactive { "tty" } else { "no tty" },
        argv.join(" ")
    ))?;
    let program = argv[0].clone();
    let request = ExecRequest {
        argv,
        env: Vec::new(),
        user: None,
        working_dir: None,
        mode,
    };
    let mut sink = super::Passthrough(printer);
    let outcome = target.run(request, &mut sink).await?;
    match outcome {
        ExecOutcome::Exited(_) => Ok(outcome.exit_code()),
        ExecOutcome::Interrupted => Err(AdminError::Interrupted {
            program,
            target: target.describe(),
            killed: target.stops_on_interrupt(),
        }
        .into()),
    }
}
