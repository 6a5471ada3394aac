//! Swarm stacks (issue 11): the task container on this engine, a one-off swarm job when no
//! task runs, and a real second node (another engine in its own network namespace, made by
//! scripts/swarm-node2.sh): tasks there are named with their node and reached through its
//! engine, jobs are scheduled there by the manager.

use super::{Stack, assert_no_canary, images, in_ci};

/// A stack project: db (with `db_deploy`) and api (plus `api_extra`), one migration; the
/// project name is the stack name.
fn stack_project(s: &mut Stack, images: &super::Images, db_deploy: &str, api_extra: &str) {
    s.write(
        "compose.yaml",
        &format!(
            "services:\n  db:\n    image: {db}\n    environment: {{POSTGRES_USER: app, POSTGRES_PASSWORD: \"${{POSTGRES_PASSWORD}}\", POSTGRES_DB: app}}\n    {db_deploy}\n  api:\n    image: {api}\n    environment:\n      DATABASE_URL: \"${{DATABASE_URL}}\"{api_extra}\n",
            db = images.db,
            api = images.api
        ),
    );
    s.files.push("compose.yaml".into());
    s.env.insert("COMPOSE_PROJECT_NAME".into(), s.name.clone());
    s.write_env();
    s.add_migration(
        "20260101000000_t",
        "CREATE TABLE t (id int);\n",
        "DROP TABLE t;\n",
    );
}

/// Leaves the swarm on drop when this test created it.
struct SwarmGuard {
    created: bool,
    stack: String,
}

impl SwarmGuard {
    fn join() -> SwarmGuard {
        SwarmGuard::join_at("127.0.0.1")
    }

    fn join_at(addr: &str) -> SwarmGuard {
        let state = std::process::Command::new("docker")
            .args(["info", "--format", "{{.Swarm.LocalNodeState}}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        let created = state != "active";
        if created {
            let out = std::process::Command::new("docker")
                .args(["swarm", "init", "--advertise-addr", addr])
                .output();
            assert!(
                out.as_ref().is_ok_and(|o| o.status.success()),
                "docker swarm init: {out:?}"
            );
        }
        SwarmGuard {
            created,
            stack: String::new(),
        }
    }
}

impl Drop for SwarmGuard {
    fn drop(&mut self) {
        if !self.stack.is_empty() {
            let _ = std::process::Command::new("docker")
                .args(["stack", "rm", &self.stack])
                .output();
            // The stack's containers and network go away asynchronously.
            for _ in 0..60 {
                let left = std::process::Command::new("docker")
                    .args(["ps", "-aq", "--filter"])
                    .arg(format!("label=com.docker.stack.namespace={}", self.stack))
                    .output()
                    .map(|o| !o.stdout.is_empty())
                    .unwrap_or(false);
                if !left {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(500));
            }
        }
        if self.created {
            let _ = std::process::Command::new("docker")
                .args(["swarm", "leave", "--force"])
                .output();
        }
    }
}

#[test]
fn swarm_stack_runs_in_the_task_container() {
    let Some(images) = images() else { return };
    // Joining and leaving a swarm changes the engine for everyone: no other stack meanwhile.
    let mut s = Stack::exclusive(images, "swm");
    // `dnsrr`: `db` resolves to the task's address directly. The default virtual IP needs the
    // kernel's IPVS, which some kernels (this CI machine's VM) lack.
    stack_project(&mut s, images, "deploy: {endpoint_mode: dnsrr}", "");
    let mut swarm = SwarmGuard::join();
    let deploy = std::process::Command::new("docker")
        .args([
            "stack",
            "deploy",
            "--detach=true",
            "-c",
            "compose.yaml",
            &s.name,
        ])
        .envs(&s.env)
        .current_dir(s.dir.path())
        .output();
    assert!(
        deploy.as_ref().is_ok_and(|o| o.status.success()),
        "docker stack deploy: {deploy:?}"
    );
    swarm.stack = s.name.clone();

    // The tasks start asynchronously and PostgreSQL needs a moment: wait for `current`.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let current = loop {
        let out = s.admin().args(["-v", "db", "current"]).run();
        if out.code == 0 || std::time::Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    };
    current
        .ok()
        .stderr_has(&format!("running in container {}_api.1.", s.name));
    let migrate = s.admin().args(["db", "migrate"]).run();
    migrate.ok().stderr_has("applied 20260101000000");
    s.admin()
        .args(["db", "history"])
        .run()
        .ok()
        .stdout_has("20260101000000");
    assert_eq!(s.services().len(), 0, "no Compose container was made");
    assert_eq!(s.oneoffs(), 0);

    // No running task: a one-off swarm job of the service (the engine's own mechanism), its
    // output and exit code passed through, the job removed afterwards.
    let scale = std::process::Command::new("docker")
        .args(["service", "scale", "--detach=false"])
        .arg(format!("{}_api=0", s.name))
        .output();
    assert!(scale.is_ok_and(|o| o.status.success()));
    let job = s.admin().args(["db", "current"]).run();
    job.ok()
        .stderr_has(&format!(
            "Using a one-off swarm job of service {}_api (no running task)",
            s.name
        ))
        .stdout_has("20260101000000");
    let jobs = std::process::Command::new("docker")
        .args(["service", "ls", "-q", "--filter"])
        .arg(format!("name={}_api_run", s.name))
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_else(|e| panic!("docker service ls: {e}"));
    assert_eq!(jobs, "", "the job was removed");
    // A job has no stdin: the working tree's files cannot go; --files image is the way.
    let no_stdin = s.admin().args(["db", "history"]).run();
    no_stdin
        .code(2)
        .stderr_has("has no stdin")
        .stderr_has("admin --files image db history");
    // --up cannot start a stack service: 12 and how to see why.
    let none = s.admin().args(["--up", "db", "current"]).run();
    none.code(12)
        .stderr_has(&format!(
            "the swarm service {}_api has no running task",
            s.name
        ))
        .stderr_has(&format!("docker service ps {}_api --no-trunc", s.name));
    assert_no_canary(&[&current, &migrate, &job, &no_stdin, &none]);
}

/// The second engine (scripts/swarm-node2.sh), removed on drop.
struct Node2 {
    host: String,
}

impl Node2 {
    fn up() -> Option<Node2> {
        if !rustix::process::getuid().is_root() {
            assert!(!in_ci(), "CI=true: the two-node swarm test needs root");
            return None;
        }
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/swarm-node2.sh");
        let out = std::process::Command::new("bash")
            .args([script, "up"])
            .output();
        let out = match out {
            Ok(o) if o.status.success() => o,
            other => panic!("{script} up: {other:?}"),
        };
        let host = String::from_utf8_lossy(&out.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("DOCKER2="))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("{script} printed no DOCKER2="));
        Some(Node2 { host })
    }

