//! Recognising the engine's "could not start the program" message (missing binary, unknown
//! user, bad working directory) and turning it into an error with a next step.

/// The engine could not start the program; see [`super::DockerError::ExecStartFailed`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartFailure {
    pub program: String,
    /// The container as the caller named it (name or id).
    pub container: String,
    pub user: Option<String>,
    pub working_dir: Option<String>,
    /// The engine's words, e.g. `OCI runtime exec failed: … executable file not found …`.
    pub message: String,
    /// 126 or 127, passed through as the exit code.
    pub exit_code: i64,
}

impl std::fmt::Display for StartFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&start_failure_message(
            &self.program,
            &self.container,
            self.user.as_deref(),
            self.working_dir.as_deref(),
            &self.message,
        ))
    }
}

/// The engine's message when it could not start the program ("OCI runtime exec failed: …" for
/// a missing binary or working directory, "unable to find user …" for an unknown user, older
/// engines: "rpc error: … oci runtime error: …"). It arrives as the first output message,
/// followed by exit code 126 or 127.
pub(super) fn start_failure(first_message: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(first_message);
    let text = text.trim();
    let lower = text.to_ascii_lowercase();
    let is_failure = lower.starts_with("oci runtime exec failed")
        || lower.starts_with("unable to find user ")
        || lower.starts_with("unable to find group ")
        || (lower.starts_with("rpc error:") && lower.contains("oci runtime error"));
    is_failure.then(|| text.to_string())
}

/// The text of a [`StartFailure`]: what failed, the runtime's words, a next step.
fn start_failure_message(
    program: &str,
    container: &str,
    user: Option<&str>,
    working_dir: Option<&str>,
    message: &str,
) -> String {
    let as_user = user.map(|u| format!(" as user {u}")).unwrap_or_default();
    let lower = message.to_ascii_lowercase();
    let hint = if lower.contains("unable to find user") || lower.contains("no matching entries") {
        format!(
            "use a numeric UID:GID or a user that exists in the image: docker exec {container} cat /etc/passwd"
        )
    } else if lower.contains("chdir") || lower.contains("working directory") {
        match working_dir {
            Some(dir) => {
                format!("check the working directory exists: docker exec {container} ls -ld {dir}")
            }
            None => format!("check the image's working directory: docker inspect {container}"),
        }
    } else if program.contains('/') {
        format!(
            "check the program exists and is executable: docker exec {container} ls -l {program}"
        )
    } else {
        format!("give the full path or check PATH: docker exec {container} printenv PATH")
    };
    format!("cannot start `{program}` in container {container}{as_user}: {message}\nhint: {hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_start_failures_are_recognised() {
        let modern = b"OCI runtime exec failed: exec failed: unable to start container process: \
            exec: \"nope\": executable file not found in $PATH: unknown\r\n";
        assert_eq!(
            start_failure(modern).as_deref(),
            Some(
                "OCI runtime exec failed: exec failed: unable to start container process: \
                 exec: \"nope\": executable file not found in $PATH: unknown"
            )
        );
        let old = b"rpc error: code = 2 desc = oci runtime error: exec failed: no such file";
        assert!(start_failure(old).is_some());
        let user = b"unable to find user nosuchuser: no matching entries in passwd file\n";
        assert_eq!(
            start_failure(user).as_deref(),
            Some("unable to find user nosuchuser: no matching entries in passwd file")
        );
        assert_eq!(start_failure(b"hello\n"), None);
        assert_eq!(start_failure(b"error: OCI runtime exec failed"), None);
    }

    #[test]
    fn start_failure_hints_fit_the_cause() {
        let missing = start_failure_message(
            "/usr/local/bin/migrator",
            "shop-api-1",
            None,
            None,
            "OCI runtime exec failed: exec failed: no such file or directory: unknown",
        );
        assert_eq!(
            missing,
            "cannot start `/usr/local/bin/migrator` in container shop-api-1: OCI runtime exec \
             failed: exec failed: no such file or directory: unknown\n\
             hint: check the program exists and is executable: docker exec shop-api-1 ls -l \
             /usr/local/bin/migrator"
        );
        let user = start_failure_message(
            "migrator",
            "shop-api-1",
            Some("app"),
            None,
            "OCI runtime exec failed: unable to find user app: no matching entries in passwd file",
        );
        assert!(user.starts_with("cannot start `migrator` in container shop-api-1 as user app: "));
        assert!(user.ends_with("hint: use a numeric UID:GID or a user that exists in the image: docker exec shop-api-1 cat /etc/passwd"));
        let on_path = start_failure_message(
            "migrator",
            "c",
            None,
            None,
            "OCI runtime exec failed: executable file not found in $PATH",
        );
        assert!(
            on_path
                .ends_with("hint: give the full path or check PATH: docker exec c printenv PATH")
        );
        let chdir = "OCI runtime exec failed: exec failed: unable to start container process: \
            chdir to cwd (\"/app\") set in config.json failed: no such file or directory: unknown";
        let dir = start_failure_message("migrator", "c", None, Some("/app"), chdir);
        assert!(
            dir.ends_with("hint: check the working directory exists: docker exec c ls -ld /app")
        );
        let image_dir = start_failure_message("migrator", "c", None, None, chdir);
        assert!(image_dir.ends_with("hint: check the image's working directory: docker inspect c"));
    }
}
