//! DynamoDB JSON export lines, and checks of the new table's key names against them.
//!
//! A full export in DynamoDB JSON has one `{"Item":{...}}` per line, every attribute value
//! written as a one-key type descriptor (`{"S":"x"}`, `{"N":"1"}`, `{"L":[...]}`, ...). The
//! lines come from a bucket, so they are untrusted: parsing validates the whole shape with a
//! depth limit, never recursing without bound. [`check_item_keys`] catches the mistake that
//! otherwise surfaces hours into an import: key names are case-sensitive, and an item
//! without the table's key is rejected. This tree-building reader serves the verify step
//! and is the reference the streaming checker (`export::check`) is tested against.

mod keys;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

pub use keys::{check_item_keys, KeyAttr, KeyProblem, ParseScalarTypeError, ScalarType};

/// Deepest nesting of lists and maps accepted in an attribute value. DynamoDB itself stops
/// at 32; the margin only keeps validation bounded.
pub const MAX_DEPTH: usize = 64;

/// Longest attribute name quoted in an error, so a huge name cannot flood the screen.
const NAME_EXCERPT_CHARS: usize = 40;

/// Why a line is not a DynamoDB JSON export item.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ItemLineError {
    #[error(
        "the line is not valid JSON ({reason}); every line of a DynamoDB JSON export is one \
         JSON object like {{\"Item\":{{...}}}}: check that the folder holds a DynamoDB JSON \
         export (not Ion) and that the file was decompressed"
    )]
    NotJson { reason: String },
    #[error("the line is a JSON {found}, not an object like {{\"Item\":{{...}}}}")]
    NotAnObject { found: &'static str },
    #[error(
        "the line has no \"Item\" (its fields are: {fields}); lines with NewImage/OldImage come \
         from an incremental export, which cannot be imported: use a full export"
    )]
    NoItem { fields: String },
    #[error("\"Item\" is a JSON {found}, but it must be an object of attributes")]
    ItemNotObject { found: &'static str },
    #[error("attribute {path}: {problem}")]
    BadAttribute { path: String, problem: String },
    #[error(
        "attribute {path} is nested more than {limit} lists/maps deep, deeper than DynamoDB \
         allows; the file is not a DynamoDB export"
    )]
    TooDeep { path: String, limit: usize },
    #[error("line {line}: {source}")]
    AtLine {
        line: u64,
        #[source]
        source: Box<ItemLineError>,
    },
}

/// Parses one export line and returns its item (attribute name → typed value).
pub fn parse_item_line(line: &str) -> Result<Map<String, Value>, ItemLineError> {
    // serde_json stops at 128 levels of nesting, so this cannot overflow the stack.
    let value: Value = serde_json::from_str(line).map_err(|e| ItemLineError::NotJson {
        reason: e.to_string(),
    })?;
    let Value::Object(mut line_fields) = value else {
        return Err(ItemLineError::NotAnObject {
            found: json_kind(&value),
        });
    };
    let item = match line_fields.remove("Item") {
        Some(Value::Object(item)) => item,
        Some(other) => {
            return Err(ItemLineError::ItemNotObject {
                found: json_kind(&other),
            })
        }
        None => {
            let mut fields: Vec<String> = line_fields.keys().map(|k| name_excerpt(k)).collect();
            fields.truncate(8);
            return Err(ItemLineError::NoItem {
                fields: if fields.is_empty() {
                    "none".into()
                } else {
                    fields.join(", ")
                },
            });
        }
    };
    validate_item(&item)?;
    Ok(item)
}

/// Checks every attribute value of an item as [`parse_item_line`] does: the one validation
/// of untrusted DynamoDB JSON, shared by the readers of change records.
pub fn validate_item(item: &Map<String, Value>) -> Result<(), ItemLineError> {
    for (name, value) in item {
        validate_value(value, &mut vec![quoted(name)], 1)?;
    }
    Ok(())
}

