//! A validating scanner for DynamoDB JSON export lines that builds no document tree.
//!
//! It accepts exactly the lines [`crate::logic::items::parse_item_line`] accepts (the
//! property tests hold it to that), reports the watched attributes' types on the way, and
//! runs several times faster: strings are skipped eight bytes at a time, and only names
//! and values that need a look (`N`, `B`, escaped text) are decoded. The whole line is
//! checked as UTF-8 first, so a skipped string is still valid text.

use crate::logic::items::MAX_DEPTH;
use crate::logic::items::{is_base64, LineError};
use crate::logic::watch::{AttrType, LineFacts, Watch};

/// Containers serde_json opens before refusing a document; kept equal so that both
/// readers agree on what a line is.
const MAX_JSON_NESTING: usize = 127;

/// Scans one line (without its newline). Blank lines are the caller's business.
pub fn scan_line(line: &[u8], watch: &Watch, facts: &mut LineFacts) -> Result<(), LineError> {
    if simdutf8::basic::from_utf8(line).is_err() {
        let at = std::str::from_utf8(line)
            .err()
            .map_or(0, |e| e.valid_up_to());
        return Err(LineError::new(
            "not-utf8",
            format!(
                "the line is not UTF-8 text (invalid byte at column {}); the file is damaged or is not a DynamoDB JSON export",
                at + 1
            ),
        ));
    }
    scan_utf8_line(line, watch, facts)
}

/// [`scan_line`] for a line already known to be UTF-8 (its whole block was checked at once).
pub(super) fn scan_utf8_line(
    line: &[u8],
    watch: &Watch,
    facts: &mut LineFacts,
) -> Result<(), LineError> {
    facts.clear();
    if super::fast::line(line, watch, facts) {
        return Ok(());
    }
    facts.clear();
    careful(line, watch, facts)
}

/// The careful scanner alone (the fast path's judge in tests).
fn careful(line: &[u8], watch: &Watch, facts: &mut LineFacts) -> Result<(), LineError> {
    let mut p = Parser {
        b: line,
        i: 0,
        nesting: 0,
        scratch: String::new(),
        error: None,
    };
    p.line(watch, facts).map_err(|Fail| {
        p.error
            .take()
            .unwrap_or_else(|| LineError::new("not-json", "the line is not valid JSON"))
    })
}

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
    nesting: usize,
    scratch: String,
    /// Why the line failed; kept here so that results stay small on the hot path.
    error: Option<LineError>,
}

/// A failure whose explanation is in [`Parser::error`].
struct Fail;

type R<T> = Result<T, Fail>;

use super::fast::special_bytes;

fn json_kind(c: u8) -> &'static str {
    match c {
        b'{' => "object",
        b'[' => "array",
        b'"' => "string",
        b't' | b'f' => "boolean",
        b'n' => "null",
        _ => "number",
    }
}

impl<'a> Parser<'a> {
    fn fail<T>(&mut self, error: LineError) -> R<T> {
        self.error = Some(error);
        Err(Fail)
    }

    fn syntax<T>(&mut self, what: &str) -> R<T> {
        self.fail(LineError::new(
            "not-json",
            format!(
                "the line is not valid JSON ({what} at column {}); every line of a DynamoDB JSON export is one JSON object like {{\"Item\":{{...}}}}: check that the folder holds a DynamoDB JSON export (not Ion) and that the file was decompressed",
                self.i + 1
            ),
        ))
    }

    fn attribute<T>(&mut self, path: String, problem: String) -> R<T> {
        self.fail(LineError::new(
            "bad-attribute",
            format!("attribute {path}: {problem}"),
        ))
    }

    #[inline(always)]
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    #[inline(always)]
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn open(&mut self) -> R<()> {
        self.nesting += 1;
        if self.nesting > MAX_JSON_NESTING {
            return self.syntax("nested too deeply");
        }
        self.i += 1;
        Ok(())
    }

