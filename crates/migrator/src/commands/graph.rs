//! `migrator graph [--from-database] [--to mermaid|svg] [-o FILE] [--force] [--schema FILE]`:
//! an entity-relationship diagram of schema.sql (loaded into a shadow database the way
//! makemigrations loads it) or of the live database, read by the engine's introspection and
//! drawn by the pure [`crate::graph`] module. Without -o the diagram is data on stdout (in
//! protocol mode it goes to admin, which prints it or writes its own -o on the host); with -o
//! it is written whole, never over an existing file without --force.

use std::path::Path;

use protocol::cli::{GraphArgs, GraphFormat};
use protocol::pair;
use protocol::results::Outcome;
use protocol::text::{Base, FileRef};

use crate::commands;
use crate::commands::makemigrations::schema_input_at;
use crate::error::{MigratorError, schema_ref};
use crate::exit::ExitCode;
use crate::graph;
use crate::output::Printer;
use crate::schema::SchemaError;
use crate::schema::generate::load;
use crate::schema::introspect::introspect;
use crate::schema::model::Schema;
use crate::settings::Settings;
use crate::sqlcheck;

/// The file `-o` names, as this side shows it.
fn output_ref(path: &Path) -> FileRef {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    FileRef::new(Base::Output, name, path.display().to_string())
}

pub async fn run(
    settings: &Settings,
    printer: &Printer,
    args: &GraphArgs,
) -> Result<ExitCode, MigratorError> {
    if let Some(o) = &args.output
        && o.exists()
        && !args.force
    {
        return Err(MigratorError::GraphExists {
            file: output_ref(o),
        });
    }
    let (schema, source) = if args.from_database {
        let mut db = commands::connect(settings).await?;
        let live = introspect(db.conn()).await?;
        db.close().await?;
        (live, None)
    } else {
        let (schema, file) = from_schema_file(settings, args.schema.as_deref()).await?;
        (schema, Some(file))
    };
    let model = graph::model(&schema);
    let text = match args.to {
        GraphFormat::Mermaid => graph::mermaid::render(&model),
        GraphFormat::Svg => graph::svg::render(&model),
    };
    let file = match &args.output {
        Some(path) => {
            let file = output_ref(path);
            pair::write_one(path, text.as_bytes(), args.force).map_err(|e| {
                MigratorError::WriteFile {
                    file: file.clone(),
                    source: e.source,
                }
            })?;
            Some(file)
        }
        None => None,
    };
    printer.report(&Outcome::Graph {
        source,
        format: args.to.name().into(),
        model,
        text,
        file,
    })?;
    Ok(ExitCode::Success)
}

/// schema.sql (from the bundle, `--schema`/SCHEMA_FILE, or beside the migrations folder),
/// checked and loaded into a shadow database, then read.
async fn from_schema_file(
    settings: &Settings,
    schema: Option<&Path>,
) -> Result<(Schema, FileRef), MigratorError> {
    let input = schema_input_at(settings, schema)?;
    let file = schema_ref(&input.shown);
    let Some(bytes) = input.bytes else {
        return Err(MigratorError::GraphNoSchema {
            file,
            given_by: input.given_by,
        });
    };
    let sql =
        String::from_utf8(bytes).map_err(|_| MigratorError::NotUtf8 { file: file.clone() })?;
    if let Some(p) = sqlcheck::check_schema(&sql) {
        return Err(SchemaError::SchemaFile {
            file,
            position: format!(" at line {}, column {}", p.line, p.column),
            message: format!("{} ({})", p.what, p.fix),
        }
        .into());
    }
    let url = commands::shadow_url(settings)?;
    let schema = load(&url, settings.pgpassword.as_deref(), &input.shown, &sql).await?;
    Ok((schema, file))
}
