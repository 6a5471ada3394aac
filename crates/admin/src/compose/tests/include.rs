//! `include:`: the API service may live in an included file; its relative paths resolve
//! against that file's directory; conflicts and cycles are errors naming the file.

use super::*;

#[test]
fn api_service_from_an_included_file_with_its_own_relative_paths() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "include:\n  - infra/db.yaml\n  - path: services/api.yaml\n    project_directory: services\nservices:\n  web:\n    image: web\n    depends_on: [api]\n",
    )
    .write("infra/db.yaml", "services:\n  db:\n    image: postgres:${PG:-16}\n")
    .write(
        "services/api.yaml",
        "services:\n  api:\n    image: app\n    env_file: .env.api\n    volumes: [\"./data:/data\"]\n    depends_on: [db]\n",
    );
    let p = ok(&ResolveOptions::default(), &f.root, &env(&[]));
    assert_eq!(p.service, "api");
    assert_eq!(p.services, vec!["api", "db", "web"]);
    let api = &p.service_config;
    assert_eq!(
        api.env_file[0].path,
        f.root.join("services/.env.api").display().to_string()
    );
    assert_eq!(
        api.volumes[0].source.as_deref(),
        Some(f.root.join("services/data").display().to_string().as_str())
    );
    assert_eq!(api.depends_on[0].service, "db");
    assert_eq!(p.others["db"].image.as_deref(), Some("postgres:16"));
}

#[test]
fn a_service_in_both_files_is_refused_and_cycles_are_named() {
    let f = Fixture::new();
    f.write(
        "compose.yaml",
        "include: [other.yaml]\nservices:\n  api:\n    image: app\n",
    )
    .write("other.yaml", "services:\n  api:\n    image: other\n");
    let e = err(&ResolveOptions::default(), &f.root, &env(&[])).to_string();
    assert!(
        e.contains("service api is defined here and in an included file"),
        "{e}"
    );
    assert!(e.contains("compose.yaml:1:"), "{e}");

    let f = Fixture::new();
    f.write("compose.yaml", "include: [a.yaml]\nservices: {}\n")
        .write(
            "a.yaml",
            "include: [compose.yaml]\nservices:\n  api: {image: a}\n",
        );
    let e = err(&ResolveOptions::default(), &f.root, &env(&[])).to_string();
    assert!(e.contains("includes itself"), "{e}");
    assert!(e.contains("a.yaml:1:"), "{e}");
}
