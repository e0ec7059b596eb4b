//! Amazon Ion text lines, as DynamoDB's ION export format writes them.
//!
//! Each line is `$ion_1_0 {Item:{pk:"a",n:103.,b:{{AAE=}},tags:$dynamodb_SS::["x","y"]}}`:
//! strings are Ion strings, numbers Ion decimals (`103.`, `6d2`), binary values blobs,
//! booleans and `null` themselves, lists lists and maps structs; sets are lists annotated
//! `$dynamodb_SS`, `$dynamodb_NS` or `$dynamodb_BS`. [`parse_line`] turns a line into the
//! same item map DynamoDB JSON gives (`{"pk":{"S":"a"},"n":{"N":"103"},...}`);
//! [`scan_line`] validates a line the same way but builds nothing, for the full-data check.
//! Lines come from a bucket: every path is bounded (nesting, line length by the caller) and
//! every error says what was wrong and where, never a panic.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{Map, Value};

use super::items::{is_base64, name_excerpt, LineError, MAX_DEPTH};
use super::watch::{AttrType, LineFacts, Watch};

/// Parses one Ion line into an item (attribute name → DynamoDB JSON typed value).
pub fn parse_line(line: &[u8]) -> Result<Map<String, Value>, LineError> {
    let mut p = Parser::new(line, true);
    let item = p.line(None, None)?;
    Ok(item.unwrap_or_default())
}

/// Validates one Ion line and reports the watched attributes' types into `facts`.
pub fn scan_line(line: &[u8], watch: &Watch, facts: &mut LineFacts) -> Result<(), LineError> {
    facts.clear();
    let mut p = Parser::new(line, false);
    p.line(Some(watch), Some(facts)).map(|_| ())
}

/// Writes an item (DynamoDB JSON typed values) as a DynamoDB Ion export line; the inverse of
/// [`parse_line`]. `None` when the item is not valid DynamoDB JSON.
pub fn to_ion_line(item: &Map<String, Value>) -> Option<String> {
    let mut out = String::from("$ion_1_0 {Item:{");
    for (i, (name, value)) in item.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_symbol(name, &mut out);
        out.push(':');
        write_value(value, &mut out)?;
    }
    out.push_str("}}");
    Some(out)
}

fn write_symbol(name: &str, out: &mut String) {
    let plain = name
        .bytes()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == b'_')
        && name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && !matches!(name, "null" | "true" | "false" | "nan");
    if plain {
        out.push_str(name);
    } else {
        out.push('\'');
        write_escaped(name, '\'', out);
        out.push('\'');
    }
}

fn write_escaped(text: &str, quote: char, out: &mut String) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
}

fn write_string(text: &str, out: &mut String) {
    out.push('"');
    write_escaped(text, '"', out);
    out.push('"');
}

fn write_number(n: &str, out: &mut String) {
    // DynamoDB writes numbers as Ion decimals: `d` for the exponent, `.` for a whole number.
    let (mantissa, exponent) = match n.find(['e', 'E']) {
        Some(at) => (&n[..at], Some(&n[at + 1..])),
        None => (n, None),
    };
    let mantissa = mantissa.strip_prefix('+').unwrap_or(mantissa);
    let mantissa = if let Some(rest) = mantissa.strip_prefix('.') {
        format!("0.{rest}")
    } else if let Some(rest) = mantissa.strip_prefix("-.") {
        format!("-0.{rest}")
    } else {
        mantissa.to_owned()
    };
    out.push_str(&mantissa);
    if !mantissa.contains('.') {
        out.push('.');
    }
    if let Some(e) = exponent {
        out.push('d');
        out.push_str(e.strip_prefix('+').unwrap_or(e));
    }
}

fn write_value(value: &Value, out: &mut String) -> Option<()> {
    let descriptor = value.as_object()?;
    let (kind, inner) = descriptor.iter().next()?;
    match (kind.as_str(), inner) {
        ("S", Value::String(s)) => write_string(s, out),
        ("N", Value::String(n)) => write_number(n, out),
        ("B", Value::String(b)) => {
            out.push_str("{{");
            out.push_str(b);
            out.push_str("}}");
        }
        ("BOOL", Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
        ("NULL", _) => out.push_str("null"),
        ("SS" | "NS" | "BS", Value::Array(list)) => {
            out.push_str("$dynamodb_");
            out.push_str(kind);
            out.push_str("::[");
            for (i, element) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let text = element.as_str()?;
                match kind.as_str() {
                    "SS" => write_string(text, out),
                    "NS" => write_number(text, out),
                    _ => {
                        out.push_str("{{");
                        out.push_str(text);
                        out.push_str("}}");
                    }
                }
            }
            out.push(']');
        }
        ("L", Value::Array(list)) => {
            out.push('[');
            for (i, element) in list.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(element, out)?;
            }
            out.push(']');
        }
        ("M", Value::Object(map)) => {
            out.push('{');
            for (i, (name, element)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_symbol(name, out);
                out.push(':');
                write_value(element, out)?;
            }
            out.push('}');
        }
        _ => return None,
    }
    Some(())
}

