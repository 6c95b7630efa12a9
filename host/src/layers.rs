//! The crate's layering, checked: no module of `host/src` imports one that imports it back.
//! From the ground up: `builtins` (what the binary carries, importing nothing of the host's),
//! `config` (plain data, importing only `builtins` to check names), `transport`,
//! `plugins`, `journal`, `devices`, `core`, `faces`, `app`. Read from the sources themselves:
//! a top-level module depends on another when it names `crate::<other>`; a submodule on a
//! sibling when it names `super::<sibling>` or `crate::<parent>::<sibling>`. A parent's own
//! `mod.rs` is left out of the sibling graph (it declares and re-exports its children, which
//! import what it defines). Test modules and comments do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every `.rs` file under `dir`, with its path relative to `dir`.
fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.strip_prefix(dir).unwrap().to_owned(), code_of(&text)));
            }
        }
    }
    out
}

/// The text without its test module and comment lines.
fn code_of(text: &str) -> String {
    let text = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The identifiers that follow each `prefix` in `code`.
fn names_after<'a>(code: &'a str, prefix: &str) -> impl Iterator<Item = &'a str> {
    code.match_indices(prefix).map(move |(i, _)| {
        let rest = &code[i + prefix.len()..];
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        &rest[..end]
    })
}

fn top_level(files: &[(PathBuf, String)]) -> Graph {
    let mut graph = Graph::new();
    for (path, code) in files {
        let top = path
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let top = top.trim_end_matches(".rs").to_owned();
        if top == "lib" || top == "main" {
            continue;
        }
        let deps = graph.entry(top.clone()).or_default();
        for name in names_after(code, "crate::") {
            if name != top && !name.is_empty() {
                deps.insert(name.to_owned());
            }
        }
    }
    graph
}

fn siblings(files: &[(PathBuf, String)], parent: &str) -> Graph {
    let children: BTreeSet<String> = files
        .iter()
        .filter(|(p, _)| p.parent() == Some(Path::new(parent)) && !p.ends_with("mod.rs"))
        .map(|(p, _)| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let mut graph = Graph::new();
    for (path, code) in files {
        if path.parent() != Some(Path::new(parent)) || path.ends_with("mod.rs") {
            continue;
        }
        let me = path.file_stem().unwrap().to_string_lossy().into_owned();
        let absolute = format!("crate::{parent}::");
        let deps = graph.entry(me.clone()).or_default();
        for name in names_after(code, "super::").chain(names_after(code, &absolute)) {
            if name != me && children.contains(name) {
                deps.insert(name.to_owned());
            }
        }
    }
    graph
}

/// A cycle of the graph, as the path that closes it, if there is one.
fn cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut found = path[start..].to_vec();
            found.push(node.to_owned());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(found) = visit(next, graph, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn src() -> Vec<(PathBuf, String)> {
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"))
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let files = src();
    let top = top_level(&files);
    assert!(top.len() >= 8, "the layers were not read: {top:?}");
    if let Some(found) = cycle(&top) {
        panic!(
            "an import cycle between top-level modules: {}",
            found.join(" → ")
        );
    }
    let parents: BTreeSet<String> = files
        .iter()
        .filter_map(|(p, _)| p.parent().filter(|d| !d.as_os_str().is_empty()))
        .map(|d| d.to_string_lossy().into_owned())
        .collect();
    for parent in parents {
        if let Some(found) = cycle(&siblings(&files, &parent)) {
            panic!("an import cycle inside {parent}: {}", found.join(" → "));
        }
    }
}

#[test]
fn builtins_and_config_are_the_ground_floor_and_the_faces_see_no_journal() {
    let top = top_level(&src());
    assert_eq!(
        top.get("builtins"),
        Some(&BTreeSet::new()),
        "builtins imports {:?}",
        top["builtins"]
    );
    assert_eq!(
        top.get("config"),
        Some(&BTreeSet::from(["builtins".to_owned()])),
        "config imports {:?}",
        top["config"]
    );
    // The faces ask the core; what the journal holds is the core's to read and write.
    for below in ["journal", "devices", "transport", "app"] {
        assert!(
            !top["faces"].contains(below),
            "faces import {below}: {:?}",
            top["faces"]
        );
    }
}

/// Wasm stays in `plugins/`: the generated bindings of each WIT version are private to
/// `plugins/wit/` (the compiler enforces that), and nothing else names wasmtime or generates
/// bindings of its own, so the core, the devices and the faces speak `plugins::contract` only
/// and a new WIT version never reaches them.
#[test]
fn only_the_plugins_touch_wasm() {
    for (path, code) in src() {
        // This file names the words it looks for.
        if path.starts_with("plugins") || path.ends_with("layers.rs") {
            continue;
        }
        for word in ["wasmtime", "bindgen!", "bindings::"] {
            assert!(
                !code.contains(word),
                "{} names {word}: Wasm belongs to plugins/",
                path.display()
            );
        }
    }
}

#[test]
fn a_cycle_is_found_and_named() {
    let graph: Graph = [
        ("app", &["faces"][..]),
        ("faces", &["core", "app"]),
        ("core", &[]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.iter().map(|s| s.to_string()).collect()))
    .collect();
    assert_eq!(
        cycle(&graph),
        Some(vec!["app".into(), "faces".into(), "app".into()])
    );
    let files = vec![
        (PathBuf::from("core/a.rs"), "use super::b::X;".to_owned()),
        (
            PathBuf::from("core/b.rs"),
            "use crate::core::a::Y; // super::c".to_owned(),
        ),
        (
            PathBuf::from("core/mod.rs"),
            "use a::Y; use b::X;".to_owned(),
        ),
    ];
    assert!(cycle(&siblings(&files, "core")).is_some());
    assert_eq!(
        code_of("x\n// crate::app\n#[cfg(test)]\nmod tests { crate::faces }"),
        "x"
    );
}
