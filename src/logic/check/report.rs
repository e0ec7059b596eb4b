//! A check's result for a person (text) or a script (JSON), and the plain-language account
//! of key problems that the engine's key check and `ddb-ferry check` share.

use serde::Serialize;
use serde_json::{json, Value};

use super::run::{DataCheck, Example, Tally};
use crate::logic::discover::FoundExport;
use crate::logic::items::{KeyAttr, KeyProblem, ScalarType};
use crate::logic::layout::ObjectInfo;
use crate::logic::units::human_bytes;
use crate::logic::watch::CheckSpec;

/// Files listed one by one in the text report; more are summed up.
const MAX_FILE_ROWS: usize = 40;

/// What was checked, besides the data itself.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportContext {
    /// `s3://bucket/prefix` of the data files.
    pub source: String,
    /// The export the files belong to, when they are one's.
    pub export: Option<FoundExport>,
    /// Objects among the data files that are not data files (an import fails on them).
    pub non_data_objects: Vec<ObjectInfo>,
}

/// Where the manifest and the data disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ManifestDisagreement {
    FileItems {
        file: String,
        manifest: u64,
        counted: u64,
    },
    TotalItems {
        manifest: u64,
        counted: u64,
    },
}

/// Everything `ddb-ferry check` found.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub context: ExportContext,
    pub spec: CheckSpec,
    pub data: DataCheck,
    pub manifest: Vec<ManifestDisagreement>,
}

impl CheckReport {
    pub fn new(context: ExportContext, spec: CheckSpec, data: DataCheck) -> Self {
        let mut manifest = Vec::new();
        if !data.stopped_early {
            for f in &data.files {
                if let (Some(expected), None) = (f.manifest_items, &f.error) {
                    if expected != f.items {
                        manifest.push(ManifestDisagreement::FileItems {
                            file: f.key.clone(),
                            manifest: expected,
                            counted: f.items,
                        });
                    }
                }
            }
            if let Some(total) = context.export.as_ref().and_then(|e| e.item_count) {
                if total != data.items {
                    manifest.push(ManifestDisagreement::TotalItems {
                        manifest: total,
                        counted: data.items,
                    });
                }
            }
        }
        CheckReport {
            context,
            spec,
            data,
            manifest,
        }
    }

    /// Things that make an import fail or lose items; zero means the data is ready.
    pub fn problem_count(&self) -> u64 {
        let d = &self.data;
        d.key_problem_count()
            + d.gsi_problem_count()
            + d.unreadable_lines.count
            + d.file_errors().count() as u64
            + self.context.non_data_objects.len() as u64
            + self.manifest.len() as u64
            + u64::from(
                self.context
                    .export
                    .as_ref()
                    .is_some_and(|e| e.is_incremental() || !e.manifest_problems.is_empty()),
            )
    }

    pub fn passed(&self) -> bool {
        self.problem_count() == 0
    }

