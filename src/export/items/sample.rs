//! Key checks over a sample of an export's lines, summed up for a person.

use super::keys::{check_item_keys, KeyAttr, KeyProblem, ScalarType};
use super::{parse_item_line, ItemLineError};

/// What a sample of the export says about the new table's keys.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SampleReport {
    /// The keys checked, partition key first (kept so that [`SampleReport::explain`] can
    /// say which role a key plays).
    pub keys: Vec<KeyAttr>,
    pub items_checked: u64,
    /// Every problem found, with the line it was found on.
    pub problems: Vec<(u64, KeyProblem)>,
    /// (name in the plan, name found in the data) for every wrong-case key, once each.
    pub suggested_spelling: Vec<(String, String)>,
}

/// Checks up to `max_items` items from `lines` (line number, text) against `keys`.
///
/// Blank lines are skipped; a line that is not an export item stops the check with an
/// error naming its line number, since a wrong file makes every later answer meaningless.
pub fn check_sample(
    lines: impl Iterator<Item = (u64, String)>,
    keys: &[KeyAttr],
    max_items: u64,
) -> Result<SampleReport, ItemLineError> {
    let mut report = SampleReport {
        keys: keys.to_vec(),
        ..SampleReport::default()
    };
    for (line, text) in lines {
        if report.items_checked >= max_items {
            break;
        }
        if text.trim().is_empty() {
            continue;
        }
        let item = parse_item_line(&text).map_err(|source| ItemLineError::AtLine {
            line,
            source: Box::new(source),
        })?;
        report.items_checked += 1;
        for problem in check_item_keys(&item, keys) {
            if let KeyProblem::WrongCase { expected, found } = &problem {
                let pair = (expected.clone(), found.clone());
                if !report.suggested_spelling.contains(&pair) {
                    report.suggested_spelling.push(pair);
                }
            }
            report.problems.push((line, problem));
        }
    }
    Ok(report)
}

