//! Text that crosses the admin↔migrator boundary as data: plain words, references to files
//! (a migration, the migrations folder, schema.sql — with line and column) and suggested
//! commands (the migrator's argv after the program name). Each side renders them its own way
//! ([`Names`]): the migrator with its own paths and `migrator …`, admin with host paths and
//! `admin db …`. Nothing is ever string-replaced or re-parsed.

use serde::{Deserialize, Serialize};

/// Which file a [`FileRef`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// A file in the migrations folder (`name` is its file name).
    Migration,
    /// The migrations folder itself (`name` is empty).
    MigrationsDir,
    /// The schema file (`name` is its file name).
    Schema,
    /// A file written where the user asked (`graph -o`): `shown` is the writing side's path.
    Output,
}

/// A file as the side that found it shows it (`shown`), and what it is, so that the other side
/// can show it as its own (a host path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub base: Base,
    pub name: String,
    /// How the side that made this reference shows the file (its own path).
    pub shown: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

impl FileRef {
    pub fn new(base: Base, name: impl Into<String>, shown: impl Into<String>) -> FileRef {
        FileRef {
            base,
            name: name.into(),
            shown: shown.into(),
            line: None,
            column: None,
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> FileRef {
        self.line = Some(line);
        self.column = Some(column);
        self
    }
}

/// A piece of [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Span {
    Plain(String),
    File(FileRef),
    /// A command to run: the migrator's arguments after its program name.
    Command(Vec<String>),
}

/// A line (or lines) of words, file references and commands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text(pub Vec<Span>);

impl Text {
    pub fn plain(s: impl Into<String>) -> Text {
        Text(vec![Span::Plain(s.into())])
    }

    /// Appends plain words.
    pub fn t(mut self, s: impl Into<String>) -> Text {
        self.0.push(Span::Plain(s.into()));
        self
    }

    /// Appends a file reference.
    pub fn file(mut self, f: FileRef) -> Text {
        self.0.push(Span::File(f));
        self
    }

    /// Appends a command (`args` after the program name).
    pub fn cmd<S: AsRef<str>>(mut self, args: &[S]) -> Text {
        self.0.push(Span::Command(
            args.iter().map(|a| a.as_ref().to_string()).collect(),
        ));
        self
    }

    /// Appends another text.
    pub fn then(mut self, other: Text) -> Text {
        self.0.extend(other.0);
        self
    }

    /// The text as the given side shows it.
    pub fn render(&self, names: &dyn Names) -> String {
        self.0
            .iter()
            .map(|s| match s {
                Span::Plain(p) => p.clone(),
                Span::File(f) => names.file(f),
                Span::Command(args) => names.command(args),
            })
            .collect()
    }

    /// Every file the text refers to.
    pub fn files(&self) -> impl Iterator<Item = &FileRef> {
        self.0.iter().filter_map(|s| match s {
            Span::File(f) => Some(f),
            _ => None,
        })
    }
}

/// How a side shows files and commands.
pub trait Names {
    /// A file (with `:line:column` when known).
    fn file(&self, f: &FileRef) -> String;
    /// A command: the program as this side's users type it, then `args`, shell-quoted.
    fn command(&self, args: &[String]) -> String;
}

/// `line:column` suffix of a file reference, as `path:line:column`.
pub fn with_position(path: &str, f: &FileRef) -> String {
    match (f.line, f.column) {
        (Some(l), Some(c)) => format!("{path}:{l}:{c}"),
        (Some(l), None) => format!("{path}:{l}"),
        _ => path.to_string(),
    }
}

/// An argument as a POSIX shell would need it to stay one word (placeholders like `<VERSION>`
/// and `"…"` pass as they are).
pub fn shell_word(a: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c);
    if a.is_empty() {
        "''".into()
    } else if a.chars().all(safe) || (a.starts_with('<') && a.ends_with('>')) || a == "\"…\"" {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', "'\\''"))
    }
}

/// The migrator's own way of showing names: its paths, `migrator …` commands.
pub struct MigratorNames;

impl Names for MigratorNames {
    fn file(&self, f: &FileRef) -> String {
        with_position(&f.shown, f)
    }

    fn command(&self, args: &[String]) -> String {
        let mut out = vec!["migrator".to_string()];
        out.extend(args.iter().map(|a| shell_word(a)));
        out.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Host;
    impl Names for Host {
        fn file(&self, f: &FileRef) -> String {
            with_position(&format!("host/{}", f.name), f)
        }
        fn command(&self, args: &[String]) -> String {
            format!("admin db {}", args.join(" "))
        }
    }

    #[test]
    fn each_side_renders_files_and_commands_its_own_way() {
        let f = FileRef::new(Base::Migration, "1_a.up.sql", "/app/migrations/1_a.up.sql").at(3, 7);
        let t = Text::plain("migration ")
            .file(f)
            .t(" failed\nhint: fix it, then run: ")
            .cmd(&["migrate", "--lock-timeout", "300"]);
        assert_eq!(
            t.render(&MigratorNames),
            "migration /app/migrations/1_a.up.sql:3:7 failed\nhint: fix it, then run: migrator migrate --lock-timeout 300"
        );
        assert_eq!(
            t.render(&Host),
            "migration host/1_a.up.sql:3:7 failed\nhint: fix it, then run: admin db migrate --lock-timeout 300"
        );
        let json = serde_json::to_string(&t).unwrap_or_default();
        assert_eq!(serde_json::from_str::<Text>(&json).ok(), Some(t));
    }

    #[test]
    fn command_arguments_are_quoted_for_a_shell() {
        assert_eq!(shell_word("add users"), "'add users'");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("<VERSION>"), "<VERSION>");
        assert_eq!(shell_word("--message=x"), "--message=x");
    }
}