/// Largest exponent [`canonical_number`] folds in.
const MAX_EXPONENT: i64 = 1_000_000;

/// Canonical text of a decimal number, so that two spellings of one number compare equal
/// ("10.10" and "1.01e1"): no sign on zero, no leading or trailing zeros, exponent folded in.
/// DynamoDB keeps 38 digits, more than an f64, so this works on the text.
pub fn canonical_number(text: &str) -> String {
    let t = text.trim();
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let (mantissa, exp) = match t.find(['e', 'E']) {
        Some(i) => match t[i + 1..].parse::<i64>() {
            // Far outside DynamoDB's range (1e-130 to 1e126): kept as written, so that two
            // such numbers are never taken for one (nor for a number in range).
            Ok(exp) if exp.abs() <= MAX_EXPONENT => (&t[..i], exp),
            _ => return text.to_owned(),
        },
        None => (t, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits: String = format!("{int_part}{frac_part}");
    let point = int_part.len() as i64 + exp;
    let lead = digits.len() - digits.trim_start_matches('0').len();
    let digits = digits.trim_start_matches('0').trim_end_matches('0');
    if digits.is_empty() {
        return "0".to_owned();
    }
    let point = point - lead as i64;
    format!("{}0.{}e{}", if neg { "-" } else { "" }, digits, point)
}

/// Checks one typed attribute value; `path` names it for errors, `depth` counts lists/maps.
fn validate_value(
    value: &Value,
    path: &mut Vec<String>,
    depth: usize,
) -> Result<(), ItemLineError> {
    if depth > MAX_DEPTH {
        return Err(ItemLineError::TooDeep {
            path: path.concat(),
            limit: MAX_DEPTH,
        });
    }
    let bad = |path: &[String], problem: String| ItemLineError::BadAttribute {
        path: path.concat(),
        problem,
    };
    let Value::Object(descriptor) = value else {
        return Err(bad(
            path,
            format!(
                "the value is a JSON {}, but DynamoDB JSON writes every value as an object \
                 with one type key such as {{\"S\":\"text\"}}",
                json_kind(value)
            ),
        ));
    };
    let mut entries = descriptor.iter();
    let (Some((kind, inner)), None) = (entries.next(), entries.next()) else {
        return Err(bad(
            path,
            format!(
                "the value has {} keys, but it must have exactly one type key (S, N, B, BOOL, \
                 NULL, L, M, SS, NS or BS)",
                descriptor.len()
            ),
        ));
    };
    match (kind.as_str(), inner) {
        ("S", Value::String(_)) => Ok(()),
        ("N", Value::String(n)) if is_number(n) => Ok(()),
        ("N", Value::String(n)) => Err(bad(
            path,
            format!("N must hold a number written as a string, not {:?}", name_excerpt(n)),
        )),
        ("B", Value::String(b)) if STANDARD.decode(b).is_ok() => Ok(()),
        ("BOOL", Value::Bool(_)) => Ok(()),
        ("NULL", Value::Bool(true)) => Ok(()),
        ("SS", Value::Array(list)) if list.iter().all(Value::is_string) => Ok(()),
        ("NS", Value::Array(list)) if list.iter().all(|v| v.as_str().is_some_and(is_number)) => {
            Ok(())
        }
        ("BS", Value::Array(list))
            if list
                .iter()
                .all(|v| v.as_str().is_some_and(|b| STANDARD.decode(b).is_ok())) =>
        {
            Ok(())
        }
        ("L", Value::Array(list)) => {
            for (index, element) in list.iter().enumerate() {
                path.push(format!("[{index}]"));
                validate_value(element, path, depth + 1)?;
                path.pop();
            }
            Ok(())
        }
        ("M", Value::Object(map)) => {
            for (name, element) in map {
                path.push(format!(".{}", quoted(name)));
                validate_value(element, path, depth + 1)?;
                path.pop();
            }
            Ok(())
        }
        (kind @ ("S" | "N" | "B" | "BOOL" | "NULL" | "SS" | "NS" | "BS" | "L" | "M"), inner) => {
            Err(bad(
                path,
                format!(
                    "{kind} cannot hold a JSON {} like this; {}",
                    json_kind(inner),
                    expected_shape(kind)
                ),
            ))
        }
        (other, _) => Err(bad(
            path,
            format!(
                "{:?} is not a DynamoDB type; expected one of S, N, B, BOOL, NULL, L, M, SS, NS, BS",
                name_excerpt(other)
            ),
        )),
    }
}

fn expected_shape(kind: &str) -> &'static str {
    match kind {
        "S" => "S holds a string",
        "N" => "N holds a number written as a string",
        "B" => "B holds base64 text",
        "BOOL" => "BOOL holds true or false",
        "NULL" => "NULL holds true",
        "SS" => "SS holds a list of strings",
        "NS" => "NS holds a list of numbers written as strings",
        "BS" => "BS holds a list of base64 texts",
        "L" => "L holds a list of typed values",
        _ => "M holds an object of typed values",
    }
}

/// Whether `text` is a number as DynamoDB writes one: sign, digits, fraction, exponent.
pub(crate) fn is_number(text: &str) -> bool {
    is_number_bytes(text.as_bytes())
}

/// [`is_number`] over bytes.
pub(crate) fn is_number_bytes(bytes: &[u8]) -> bool {
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while bytes.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i - start
    };
    if matches!(bytes.first(), Some(b'-' | b'+')) {
        i += 1;
    }
    let mut mantissa = digits(&mut i);
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        mantissa += digits(&mut i);
    }
    if mantissa == 0 {
        return false;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == bytes.len()
}