    fn line(&mut self, watch: &Watch, facts: &mut LineFacts) -> R<()> {
        self.ws();
        match self.peek() {
            Some(b'{') => {}
            Some(c) => {
                // Check the whole line first: a syntax error is reported as one.
                self.skip_value()?;
                self.end()?;
                return self.fail(LineError::new(
                    "not-an-item",
                    format!(
                        "the line is a JSON {}, not an object like {{\"Item\":{{...}}}}",
                        json_kind(c)
                    ),
                ));
            }
            None => return self.syntax("EOF while parsing a value"),
        }
        self.open()?;
        let mut seen_item = false;
        let mut item_error: Option<LineError> = None;
        let mut other_fields: Vec<String> = Vec::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                if self.peek() != Some(b'"') {
                    return self.syntax("expected a field name");
                }
                let name = self.string()?;
                let is_item = match name {
                    Text::Raw(s, e) => &self.b[s..e] == b"Item",
                    Text::Escaped(s, e) => self.decode(s, e) == "Item",
                };
                self.colon()?;
                if is_item {
                    seen_item = true;
                    facts.clear();
                    item_error = None;
                    match self.peek() {
                        Some(b'{') => self.item(watch, facts)?,
                        Some(c) => {
                            let kind = json_kind(c);
                            self.skip_value()?;
                            item_error = Some(LineError::new(
                                "not-an-item",
                                format!(
                                    "\"Item\" is a JSON {kind}, but it must be an object of attributes"
                                ),
                            ));
                        }
                        None => return self.syntax("EOF while parsing a value"),
                    }
                } else {
                    if other_fields.len() < 8 {
                        let text = self.text(name);
                        other_fields.push(crate::logic::items::name_excerpt(&text));
                    }
                    self.skip_value()?;
                }
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b'}') => {
                        self.i += 1;
                        break;
                    }
                    _ => return self.syntax("expected `,` or `}`"),
                }
            }
        }
        self.nesting -= 1;
        self.end()?;
        if let Some(e) = item_error {
            return self.fail(e);
        }
        if !seen_item {
            return self.fail(LineError::new(
                "no-item",
                format!(
                    "the line has no \"Item\" (its fields are: {}); lines with NewImage/OldImage come from an incremental export, which cannot be imported: use a full export",
                    if other_fields.is_empty() {
                        "none".to_owned()
                    } else {
                        other_fields.join(", ")
                    }
                ),
            ));
        }
        Ok(())
    }

    fn end(&mut self) -> R<()> {
        self.ws();
        if self.i < self.b.len() {
            return self.syntax("trailing characters");
        }
        Ok(())
    }

    fn colon(&mut self) -> R<()> {
        self.ws();
        if self.peek() != Some(b':') {
            return self.syntax("expected `:`");
        }
        self.i += 1;
        self.ws();
        Ok(())
    }

    /// `{ name: typed value, ... }` of the item itself.
    fn item(&mut self, watch: &Watch, facts: &mut LineFacts) -> R<()> {
        self.open()?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            self.nesting -= 1;
            return Ok(());
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return self.syntax("expected an attribute name");
            }
            let name = self.string()?;
            self.colon()?;
            let ty = self.typed_value(1, &|p: &Parser| format!("\"{}\"", p.name_excerpt(name)))?;
            match name {
                Text::Raw(s, e) => {
                    // Valid UTF-8: the whole line was checked.
                    let text = std::str::from_utf8(&self.b[s..e]).unwrap_or_default();
                    watch.observe(text, ty, facts);
                }
                Text::Escaped(s, e) => {
                    let text = self.decode(s, e);
                    watch.observe(text, ty, facts);
                }
            }
            self.ws();
            match self.peek() {
                Some(b',') => self.i += 1,
                Some(b'}') => {
                    self.i += 1;
                    self.nesting -= 1;
                    return Ok(());
                }
                _ => return self.syntax("expected `,` or `}`"),
            }
        }
    }

    fn name_excerpt(&self, name: Text) -> String {
        crate::logic::items::name_excerpt(&self.text(name))
    }

    /// `{"T": value}`: one DynamoDB type descriptor, validated.
    fn typed_value(&mut self, depth: usize, path: &dyn Fn(&Parser) -> String) -> R<AttrType> {
        if depth > MAX_DEPTH {
            return self.fail(LineError::new(
                "too-deep",
                format!(
                    "attribute {} is nested more than {MAX_DEPTH} lists/maps deep, deeper than DynamoDB allows; the file is not a DynamoDB export",
                    path(self)
                ),
            ));
        }
        match self.peek() {
            Some(b'{') => {}
            Some(c) => {
                self.skip_value()?;
                return self.attribute(
                    path(self),
                    format!(
                        "the value is a JSON {}, but DynamoDB JSON writes every value as an object with one type key such as {{\"S\":\"text\"}}",
                        json_kind(c)
                    ),
                );
            }
            None => return self.syntax("EOF while parsing a value"),
        }
        self.open()?;
        self.ws();
        if self.peek() == Some(b'}') {
            return self.attribute(
                path(self),
                "the value has 0 keys, but it must have exactly one type key (S, N, B, BOOL, NULL, L, M, SS, NS or BS)".into(),
            );
        }
        if self.peek() != Some(b'"') {
            return self.syntax("expected a type key");
        }
        let key = self.string()?;
        let ty = match key {
            Text::Raw(s, e) => AttrType::from_type_key(&self.b[s..e]),
            Text::Escaped(s, e) => AttrType::from_type_key(self.decode(s, e).as_bytes()),
        };
        self.colon()?;
        let Some(ty) = ty else {
            let shown = self.name_excerpt(key);
            return self.attribute(
                path(self),
                format!("{shown:?} is not a DynamoDB type; expected one of S, N, B, BOOL, NULL, L, M, SS, NS, BS"),
            );
        };
        let start = self.i;
        let ok = match ty {
            AttrType::S => self.string_if_any()?.is_some(),
            AttrType::N => match self.string_if_any()? {
                Some(t) => self.with_text(t, is_number),
                None => false,
            },
            AttrType::B => match self.string_if_any()? {
                Some(t) => self.with_text(t, |s| is_base64(s.as_bytes())),
                None => false,
            },
            AttrType::Bool => self.literal_bool()?.is_some(),
            AttrType::Null => self.literal_bool()? == Some(true),
            AttrType::Ss | AttrType::Ns | AttrType::Bs => self.string_set(ty)?,
            AttrType::L => {
                if self.peek() == Some(b'[') {
                    self.open()?;
                    let mut index = 0usize;
                    self.ws();
                    if self.peek() == Some(b']') {
                        self.i += 1;
                    } else {
                        loop {
                            self.ws();
                            let at = index;
                            let element_path = move |p: &Parser| format!("{}[{at}]", path(p));
                            self.typed_value(depth + 1, &element_path)?;
                            index += 1;
                            self.ws();
                            match self.peek() {
                                Some(b',') => self.i += 1,
                                Some(b']') => {
                                    self.i += 1;
                                    break;
                                }
                                _ => return self.syntax("expected `,` or `]`"),
                            }
                        }
                    }
                    self.nesting -= 1;
                    true
                } else {
                    false
                }
            }
            AttrType::M => {
                if self.peek() == Some(b'{') {
                    self.open()?;
                    self.ws();
                    if self.peek() == Some(b'}') {
                        self.i += 1;
                    } else {
                        loop {
                            self.ws();
                            if self.peek() != Some(b'"') {
                                return self.syntax("expected a name");
                            }
                            let name = self.string()?;
                            self.colon()?;
                            let element_path = move |p: &Parser| {
                                format!("{}.\"{}\"", path(p), p.name_excerpt(name))
                            };
                            self.typed_value(depth + 1, &element_path)?;
                            self.ws();
                            match self.peek() {
                                Some(b',') => self.i += 1,
                                Some(b'}') => {
                                    self.i += 1;
                                    break;
                                }
                                _ => return self.syntax("expected `,` or `}`"),
                            }
                        }
                    }
                    self.nesting -= 1;
                    true
                } else {
                    false
                }
            }
        };
        if !ok {
            // Report the shape only once the value is known to be valid JSON.
            self.i = start;
            let found = self.peek().map(json_kind).unwrap_or("value");
            self.skip_value()?;
            let kind = ty.as_str();
            return self.attribute(
                path(self),
                match ty {
                    AttrType::N if found == "string" => {
                        "N must hold a number written as a string".to_owned()
                    }
                    _ => format!(
                        "{kind} cannot hold a JSON {found} like this; {}",
                        expected_shape(ty)
                    ),
                },
            );
        }
        self.ws();
        match self.peek() {
            Some(b'}') => {
                self.i += 1;
                self.nesting -= 1;
                Ok(ty)
            }
            Some(b',') => self.attribute(
                path(self),
                "the value has more than one key, but it must have exactly one type key (S, N, B, BOOL, NULL, L, M, SS, NS or BS)".into(),
            ),
            _ => self.syntax("expected `,` or `}`"),
        }
    }

    /// `[string, ...]` for a set; false (nothing consumed) when the value is not that.
    fn string_set(&mut self, ty: AttrType) -> R<bool> {
        if self.peek() != Some(b'[') {
            return Ok(false);
        }
        let start = self.i;
        self.open()?;
        self.ws();
        let mut ok = true;
        if self.peek() == Some(b']') {
            self.i += 1;
        } else {
            loop {
                self.ws();
                match self.string_if_any()? {
                    Some(t) => {
                        let good = match ty {
                            AttrType::Ns => self.with_text(t, is_number),
                            AttrType::Bs => self.with_text(t, |s| is_base64(s.as_bytes())),
                            _ => true,
                        };
                        ok &= good;
                    }
                    None => {
                        ok = false;
                        self.skip_value()?;
                    }
                }
                self.ws();
                match self.peek() {
                    Some(b',') => self.i += 1,
                    Some(b']') => {
                        self.i += 1;
                        break;
                    }
                    _ => return self.syntax("expected `,` or `]`"),
                }
            }
        }
        self.nesting -= 1;
        if !ok {
            self.i = start;
        }
        Ok(ok)
    }

    fn string_if_any(&mut self) -> R<Option<Text>> {
        if self.peek() == Some(b'"') {
            self.string().map(Some)
        } else {
            Ok(None)
        }
    }

    fn literal_bool(&mut self) -> R<Option<bool>> {
        let rest = &self.b[self.i..];
        if rest.starts_with(b"true") {
            self.i += 4;
            Ok(Some(true))
        } else if rest.starts_with(b"false") {
            self.i += 5;
            Ok(Some(false))
        } else {
            Ok(None)
        }
    }

    fn with_text(&mut self, t: Text, check: impl Fn(&str) -> bool) -> bool {
        match t {
            Text::Raw(s, e) => check(std::str::from_utf8(&self.b[s..e]).unwrap_or("\u{0}")),
            Text::Escaped(s, e) => check(self.decode(s, e)),
        }
    }

    fn text(&self, t: Text) -> String {
        match t {
            Text::Raw(s, e) => String::from_utf8_lossy(&self.b[s..e]).into_owned(),
            Text::Escaped(s, e) => decode_escaped(&self.b[s..e]),
        }
    }

    fn decode(&mut self, s: usize, e: usize) -> &str {
        self.scratch = decode_escaped(&self.b[s..e]);
        &self.scratch
    }

    /// A string at `self.i` (which holds `"`): validated, its content's bounds returned.
    #[inline]
    fn string(&mut self) -> R<Text> {
        self.i += 1;
        let start = self.i;
        let b = self.b;
        let mut escaped = false;
        loop {
            while self.i + 8 <= b.len() {
                let mut word = [0u8; 8];
                word.copy_from_slice(&b[self.i..self.i + 8]);
                let mask = special_bytes(u64::from_le_bytes(word));
                if mask != 0 {
                    self.i += (mask.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            match b.get(self.i) {
                None => return self.syntax("EOF while parsing a string"),
                Some(b'"') => {
                    let end = self.i;
                    self.i += 1;
                    return Ok(if escaped {
                        Text::Escaped(start, end)
                    } else {
                        Text::Raw(start, end)
                    });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.i += 1;
                    self.escape()?;
                }
                Some(&c) if c < 0x20 => {
                    return self
                        .syntax("control character (\\u0000-\\u001F) found while parsing a string")
                }
                Some(_) => self.i += 1,
            }
        }
    }

    fn escape(&mut self) -> R<()> {
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.i += 1;
                Ok(())
            }
            Some(b'u') => {
                self.i += 1;
                let first = self.hex4()?;
                match first {
                    0xDC00..=0xDFFF => self.syntax("lone leading surrogate in hex escape"),
                    0xD800..=0xDBFF => {
                        if self.b.get(self.i..self.i + 2) != Some(b"\\u") {
                            return self.syntax("unexpected end of hex escape");
                        }
                        self.i += 2;
                        match self.hex4()? {
                            0xDC00..=0xDFFF => Ok(()),
                            _ => self.syntax("lone leading surrogate in hex escape"),
                        }
                    }
                    _ => Ok(()),
                }
            }
            Some(_) => self.syntax("invalid escape"),
            None => self.syntax("EOF while parsing a string"),
        }
    }

    fn hex4(&mut self) -> R<u32> {
        let mut n = 0u32;
        for _ in 0..4 {
            let Some(d) = self.peek().and_then(|c| (c as char).to_digit(16)) else {
                return self.syntax("invalid escape");
            };
            n = n * 16 + d;
            self.i += 1;
        }
        Ok(n)
    }

    /// Any JSON value, validated and skipped.
    fn skip_value(&mut self) -> R<()> {
        match self.peek() {
            Some(b'"') => self.string().map(|_| ()),
            Some(b'{') => {
                self.open()?;
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        if self.peek() != Some(b'"') {
                            return self.syntax("key must be a string");
                        }
                        self.string()?;
                        self.colon()?;
                        self.skip_value()?;
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b'}') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.syntax("expected `,` or `}`"),
                        }
                    }
                }
                self.nesting -= 1;
                Ok(())
            }
            Some(b'[') => {
                self.open()?;
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        self.skip_value()?;
                        self.ws();
                        match self.peek() {
                            Some(b',') => self.i += 1,
                            Some(b']') => {
                                self.i += 1;
                                break;
                            }
                            _ => return self.syntax("expected `,` or `]`"),
                        }
                    }
                }
                self.nesting -= 1;
                Ok(())
            }
            Some(b't') => self.keyword(b"true"),
            Some(b'f') => self.keyword(b"false"),
            Some(b'n') => self.keyword(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.syntax("expected value"),
            None => self.syntax("EOF while parsing a value"),
        }
    }

    fn keyword(&mut self, word: &[u8]) -> R<()> {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            Ok(())
        } else {
            self.syntax("expected value")
        }
    }

    fn number(&mut self) -> R<()> {
        let start = self.i;
        let b = self.b;
        let digits = |i: &mut usize| {
            let s = *i;
            while b.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - s
        };
        let mut i = self.i;
        if b.get(i) == Some(&b'-') {
            i += 1;
        }
        let mut plain = true;
        match b.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            _ => {
                self.i = i;
                return self.syntax("invalid number");
            }
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            plain = false;
            if digits(&mut i) == 0 {
                self.i = i;
                return self.syntax("invalid number");
            }
        }
        if matches!(b.get(i), Some(b'e' | b'E')) {
            i += 1;
            plain = false;
            if matches!(b.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                self.i = i;
                return self.syntax("invalid number");
            }
        }
        self.i = i;
        // serde_json refuses numbers beyond f64's range; so do we.
        if !plain || i - start > 18 {
            let text = std::str::from_utf8(&b[start..i]).unwrap_or("0");
            if !text.parse::<f64>().is_ok_and(f64::is_finite) {
                return self.syntax("number out of range");
            }
        }
        Ok(())
    }
}