    /// The report for a terminal; `show` examples per problem at most.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let d = &self.data;
        let line = |out: &mut String, s: String| {
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(
            &mut out,
            format!("Data files under {}", self.context.source),
        );
        let width = d
            .files
            .iter()
            .map(|f| short_name(&f.key).chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, 60);
        line(
            &mut out,
            format!(
                "  {:<width$}  {:>10}  {:>10}  {:>10}  note",
                "file", "items", "manifest", "size"
            ),
        );
        // A large export has thousands of files: past a screenful, only those with
        // something to say are listed (`--json` lists every one).
        let many = d.files.len() > MAX_FILE_ROWS;
        let mut quiet = 0usize;
        for f in &d.files {
            let note = if let Some(e) = &f.error {
                format!("UNREADABLE: {e}")
            } else if f.skipped {
                "not read".to_owned()
            } else if f.is_empty() {
                "empty (normal)".to_owned()
            } else if f.manifest_items.is_some_and(|m| m != f.items) {
                "DIFFERS from the manifest".to_owned()
            } else if f.bad_lines > 0 {
                format!("{} unreadable lines", f.bad_lines)
            } else {
                String::new()
            };
            if many && note.is_empty() {
                quiet += 1;
                continue;
            }
            line(
                &mut out,
                format!(
                    "  {:<width$}  {:>10}  {:>10}  {:>10}  {}",
                    truncate(short_name(&f.key), width),
                    f.items,
                    f.manifest_items.map_or("-".to_owned(), |m| m.to_string()),
                    human_bytes(f.size),
                    note
                ),
            );
        }
        if quiet > 0 {
            line(
                &mut out,
                format!("  … and {quiet} more files with nothing to note"),
            );
        }
        let manifest_total = self.context.export.as_ref().and_then(|e| e.item_count);
        line(
            &mut out,
            format!(
                "  {:<width$}  {:>10}  {:>10}  {:>10}",
                "total",
                d.items,
                manifest_total.map_or("-".to_owned(), |m| m.to_string()),
                human_bytes(d.files.iter().map(|f| f.size).sum())
            ),
        );
        if let Some(e) = &self.context.export {
            if let Some(why) = &e.not_importable {
                line(
                    &mut out,
                    format!("\nThis export cannot be imported: {why}."),
                );
            }
            for p in &e.manifest_problems {
                line(&mut out, format!("Manifest: {p}"));
            }
        }
        for m in &self.manifest {
            line(
                &mut out,
                match m {
                    ManifestDisagreement::FileItems {
                        file,
                        manifest,
                        counted,
                    } => format!(
                        "Manifest: {} holds {counted} items but the manifest says {manifest}",
                        short_name(file)
                    ),
                    ManifestDisagreement::TotalItems { manifest, counted } => format!(
                        "Manifest: the data holds {counted} items but manifest-summary.json says {manifest}"
                    ),
                },
            );
        }

        if d.key_problem_count() > 0 {
            line(
                &mut out,
                format!(
                    "\nKey problems: {} (the import rejects these items)",
                    d.key_problem_count()
                ),
            );
            if let Some(text) = explain_key_problems(&self.spec.keys, d, "items") {
                for paragraph in text.lines() {
                    line(&mut out, format!("  {paragraph}"));
                }
            }
            for t in &d.key_problems {
                line(&mut out, format!("  {} item(s): {}", t.count, t.problem));
                examples(&mut out, &t.examples);
            }
            if d.other_key_problems > 0 {
                line(
                    &mut out,
                    format!("  {} more problems of other kinds", d.other_key_problems),
                );
            }
        }
        if d.gsi_problem_count() > 0 {
            line(
                &mut out,
                format!(
                    "\nIndex key problems: {} (the import rejects items whose index key has another type)",
                    d.gsi_problem_count()
                ),
            );
            for t in &d.gsi_problems {
                line(&mut out, format!("  {} item(s): {}", t.count, t.problem));
                examples(&mut out, &t.examples);
            }
        }
        if d.unreadable_lines.count > 0 {
            line(
                &mut out,
                format!(
                    "\nUnreadable lines: {} (first {} shown)",
                    d.unreadable_lines.count,
                    d.unreadable_lines.examples.len()
                ),
            );
            for e in &d.unreadable_lines.examples {
                line(
                    &mut out,
                    format!("  {} line {}: {}", short_name(&e.file), e.line, e.detail),
                );
                line(&mut out, format!("      {}", e.excerpt));
            }
        }
        if !self.context.non_data_objects.is_empty() {
            line(
                &mut out,
                format!(
                    "\nObjects that are not data files: {} (an import of this folder fails on them; move them out)",
                    self.context.non_data_objects.len()
                ),
            );
            for o in &self.context.non_data_objects {
                line(&mut out, format!("  {} ({})", o.key, human_bytes(o.size)));
            }
        }
        let empty = d.files.iter().filter(|f| f.is_empty()).count();
        line(
            &mut out,
            format!(
                "\nRead {} ({} uncompressed) in {:.1} s: {}/s on {} thread(s); {} items{}.",
                human_bytes(d.bytes_read),
                human_bytes(d.uncompressed_bytes),
                d.elapsed.as_secs_f64(),
                human_bytes((d.bytes_read as f64 / d.elapsed.as_secs_f64().max(1e-6)) as u64),
                d.threads,
                d.items,
                if empty > 0 {
                    format!(", {empty} empty file(s) (normal)")
                } else {
                    String::new()
                }
            ),
        );
        if d.stopped_early {
            line(
                &mut out,
                "The check stopped before the end of the data.".to_owned(),
            );
        }
        let problems = self.problem_count();
        line(
            &mut out,
            if problems == 0 {
                "Result: OK — every item carries the keys the new table needs.".to_owned()
            } else {
                format!("Result: {problems} problem(s) found — fix them before importing.")
            },
        );
        out
    }

