//! One line of an export's data file turned into the write it asks for.
//!
//! Two kinds of files reach a table that already exists: a full export (`{"Item":{...}}`, one
//! item per line, each a put) and an incremental export, whose lines are change records:
//!
//! ```text
//! {"Metadata":{"WriteTimestampMicros":{"N":"1680109764000000"}},
//!  "Keys":{"pk":{"S":"a"}},"NewImage":{...},"OldImage":{...}}
//! ```
//!
//! A record with a `NewImage` puts that whole image; one without deletes the item of `Keys`.
//! The timestamp orders two changes of one key (the later write wins). The lines come from a
//! bucket, so they are untrusted: every attribute value is validated as
//! [`parse_item_line`](super::items::parse_item_line) validates items, and a bad line is a
//! [`LineError`] with a stable kind, never a panic.

use serde_json::{Map, Value};

pub use super::items::LineError;
use super::items::{json_kind, name_excerpt, parse_item_line, validate_item, ItemLineError};

/// Which kind of export a data file belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// A full export: `{"Item":{...}}` lines, each put as it is.
    Items,
    /// An incremental export: change records (`Keys`, `NewImage`, `OldImage`, `Metadata`).
    Changes,
}

/// One write to the table.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOp {
    /// Writes this whole item (a put replaces every attribute of an item with its key).
    Put(Map<String, Value>),
    /// Deletes the item with these key attributes.
    Delete(Map<String, Value>),
}

impl WriteOp {
    /// The attributes the write is about: the whole item of a put, the key of a delete.
    pub fn attributes(&self) -> &Map<String, Value> {
        match self {
            WriteOp::Put(item) | WriteOp::Delete(item) => item,
        }
    }

    pub fn is_delete(&self) -> bool {
        matches!(self, WriteOp::Delete(_))
    }
}

/// A write and, for a change record, when the source table took it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub op: WriteOp,
    /// `Metadata.WriteTimestampMicros` of a change record; `None` for a full export's item.
    pub at_micros: Option<u64>,
}

/// Parses one line of a data file of `kind` into the write it asks for.
pub fn parse_change_line(line: &str, kind: LineKind) -> Result<Change, LineError> {
    match kind {
        LineKind::Items => parse_item_line(line)
            .map(|item| Change {
                op: WriteOp::Put(item),
                at_micros: None,
            })
            .map_err(item_error),
        LineKind::Changes => parse_change_record(line),
    }
}