impl SampleReport {
    /// A plain-language account of the problems and what to do, or `None` if there are none.
    pub fn explain(&self) -> Option<String> {
        if self.problems.is_empty() {
            return None;
        }
        let mut paragraphs = Vec::new();
        for (planned, found) in &self.suggested_spelling {
            paragraphs.push(format!(
                "The export's items have the key {found:?}, but the new table's {} is \
                 {planned:?}. Key names are case-sensitive: use {found:?}.",
                self.role(planned)
            ));
        }
        for key in &self.keys {
            let missing = self
                .lines_where(|p| matches!(p, KeyProblem::Missing { name } if *name == key.name));
            if let Some(first) = missing.first() {
                paragraphs.push(format!(
                    "{} of {} sampled items have no attribute {:?} (first on line {first}). \
                     Every item needs the new table's {} {:?}; the import rejects items \
                     without it. Check the key name against the source table's key schema.",
                    missing.len(),
                    self.items_checked,
                    key.name,
                    self.role(&key.name),
                    key.name
                ));
            }
            let wrong_type: Vec<(u64, &str)> = self
                .problems
                .iter()
                .filter_map(|(line, p)| match p {
                    KeyProblem::WrongType { name, found, .. } if *name == key.name => {
                        Some((*line, found.as_str()))
                    }
                    _ => None,
                })
                .collect();
            if let Some((first, found)) = wrong_type.first() {
                paragraphs.push(format!(
                    "The new table's {} {:?} is {}, but line {first} holds it as {}. The import \
                     rejects items whose key has another type: {}",
                    self.role(&key.name),
                    key.name,
                    key.kind.describe(),
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

    /// "partition key", "sort key" or "key", by the name's position in `keys`.
    fn role(&self, name: &str) -> &'static str {
        match self.keys.iter().position(|k| k.name == name) {
            Some(0) => "partition key",
            Some(1) => "sort key",
            _ => "key",
        }
    }

    fn lines_where(&self, matches: impl Fn(&KeyProblem) -> bool) -> Vec<u64> {
        self.problems
            .iter()
            .filter(|(_, p)| matches(p))
            .map(|(line, _)| *line)
            .collect()
    }
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
    use proptest::prelude::*;

    fn key(name: &str, kind: ScalarType) -> KeyAttr {
        KeyAttr {
            name: name.into(),
            kind,
        }
    }

    fn numbered(lines: &[&str]) -> impl Iterator<Item = (u64, String)> {
        lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i as u64 + 1, (*l).to_owned()))
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn clean_sample_has_nothing_to_explain() {
        let lines = [
            r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#,
            "",
            r#"{"Item":{"pk":{"S":"b"},"sk":{"N":"2"}}}"#,
        ];
        let r = check_sample(
            numbered(&lines),
            &[key("pk", ScalarType::S), key("sk", ScalarType::N)],
            100,
        )
        .unwrap();
        assert_eq!(r.items_checked, 2);
        assert!(r.problems.is_empty());
        assert_eq!(r.explain(), None);
    }

    #[test]
    fn wrong_case_is_explained_with_the_right_spelling() {
        let lines = [
            r#"{"Item":{"PK":{"S":"a"}}}"#,
            r#"{"Item":{"PK":{"S":"b"}}}"#,
        ];
        let r = check_sample(numbered(&lines), &[key("pk", ScalarType::S)], 100).unwrap();
        assert_eq!(r.problems.len(), 2);
        assert_eq!(
            r.suggested_spelling,
            vec![("pk".to_owned(), "PK".to_owned())]
        );
        assert_eq!(
            r.explain().unwrap(),
            "The export's items have the key \"PK\", but the new table's partition key is \"pk\". \
             Key names are case-sensitive: use \"PK\"."
        );
    }

    #[test]
    fn missing_and_wrong_type_are_explained() {
        let lines = [
            r#"{"Item":{"pk":{"S":"a"},"sk":{"S":"x"}}}"#,
            r#"{"Item":{"pk":{"S":"b"}}}"#,
            r#"{"Item":{"pk":{"S":"c"},"sk":{"SS":["x"]}}}"#,
        ];
        let r = check_sample(
            numbered(&lines),
            &[key("pk", ScalarType::S), key("sk", ScalarType::N)],
            100,
        )
        .unwrap();
        let text = r.explain().unwrap();
        assert!(
            text.contains("1 of 3 sampled items have no attribute \"sk\" (first on line 2)"),
            "{text}"
        );
        assert!(
            text.contains("sort key \"sk\" is a number (N), but line 1 holds it as a string (S)"),
            "{text}"
        );
        assert!(text.contains("choose type S"), "{text}");
    }

    #[test]
    fn stops_after_max_items() {
        let lines = [r#"{"Item":{"a":{"S":"1"}}}"#; 10];
        let r = check_sample(numbered(&lines), &[key("pk", ScalarType::S)], 3).unwrap();
        assert_eq!(r.items_checked, 3);
        assert_eq!(r.problems.len(), 3);
        let r = check_sample(numbered(&lines), &[key("pk", ScalarType::S)], 0).unwrap();
        assert_eq!(r.items_checked, 0);
    }

    #[test]
    fn bad_line_error_names_the_line() {
        let lines = [r#"{"Item":{"pk":{"S":"a"}}}"#, "garbage"];
        let err = check_sample(numbered(&lines), &[key("pk", ScalarType::S)], 10).unwrap_err();
        assert!(matches!(err, ItemLineError::AtLine { line: 2, .. }));
        assert!(err.to_string().starts_with("line 2: "), "{err}");
    }

    proptest! {
        #[test]
        fn never_panics(lines in proptest::collection::vec("\\PC{0,80}", 0..10), max in 0u64..20) {
            let keys = [key("pk", ScalarType::S), key("sk", ScalarType::N)];
            let numbered = lines.into_iter().enumerate().map(|(i, l)| (i as u64 + 1, l));
            if let Ok(report) = check_sample(numbered, &keys, max) {
                prop_assert!(report.items_checked <= max);
                let _ = report.explain();
            }
        }
    }
}