const B64: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
        c += 1;
    }
    t
};

fn b64_value(c: u8) -> u8 {
    match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    }
}

/// Whether `text` is standard, padded, canonical base64 (what `B` holds), without decoding.
pub(crate) fn is_base64(text: &[u8]) -> bool {
    if !text.len().is_multiple_of(4) {
        return false;
    }
    let pad = text.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 {
        return false;
    }
    let body = &text[..text.len() - pad];
    if !body.iter().all(|&c| B64[c as usize]) {
        return false;
    }
    // The bits after the last full byte must be zero.
    match (pad, body.last()) {
        (1, Some(&c)) => b64_value(c) & 0b11 == 0,
        (2, Some(&c)) => b64_value(c) & 0b1111 == 0,
        _ => true,
    }
}

/// Why one line is not an export item, as the streaming readers (the check's JSON scanner,
/// the Ion reader) say it: a stable kind and a sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LineError {
    /// Stable, kebab-case kind for scripts (`not-json`, `not-ion`, `no-item`, ...).
    pub kind: &'static str,
    pub message: String,
}

impl LineError {
    pub fn new(kind: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }
}

/// An attribute name as it appears in an error path: quoted, and cut if very long.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name_excerpt(name))
}

pub(crate) fn name_excerpt(name: &str) -> String {
    if name.chars().count() <= NAME_EXCERPT_CHARS {
        name.to_owned()
    } else {
        let mut cut: String = name.chars().take(NAME_EXCERPT_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// Name of a JSON value's type, for error messages (item lines and policy documents).
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    /// The item from the AWS docs' export example, on one line as exports write it.
    const DOCS_ITEM: &str = r#"{"Item":{"Authors":{"SS":["Author1","Author2"]},"Dimensions":{"S":"8.5 x 11.0 x 1.5"},"ISBN":{"S":"333-3333333333"},"Id":{"N":"103"},"InPublication":{"BOOL":false},"PageCount":{"N":"600"},"Price":{"N":"2000"},"ProductCategory":{"S":"Book"},"Title":{"S":"Book 103 Title"}}}"#;

    #[test]
    fn parses_the_docs_example() {
        let item = parse_item_line(DOCS_ITEM).unwrap();
        assert_eq!(item.len(), 9);
        assert_eq!(item["Id"], json!({"N": "103"}));
    }

    #[test]
    fn accepts_every_type() {
        let line = json!({"Item": {
            "s": {"S": ""}, "n": {"N": "-1.5e+10"}, "b": {"B": "AAEC"}, "t": {"BOOL": true},
            "z": {"NULL": true}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", ".5"]},
            "bs": {"BS": ["AA==", ""]}, "l": {"L": [{"S": "x"}, {"L": []}, {"M": {}}]},
            "m": {"M": {"inner": {"M": {"deep": {"N": "0"}}}}}
        }});
        assert!(parse_item_line(&line.to_string()).is_ok());
    }

    #[test]
    fn structural_errors() {
        assert!(matches!(
            parse_item_line("not json"),
            Err(ItemLineError::NotJson { .. })
        ));
        assert!(matches!(
            parse_item_line(""),
            Err(ItemLineError::NotJson { .. })
        ));
        assert_eq!(
            parse_item_line("[1]").unwrap_err(),
            ItemLineError::NotAnObject { found: "array" }
        );
        let err = parse_item_line(r#"{"Metadata":{},"NewImage":{}}"#).unwrap_err();
        assert!(matches!(err, ItemLineError::NoItem { .. }));
        assert!(err.to_string().contains("incremental export"), "{err}");
        assert_eq!(
            parse_item_line(r#"{"Item":"x"}"#).unwrap_err(),
            ItemLineError::ItemNotObject { found: "string" }
        );
    }

    #[test]
    fn attribute_errors_name_the_path() {
        let cases = [
            (r#"{"Item":{"a":"plain"}}"#, "\"a\""),
            (r#"{"Item":{"a":{"S":"x","N":"1"}}}"#, "\"a\""),
            (r#"{"Item":{"a":{}}}"#, "\"a\""),
            (r#"{"Item":{"a":{"Q":"x"}}}"#, "\"a\""),
            (r#"{"Item":{"a":{"N":"one"}}}"#, "\"a\""),
            (r#"{"Item":{"a":{"N":1}}}"#, "\"a\""),
            (r#"{"Item":{"a":{"B":"***"}}}"#, "\"a\""),
            (r#"{"Item":{"a":{"NULL":false}}}"#, "\"a\""),
            (r#"{"Item":{"a":{"SS":["x",1]}}}"#, "\"a\""),
            (
                r#"{"Item":{"a":{"L":[{"S":"ok"},{"BOOL":"yes"}]}}}"#,
                "\"a\"[1]",
            ),
            (
                r#"{"Item":{"a":{"M":{"b":{"L":[{"X":1}]}}}}}"#,
                "\"a\".\"b\"[0]",
            ),
        ];
        for (line, path) in cases {
            match parse_item_line(line) {
                Err(ItemLineError::BadAttribute {
                    path: found,
                    problem,
                }) => {
                    assert_eq!(found, path, "{line}: {problem}");
                }
                other => panic!("{line}: {other:?}"),
            }
        }
    }

    #[test]
    fn numbers() {
        for good in [
            "0",
            "-1",
            "+2",
            "1.5",
            ".5",
            "5.",
            "1e10",
            "1E-3",
            "123456789012345678901234567890123456789",
        ] {
            assert!(is_number(good), "{good}");
        }
        for bad in [
            "", "-", ".", "e5", "1e", "1e+", "0x10", "1 ", " 1", "NaN", "1.2.3",
        ] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn numbers_have_one_canonical_text() {
        for (a, b) in [
            ("10.10", "1.01e1"),
            ("-0.0", "0"),
            ("+5", "5.000"),
            ("0.001", "1E-3"),
            (
                "123456789012345678901234567890123456789",
                "1.23456789012345678901234567890123456789e38",
            ),
        ] {
            assert_eq!(canonical_number(a), canonical_number(b), "{a} {b}");
        }
        for (a, b) in [("1", "10"), ("1", "-1"), ("0.1", "0.01")] {
            assert_ne!(canonical_number(a), canonical_number(b), "{a} {b}");
        }
        // Exponents no DynamoDB number has are never folded, so they collide with nothing.
        assert_ne!(
            canonical_number("1e99999999999999999999"),
            canonical_number("1")
        );
        assert_ne!(
            canonical_number("1e9223372036854775807"),
            canonical_number("10e9223372036854775807")
        );
    }

    #[test]
    fn depth_limit_is_enforced_without_the_parser() {
        // Built directly, because serde_json's own limit (128) stops deeper text earlier.
        let mut value = json!({"S": "leaf"});
        for _ in 0..MAX_DEPTH + 5 {
            value = json!({"L": [value]});
        }
        let err = validate_value(&value, &mut vec!["\"a\"".into()], 1).unwrap_err();
        assert!(
            matches!(
                err,
                ItemLineError::TooDeep {
                    limit: MAX_DEPTH,
                    ..
                }
            ),
            "{err}"
        );

        let mut ok = json!({"S": "leaf"});
        for _ in 0..MAX_DEPTH - 1 {
            ok = json!({"M": {"k": ok}});
        }
        assert!(validate_value(&ok, &mut vec!["\"a\"".into()], 1).is_ok());
    }

    #[test]
    fn very_deep_text_is_an_error_not_a_crash() {
        let depth = 100_000;
        let line = format!(
            "{{\"Item\":{{\"a\":{}{{\"S\":\"x\"}}{}}}}}",
            "{\"L\":[".repeat(depth),
            "]}".repeat(depth)
        );
        assert!(matches!(
            parse_item_line(&line),
            Err(ItemLineError::NotJson { .. })
        ));
    }

    #[test]
    fn long_names_are_cut_in_errors() {
        let name = "n".repeat(1000);
        let line = format!("{{\"Item\":{{\"{name}\":1}}}}");
        let err = parse_item_line(&line).unwrap_err();
        assert!(err.to_string().len() < 400, "{err}");
    }

    proptest! {
        #[test]
        fn any_number_text_has_a_canonical_text(text in "[-+]?[0-9.]{0,12}([eE][-+]?[0-9]{0,22})?|\\PC{0,20}") {
            let _ = canonical_number(&text);
        }

        #[test]
        fn a_number_moved_into_its_exponent_is_the_same_number(
            digits in "[1-9][0-9]{0,20}", shift in 0usize..20, exp in -200i64..200,
        ) {
            // d × 10^exp written with the point moved `shift` places left and the exponent up.
            let (int_part, frac) = digits.split_at(digits.len().saturating_sub(shift));
            let int_part = if int_part.is_empty() { "0" } else { int_part };
            let moved = format!("{int_part}.{}{frac}e{}", "0".repeat(shift.saturating_sub(digits.len())), exp + shift as i64);
            prop_assert_eq!(canonical_number(&format!("{digits}e{exp}")), canonical_number(&moved));
        }

        #[test]
        fn arbitrary_strings_never_panic(line in "\\PC{0,200}") {
            let _ = parse_item_line(&line);
        }

        #[test]
        fn json_like_strings_never_panic(line in "[\\[\\]{}\":,SNBLMUOE0-9 a-z]{0,300}") {
            let _ = parse_item_line(&line);
        }

        #[test]
        fn deep_nesting_of_any_kind_is_bounded(depth in 1usize..3000, map in any::<bool>()) {
            let (open, close) = if map { ("{\"M\":{\"k\":", "}}") } else { ("{\"L\":[", "]}") };
            let line = format!("{{\"Item\":{{\"a\":{}{{\"S\":\"x\"}}{}}}}}",
                open.repeat(depth), close.repeat(depth));
            let result = parse_item_line(&line);
            // Each level is two JSON levels, so only shallow values get past serde_json.
            prop_assert_eq!(result.is_ok(), depth <= 62);
        }
    }
}