fn parse_change_record(line: &str) -> Result<Change, LineError> {
    let value: Value = serde_json::from_str(line).map_err(|e| {
        LineError::new(
            "not-json",
            format!(
                "the line is not valid JSON ({e}); every line of an incremental export is one \
                 JSON object with Keys and NewImage or OldImage: check that the file was \
                 decompressed"
            ),
        )
    })?;
    let Value::Object(mut fields) = value else {
        return Err(LineError::new(
            "not-a-change",
            format!(
                "the line is a JSON {}, not a change record like {{\"Keys\":{{...}},\"NewImage\":{{...}}}}",
                json_kind(&value)
            ),
        ));
    };
    let at_micros = timestamp(fields.get("Metadata"))?;
    let keys = match fields.remove("Keys") {
        Some(Value::Object(keys)) if !keys.is_empty() => keys,
        Some(Value::Object(_)) => {
            return Err(LineError::new(
                "no-keys",
                "the change record's \"Keys\" is empty; a change names the key of the item it \
                 changes",
            ))
        }
        Some(other) => {
            return Err(LineError::new(
                "not-a-change",
                format!(
                    "\"Keys\" is a JSON {}, but it must be an object of key attributes",
                    json_kind(&other)
                ),
            ))
        }
        None if fields.contains_key("Item") => {
            return Err(LineError::new(
                "not-a-change",
                "the line is an item of a full export ({\"Item\":...}), not a change record: \
                 apply the file as a full export",
            ))
        }
        None => {
            let mut names: Vec<String> = fields.keys().map(|k| name_excerpt(k)).collect();
            names.truncate(8);
            return Err(LineError::new(
                "no-keys",
                format!(
                    "the change record has no \"Keys\" (its fields are: {}); every change record \
                     of an incremental export names the item's key",
                    if names.is_empty() {
                        "none".to_owned()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
    };
    validate_item(&keys).map_err(item_error)?;
    let op = match fields.remove("NewImage") {
        Some(Value::Object(image)) => {
            validate_item(&image).map_err(item_error)?;
            WriteOp::Put(image)
        }
        None | Some(Value::Null) => WriteOp::Delete(keys),
        Some(other) => {
            return Err(LineError::new(
                "not-a-change",
                format!(
                    "\"NewImage\" is a JSON {}, but it must be an object of attributes",
                    json_kind(&other)
                ),
            ))
        }
    };
    Ok(Change { op, at_micros })
}

/// `Metadata.WriteTimestampMicros` (`{"N":"…"}`), absent when the record has no metadata.
fn timestamp(metadata: Option<&Value>) -> Result<Option<u64>, LineError> {
    let bad = |detail: String| {
        LineError::new(
            "bad-timestamp",
            format!(
                "Metadata.WriteTimestampMicros {detail}; it must be {{\"N\":\"<microseconds since \
                 1970>\"}}"
            ),
        )
    };
    let Some(metadata) = metadata else {
        return Ok(None);
    };
    let Some(metadata) = metadata.as_object() else {
        return Err(bad(format!(
            "cannot be read: Metadata is a JSON {}",
            json_kind(metadata)
        )));
    };
    let Some(stamp) = metadata.get("WriteTimestampMicros") else {
        return Ok(None);
    };
    let text = stamp
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.get("N"))
        .and_then(Value::as_str)
        .ok_or_else(|| bad("is not a number attribute".to_owned()))?;
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(format!("is {:?}", name_excerpt(text))));
    }
    text.parse::<u64>()
        .map(Some)
        .map_err(|_| bad(format!("{:?} is out of range", name_excerpt(text))))
}

/// An item line's error as a stable kind and its sentence.
fn item_error(e: ItemLineError) -> LineError {
    let kind = match &e {
        ItemLineError::NotJson { .. } => "not-json",
        ItemLineError::NotAnObject { .. } | ItemLineError::ItemNotObject { .. } => "not-an-item",
        ItemLineError::NoItem { .. } => "no-item",
        ItemLineError::TooDeep { .. } => "too-deep",
        ItemLineError::BadAttribute { .. } | ItemLineError::AtLine { .. } => "bad-attribute",
    };
    let message = match &e {
        ItemLineError::NoItem { fields } => format!(
            "the line has no \"Item\" (its fields are: {fields}); lines with Keys and \
             NewImage/OldImage are change records of an incremental export: apply the file as \
             changes"
        ),
        _ => e.to_string(),
    };
    LineError::new(kind, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        value.as_object().unwrap().clone()
    }

    #[test]
    fn a_full_export_line_is_a_put() {
        let change = parse_change_line(
            r#"{"Item":{"pk":{"S":"a"},"n":{"N":"1"}}}"#,
            LineKind::Items,
        )
        .unwrap();
        assert_eq!(
            change.op,
            WriteOp::Put(map(json!({"pk": {"S": "a"}, "n": {"N": "1"}})))
        );
        assert_eq!(change.at_micros, None);
    }

    #[test]
    fn a_record_with_a_new_image_is_a_put_at_its_time() {
        let line = r#"{"Metadata":{"WriteTimestampMicros":{"N":"1680109764000000"}},"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},"v":{"N":"2"}},"OldImage":{"pk":{"S":"a"},"v":{"N":"1"}}}"#;
        let change = parse_change_line(line, LineKind::Changes).unwrap();
        assert_eq!(
            change.op,
            WriteOp::Put(map(json!({"pk": {"S": "a"}, "v": {"N": "2"}})))
        );
        assert_eq!(change.at_micros, Some(1_680_109_764_000_000));
    }

    #[test]
    fn a_record_without_a_new_image_deletes_its_keys() {
        let line = r#"{"Metadata":{"WriteTimestampMicros":{"N":"7"}},"Keys":{"pk":{"S":"a"},"sk":{"N":"1"}},"OldImage":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#;
        let change = parse_change_line(line, LineKind::Changes).unwrap();
        assert_eq!(
            change.op,
            WriteOp::Delete(map(json!({"pk": {"S": "a"}, "sk": {"N": "1"}})))
        );
        assert_eq!(change.at_micros, Some(7));
        // No metadata at all: no time, the order of the lines decides.
        let change = parse_change_line(r#"{"Keys":{"pk":{"S":"a"}}}"#, LineKind::Changes).unwrap();
        assert_eq!(change.at_micros, None);
    }

    #[test]
    fn bad_lines_have_stable_kinds() {
        let cases = [
            ("not json", LineKind::Changes, "not-json"),
            ("[1]", LineKind::Changes, "not-a-change"),
            (
                r#"{"NewImage":{"pk":{"S":"a"}}}"#,
                LineKind::Changes,
                "no-keys",
            ),
            (r#"{"Keys":{}}"#, LineKind::Changes, "no-keys"),
            (r#"{"Keys":"a"}"#, LineKind::Changes, "not-a-change"),
            (
                r#"{"Item":{"pk":{"S":"a"}}}"#,
                LineKind::Changes,
                "not-a-change",
            ),
            (
                r#"{"Keys":{"pk":{"S":"a"}},"NewImage":[1]}"#,
                LineKind::Changes,
                "not-a-change",
            ),
            (
                r#"{"Keys":{"pk":{"S":"a"}},"NewImage":{"v":{"N":"x"}}}"#,
                LineKind::Changes,
                "bad-attribute",
            ),
            (
                r#"{"Keys":{"pk":{"Q":"a"}}}"#,
                LineKind::Changes,
                "bad-attribute",
            ),
            (
                r#"{"Metadata":{"WriteTimestampMicros":{"N":"-1"}},"Keys":{"pk":{"S":"a"}}}"#,
                LineKind::Changes,
                "bad-timestamp",
            ),
            (
                r#"{"Metadata":{"WriteTimestampMicros":{"N":"99999999999999999999999"}},"Keys":{"pk":{"S":"a"}}}"#,
                LineKind::Changes,
                "bad-timestamp",
            ),
            (
                r#"{"Metadata":{"WriteTimestampMicros":1},"Keys":{"pk":{"S":"a"}}}"#,
                LineKind::Changes,
                "bad-timestamp",
            ),
            (
                r#"{"Metadata":3,"Keys":{"pk":{"S":"a"}}}"#,
                LineKind::Changes,
                "bad-timestamp",
            ),
            ("", LineKind::Items, "not-json"),
            ("[]", LineKind::Items, "not-an-item"),
            (r#"{"Keys":{"pk":{"S":"a"}}}"#, LineKind::Items, "no-item"),
            (
                r#"{"Item":{"a":{"N":"one"}}}"#,
                LineKind::Items,
                "bad-attribute",
            ),
        ];
        for (line, kind, expected) in cases {
            let err = parse_change_line(line, kind).unwrap_err();
            assert_eq!(err.kind, expected, "{line}: {}", err.message);
            assert!(!err.message.is_empty());
        }
        let err = parse_change_line(r#"{"Keys":{"pk":{"S":"a"}}}"#, LineKind::Items).unwrap_err();
        assert!(err.message.contains("apply the file as changes"), "{err}");
    }

    /// A typed attribute value of any kind, nested a few levels.
    fn attribute_value() -> impl Strategy<Value = Value> {
        let number = "-?[0-9]{1,20}(\\.[0-9]{1,5})?".prop_map(|n| json!({ "N": n }));
        let leaf = prop_oneof![
            "\\PC{0,20}".prop_map(|s| json!({ "S": s })),
            number,
            prop::collection::vec(any::<u8>(), 0..12).prop_map(|b| {
                use base64::Engine as _;
                json!({ "B": base64::engine::general_purpose::STANDARD.encode(b) })
            }),
            any::<bool>().prop_map(|b| json!({ "BOOL": b })),
            Just(json!({ "NULL": true })),
            prop::collection::vec("[a-z]{0,5}", 1..4).prop_map(|v| json!({ "SS": v })),
            prop::collection::vec("[0-9]{1,4}", 1..4).prop_map(|v| json!({ "NS": v })),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({ "L": v })),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..4)
                    .prop_map(|m| json!({ "M": m })),
            ]
        })
    }

    fn item() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::btree_map("\\PC{0,8}", attribute_value(), 0..6)
            .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let line = String::from_utf8_lossy(&bytes);
            let _ = parse_change_line(&line, LineKind::Items);
            let _ = parse_change_line(&line, LineKind::Changes);
        }

        #[test]
        fn json_like_text_never_panics(line in "[\\[\\]{}\":,SNBLMKeysNwImgMtda0-9 ]{0,300}") {
            let _ = parse_change_line(&line, LineKind::Changes);
        }

        #[test]
        fn generated_change_records_round_trip(
            key in "\\PC{1,10}",
            image in item(),
            at in proptest::option::of(any::<u64>()),
            delete in any::<bool>(),
        ) {
            let keys = json!({ "pk": { "S": key } });
            let mut image = image;
            image.insert("pk".into(), json!({ "S": key }));
            let mut line = Map::new();
            if let Some(at) = at {
                line.insert("Metadata".into(), json!({"WriteTimestampMicros": {"N": at.to_string()}}));
            }
            line.insert("Keys".into(), keys.clone());
            line.insert("OldImage".into(), Value::Object(image.clone()));
            if !delete {
                line.insert("NewImage".into(), Value::Object(image.clone()));
            }
            let change = parse_change_line(&Value::Object(line).to_string(), LineKind::Changes).unwrap();
            prop_assert_eq!(change.at_micros, at);
            let expected = if delete { WriteOp::Delete(map(keys)) } else { WriteOp::Put(image) };
            prop_assert_eq!(change.op, expected);
        }

        #[test]
        fn generated_items_round_trip(image in item()) {
            let line = json!({ "Item": image }).to_string();
            let change = parse_change_line(&line, LineKind::Items).unwrap();
            prop_assert_eq!(change.op, WriteOp::Put(image));
        }
    }
}
