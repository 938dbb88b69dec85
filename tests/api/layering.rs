//! The layering of `src/` stays true: `api` is HTTP only and nothing below it reaches up.
//!
//! - Outside `src/api`, only the modules that assemble the HTTP app and the spec (`startup.rs`,
//!   `openapi.rs`, `cli/`) may name `crate::api`.
//! - The lower layers (`content`, `models`, `queries`, `db`) never name the layers above them
//!   (`api`, `services`, `state`, `scheduler`, `webhooks`).
//! - Writes reach webhooks and caches only as change events, through `services::commit`: no
//!   other module queues an event or drops cached data.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Files under `src/` (relative, `/`-separated) with the lines that name any of `needles`.
fn offenders(allowed: impl Fn(&str) -> bool, needles: &[&str]) -> Vec<String> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut found = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if allowed(&rel) {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (n, line) in text.lines().enumerate() {
            if needles.iter().any(|needle| line.contains(needle)) {
                found.push(format!("src/{rel}:{}: {}", n + 1, line.trim()));
            }
        }
    }
    found
}

#[test]
fn nothing_outside_the_api_imports_it_but_the_assembly() {
    let assembly = |rel: &str| {
        rel.starts_with("api/")
            || rel == "startup.rs"
            || rel == "openapi.rs"
            || rel.starts_with("cli/")
    };
    let found = offenders(assembly, &["crate::api"]);
    assert!(
        found.is_empty(),
        "upward imports into src/api:\n{}",
        found.join("\n")
    );
}

#[test]
fn lower_layers_do_not_reach_up() {
    let upper = |rel: &str| {
        !["content/", "models/", "queries/", "db/"]
            .iter()
            .any(|layer| rel.starts_with(layer))
    };
    let found = offenders(
        upper,
        &[
            "crate::api",
            "crate::state",
            "crate::scheduler",
            "crate::webhooks",
            "crate::services",
        ],
    );
    assert!(
        found.is_empty(),
        "lower layers reaching up:\n{}",
        found.join("\n")
    );
}

#[test]
fn change_events_have_one_way_out() {
    let commit = |rel: &str| rel == "services/mod.rs";
    let found = offenders(
        commit,
        &[
            "webhooks::enqueue(",
            "webhooks::announce(",
            ".changed(",
            "caches.apply(",
        ],
    );
    assert!(
        found.is_empty(),
        "events queued or caches dropped outside services::commit:\n{}",
        found.join("\n")
    );
}