    /// The report as one JSON document.
    pub fn to_json(&self) -> Value {
        let d = &self.data;
        let keys: Vec<Value> = self
            .spec
            .keys
            .iter()
            .map(|k| json!({"name": k.name, "type": k.kind.to_string()}))
            .collect();
        let gsi: Vec<Value> = self
            .spec
            .gsi
            .iter()
            .map(
                |g| json!({"index": g.index, "name": g.attr.name, "type": g.attr.kind.to_string()}),
            )
            .collect();
        let key_problems: Vec<Value> = d
            .key_problems
            .iter()
            .map(|t| {
                let mut v = key_problem_json(&t.problem);
                v["count"] = json!(t.count);
                v["examples"] = json!(t.examples);
                v
            })
            .collect();
        json!({
            "source": self.context.source,
            "passed": self.passed(),
            "problems": self.problem_count(),
            "keys": keys,
            "gsi_keys": gsi,
            "export": self.context.export,
            "files": d.files,
            "items": d.items,
            "lines": d.lines,
            "empty_files": d.files.iter().filter(|f| f.is_empty()).map(|f| f.key.clone()).collect::<Vec<_>>(),
            "bytes_read": d.bytes_read,
            "uncompressed_bytes": d.uncompressed_bytes,
            "seconds": d.elapsed.as_secs_f64(),
            "threads": d.threads,
            "stopped_early": d.stopped_early,
            "key_problems": key_problems,
            "other_key_problems": d.other_key_problems,
            "gsi_problems": d.gsi_problems,
            "unreadable_lines": {"count": d.unreadable_lines.count, "examples": d.unreadable_lines.examples},
            "non_data_objects": self.context.non_data_objects,
            "manifest_disagreements": self.manifest,
        })
    }
}

fn key_problem_json(p: &KeyProblem) -> Value {
    match p {
        KeyProblem::Missing { name } => json!({"kind": "missing", "name": name}),
        KeyProblem::WrongCase { expected, found } => {
            json!({"kind": "wrong-case", "name": expected, "found": found, "use": found})
        }
        KeyProblem::WrongType {
            name,
            expected,
            found,
        } => {
            json!({"kind": "wrong-type", "name": name, "expected": expected.to_string(), "found": found})
        }
    }
}

fn examples(out: &mut String, examples: &[Example]) {
    for e in examples {
        out.push_str(&format!(
            "    {} line {}: {}\n",
            short_name(&e.file),
            e.line,
            e.excerpt
        ));
    }
}

/// The part of a key a person needs: from `data/` on, or the file name.
pub fn short_name(key: &str) -> &str {
    match key.rfind("/data/") {
        Some(at) => &key[at + 1..],
        None => key.rsplit('/').next().unwrap_or(key),
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        let tail: Vec<char> = text.chars().rev().take(width - 1).collect();
        let mut out = String::from("…");
        out.extend(tail.into_iter().rev());
        out
    }
}

