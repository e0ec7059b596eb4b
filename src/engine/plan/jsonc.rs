//! A small writer of commented JSON (the `//` comments `Plan::parse` accepts): objects whose
//! fields carry comments, and comments standing alone where an optional field is left out.
//! It places the commas itself, so a comment after the last field never leaves the trailing
//! comma JSON forbids, and it keeps comments on comment lines whatever text they are given.

use serde_json::Value;

/// Longest comment line, indentation included, before words wrap to the next line.
const WIDTH: usize = 96;

/// A value to write.
pub enum Node {
    /// Written on one line, e.g. `{ "name": "pk", "type": "S" }`.
    Inline(Value),
    /// One field a line, each with its comment.
    Object(Vec<Entry>),
    /// One element a line.
    Array(Vec<Node>),
}

/// A field of an object with the comment above it, or a comment alone.
pub struct Entry {
    comment: String,
    field: Option<(String, Node)>,
}

impl Entry {
    pub fn field(key: &str, comment: impl Into<String>, node: Node) -> Entry {
        Entry {
            comment: comment.into(),
            field: Some((key.to_owned(), node)),
        }
    }

    /// A field written as a one-line value.
    pub fn value(key: &str, comment: impl Into<String>, value: impl serde::Serialize) -> Entry {
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        Entry::field(key, comment, Node::Inline(value))
    }

    /// Only a comment: an optional field left out, and what applies instead.
    pub fn note(comment: impl Into<String>) -> Entry {
        Entry {
            comment: comment.into(),
            field: None,
        }
    }
}

/// The whole file: the header's comment lines, then `root`.
pub fn write(header: &str, root: &Node) -> String {
    let mut out = String::new();
    comment_lines(&mut out, 0, header);
    node(&mut out, 0, root);
    out.push('\n');
    out
}

fn node(out: &mut String, depth: usize, n: &Node) {
    match n {
        Node::Inline(v) => out.push_str(&inline(v)),
        Node::Object(entries) => {
            out.push_str("{\n");
            let last_field = entries.iter().rposition(|e| e.field.is_some());
            for (i, e) in entries.iter().enumerate() {
                comment_lines(out, depth + 1, &e.comment);
                if let Some((key, value)) = &e.field {
                    indent(out, depth + 1);
                    out.push_str(&inline(&Value::String(key.clone())));
                    out.push_str(": ");
                    node(out, depth + 1, value);
                    if Some(i) != last_field {
                        out.push(',');
                    }
                    out.push('\n');
                }
            }
            indent(out, depth);
            out.push('}');
        }
        Node::Array(items) if items.is_empty() => out.push_str("[]"),
        Node::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(out, depth + 1);
                node(out, depth + 1, item);
                if i + 1 < items.len() {
                    out.push(',');
                }
                out.push('\n');
            }
            indent(out, depth);
            out.push(']');
        }
    }
}

/// A value on one line, with a space inside braces and after colons and commas. The field
/// that says which kind of thing an object is (`type`, `mode`) comes first, as people write it.
fn inline(v: &Value) -> String {
    match v {
        Value::Object(map) if map.is_empty() => "{}".to_owned(),
        Value::Object(map) => {
            let mut pairs: Vec<(&String, &Value)> = map.iter().collect();
            pairs.sort_by_key(|(k, _)| !matches!(k.as_str(), "type" | "mode"));
            let fields: Vec<String> = pairs
                .into_iter()
                .map(|(k, v)| format!("{}: {}", inline(&Value::String(k.clone())), inline(v)))
                .collect();
            format!("{{ {} }}", fields.join(", "))
        }
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// `text` as `//` lines, wrapped at [`WIDTH`]; a line's leading spaces are kept, on its
/// continuation lines too. Line breaks in `text` start new comment lines; other control
/// characters become spaces, so nothing can end a comment early.
fn comment_lines(out: &mut String, depth: usize, text: &str) {
    if text.is_empty() {
        return;
    }
    let room = WIDTH.saturating_sub(depth * 2 + 3).max(40);
    for paragraph in text.split('\n') {
        let clean: String = paragraph
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let words = clean.trim_start_matches(' ');
        let lead = " ".repeat(clean.len() - words.len());
        let mut line = lead.clone();
        for word in words.split(' ') {
            let used = line.chars().count();
            if used > lead.len() && used + 1 + word.chars().count() > room {
                push_comment(out, depth, &line);
                line.clone_from(&lead);
            }
            if line.len() > lead.len() {
                line.push(' ');
            }
            line.push_str(word);
        }
        push_comment(out, depth, &line);
    }
}

fn push_comment(out: &mut String, depth: usize, line: &str) {
    indent(out, depth);
    let line = line.trim_end();
    if line.is_empty() {
        out.push_str("//\n");
    } else {
        out.push_str("// ");
        out.push_str(line);
        out.push('\n');
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strip(text: &str) -> Value {
        let stripped = json_comments::StripComments::new(text.as_bytes());
        serde_json::from_reader(stripped).unwrap_or_else(|e| panic!("{e}:\n{text}"))
    }

    #[test]
    fn a_comment_after_the_last_field_leaves_no_trailing_comma() {
        let root = Node::Object(vec![
            Entry::value("a", "first", 1),
            Entry::field(
                "b",
                "",
                Node::Array(vec![
                    Node::Object(vec![Entry::value("c", "", "x"), Entry::note("no d")]),
                    Node::Inline(json!({"k": [1, 2], "e": {}})),
                ]),
            ),
            Entry::note("left out: \"z\""),
        ]);
        let text = write("header\n\nmore", &root);
        assert_eq!(
            strip(&text),
            json!({"a": 1, "b": [{"c": "x"}, {"k": [1, 2], "e": {}}]})
        );
        assert!(text.starts_with("// header\n//\n// more\n{\n"), "{text}");
        assert!(text.contains("  // left out: \"z\"\n}"), "{text}");
        assert!(text.contains(r#"{ "e": {}, "k": [1, 2] }"#), "{text}");
        let kinds = write(
            "",
            &Node::Inline(json!({"kms_key": "k", "type": "SSE_KMS"})),
        );
        assert_eq!(kinds, "{ \"type\": \"SSE_KMS\", \"kms_key\": \"k\" }\n");
    }

    #[test]
    fn control_characters_cannot_end_a_comment() {
        let text = write("a\rb\u{2028}c\u{0}d\n\"e\": 1,", &Node::Object(vec![]));
        assert_eq!(strip(&text), json!({}));
    }

    #[test]
    fn long_comments_wrap() {
        let long = "word ".repeat(60);
        let text = write(&long, &Node::Object(vec![]));
        assert!(text.lines().all(|l| l.chars().count() <= WIDTH), "{text}");
        assert!(text.lines().count() > 3);
    }
}