fn expected_shape(ty: AttrType) -> &'static str {
    match ty {
        AttrType::S => "S holds a string",
        AttrType::N => "N holds a number written as a string",
        AttrType::B => "B holds base64 text",
        AttrType::Bool => "BOOL holds true or false",
        AttrType::Null => "NULL holds true",
        AttrType::Ss => "SS holds a list of strings",
        AttrType::Ns => "NS holds a list of numbers written as strings",
        AttrType::Bs => "BS holds a list of base64 texts",
        AttrType::L => "L holds a list of typed values",
        AttrType::M => "M holds an object of typed values",
    }
}

/// A string's content: `Raw` needs no decoding; `Escaped` holds backslash escapes.
#[derive(Clone, Copy)]
enum Text {
    Raw(usize, usize),
    Escaped(usize, usize),
}

/// Decodes validated JSON string content.
fn decode_escaped(raw: &[u8]) -> String {
    let mut out: Vec<u8> = Vec::with_capacity(raw.len());
    let mut i = 0;
    let hex = |i: usize| -> u32 {
        raw.get(i..i + 4)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .unwrap_or(0xFFFD)
    };
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' {
            out.push(c);
            i += 1;
            continue;
        }
        let Some(&e) = raw.get(i + 1) else { break };
        i += 2;
        let ch = match e {
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = hex(i);
                i += 4;
                if (0xD800..0xDC00).contains(&first) && raw.get(i) == Some(&b'\\') {
                    let second = hex(i + 2);
                    i += 6;
                    char::from_u32(
                        0x10000 + ((first - 0xD800) << 10) + (second.wrapping_sub(0xDC00) & 0x3FF),
                    )
                    .unwrap_or('\u{FFFD}')
                } else {
                    char::from_u32(first).unwrap_or('\u{FFFD}')
                }
            }
            other => other as char,
        };
        let mut buf = [0u8; 4];
        out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
    }
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Whether `text` is a number as DynamoDB writes one: sign, digits, fraction, exponent.
pub(crate) fn is_number(text: &str) -> bool {
    crate::logic::items::is_number(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logic::items::{check_item_keys, parse_item_line, KeyAttr, KeyProblem, ScalarType};
    use crate::logic::watch::{CheckSpec, GsiKey};
    use base64::Engine as _;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn key(name: &str, kind: ScalarType) -> KeyAttr {
        KeyAttr {
            name: name.into(),
            kind,
        }
    }

    fn spec() -> CheckSpec {
        CheckSpec {
            keys: vec![key("pk", ScalarType::S), key("sk", ScalarType::N)],
            gsi: vec![GsiKey {
                index: "by-status".into(),
                attr: key("status", ScalarType::S),
            }],
        }
    }

    /// The scanner's key problems for a line, or its error.
    fn scan(line: &str) -> Result<Vec<KeyProblem>, LineError> {
        let watch = Watch::new(&spec());
        let mut facts = watch.facts();
        scan_line(line.as_bytes(), &watch, &mut facts)?;
        let mut out = Vec::new();
        watch.key_problems(&facts, &mut out);
        Ok(out)
    }

    /// The tree-building reader's answer for the same line.
    fn reference(line: &str) -> Result<Vec<KeyProblem>, String> {
        let item = parse_item_line(line).map_err(|e| e.to_string())?;
        Ok(check_item_keys(&item, &spec().keys))
    }

    #[test]
    fn reads_a_docs_item_and_reports_keys() {
        let line = r#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"status":{"S":"x"},"Authors":{"SS":["A","B"]},"n":{"NULL":true},"b":{"B":"AAEC"},"l":{"L":[{"M":{"x":{"BOOL":false}}},{"L":[]}]}}}"#;
        assert_eq!(scan(line).unwrap(), vec![]);
    }

    #[test]
    fn key_problems_match_the_reference() {
        let line = r#"{"Item":{"PK":{"S":"a"},"Pk":{"S":"b"},"sk":{"SS":["1"]}}}"#;
        assert_eq!(scan(line).unwrap(), reference(line).unwrap());
        assert_eq!(
            scan(line).unwrap()[0],
            KeyProblem::WrongCase {
                expected: "pk".into(),
                found: "PK".into()
            }
        );
        let line = r#"{"Item":{"x":{"S":"a"}}}"#;
        assert_eq!(scan(line).unwrap(), reference(line).unwrap());
    }

    #[test]
    fn gsi_type_problems() {
        let watch = Watch::new(&spec());
        let mut facts = watch.facts();
        let line = br#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"status":{"N":"3"}}}"#;
        scan_line(line, &watch, &mut facts).unwrap();
        let mut gsi = Vec::new();
        watch.gsi_problems(&facts, &mut gsi);
        assert_eq!(gsi.len(), 1);
        assert_eq!(gsi[0].found, "N");
        assert!(gsi[0].to_string().contains("by-status"));
        let line = br#"{"Item":{"pk":{"S":"a"},"sk":{"N":"1"}}}"#;
        scan_line(line, &watch, &mut facts).unwrap();
        gsi.clear();
        watch.gsi_problems(&facts, &mut gsi);
        assert!(gsi.is_empty(), "an absent index key is fine");
    }

    #[test]
    fn escaped_names_and_values_are_decoded() {
        let line = r#"{"\u0049tem":{"\u0070k":{"\u0053":"a\"b"},"sk":{"N":"\u0031"}}}"#;
        assert_eq!(scan(line).unwrap(), vec![]);
        assert_eq!(reference(line).unwrap(), vec![]);
    }

    #[test]
    fn errors_are_explained() {
        let cases = [
            ("", "not-json"),
            ("not json", "not-json"),
            ("[1]", "not-an-item"),
            (r#"{"Item":"x"}"#, "not-an-item"),
            (r#"{"NewImage":{},"Keys":{}}"#, "no-item"),
            (r#"{"Item":{"a":"plain"}}"#, "bad-attribute"),
            (r#"{"Item":{"a":{"S":"x","N":"1"}}}"#, "bad-attribute"),
            (r#"{"Item":{"a":{"N":"one"}}}"#, "bad-attribute"),
            (r#"{"Item":{"a":{"B":"***"}}}"#, "bad-attribute"),
            (r#"{"Item":{"a":{"NULL":false}}}"#, "bad-attribute"),
            (r#"{"Item":{"a":{"Q":1}}}"#, "bad-attribute"),
            (r#"{"Item":{"a":{"S":"x"}}} trailing"#, "not-json"),
            (r#"{"Item":{"a":{"S":"x\u0001"}}}"#, "not-json"),
            (r#"{"Item":{"a":{"S":"\ud800"}}}"#, "not-json"),
        ];
        for (line, kind) in cases {
            let line = line.replace("\\u0001", "\u{1}");
            let err = scan(&line).unwrap_err();
            assert_eq!(err.kind, kind, "{line}: {err}");
            assert!(reference(&line).is_err(), "{line}");
        }
        let err = scan(r#"{"Item":{"a":{"L":[{"S":"ok"},{"BOOL":"yes"}]}}}"#).unwrap_err();
        assert!(err.message.starts_with("attribute \"a\"[1]:"), "{err}");
        let err = scan(r#"{"Item":{"a":{"M":{"b":{"L":[{"X":1}]}}}}}"#).unwrap_err();
        assert!(
            err.message.starts_with("attribute \"a\".\"b\"[0]:"),
            "{err}"
        );
        let err = scan_line(
            b"{\"Item\":{\"a\":{\"S\":\"\xff\"}}}",
            &Watch::new(&spec()),
            &mut Watch::new(&spec()).facts(),
        )
        .unwrap_err();
        assert_eq!(err.kind, "not-utf8");
    }

    #[test]
    fn nesting_limits_agree_with_serde_json() {
        for depth in [1usize, 30, 61, 62, 63, 64, 65, 100, 200, 5000] {
            for map in [false, true] {
                let (open, close) = if map {
                    ("{\"M\":{\"k\":", "}}")
                } else {
                    ("{\"L\":[", "]}")
                };
                let line = format!(
                    "{{\"Item\":{{\"a\":{}{{\"S\":\"x\"}}{}}}}}",
                    open.repeat(depth),
                    close.repeat(depth)
                );
                assert_eq!(
                    scan(&line).is_ok(),
                    reference(&line).is_ok(),
                    "depth {depth} map {map}"
                );
            }
            let plain = format!(
                "{{\"Item\":{{}},\"x\":{}1{}}}",
                "[".repeat(depth),
                "]".repeat(depth)
            );
            assert_eq!(
                scan(&plain).is_ok(),
                reference(&plain).is_ok(),
                "plain depth {depth}"
            );
        }
    }

    #[test]
    fn base64_matches_the_base64_crate() {
        for text in [
            "", "AA==", "AAE=", "AAEC", "AB==", "AAF=", "A===", "AAAA====", "AA", "A+/=", "####",
        ] {
            assert_eq!(
                is_base64(text.as_bytes()),
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .is_ok(),
                "{text}"
            );
        }
    }

    /// Whether some JSON object of `line` has a name twice.
    fn has_duplicate_names(line: &str) -> bool {
        use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
        struct Dup;
        impl<'de> Visitor<'de> for Dup {
            type Value = bool;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("any JSON")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
                let mut seen = std::collections::HashSet::new();
                let mut dup = false;
                while let Some(k) = map.next_key::<String>()? {
                    dup |= !seen.insert(k);
                    dup |= map.next_value_seed(DupSeed)?;
                }
                Ok(dup)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<bool, A::Error> {
                let mut dup = false;
                while let Some(d) = seq.next_element_seed(DupSeed)? {
                    dup |= d;
                }
                Ok(dup)
            }
            fn visit_str<E>(self, _: &str) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_bool<E>(self, _: bool) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_unit<E>(self) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_u64<E>(self, _: u64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_i64<E>(self, _: i64) -> Result<bool, E> {
                Ok(false)
            }
            fn visit_f64<E>(self, _: f64) -> Result<bool, E> {
                Ok(false)
            }
        }
        struct DupSeed;
        impl<'de> serde::de::DeserializeSeed<'de> for DupSeed {
            type Value = bool;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
                d.deserialize_any(Dup)
            }
        }
        let mut de = serde_json::Deserializer::from_str(line);
        de.deserialize_any(Dup).unwrap_or(false)
    }

    /// A typed value, sometimes malformed.
    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            "[a-zé\"\\\\ ]{0,6}".prop_map(|s| json!({"S": s})),
            "-?[0-9]{1,4}(\\.[0-9]{1,2})?(e-?[0-9])?".prop_map(|n| json!({"N": n})),
            "[0-9a-z.+-]{0,4}".prop_map(|n| json!({"N": n})),
            proptest::collection::vec(any::<u8>(), 0..6)
                .prop_map(|b| json!({"B": base64::engine::general_purpose::STANDARD.encode(b)})),
            "[A-Za-z0-9+/=]{0,6}".prop_map(|b| json!({"B": b})),
            any::<bool>().prop_map(|b| json!({"BOOL": b})),
            any::<bool>().prop_map(|b| json!({"NULL": b})),
            proptest::collection::vec("[a-z]{0,3}", 0..3).prop_map(|v| json!({"SS": v})),
            proptest::collection::vec("-?[0-9]{1,3}", 0..3).prop_map(|v| json!({"NS": v})),
            Just(json!({"BS": ["AA==", "x"]})),
            Just(json!("bare")),
            Just(json!({})),
            Just(json!({"S": 1})),
        ];
        leaf.prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| json!({"L": v})),
                proptest::collection::btree_map("[a-zA-Z]{1,3}", inner, 0..4)
                    .prop_map(|m| json!({"M": m})),
            ]
        })
    }

    fn arb_line() -> impl Strategy<Value = String> {
        let names = prop_oneof![
            Just("pk".to_owned()),
            Just("PK".to_owned()),
            Just("sk".to_owned()),
            Just("Sk".to_owned()),
            Just("status".to_owned()),
            "[a-zA-Z_]{1,5}",
        ];
        (
            proptest::collection::btree_map(names, arb_value(), 0..6),
            any::<bool>(),
        )
            .prop_map(|(item, extra)| {
                let mut line = json!({ "Item": item });
                if extra {
                    line["Other"] = json!([1, {"a": null}, "x", 2.5e-3]);
                }
                line.to_string()
            })
    }

    /// A line with one byte changed, inserted or removed.
    fn arb_mutated() -> impl Strategy<Value = String> {
        (
            arb_line(),
            any::<prop::sample::Index>(),
            0u8..3,
            prop::sample::select(b"{}[]\",:\\ 0aSNLMu".to_vec()),
        )
            .prop_map(|(line, at, how, byte)| {
                let mut bytes = line.into_bytes();
                let i = at.index(bytes.len().max(1));
                match how {
                    0 if i < bytes.len() => {
                        bytes.remove(i);
                    }
                    1 => bytes.insert(i.min(bytes.len()), byte),
                    _ if i < bytes.len() => bytes[i] = byte,
                    _ => {}
                }
                String::from_utf8_lossy(&bytes).into_owned()
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn agrees_with_the_tree_reader(line in arb_line()) {
            let ours = scan(&line);
            let theirs = reference(&line);
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}: {:?} vs {:?}", line, ours, theirs);
            if let (Ok(a), Ok(b)) = (ours, theirs) {
                prop_assert_eq!(a, b);
            }
        }

        #[test]
        fn agrees_on_damaged_lines(line in arb_mutated()) {
            let ours = scan(&line);
            let theirs = reference(&line);
            // With a name twice in one object, the tree reader keeps the last value only;
            // the scanner checks both (and so may refuse what the tree reader lets pass).
            if ours.is_err() && theirs.is_ok() && has_duplicate_names(&line) {
                return Ok(());
            }
            prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}: {:?} vs {:?}", line, ours, theirs);
            if let (Ok(a), Ok(b)) = (ours, theirs) {
                prop_assert_eq!(a, b);
            }
        }

        #[test]
        fn the_fast_path_accepts_only_what_the_careful_one_does(line in prop_oneof![arb_line(), arb_mutated()]) {
            let watch = Watch::new(&spec());
            let mut fast = watch.facts();
            if crate::logic::check::fast::line(line.as_bytes(), &watch, &mut fast) {
                let mut slow = watch.facts();
                prop_assert!(careful(line.as_bytes(), &watch, &mut slow).is_ok(), "{}", line);
                prop_assert_eq!(&fast.found, &slow.found);
                prop_assert_eq!(&fast.other_case, &slow.other_case);
            }
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
            let watch = Watch::new(&spec());
            let mut facts = watch.facts();
            let _ = scan_line(&bytes, &watch, &mut facts);
        }

        #[test]
        fn base64_check_is_exact(bytes in proptest::collection::vec(prop::sample::select(b"AQgw+/=x".to_vec()), 0..9)) {
            prop_assert_eq!(
                is_base64(&bytes),
                base64::engine::general_purpose::STANDARD.decode(&bytes).is_ok()
            );
        }
    }
}