/// What the key problems mean and what to do, or `None` when there are none. `noun` names
/// what was read ("sampled items", "items").
pub fn explain_key_problems(keys: &[KeyAttr], data: &DataCheck, noun: &str) -> Option<String> {
    if data.key_problems.is_empty() {
        return None;
    }
    let role = |name: &str| match keys.iter().position(|k| k.name == name) {
        Some(0) => "partition key",
        Some(1) => "sort key",
        _ => "key",
    };
    let at = |t: &Tally<KeyProblem>| match t.examples.first() {
        Some(e) => format!("line {} of {}", e.line, short_name(&e.file)),
        None => "a line not kept".to_owned(),
    };
    let mut paragraphs = Vec::new();
    let mut spellings: Vec<(&str, &str)> = Vec::new();
    for t in &data.key_problems {
        if let KeyProblem::WrongCase { expected, found } = &t.problem {
            if !spellings.contains(&(expected, found)) {
                spellings.push((expected, found));
            }
        }
    }
    spellings.sort();
    for (planned, found) in spellings {
        paragraphs.push(format!(
            "The export's items have the key {found:?}, but the new table's {} is {planned:?}. Key names are case-sensitive: use {found:?}.",
            role(planned)
        ));
    }
    for key in keys {
        if let Some(t) = data
            .key_problems
            .iter()
            .find(|t| matches!(&t.problem, KeyProblem::Missing { name } if *name == key.name))
        {
            paragraphs.push(format!(
                "{} of {} {noun} have no attribute {:?} (first on {}). Every item needs the new table's {} {:?}; the import rejects items without it. Check the key name against the source table's key schema.",
                t.count,
                data.items,
                key.name,
                at(t),
                role(&key.name),
                key.name
            ));
        }
        if let Some((t, found)) = data.key_problems.iter().find_map(|t| match &t.problem {
            KeyProblem::WrongType { name, found, .. } if *name == key.name => Some((t, found)),
            _ => None,
        }) {
            paragraphs.push(format!(
                "The new table's {} {:?} is {}, but {} holds it as {}. The import rejects items whose key has another type: {}",
                role(&key.name),
                key.name,
                key.kind.describe(),
                at(t),
                describe_type_key(found),
                match found.parse::<ScalarType>() {
                    Ok(kind) if kind.to_string() == *found =>
                        format!("if the data is right, choose type {kind} for this key."),
                    _ => "a key must be a string, number or binary value.".to_owned(),
                }
            ));
        }
    }
    Some(paragraphs.join("\n"))
}

