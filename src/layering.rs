//! The modules' dependencies go one way: `export` (pure logic) knows nothing above it, `aws`
//! (the SDK wrapper) knows only `export`, `engine` uses both but no terminal, and the faces
//! (`cli`, `tui`) sit on top. The compiler allows any path inside one crate, so this test
//! reads the source and fails when a file reaches upward.

use std::path::{Path, PathBuf};

/// For each folder under `src/`, the paths its files may not mention.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("aws", &["crate::engine", "crate::tui", "crate::cli"]),
    (
        "export",
        &["crate::aws", "crate::engine", "crate::tui", "crate::cli"],
    ),
    ("engine", &["ratatui", "crossterm", "crate::tui"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("a readable folder entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every `(file, line number, forbidden path)` under `src` that breaks the rule.
fn violations(src: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for (folder, forbidden) in FORBIDDEN {
        let mut files = Vec::new();
        rust_files(&src.join(folder), &mut files);
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for (n, line) in text.lines().enumerate() {
                for path in forbidden.iter().filter(|p| line.contains(*p)) {
                    found.push(format!("{}:{}: {path}", file.display(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn dependencies_point_one_way() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let found = violations(&src);
    assert!(
        found.is_empty(),
        "modules reach upward:\n{}",
        found.join("\n")
    );
}

#[test]
fn an_upward_path_is_caught() {
    let dir = std::env::temp_dir().join(format!("ddb-ferry-layering-{}", std::process::id()));
    let aws = dir.join("aws");
    std::fs::create_dir_all(&aws).unwrap();
    for folder in ["export", "engine"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
    }
    std::fs::write(aws.join("x.rs"), "use crate::engine::plan::Plan;\n").unwrap();
    let found = violations(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("x.rs:1: crate::engine"), "{found:?}");
}
