//! Typed settings resolved once from the command line (and the env vars clap already read).

use std::path::PathBuf;

use super::cli::Cli;
use crate::output::Format;

#[derive(Debug, Clone)]
pub struct Settings {
    /// Never printed as is: use `redact::mask_url`.
    pub database_url: Option<String>,
    pub migrations_dir: PathBuf,
    pub format: Format,
    pub verbosity: u8,
}

impl Settings {
    pub fn resolve(cli: &Cli) -> Settings {
        Settings {
            database_url: cli.database_url.clone().filter(|u| !u.trim().is_empty()),
            migrations_dir: cli
                .migrations_dir
                .clone()
                .unwrap_or_else(|| PathBuf::from("./migrations")),
            format: cli.format,
            verbosity: cli.verbose,
        }
    }

    /// The migrations folder as shown in messages.
    pub fn dir_display(&self) -> String {
        self.migrations_dir.display().to_string()
    }

    /// How a file of the migrations folder is shown: as given on the command line, not
    /// canonicalised (so `./migrations/…` stays short and matches the user's view).
    pub fn shown(&self, path: &std::path::Path) -> String {
        match path.file_name() {
            Some(name) => self.migrations_dir.join(name).display().to_string(),
            None => path.display().to_string(),
        }
    }
}