fn describe_type_key(found: &str) -> String {
    match found {
        "S" => "a string (S)".into(),
        "N" => "a number (N)".into(),
        "B" => "binary (B)".into(),
        "BOOL" => "a boolean (BOOL)".into(),
        "NULL" => "null (NULL)".into(),
        "L" => "a list (L)".into(),
        "M" => "a map (M)".into(),
        "SS" | "NS" | "BS" => format!("a set ({found})"),
        other => format!("an unreadable value ({other})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::check::run::{run_check, CheckOptions, InputFile};
    use crate::logic::layout::{Compression, DataFormat};
    use proptest::prelude::*;
    use std::io::{self, Read};

    fn key(name: &str, kind: ScalarType) -> KeyAttr {
        KeyAttr {
            name: name.into(),
            kind,
        }
    }

    /// Checks `lines` as one plain data file `data/f.json` against `keys`.
    fn check(lines: &[&str], keys: &[KeyAttr]) -> DataCheck {
        let text = lines.join("\n");
        let inputs = [InputFile {
            key: "x/AWSDynamoDB/id/data/f.json".into(),
            size: text.len() as u64,
            format: Some(DataFormat::DynamoDbJson),
            compression: Compression::None,
            manifest_items: Some(2),
        }];
        let open = |_: &InputFile| -> io::Result<Box<dyn Read + Send>> {
            Ok(Box::new(io::Cursor::new(text.clone().into_bytes())))
        };
        let spec = CheckSpec {
            keys: keys.to_vec(),
            gsi: vec![],
        };
        run_check(&inputs, &spec, &CheckOptions::default(), &open, &|_| {})
    }

    #[test]
    fn clean_data_has_nothing_to_explain() {
        let keys = [key("pk", ScalarType::S), key("sk", ScalarType::N)];
        let data = check(
            &[
                r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#,
                "",
                r#"{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}"#,
            ],
            &keys,
        );
        assert_eq!(data.items, 2);
        assert_eq!(explain_key_problems(&keys, &data, "items"), None);
        let report = CheckReport::new(
            ExportContext {
                source: "s3://b/x/".into(),
                ..ExportContext::default()
            },
            CheckSpec {
                keys: keys.to_vec(),
                gsi: vec![],
            },
            data,
        );
        assert!(report.passed());
        let text = report.render_text();
        assert!(text.contains("Result: OK"), "{text}");
        assert!(text.contains("data/f.json"), "{text}");
        assert_eq!(report.to_json()["passed"], true);
    }

    #[test]
    fn wrong_case_is_explained_with_the_right_spelling() {
        let keys = [key("pk", ScalarType::S)];
        let data = check(
            &[
                r#"{"Item":{"PK":{"S":"a"}}}"#,
                r#"{"Item":{"PK":{"S":"b"}}}"#,
            ],
            &keys,
        );
        assert_eq!(data.key_problem_count(), 2);
        assert_eq!(
            explain_key_problems(&keys, &data, "sampled items").unwrap(),
            "The export's items have the key \"PK\", but the new table's partition key is \"pk\". \
             Key names are case-sensitive: use \"PK\"."
        );
    }

    #[test]
    fn missing_and_wrong_type_are_explained() {
        let keys = [key("pk", ScalarType::S), key("sk", ScalarType::N)];
        let data = check(
            &[
                r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"x"}}}"#,
                r#"{"Item":{"pk":{"S":"b"}}}"#,
                r#"{"Item":{"pk":{"S":"c"},"sk":{"SS":["x"]}}}"#,
            ],
            &keys,
        );
        let text = explain_key_problems(&keys, &data, "sampled items").unwrap();
        assert!(
            text.contains(
                "1 of 3 sampled items have no attribute \"sk\" (first on line 2 of data/f.json)"
            ),
            "{text}"
        );
        assert!(
            text.contains("sort key \"sk\" is a number (N), but line 1 of data/f.json holds it as a string (S)")
                || text.contains("holds it as a set (SS)"),
            "{text}"
        );
        let report = CheckReport::new(
            ExportContext::default(),
            CheckSpec {
                keys: keys.to_vec(),
                gsi: vec![],
            },
            data,
        );
        // The manifest said 2 for the file; 3 were counted.
        assert_eq!(report.manifest.len(), 1);
        assert_eq!(report.problem_count(), 4);
        let json = report.to_json();
        assert_eq!(json["problems"], 4);
        assert!(json["key_problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "missing" && p["examples"][0]["line"] == 2));
    }

    #[test]
    fn many_files_are_summed_up_in_text() {
        let keys = [key("pk", ScalarType::S)];
        let mut data = check(&[r#"{"Item":{"pk":{"S":"a"}}}"#], &keys);
        let file = data.files[0].clone();
        data.files = (0..100)
            .map(|i| {
                let mut f = file.clone();
                f.key = format!("x/AWSDynamoDB/id/data/f{i:03}.json");
                f.manifest_items = Some(if i == 7 { 9 } else { 1 });
                f
            })
            .collect();
        let report = CheckReport::new(
            ExportContext::default(),
            CheckSpec {
                keys: keys.to_vec(),
                gsi: vec![],
            },
            data,
        );
        let text = report.render_text();
        assert!(text.contains("data/f007.json"), "{text}");
        assert!(!text.contains("data/f008.json"), "{text}");
        assert!(
            text.contains("… and 99 more files with nothing to note"),
            "{text}"
        );
        assert_eq!(report.to_json()["files"].as_array().unwrap().len(), 100);
    }

    #[test]
    fn names_and_sizes_for_people() {
        assert_eq!(
            short_name("p/AWSDynamoDB/id/data/abc.json.gz"),
            "data/abc.json.gz"
        );
        assert_eq!(short_name("folder/abc.json.gz"), "abc.json.gz");
        assert_eq!(truncate("abcdef", 4), "…def");
    }

    proptest! {
        #[test]
        fn reports_of_anything_render(lines in proptest::collection::vec("\\PC{0,60}", 0..20)) {
            let keys = [key("pk", ScalarType::S), key("sk", ScalarType::N)];
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            let data = check(&refs, &keys);
            let _ = explain_key_problems(&keys, &data, "items");
            let report = CheckReport::new(ExportContext::default(), CheckSpec { keys: keys.to_vec(), gsi: vec![] }, data);
            let _ = report.render_text();
            let _ = report.to_json();
        }
    }
}