/// Containers opened before a line is refused, whatever they hold.
const MAX_NESTING: usize = MAX_DEPTH + 8;

type R<T> = Result<T, LineError>;

/// What a value was read as: its DynamoDB type and, when building, its typed JSON form.
struct Read {
    ty: AttrType,
    value: Option<Value>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SetKind {
    None,
    Ss,
    Ns,
    Bs,
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    build: bool,
    nesting: usize,
}

fn is_ident_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_' || c == b'$'
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'$'
}

impl<'a> Parser<'a> {
    fn new(b: &'a [u8], build: bool) -> Self {
        Parser {
            b,
            i: 0,
            build,
            nesting: 0,
        }
    }

    fn error<T>(&self, what: impl std::fmt::Display) -> R<T> {
        Err(LineError::new(
            "not-ion",
            format!(
                "the line is not valid Amazon Ion ({what} at column {}); every line of a DynamoDB Ion export is like $ion_1_0 {{Item:{{...}}}}: check that the folder holds an Ion export and that the file was decompressed",
                self.i + 1
            ),
        ))
    }

    fn attribute<T>(&self, path: &str, problem: impl std::fmt::Display) -> R<T> {
        Err(LineError::new(
            "bad-attribute",
            format!("attribute {path}: {problem}"),
        ))
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u8> {
        self.b.get(self.i + n).copied()
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.b.get(self.i..).is_some_and(|r| r.starts_with(s))
    }

    /// Whitespace and comments.
    fn ws(&mut self) -> R<()> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) => self.i += 1,
                Some(b'/') if self.peek_at(1) == Some(b'/') => {
                    while self.peek().is_some_and(|c| c != b'\n') {
                        self.i += 1;
                    }
                }
                Some(b'/') if self.peek_at(1) == Some(b'*') => {
                    self.i += 2;
                    loop {
                        if self.starts_with(b"*/") {
                            self.i += 2;
                            break;
                        }
                        if self.peek().is_none() {
                            return self.error("unterminated comment");
                        }
                        self.i += 1;
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn spaces(&mut self) {
        while matches!(
            self.peek(),
            Some(b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C)
        ) {
            self.i += 1;
        }
    }

    fn open(&mut self) -> R<()> {
        self.nesting += 1;
        if self.nesting > MAX_NESTING {
            return self.error("nested too deeply");
        }
        Ok(())
    }

    /// The whole line: version markers, then one struct holding `Item`.
    fn line(
        &mut self,
        watch: Option<&Watch>,
        mut facts: Option<&mut LineFacts>,
    ) -> R<Option<Map<String, Value>>> {
        if let Err(e) = std::str::from_utf8(self.b) {
            return Err(LineError::new(
                "not-utf8",
                format!(
                    "the line is not UTF-8 text (invalid byte at column {}); the file is damaged or is not an Ion text export",
                    e.valid_up_to() + 1
                ),
            ));
        }
        let mut item: Option<Option<Map<String, Value>>> = None;
        let mut item_error: Option<LineError> = None;
        let mut other_fields: Vec<String> = Vec::new();
        let mut structs = 0;
        loop {
            self.ws()?;
            match self.peek() {
                None => break,
                Some(b'{') if self.peek_at(1) != Some(b'{') => {
                    structs += 1;
                    if structs > 1 {
                        return self.error("a second value on the line");
                    }
                    self.open()?;
                    self.i += 1;
                    loop {
                        self.ws()?;
                        if self.peek() == Some(b'}') {
                            self.i += 1;
                            break;
                        }
                        let name = self.field_name()?;
                        self.ws()?;
                        if name == "Item" {
                            if let Some(f) = facts.as_deref_mut() {
                                f.clear();
                            }
                            item_error = None;
                            if self.peek() == Some(b'{') && self.peek_at(1) != Some(b'{') {
                                item = Some(self.item(watch, facts.as_deref_mut())?);
                            } else {
                                let kind = self.skip_any()?;
                                item = Some(None);
                                item_error = Some(LineError::new(
                                    "not-an-item",
                                    format!("Item is an Ion {kind}, but it must be a struct of attributes"),
                                ));
                            }
                        } else {
                            if other_fields.len() < 8 {
                                other_fields.push(name_excerpt(&name));
                            }
                            self.skip_any()?;
                        }
                        self.ws()?;
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.error("expected `,` or `}`"),
                        }
                    }
                    self.nesting -= 1;
                }
                Some(_) => {
                    let start = self.i;
                    let symbol = self.symbol_token()?;
                    if symbol.as_deref() != Some("$ion_1_0") {
                        self.i = start;
                        return self.error("expected $ion_1_0 or a struct like {Item:{...}}");
                    }
                }
            }
        }
        if let Some(e) = item_error {
            return Err(e);
        }
        match item {
            Some(built) => Ok(built),
            None if structs == 0 => self.error("no struct on the line"),
            None => Err(LineError::new(
                "no-item",
                format!(
                    "the line has no Item (its fields are: {}); lines with NewImage/OldImage come from an incremental export, which cannot be imported: use a full export",
                    if other_fields.is_empty() {
                        "none".to_owned()
                    } else {
                        other_fields.join(", ")
                    }
                ),
            )),
        }
    }

    /// An identifier or quoted symbol at the cursor, for a version marker.
    fn symbol_token(&mut self) -> R<Option<String>> {
        match self.peek() {
            Some(c) if is_ident_start(c) => {
                let start = self.i;
                while self.peek().is_some_and(is_ident) {
                    self.i += 1;
                }
                Ok(Some(
                    String::from_utf8_lossy(&self.b[start..self.i]).into_owned(),
                ))
            }
            _ => Ok(None),
        }
    }

    /// A struct field name: identifier, quoted symbol or string; then `:`.
    fn field_name(&mut self) -> R<String> {
        let name = match self.peek() {
            Some(b'"') => self.short_text(b'"')?,
            Some(b'\'') if self.starts_with(b"'''") => self.long_text()?,
            Some(b'\'') => self.short_text(b'\'')?,
            Some(c) if is_ident_start(c) => {
                let start = self.i;
                while self.peek().is_some_and(is_ident) {
                    self.i += 1;
                }
                let name = String::from_utf8_lossy(&self.b[start..self.i]).into_owned();
                if name.starts_with('$') && name[1..].bytes().all(|c| c.is_ascii_digit()) {
                    self.i = start;
                    return self.error(format!(
                        "symbol id {name} needs a symbol table, which DynamoDB exports do not use"
                    ));
                }
                name
            }
            _ => return self.error("expected a field name"),
        };
        self.ws()?;
        if self.peek() != Some(b':') || self.peek_at(1) == Some(b':') {
            return self.error("expected `:` after a field name");
        }
        self.i += 1;
        Ok(name)
    }

    /// `{name: value, ...}` of the item itself.
    fn item(
        &mut self,
        watch: Option<&Watch>,
        mut facts: Option<&mut LineFacts>,
    ) -> R<Option<Map<String, Value>>> {
        self.open()?;
        self.i += 1;
        let mut map = self.build.then(Map::new);
        loop {
            self.ws()?;
            if self.peek() == Some(b'}') {
                self.i += 1;
                break;
            }
            let name = self.field_name()?;
            self.ws()?;
            let read = self.typed(1, &|| format!("\"{}\"", name_excerpt(&name)))?;
            if let (Some(w), Some(f)) = (watch, facts.as_deref_mut()) {
                w.observe(&name, read.ty, f);
            }
            if let (Some(m), Some(v)) = (map.as_mut(), read.value) {
                m.insert(name, v);
            }
            self.ws()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return self.error("expected `,` or `}`"),
            }
        }
        self.nesting -= 1;
        Ok(map)
    }