    fn docker(&self) -> std::process::Command {
        let mut c = std::process::Command::new("docker");
        c.args(["-H", &self.host]);
        c
    }
}

impl Drop for Node2 {
    fn drop(&mut self) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/swarm-node2.sh");
        let _ = std::process::Command::new("bash")
            .args([script, "down"])
            .output();
    }
}

fn ok(cmd: &mut std::process::Command, what: &str) -> String {
    match cmd.output() {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout).trim().to_owned(),
        other => panic!("{what}: {other:?}"),
    }
}

#[test]
fn two_node_swarm_names_the_node_reaches_it_and_schedules_jobs_there() {
    let Some(images) = images() else { return };
    let mut s = Stack::exclusive(images, "two");
    let Some(node2) = Node2::up() else { return };
    let mut swarm = SwarmGuard::join_at("10.99.0.1");
    let token = ok(
        std::process::Command::new("docker").args(["swarm", "join-token", "-q", "worker"]),
        "join-token",
    );
    ok(
        node2.docker().args([
            "swarm",
            "join",
            "--token",
            &token,
            "--advertise-addr",
            "10.99.0.2",
            "10.99.0.1:2377",
        ]),
        "node 2 joins",
    );
    let nodes = ok(
        std::process::Command::new("docker").args(["node", "ls", "--format", "{{.ID}} {{.Self}}"]),
        "node ls",
    );
    let worker = nodes
        .lines()
        .find(|l| l.ends_with(" false"))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no second node: {nodes}"))
        .to_owned();
    ok(
        std::process::Command::new("docker").args([
            "node",
            "update",
            "--label-add",
            "admin-test=node2",
            &worker,
        ]),
        "label node 2",
    );
    // Node 2 has no registry to pull from: the api image is copied over.
    let save = std::process::Command::new("docker")
        .args(["save", &images.api])
        .stdout(std::process::Stdio::piped())
        .spawn();
    let mut save = save.unwrap_or_else(|e| panic!("docker save: {e}"));
    let load = save.stdout.take().map(|out| {
        node2
            .docker()
            .arg("load")
            .stdin(std::process::Stdio::from(out))
            .output()
    });
    assert!(
        matches!(load, Some(Ok(ref o)) if o.status.success()),
        "docker load on node 2: {load:?}"
    );
    assert!(save.wait().is_ok_and(|st| st.success()));

    stack_project(
        &mut s,
        images,
        "deploy: {endpoint_mode: dnsrr, placement: {constraints: [\"node.role == manager\"]}}",
        "\n    deploy: {placement: {constraints: [\"node.labels.admin-test == node2\"]}}",
    );
    ok(
        std::process::Command::new("docker")
            .args([
                "stack",
                "deploy",
                "--detach=true",
                "-c",
                "compose.yaml",
                &s.name,
            ])
            .envs(&s.env)
            .current_dir(s.dir.path()),
        "stack deploy",
    );
    swarm.stack = s.name.clone();

    // Through node 2's engine: the task container there, the database on node 1 (overlay).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(150);
    let there = loop {
        let out = s
            .admin()
            .env("DOCKER_HOST", &node2.host)
            .args(["db", "migrate"])
            .run();
        if out.code == 0 || std::time::Instant::now() > deadline {
            break out;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
    };
    there.ok().stderr_has("applied 20260101000000");

    // From the manager: the task runs elsewhere, named with its node and how to reach it.
    let here = s.admin().args(["db", "current"]).run();
    here.code(12)
        .stderr_has("runs on node")
        .stderr_has("(10.99.0.2)")
        .stderr_has("DOCKER_HOST=ssh://10.99.0.2");

    // --run from the manager: a job, placed on node 2 by the service's constraint.
    let job = s
        .admin()
        .args(["--run", "--files", "image", "db", "current"])
        .run();
    job.ok()
        .stderr_has("one-off swarm job")
        .stdout_has("20260101000000");
    assert_no_canary(&[&there, &here, &job]);
    drop(swarm);
    drop(node2);
}
