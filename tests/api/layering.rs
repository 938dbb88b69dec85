//! The layering of `src/` stays true: `api` is HTTP only and nothing below it reaches up.
//!
//! - Outside `src/api`, only the modules that assemble the HTTP app and the spec (`startup.rs`,
//!   `openapi.rs`, `cli/`) may name `crate::api`.
//! - The lower layers (`content`, `models`, `queries`, `db`) never name the layers above them
//!   (`api`, `services`, `state`, `scheduler`, `webhooks`).
//! - Writes reach webhooks and caches only as change events, through `services::commit`: no
//!   other module queues an event or drops cached data.
//! - `search` is a leaf: text processing that uses no other layer.

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

/// Every file under `src/`: its path relative to `src/` (`/`-separated) and its text.
fn sources() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files
        .into_iter()
        .map(|file| {
            let rel = file
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            (rel, std::fs::read_to_string(&file).unwrap())
        })
        .collect()
}

/// Files under `src/` (relative, `/`-separated) with the lines that name any of `needles`.
fn offenders(allowed: impl Fn(&str) -> bool, needles: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for (rel, text) in sources() {
        if allowed(&rel) {
            continue;
        }
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
    // Other instances' events arrive through the listener (and a lost subscription drops all).
    let commit_or_listener = |rel: &str| rel == "services/mod.rs" || rel == "listener.rs";
    let found = offenders(
        commit_or_listener,
        &[
            "caches.invalidate(",
            "caches.forget_all(",
            "listener::notify(",
        ],
    );
    assert!(
        found.is_empty(),
        "caches dropped or events published outside services::commit and the listener:\n{}",
        found.join("\n")
    );
}

/// `search` is text processing only (segmentation, documents, queries, highlighting): the
/// layers that store and query the index use it, and it uses none of them.
#[test]
fn search_is_a_leaf() {
    let outside = |rel: &str| !rel.starts_with("search/");
    let found = offenders(
        outside,
        &[
            "crate::models",
            "crate::queries",
            "crate::content",
            "crate::db",
            "crate::services",
            "crate::state",
            "crate::api",
        ],
    );
    assert!(
        found.is_empty(),
        "search reaching into other layers:\n{}",
        found.join("\n")
    );
}

/// Every file of `src/` as a module path (`models::article`, `api::articles`), with its text.
fn modules() -> std::collections::BTreeMap<String, String> {
    sources()
        .into_iter()
        .filter_map(|(rel, text)| {
            let name = rel.trim_end_matches(".rs").trim_end_matches("/mod");
            (name != "lib" && name != "main").then(|| (name.replace('/', "::"), text))
        })
        .collect()
}

/// `base` followed by the path written at the start of `code` (`models::article::Article`).
fn path_at(code: &str, base: &[String]) -> Vec<String> {
    let path: String = code
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    base.iter()
        .cloned()
        .chain(
            path.split("::")
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
        )
        .collect()
}

/// The modules each module names through `crate::…` and `super::…` (comments aside), resolved to the deepest
/// module file: `crate::models::article::Article` is an edge to `models::article`.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    let mods = modules();
    let mut graph = std::collections::BTreeMap::new();
    for (name, text) in &mods {
        let mut edges = std::collections::BTreeSet::new();
        // Unit tests (`#[cfg(test)] mod tests`, at the end of a file) see their file as `super`.
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        for line in text.lines() {
            let code = line.split("//").next().unwrap_or("");
            let mut found: Vec<Vec<String>> = Vec::new();
            for (at, _) in code.match_indices("crate::") {
                found.push(path_at(&code[at + 7..], &[]));
            }
            // `super::x` from `a::b` is `a::x` (for `a/b.rs` and `a/b/mod.rs` alike).
            for (at, _) in code.match_indices("super::") {
                if code[..at].ends_with("super::") {
                    continue;
                }
                let mut base: Vec<String> = name.split("::").map(str::to_owned).collect();
                let mut rest = &code[at..];
                while let Some(r) = rest.strip_prefix("super::") {
                    base.pop();
                    rest = r;
                }
                found.push(path_at(rest, &base));
            }
            for parts in found {
                let target = (1..=parts.len())
                    .rev()
                    .map(|k| parts[..k].join("::"))
                    .find(|candidate| mods.contains_key(candidate));
                if let Some(target) = target
                    && &target != name
                    && !name.starts_with(&format!("{target}::"))
                {
                    edges.insert(target);
                }
            }
        }
        graph.insert(name.clone(), edges);
    }
    graph
}

/// No file of `src/` reaches, through `crate::` paths, a module that reaches back to it.
#[test]
fn no_module_cycles() {
    let graph = module_graph();
    // Depth-first search; a grey node met again closes a cycle.
    fn visit(
        node: &str,
        graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        state: &mut std::collections::BTreeMap<String, u8>,
        path: &mut Vec<String>,
        cycles: &mut Vec<String>,
    ) {
        state.insert(node.to_owned(), 1);
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()).copied().unwrap_or(0) {
                0 => visit(next, graph, state, path, cycles),
                1 => {
                    let from = path.iter().position(|p| p == next).unwrap();
                    cycles.push(format!("{} -> {next}", path[from..].join(" -> ")));
                }
                _ => {}
            }
        }
        path.pop();
        state.insert(node.to_owned(), 2);
    }
    let mut state = std::collections::BTreeMap::new();
    let mut cycles = Vec::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            visit(node, &graph, &mut state, &mut Vec::new(), &mut cycles);
        }
    }
    assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
}