    /// Annotations before a value (`a::b::`), as text.
    fn annotations(&mut self) -> R<Vec<String>> {
        let mut found = Vec::new();
        loop {
            let start = self.i;
            let symbol = match self.peek() {
                Some(c) if is_ident_start(c) => {
                    while self.peek().is_some_and(is_ident) {
                        self.i += 1;
                    }
                    String::from_utf8_lossy(&self.b[start..self.i]).into_owned()
                }
                Some(b'\'') if !self.starts_with(b"'''") => self.short_text(b'\'')?,
                _ => return Ok(found),
            };
            self.ws()?;
            if self.starts_with(b"::") {
                self.i += 2;
                self.ws()?;
                found.push(symbol);
            } else {
                self.i = start;
                return Ok(found);
            }
        }
    }

    /// A value that must map to a DynamoDB type.
    fn typed(&mut self, depth: usize, path: &dyn Fn() -> String) -> R<Read> {
        if depth > MAX_DEPTH {
            return Err(LineError::new(
                "too-deep",
                format!(
                    "attribute {} is nested more than {MAX_DEPTH} lists/maps deep, deeper than DynamoDB allows; the file is not a DynamoDB export",
                    path()
                ),
            ));
        }
        let annotations = self.annotations()?;
        let set = match annotations.as_slice() {
            [] => SetKind::None,
            [one] if one == "$dynamodb_SS" => SetKind::Ss,
            [one] if one == "$dynamodb_NS" => SetKind::Ns,
            [one] if one == "$dynamodb_BS" => SetKind::Bs,
            _ => {
                return self.attribute(
                    &path(),
                    format!(
                        "the annotation {:?} is not one DynamoDB writes (only $dynamodb_SS, $dynamodb_NS and $dynamodb_BS on lists)",
                        name_excerpt(&annotations.join("::"))
                    ),
                )
            }
        };
        let Some(c) = self.peek() else {
            return self.error("a value is missing");
        };
        if set != SetKind::None && c != b'[' {
            return self.attribute(&path(), "a set annotation must be on a list");
        }
        match c {
            b'[' => self.list(depth, set, path),
            b'{' if self.peek_at(1) == Some(b'{') => {
                let bytes_b64 = self.lob()?;
                Ok(Read {
                    ty: AttrType::B,
                    value: self.build.then(|| one("B", Value::String(bytes_b64))),
                })
            }
            b'{' => self.map(depth, path),
            b'(' => self.attribute(&path(), "an Ion S-expression is not a DynamoDB value"),
            b'"' => {
                let s = self.short_text(b'"')?;
                Ok(self.string_read(s))
            }
            b'\'' if self.starts_with(b"'''") => {
                let mut s = self.long_text()?;
                loop {
                    let save = self.i;
                    self.ws()?;
                    if self.starts_with(b"'''") {
                        s.push_str(&self.long_text()?);
                    } else {
                        self.i = save;
                        break;
                    }
                }
                Ok(self.string_read(s))
            }
            b'\'' => self.attribute(&path(), "an Ion symbol is not a DynamoDB value"),
            b'-' | b'+' | b'0'..=b'9' => {
                let n = self.number(path)?;
                Ok(Read {
                    ty: AttrType::N,
                    value: self.build.then(|| one("N", Value::String(n))),
                })
            }
            c if is_ident_start(c) => {
                let start = self.i;
                while self.peek().is_some_and(is_ident) {
                    self.i += 1;
                }
                let word = &self.b[start..self.i];
                match word {
                    b"true" | b"false" => Ok(Read {
                        ty: AttrType::Bool,
                        value: self
                            .build
                            .then(|| one("BOOL", Value::Bool(word == b"true"))),
                    }),
                    b"null" => {
                        if self.peek() == Some(b'.') {
                            self.i += 1;
                            let s = self.i;
                            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                                self.i += 1;
                            }
                            const TYPES: [&[u8]; 13] = [
                                b"null",
                                b"bool",
                                b"int",
                                b"float",
                                b"decimal",
                                b"timestamp",
                                b"string",
                                b"symbol",
                                b"blob",
                                b"clob",
                                b"struct",
                                b"list",
                                b"sexp",
                            ];
                            if !TYPES.contains(&&self.b[s..self.i]) {
                                return self.error("unknown typed null");
                            }
                        }
                        Ok(Read {
                            ty: AttrType::Null,
                            value: self.build.then(|| one("NULL", Value::Bool(true))),
                        })
                    }
                    b"nan" => self.attribute(&path(), "nan is not a DynamoDB number"),
                    _ => self.attribute(
                        &path(),
                        format!(
                            "the Ion symbol {:?} is not a DynamoDB value (strings are quoted)",
                            name_excerpt(&String::from_utf8_lossy(word))
                        ),
                    ),
                }
            }
            _ => self.error("expected a value"),
        }
    }

    fn string_read(&self, s: String) -> Read {
        Read {
            ty: AttrType::S,
            value: self.build.then(|| one("S", Value::String(s))),
        }
    }

    fn list(&mut self, depth: usize, set: SetKind, path: &dyn Fn() -> String) -> R<Read> {
        self.open()?;
        self.i += 1;
        let mut elements = Vec::new();
        let mut index = 0usize;
        loop {
            self.ws()?;
            if self.peek() == Some(b']') {
                self.i += 1;
                break;
            }
            let at = index;
            let element_path = || format!("{}[{at}]", path());
            let read = match set {
                SetKind::None => self.typed(depth + 1, &element_path)?,
                _ => {
                    let start = self.i;
                    let read = self.typed(depth + 1, &element_path)?;
                    let wanted = match set {
                        SetKind::Ss => AttrType::S,
                        SetKind::Ns => AttrType::N,
                        _ => AttrType::B,
                    };
                    if read.ty != wanted {
                        self.i = start;
                        return self.attribute(
                            &path(),
                            format!(
                                "a $dynamodb_{} set holds only {} values, but element {at} is {}",
                                match set {
                                    SetKind::Ss => "SS",
                                    SetKind::Ns => "NS",
                                    _ => "BS",
                                },
                                wanted,
                                read.ty
                            ),
                        );
                    }
                    read
                }
            };
            if let Some(v) = read.value {
                elements.push(match set {
                    SetKind::None => v,
                    _ => v
                        .as_object()
                        .and_then(|o| o.values().next().cloned())
                        .unwrap_or(Value::Null),
                });
            }
            index += 1;
            self.ws()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b']') => {
                    self.i += 1;
                    break;
                }
                _ => return self.error("expected `,` or `]`"),
            }
        }
        self.nesting -= 1;
        let (ty, key) = match set {
            SetKind::None => (AttrType::L, "L"),
            SetKind::Ss => (AttrType::Ss, "SS"),
            SetKind::Ns => (AttrType::Ns, "NS"),
            SetKind::Bs => (AttrType::Bs, "BS"),
        };
        Ok(Read {
            ty,
            value: self.build.then(|| one(key, Value::Array(elements))),
        })
    }

    fn map(&mut self, depth: usize, path: &dyn Fn() -> String) -> R<Read> {
        self.open()?;
        self.i += 1;
        let mut map = Map::new();
        loop {
            self.ws()?;
            if self.peek() == Some(b'}') {
                self.i += 1;
                break;
            }
            let name = self.field_name()?;
            self.ws()?;
            let element_path = || format!("{}.\"{}\"", path(), name_excerpt(&name));
            let read = self.typed(depth + 1, &element_path)?;
            if let Some(v) = read.value {
                map.insert(name, v);
            }
            self.ws()?;
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    break;
                }
                _ => return self.error("expected `,` or `}`"),
            }
        }
        self.nesting -= 1;
        Ok(Read {
            ty: AttrType::M,
            value: self.build.then(|| one("M", Value::Object(map))),
        })
    }

    /// Any Ion value, validated loosely and skipped (for fields beside `Item`); returns its kind.
    fn skip_any(&mut self) -> R<&'static str> {
        self.annotations()?;
        let Some(c) = self.peek() else {
            return self.error("a value is missing");
        };
        let (close, kind) = match c {
            b'{' if self.peek_at(1) == Some(b'{') => {
                self.lob()?;
                return Ok("blob");
            }
            b'{' => (b'}', "struct"),
            b'[' => (b']', "list"),
            b'(' => (b')', "S-expression"),
            b'"' => {
                self.short_text(b'"')?;
                return Ok("string");
            }
            b'\'' if self.starts_with(b"'''") => {
                self.long_text()?;
                return Ok("string");
            }
            b'\'' => {
                self.short_text(b'\'')?;
                return Ok("symbol");
            }
            c if is_ident(c) || c == b'-' || c == b'+' || c == b'.' => {
                // Numbers, timestamps, keywords and symbols: one token.
                let start = self.i;
                while self
                    .peek()
                    .is_some_and(|c| is_ident(c) || matches!(c, b'-' | b'+' | b'.' | b':'))
                {
                    if self.starts_with(b"::") {
                        break;
                    }
                    self.i += 1;
                }
                if self.i == start {
                    return self.error("expected a value");
                }
                return Ok("scalar");
            }
            _ => return self.error("expected a value"),
        };
        self.open()?;
        self.i += 1;
        loop {
            self.ws()?;
            if self.peek() == Some(close) {
                self.i += 1;
                break;
            }
            if close == b'}' {
                self.field_name()?;
                self.ws()?;
            }
            self.skip_any()?;
            self.ws()?;
            match self.peek() {
                Some(b',') if close != b')' => self.i += 1,
                Some(c) if c == close => {
                    self.i += 1;
                    break;
                }
                _ if close == b')' => {}
                _ => return self.error("expected a separator"),
            }
        }
        self.nesting -= 1;
        Ok(kind)
    }

    /// `"..."` or `'...'`: a short string or quoted symbol, unescaped.
    fn short_text(&mut self, quote: u8) -> R<String> {
        self.i += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return self.error("the line ends inside a string"),
                Some(c) if c == quote => {
                    self.i += 1;
                    break;
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(b'\n' | b'\r') => return self.error("a newline inside a string"),
                Some(c) if c < 0x20 && !matches!(c, b'\t' | 0x0B | 0x0C) => {
                    return self.error("a control character inside a string")
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        self.utf8(out)
    }

    /// `'''...'''`: a long string, unescaped.
    fn long_text(&mut self) -> R<String> {
        self.i += 3;
        let mut out = Vec::new();
        loop {
            if self.starts_with(b"'''") {
                self.i += 3;
                break;
            }
            match self.peek() {
                None => return self.error("the line ends inside a long string"),
                Some(b'\\') => self.escape(&mut out)?,
                Some(c) if c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) => {
                    return self.error("a control character inside a string")
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        self.utf8(out)
    }

    fn utf8(&self, bytes: Vec<u8>) -> R<String> {
        String::from_utf8(bytes).or_else(|_| self.error("text that is not UTF-8"))
    }

    fn escape(&mut self, out: &mut Vec<u8>) -> R<()> {
        self.i += 1;
        let Some(c) = self.peek() else {
            return self.error("the line ends inside an escape");
        };
        self.i += 1;
        let simple = match c {
            b'a' => Some(0x07),
            b'b' => Some(0x08),
            b't' => Some(b'\t'),
            b'n' => Some(b'\n'),
            b'f' => Some(0x0C),
            b'r' => Some(b'\r'),
            b'v' => Some(0x0B),
            b'?' => Some(b'?'),
            b'0' => Some(0),
            b'\'' => Some(b'\''),
            b'"' => Some(b'"'),
            b'/' => Some(b'/'),
            b'\\' => Some(b'\\'),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            return Ok(());
        }
        let digits = match c {
            b'x' => 2,
            b'u' => 4,
            b'U' => 8,
            b'\n' => return Ok(()),
            _ => return self.error("an unknown escape"),
        };
        let mut code = self.hex(digits)?;
        if (0xD800..0xDC00).contains(&code) {
            if !self.starts_with(b"\\u") {
                return self.error("a lone surrogate in an escape");
            }
            self.i += 2;
            let low = self.hex(4)?;
            if !(0xDC00..0xE000).contains(&low) {
                return self.error("a lone surrogate in an escape");
            }
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
        }
        let Some(ch) = char::from_u32(code) else {
            return self.error("an escape that is not a character");
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
        Ok(())
    }

    fn hex(&mut self, digits: usize) -> R<u32> {
        let mut n = 0u32;
        for _ in 0..digits {
            let Some(d) = self.peek().and_then(|c| (c as char).to_digit(16)) else {
                return self.error("an escape with too few hex digits");
            };
            n = n.wrapping_mul(16).wrapping_add(d);
            self.i += 1;
        }
        Ok(n)
    }

    /// `{{ base64 }}` (blob) or `{{ "text" }}` (clob); returns the bytes as base64.
    fn lob(&mut self) -> R<String> {
        self.i += 2;
        // Inside a blob `/` is base64, not the start of a comment: whitespace only.
        self.spaces();
        let encoded = if self.peek() == Some(b'"') || self.starts_with(b"'''") {
            let text = if self.peek() == Some(b'"') {
                self.short_text(b'"')?
            } else {
                self.long_text()?
            };
            STANDARD.encode(text.as_bytes())
        } else {
            let mut b64 = String::new();
            while let Some(c) = self.peek() {
                if c == b'}' {
                    break;
                }
                if !matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0B | 0x0C) {
                    b64.push(c as char);
                }
                self.i += 1;
            }
            if !is_base64(b64.as_bytes()) {
                return self.error("a blob that is not base64");
            }
            b64
        };
        self.spaces();
        if !self.starts_with(b"}}") {
            return self.error("expected `}}` to end a blob");
        }
        self.i += 2;
        Ok(encoded)
    }

    /// An Ion int, decimal or float, as a DynamoDB number string.
    fn number(&mut self, path: &dyn Fn() -> String) -> R<String> {
        let start = self.i;
        while self.peek().is_some_and(|c| {
            c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.' | b'_' | b':')
        }) {
            self.i += 1;
        }
        let token = &self.b[start..self.i];
        match ion_number(token) {
            Ok(n) => Ok(n),
            Err(why) => {
                self.i = start;
                self.attribute(&path(), why)
            }
        }
    }
}

fn one(kind: &str, inner: Value) -> Value {
    let mut m = Map::new();
    m.insert(kind.to_owned(), inner);
    Value::Object(m)
}

/// Converts an Ion numeric token to a DynamoDB number string.
fn ion_number(token: &[u8]) -> Result<String, String> {
    let text = std::str::from_utf8(token).map_err(|_| "not a number".to_owned())?;
    let shown = || name_excerpt(text);
    if matches!(text, "+inf" | "-inf") {
        return Err(format!("{} is not a DynamoDB number", text));
    }
    let (negative, body) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if body.len() > 2
        && (body.starts_with("0x")
            || body.starts_with("0X")
            || body.starts_with("0b")
            || body.starts_with("0B"))
    {
        let radix = if body.as_bytes()[1].eq_ignore_ascii_case(&b'x') {
            16
        } else {
            2
        };
        let digits = &body[2..];
        if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
            return Err(format!("{:?} is not an Ion number", shown()));
        }
        let clean: String = digits.chars().filter(|&c| c != '_').collect();
        let value = u128::from_str_radix(&clean, radix)
            .map_err(|_| format!("{:?} is not a number DynamoDB can hold", shown()))?;
        return Ok(if negative {
            format!("-{value}")
        } else {
            value.to_string()
        });
    }
    if body.len() >= 5
        && body.as_bytes()[..4].iter().all(u8::is_ascii_digit)
        && matches!(body.as_bytes()[4], b'-' | b'T')
    {
        return Err("an Ion timestamp is not a DynamoDB value".to_owned());
    }
    // digits [. digits] [(d|e) [+-] digits], underscores only between digits.
    let bytes = body.as_bytes();
    let mut i = 0;
    let mut out = String::with_capacity(body.len() + 1);
    if negative {
        out.push('-');
    }
    let digits = |i: &mut usize, out: &mut String| -> Result<usize, String> {
        let mut n = 0;
        while let Some(&c) = bytes.get(*i) {
            if c.is_ascii_digit() {
                out.push(c as char);
                n += 1;
            } else if c == b'_' && n > 0 && bytes.get(*i + 1).is_some_and(u8::is_ascii_digit) {
            } else {
                break;
            }
            *i += 1;
        }
        Ok(n)
    };
    let whole_start = i;
    let whole = digits(&mut i, &mut out)?;
    if whole == 0 || (whole > 1 && bytes[whole_start] == b'0') {
        return Err(format!("{:?} is not an Ion number", shown()));
    }
    if bytes.get(i) == Some(&b'.') {
        i += 1;
        let mut fraction = String::new();
        digits(&mut i, &mut fraction)?;
        if !fraction.is_empty() {
            out.push('.');
            out.push_str(&fraction);
        }
    }
    if matches!(bytes.get(i), Some(b'd' | b'D' | b'e' | b'E')) {
        i += 1;
        out.push('E');
        if let Some(&sign @ (b'+' | b'-')) = bytes.get(i) {
            if sign == b'-' {
                out.push('-');
            }
            i += 1;
        }
        if digits(&mut i, &mut out)? == 0 {
            return Err(format!("{:?} is not an Ion number", shown()));
        }
    }
    if i != bytes.len() {
        return Err(format!("{:?} is not an Ion number", shown()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::items::{check_item_keys, parse_item_line, KeyAttr, KeyProblem, ScalarType};
    use crate::logic::watch::{CheckSpec, Watch};
    use proptest::prelude::*;
    use serde_json::json;

    /// The example line from the AWS docs' Ion export format page.
    const DOCS_LINE: &str = r#"$ion_1_0 {Item:{Authors:$dynamodb_SS::["Author1","Author2"],Dimensions:"8.5 x 11.0 x 1.5",ISBN:"333-3333333333",Id:103.,InPublication:false,PageCount:6d2,Price:2d3,ProductCategory:"Book",Title:"Book 103 Title"}}"#;

    fn spec() -> CheckSpec {
        CheckSpec {
            keys: vec![
                KeyAttr {
                    name: "pk".into(),
                    kind: ScalarType::S,
                },
                KeyAttr {
                    name: "sk".into(),
                    kind: ScalarType::N,
                },
            ],
            gsi: vec![],
        }
    }

    fn scan(line: &str) -> Result<Vec<KeyProblem>, LineError> {
        let watch = Watch::new(&spec());
        let mut facts = watch.facts();
        scan_line(line.as_bytes(), &watch, &mut facts)?;
        let mut out = Vec::new();
        watch.key_problems(&facts, &mut out);
        Ok(out)
    }

    #[test]
    fn reads_the_docs_example() {
        let item = parse_line(DOCS_LINE.as_bytes()).unwrap();
        assert_eq!(item["Authors"], json!({"SS": ["Author1", "Author2"]}));
        assert_eq!(item["Id"], json!({"N": "103"}));
        assert_eq!(item["PageCount"], json!({"N": "6E2"}));
        assert_eq!(item["Price"], json!({"N": "2E3"}));
        assert_eq!(item["InPublication"], json!({"BOOL": false}));
        assert_eq!(item["Title"], json!({"S": "Book 103 Title"}));
        assert_eq!(item.len(), 9);
        // The same item in DynamoDB JSON passes the JSON reader's validation.
        let as_json = json!({"Item": item}).to_string();
        assert!(parse_item_line(&as_json).is_ok(), "{as_json}");
    }

    #[test]
    fn every_type_and_syntax() {
        let line = r#"$ion_1_0 /* c */ {Item:{'pk':"a\"b\u00e9\x41",sk:-1.5d-3,'odd name':'''long '''  '''string''',b:{{ AAEC }},c:{{"clob"}},n:null,tn:null.string,t:true,l:[1,[],{x:2}],m:{inner:{deep:$dynamodb_NS::[1,2.5]}},bs:$dynamodb_BS::[{{AA==}}],e:0x1F,u:1_000} } // trailing"#;
        let item = parse_line(line.as_bytes()).unwrap();
        assert_eq!(item["pk"], json!({"S": "a\"béA"}));
        assert_eq!(item["sk"], json!({"N": "-1.5E-3"}));
        assert_eq!(item["odd name"], json!({"S": "long string"}));
        assert_eq!(item["b"], json!({"B": "AAEC"}));
        assert_eq!(item["c"], json!({"B": "Y2xvYg=="}));
        assert_eq!(item["n"], json!({"NULL": true}));
        assert_eq!(item["tn"], json!({"NULL": true}));
        assert_eq!(
            item["l"],
            json!({"L": [{"N": "1"}, {"L": []}, {"M": {"x": {"N": "2"}}}]})
        );
        assert_eq!(
            item["m"],
            json!({"M": {"inner": {"M": {"deep": {"NS": ["1", "2.5"]}}}}})
        );
        assert_eq!(item["bs"], json!({"BS": ["AA=="]}));
        assert_eq!(item["e"], json!({"N": "31"}));
        assert_eq!(item["u"], json!({"N": "1000"}));
        assert_eq!(scan(line).unwrap(), vec![]);
    }

    #[test]
    fn key_problems_as_for_json() {
        assert_eq!(
            scan(r#"$ion_1_0 {Item:{PK:"a",sk:"1"}}"#).unwrap(),
            vec![
                KeyProblem::WrongCase {
                    expected: "pk".into(),
                    found: "PK".into()
                },
                KeyProblem::WrongType {
                    name: "sk".into(),
                    expected: ScalarType::N,
                    found: "S".into()
                }
            ]
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let cases = [
            ("", "not-ion"),
            ("$ion_1_0", "not-ion"),
            ("$ion_1_0 {Item:{a:2007-02-23T12:14Z}}", "bad-attribute"),
            ("$ion_1_0 {Item:{a:sym}}", "bad-attribute"),
            ("$ion_1_0 {Item:{a:(1 2)}}", "bad-attribute"),
            ("$ion_1_0 {Item:{a:nan}}", "bad-attribute"),
            ("$ion_1_0 {Item:{a:+inf}}", "bad-attribute"),
            ("$ion_1_0 {Item:{a:007}}", "bad-attribute"),
            (r#"$ion_1_0 {Item:{a:$dynamodb_SS::[1]}}"#, "bad-attribute"),
            (r#"$ion_1_0 {Item:{a:$dynamodb_SS::"x"}}"#, "bad-attribute"),
            (r#"$ion_1_0 {Item:{a:other::"x"}}"#, "bad-attribute"),
            (r#"$ion_1_0 {Item:{a:"unterminated}}"#, "not-ion"),
            (r#"$ion_1_0 {Item:{a:{{not base64!}}}}"#, "not-ion"),
            (r#"$ion_1_0 {Item:{a:"x"}"#, "not-ion"),
            (r#"$ion_1_0 {Item:{a:"x"}} {Item:{}}"#, "not-ion"),
            (r#"$ion_1_0 {Item:{a:"\ud800"}}"#, "not-ion"),
            (r#"$ion_1_0 {Item:"x"}"#, "not-an-item"),
            (
                r#"$ion_1_0 {Metadata:{WriteTimestampMicros:1},NewImage:{a:"x"}}"#,
                "no-item",
            ),
            (r#"$ion_1_0 {Item:{$12:"x"}}"#, "not-ion"),
        ];
        for (line, kind) in cases {
            let err = scan(line).unwrap_err();
            assert_eq!(err.kind, kind, "{line}: {err}");
            assert!(parse_line(line.as_bytes()).is_err(), "{line}");
        }
        let err = scan(r#"$ion_1_0 {Item:{a:[1,{b:[x]}]}}"#).unwrap_err();
        assert!(
            err.message.starts_with("attribute \"a\"[1].\"b\"[0]:"),
            "{err}"
        );
        let err = scan_line(
            b"$ion_1_0 {Item:{a:\"\xff\"}}",
            &Watch::new(&spec()),
            &mut Watch::new(&spec()).facts(),
        )
        .unwrap_err();
        assert_eq!(err.kind, "not-utf8");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        for depth in [MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, 10_000, 200_000] {
            let line = format!(
                "$ion_1_0 {{Item:{{a:{}1{}}}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            let result = scan(&line);
            assert_eq!(result.is_ok(), depth < MAX_DEPTH, "{depth}");
            let line = format!(
                "$ion_1_0 {{Other:{}1{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            assert!(scan(&line).is_err());
        }
    }

    fn arb_item() -> impl Strategy<Value = Map<String, Value>> {
        let number = "-?[1-9][0-9]{0,5}(\\.[0-9]{1,3})?(E-?[1-9])?";
        let leaf = prop_oneof![
            "\\PC{0,8}".prop_map(|s| json!({"S": s})),
            number.prop_map(|n| json!({"N": n})),
            proptest::collection::vec(any::<u8>(), 0..6)
                .prop_map(|b| json!({"B": STANDARD.encode(b)})),
            any::<bool>().prop_map(|b| json!({"BOOL": b})),
            Just(json!({"NULL": true})),
            proptest::collection::vec("[a-z\"' ]{0,3}", 0..3).prop_map(|v| json!({"SS": v})),
            proptest::collection::vec(number, 0..3).prop_map(|v| json!({"NS": v})),
            proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..3), 0..3).prop_map(
                |v| json!({"BS": v.iter().map(|b| STANDARD.encode(b)).collect::<Vec<_>>()})
            ),
        ];
        let value = leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"L": v})),
                proptest::collection::btree_map("\\PC{1,4}", inner, 0..4)
                    .prop_map(|m| json!({"M": m})),
            ]
        });
        proptest::collection::btree_map(
            prop_oneof![
                Just("pk".to_owned()),
                Just("PK".to_owned()),
                Just("sk".to_owned()),
                "\\PC{1,6}"
            ],
            value,
            0..6,
        )
        .prop_map(|m| m.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]

        #[test]
        fn round_trips_through_ion(item in arb_item()) {
            let line = to_ion_line(&item).unwrap();
            let back = parse_line(line.as_bytes());
            prop_assert_eq!(back.as_ref().ok(), Some(&item), "{}", line);
            prop_assert_eq!(scan(&line).ok(), Some(check_item_keys(&item, &spec().keys)));
        }

        #[test]
        fn damaged_lines_never_panic_and_both_readers_agree(
            item in arb_item(),
            at in any::<prop::sample::Index>(),
            byte in prop::sample::select(b"{}[]\"':,\\ 0d.$_xu/*".to_vec()),
            how in 0u8..3,
        ) {
            let mut bytes = to_ion_line(&item).unwrap().into_bytes();
            let i = at.index(bytes.len());
            match how {
                0 => { bytes.remove(i); }
                1 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
            let scanned = {
                let watch = Watch::new(&spec());
                let mut facts = watch.facts();
                scan_line(&bytes, &watch, &mut facts).map(|_| {
                    let mut out = Vec::new();
                    watch.key_problems(&facts, &mut out);
                    out
                })
            };
            let parsed = parse_line(&bytes);
            prop_assert_eq!(scanned.is_ok(), parsed.is_ok());
            if let (Ok(problems), Ok(item)) = (scanned, parsed) {
                prop_assert_eq!(problems, check_item_keys(&item, &spec().keys));
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let _ = parse_line(&bytes);
        }

        #[test]
        fn ion_like_text_never_panics(text in "(\\$ion_1_0 )?[{}\\[\\]()'\":,a-zA-Z0-9_.$+-/* ]{0,200}") {
            let _ = parse_line(text.as_bytes());
            let _ = scan(&text);
        }
    }
}
