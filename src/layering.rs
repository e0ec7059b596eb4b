//! The modules' dependencies go one way: `logic` (pure logic) knows nothing above it, `aws`
//! (the SDK wrapper) knows only `logic`, `engine` uses both but no terminal, and the faces
//! (`cli`, `tui`) sit on top. The compiler allows any path inside one crate, so this test
//! reads the source and fails when a file reaches upward.

use std::path::{Path, PathBuf};

/// For each folder under `src/`, the paths its files may not mention.
const FORBIDDEN: &[(&str, &[&str])] = &[
    ("aws", &["crate::engine", "crate::tui", "crate::cli"]),
    (
        "logic",
        &["crate::aws", "crate::engine", "crate::tui", "crate::cli"],
    ),
    (
        "engine",
        &["ratatui", "crossterm", "crate::tui", "crate::cli"],
    ),
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
    for folder in ["logic", "engine"] {
        std::fs::create_dir_all(dir.join(folder)).unwrap();
    }
    std::fs::write(aws.join("x.rs"), "use crate::engine::plan::Plan;\n").unwrap();
    let found = violations(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].ends_with("x.rs:1: crate::engine"), "{found:?}");
}

/// Files of the wizard that may touch the disk: the task layer, which runs the commands
/// `update` returns, and the tests.
fn wizard_may_touch_disk(file: &Path) -> bool {
    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "services.rs"
        || name.ends_with("_tests.rs")
        || name == "test_support.rs"
        || name == "snapshots.rs"
}

#[test]
fn the_wizard_reads_and_writes_nothing_outside_its_task_layer() {
    const DISK: [&str; 7] = [
        "std::fs::",
        "tokio::fs::",
        ".save(",
        "write_private_atomic",
        "Journal::load",
        "Journal::list",
        "File::",
    ];
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/tui"),
        &mut files,
    );
    let mut found = Vec::new();
    for file in files.iter().filter(|f| !wizard_may_touch_disk(f)) {
        let text = std::fs::read_to_string(file).unwrap();
        // A screen's own unit tests may build fixtures on disk.
        let code = text.split("#[cfg(test)]").next().unwrap_or("");
        for (n, line) in code.lines().enumerate() {
            for what in DISK.iter().filter(|w| line.contains(*w)) {
                found.push(format!("{}:{}: {what}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "the wizard touches the disk:\n{}",
        found.join("\n")
    );
}

#[test]
fn each_call_that_starts_a_job_has_one_call_site() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let texts: Vec<String> = files
        .iter()
        .filter(|f| !f.ends_with("layering.rs"))
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    for call in [
        ".export_table_to_point_in_time()",
        ".import_table()",
        ".create_backup()",
        ".restore_table_from_backup()",
        ".restore_table_to_point_in_time()",
        ".start_backup_job()",
        ".start_copy_job()",
        ".start_restore_job()",
    ] {
        let sites: usize = texts.iter().map(|t| t.matches(call).count()).sum();
        assert_eq!(sites, 1, "{call} is made from {sites} places");
    }
}
