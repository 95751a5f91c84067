//! The layering DESIGN.md asks for, checked: dependencies point down only.
//!
//! - the recording core depends on nothing of ours and on none of the
//!   analysis crates' heavy dependencies;
//! - `perfmon` without default features is the attribute and the core alone;
//! - the core's sources never name the analysis or the HTTP adapter;
//! - the core's top-level modules import each other without a cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// What only the analysis (or the HTTP adapter) may pull in.
const NOT_IN_THE_CORE: &[&str] = &[
    "perfmon-analysis",
    "perfmon-axum",
    "sysinfo",
    "toml",
    "strsim",
    "serde_json",
    "axum",
    "tokio",
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The normal (non-dev, non-build) dependencies of `package` with `args`,
/// by name, as `cargo tree` resolves them.
fn normal_dependencies(package: &str, args: &[&str]) -> BTreeSet<String> {
    let out = Command::new(env!("CARGO"))
        .current_dir(workspace())
        .args([
            "tree",
            "--offline",
            "-q",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["-p", package])
        .args(args)
        .output()
        .expect("running cargo tree");
    assert!(
        out.status.success(),
        "cargo tree -p {package} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

fn assert_none_of_the_analysis(deps: &BTreeSet<String>, what: &str) {
    let leaked: Vec<&str> = NOT_IN_THE_CORE
        .iter()
        .copied()
        .filter(|d| deps.contains(*d))
        .collect();
    assert!(leaked.is_empty(), "{what} pulls in {leaked:?}: {deps:?}");
}

#[test]
fn the_core_depends_on_nothing_of_the_analysis() {
    let deps = normal_dependencies("perfmon-core", &["--all-features"]);
    assert!(deps.contains("perfmon-core"), "{deps:?}");
    assert_none_of_the_analysis(&deps, "perfmon-core (all features)");
}

#[test]
fn the_facade_without_default_features_is_the_attribute_and_the_core() {
    let deps = normal_dependencies("perfmon", &["--no-default-features"]);
    assert!(deps.contains("perfmon-macros") && deps.contains("perfmon-core"));
    assert_none_of_the_analysis(&deps, "perfmon --no-default-features");
    // The README states this count; keep the two in step.
    assert!(deps.len() <= 25, "{} crates: {deps:?}", deps.len());
}

#[test]
fn the_analysis_is_the_default() {
    let deps = normal_dependencies("perfmon", &[]);
    assert!(deps.contains("perfmon-analysis"), "{deps:?}");
    assert!(!deps.contains("perfmon-axum"), "{deps:?}");
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading a source folder") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_sources_never_name_a_layer_above() {
    let mut files = Vec::new();
    rust_files(&workspace().join("perfmon-core/src"), &mut files);
    assert!(files.len() > 10, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).expect("reading a source file");
        for above in ["perfmon_analysis", "perfmon_axum", "sysinfo::", "toml::"] {
            assert!(!text.contains(above), "{} names `{above}`", file.display());
        }
    }
}

/// The `crate::<module>` edges between the core's top-level modules (a file
/// or a folder under `src/`, `lib.rs` aside: it is the map), from code
/// only: comments, `#[cfg(test)] mod tests` (at the end of a file) and
/// unit-test files left out.
fn core_module_edges() -> BTreeMap<String, BTreeSet<String>> {
    let src = workspace().join("perfmon-core/src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let top = |path: &Path| -> String {
        let rel = path.strip_prefix(&src).expect("under src");
        let first = rel.components().next().expect("a component");
        let name = first.as_os_str().to_string_lossy();
        name.trim_end_matches(".rs").to_owned()
    };
    let modules: BTreeSet<String> = files.iter().map(|f| top(f)).collect();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let from = top(file);
        let name = file
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        if from == "lib" || name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).expect("reading a source file");
        let code = match text.find("#[cfg(test)]\nmod tests") {
            Some(i) => &text[..i],
            None => &text[..],
        };
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (i, _) in line.match_indices("crate::") {
                let rest = &line[i + "crate::".len()..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                assert!(
                    modules.contains(&name),
                    "{}: `crate::{name}` names a root item; name its module instead, \
                     so the module graph stays visible",
                    file.display()
                );
                if name != from {
                    edges.entry(from.clone()).or_default().insert(name);
                }
            }
        }
    }
    edges
}

#[test]
fn the_core_modules_import_each_other_without_a_cycle() {
    let edges = core_module_edges();
    assert!(edges.contains_key("registry"), "{edges:?}");
    // Depth-first search for a back edge.
    fn visit<'a>(
        node: &'a str,
        edges: &'a BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) {
        if let Some(i) = path.iter().position(|n| *n == node) {
            panic!("import cycle among the core's modules: {:?}", &path[i..]);
        }
        if done.contains(node) {
            return;
        }
        path.push(node);
        for next in edges.get(node).into_iter().flatten() {
            visit(next, edges, path, done);
        }
        path.pop();
        done.insert(node);
    }
    let mut done = BTreeSet::new();
    for node in edges.keys() {
        visit(node, &edges, &mut Vec::new(), &mut done);
    }
}
