//! The fast path of the DynamoDB JSON scanner: lines written the way DynamoDB writes them
//! (`{"Item":{...}}`, no whitespace, plain type keys). Anything else — whitespace, escaped
//! type keys, deep nesting, any error — makes it give up, and the careful scanner in
//! [`super::json`] reads the line again and explains what is wrong. So this path only
//! has to be right about what it accepts; the property tests hold it to accepting nothing
//! the careful scanner refuses, and to reporting the same facts.

use crate::logic::items::{is_base64, is_number_bytes};
use crate::logic::watch::{AttrType, LineFacts, Watch};

/// Typed nesting this path handles; deeper items go to the careful scanner, which counts
/// JSON nesting exactly as serde_json does.
const MAX_FAST_DEPTH: usize = 30;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Scans a canonical line; false when the careful scanner must decide.
pub(super) fn line(b: &[u8], watch: &Watch, facts: &mut LineFacts) -> bool {
    // A canonical line has no byte below 0x20 anywhere (no whitespace between tokens, no
    // raw control character in a string): checked once here, in a loop the compiler
    // vectorises, so that strings need only look for quotes and backslashes.
    if b.iter().fold(false, |seen, &c| seen | (c < 0x20)) {
        return false;
    }
    let mut p = Fast { b, i: 0 };
    p.line(watch, facts).is_some()
}

struct Fast<'a> {
    b: &'a [u8],
    i: usize,
}

/// A string's content bounds and whether it holds escapes.
#[derive(Clone, Copy)]
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
}

impl<'a> Fast<'a> {
    #[inline(always)]
    fn at(&self, n: usize) -> u8 {
        self.b.get(self.i + n).copied().unwrap_or(0)
    }

    /// The next 8 bytes as a little-endian word (zeros past the end).
    #[inline(always)]
    fn word(&self) -> u64 {
        match self.b.get(self.i..self.i + 8) {
            Some(chunk) => {
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(chunk);
                u64::from_le_bytes(bytes)
            }
            None => {
                let mut bytes = [0u8; 8];
                let rest = self.b.get(self.i..).unwrap_or_default();
                bytes[..rest.len()].copy_from_slice(rest);
                u64::from_le_bytes(bytes)
            }
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.at(0) == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    #[inline(always)]
    fn eat_str(&mut self, s: &[u8]) -> Option<()> {
        if self.b.get(self.i..self.i + s.len()) == Some(s) {
            self.i += s.len();
            Some(())
        } else {
            None
        }
    }

    fn line(&mut self, watch: &Watch, facts: &mut LineFacts) -> Option<()> {
        self.eat_str(b"{\"Item\":{")?;
        if self.eat(b'}').is_none() {
            loop {
                let name = self.string()?;
                self.eat(b':')?;
                let ty = self.value(1)?;
                let raw = &self.b[name.start..name.end];
                if name.escaped {
                    // Rare: let the careful scanner decode it.
                    return None;
                }
                watch.observe_bytes(raw, ty, facts);
                match self.at(0) {
                    b',' => self.i += 1,
                    b'}' => {
                        self.i += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.eat(b'}')?;
        (self.i == self.b.len()).then_some(())
    }

    /// `{"T":value}`.
    fn value(&mut self, depth: usize) -> Option<AttrType> {
        // Strings and numbers are most values: tried first, with one comparison each of
        // the 6 bytes `{"S":"` / `{"N":"` read as one word.
        const MASK6: u64 = 0xFFFF_FFFF_FFFF;
        let head = self.word() & MASK6;
        if head == u64::from_le_bytes(*b"{\"S\":\"\0\0") {
            self.i += 5;
            self.string()?;
            self.eat(b'}')?;
            return Some(AttrType::S);
        }
        if head == u64::from_le_bytes(*b"{\"N\":\"\0\0") {
            self.i += 5;
            let s = self.string()?;
            if s.escaped || !number(&self.b[s.start..s.end]) {
                return None;
            }
            self.eat(b'}')?;
            return Some(AttrType::N);
        }
        if depth > MAX_FAST_DEPTH || self.at(0) != b'{' || self.at(1) != b'"' {
            return None;
        }
        let (ty, len) = type_key(&self.b[self.i + 2..])?;
        self.i += 2 + len;
        match ty {
            AttrType::S => {
                self.string()?;
            }
            AttrType::N => {
                let s = self.string()?;
                if s.escaped || !number(&self.b[s.start..s.end]) {
                    return None;
                }
            }
            AttrType::B => {
                let s = self.string()?;
                if s.escaped || !is_base64(&self.b[s.start..s.end]) {
                    return None;
                }
            }
            AttrType::Bool => {
                if self.eat_str(b"true").is_none() {
                    self.eat_str(b"false")?;
                }
            }
            AttrType::Null => self.eat_str(b"true")?,
            AttrType::Ss | AttrType::Ns | AttrType::Bs => {
                self.eat(b'[')?;
                if self.eat(b']').is_none() {
                    loop {
                        let s = self.string()?;
                        let raw = &self.b[s.start..s.end];
                        let ok = match ty {
                            AttrType::Ns => !s.escaped && number(raw),
                            AttrType::Bs => !s.escaped && is_base64(raw),
                            _ => true,
                        };
                        if !ok {
                            return None;
                        }
                        match self.at(0) {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
            AttrType::L => {
                self.eat(b'[')?;
                if self.eat(b']').is_none() {
                    loop {
                        self.value(depth + 1)?;
                        match self.at(0) {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
            AttrType::M => {
                self.eat(b'{')?;
                if self.eat(b'}').is_none() {
                    loop {
                        self.string()?;
                        self.eat(b':')?;
                        self.value(depth + 1)?;
                        match self.at(0) {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
            }
        }
        self.eat(b'}')?;
        Some(ty)
    }

    /// A string at the cursor (which must be `"`), validated: no control characters, valid
    /// escapes with paired surrogates.
    #[inline(always)]
    fn string(&mut self) -> Option<Str> {
        if self.at(0) != b'"' {
            return None;
        }
        self.i += 1;
        let start = self.i;
        let b = self.b;
        let mut escaped = false;
        loop {
            while let Some(chunk) = b.get(self.i..self.i + 8) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                let mask = quote_or_backslash(u64::from_le_bytes(word));
                if mask != 0 {
                    self.i += (mask.trailing_zeros() / 8) as usize;
                    break;
                }
                self.i += 8;
            }
            match b.get(self.i).copied() {
                Some(b'"') => {
                    let end = self.i;
                    self.i += 1;
                    return Some(Str {
                        start,
                        end,
                        escaped,
                    });
                }
                Some(b'\\') => {
                    escaped = true;
                    self.i += 1;
                    self.escape()?;
                }
                Some(c) if c >= 0x20 => self.i += 1,
                _ => return None,
            }
        }
    }

    fn escape(&mut self) -> Option<()> {
        match self.at(0) {
            b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => {
                self.i += 1;
                Some(())
            }
            b'u' => {
                self.i += 1;
                match self.hex4()? {
                    0xD800..=0xDBFF => {
                        self.eat_str(b"\\u")?;
                        matches!(self.hex4()?, 0xDC00..=0xDFFF).then_some(())
                    }
                    0xDC00..=0xDFFF => None,
                    _ => Some(()),
                }
            }
            _ => None,
        }
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for _ in 0..4 {
            n = n * 16 + (self.at(0) as char).to_digit(16)?;
            self.i += 1;
        }
        Some(n)
    }
}

/// A mask whose lowest set bit marks the first byte of `w` (little-endian) that is a quote,
/// a backslash or a control character.
#[inline(always)]
pub(super) fn special_bytes(w: u64) -> u64 {
    let quote = w ^ (ONES * b'"' as u64);
    let backslash = w ^ (ONES * b'\\' as u64);
    let zero_quote = quote.wrapping_sub(ONES) & !quote;
    let zero_backslash = backslash.wrapping_sub(ONES) & !backslash;
    let control = w.wrapping_sub(ONES * 0x20) & !w;
    (zero_quote | zero_backslash | control) & HIGHS
}

/// [`special_bytes`] without the control characters (the line has none).
#[inline(always)]
fn quote_or_backslash(w: u64) -> u64 {
    let quote = w ^ (ONES * b'"' as u64);
    let backslash = w ^ (ONES * b'\\' as u64);
    (quote.wrapping_sub(ONES) & !quote | backslash.wrapping_sub(ONES) & !backslash) & HIGHS
}

/// `T":` after the opening quote of a type key: the type and the bytes it takes.
#[inline(always)]
fn type_key(rest: &[u8]) -> Option<(AttrType, usize)> {
    let get = |n: usize| rest.get(n).copied().unwrap_or(0);
    let (ty, len) = match (get(0), get(1)) {
        (b'S', b'"') => (AttrType::S, 1),
        (b'N', b'"') => (AttrType::N, 1),
        (b'B', b'"') => (AttrType::B, 1),
        (b'L', b'"') => (AttrType::L, 1),
        (b'M', b'"') => (AttrType::M, 1),
        (b'S', b'S') => (AttrType::Ss, 2),
        (b'N', b'S') => (AttrType::Ns, 2),
        (b'B', b'S') => (AttrType::Bs, 2),
        (b'B', b'O') if rest.starts_with(b"BOOL") => (AttrType::Bool, 4),
        (b'N', b'U') if rest.starts_with(b"NULL") => (AttrType::Null, 4),
        _ => return None,
    };
    (get(len) == b'"' && get(len + 1) == b':').then_some((ty, len + 2))
}

fn number(raw: &[u8]) -> bool {
    // Digits with at most one point are the common case (what `is_number` accepts of them).
    let mut dots = 0usize;
    let mut other = false;
    for &c in raw {
        dots += usize::from(c == b'.');
        other |= !c.is_ascii_digit() && c != b'.';
    }
    if !other && dots <= 1 {
        return raw.len() > dots;
    }
    is_number_bytes(raw)
}
