//! What the checker looks for in every item: the attributes the new table keys on (its own
//! keys and its indexes' keys), found by exact name, or only under another case. The line
//! readers (the check's JSON scanner, the Ion reader) report into it and the check reads it,
//! so it sits below both.

use std::fmt;

use serde::Serialize;

use crate::logic::items::{KeyAttr, KeyProblem, ScalarType};

/// The type of an attribute value, as DynamoDB JSON names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum AttrType {
    S,
    N,
    B,
    #[serde(rename = "BOOL")]
    Bool,
    #[serde(rename = "NULL")]
    Null,
    #[serde(rename = "SS")]
    Ss,
    #[serde(rename = "NS")]
    Ns,
    #[serde(rename = "BS")]
    Bs,
    L,
    M,
}

impl AttrType {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrType::S => "S",
            AttrType::N => "N",
            AttrType::B => "B",
            AttrType::Bool => "BOOL",
            AttrType::Null => "NULL",
            AttrType::Ss => "SS",
            AttrType::Ns => "NS",
            AttrType::Bs => "BS",
            AttrType::L => "L",
            AttrType::M => "M",
        }
    }

    /// The type named by a DynamoDB JSON type key (`"S"`, `"BOOL"`, ...).
    pub fn from_type_key(key: &[u8]) -> Option<AttrType> {
        Some(match key {
            b"S" => AttrType::S,
            b"N" => AttrType::N,
            b"B" => AttrType::B,
            b"BOOL" => AttrType::Bool,
            b"NULL" => AttrType::Null,
            b"SS" => AttrType::Ss,
            b"NS" => AttrType::Ns,
            b"BS" => AttrType::Bs,
            b"L" => AttrType::L,
            b"M" => AttrType::M,
            _ => return None,
        })
    }

    fn matches(self, kind: ScalarType) -> bool {
        matches!(
            (self, kind),
            (AttrType::S, ScalarType::S)
                | (AttrType::N, ScalarType::N)
                | (AttrType::B, ScalarType::B)
        )
    }
}

impl fmt::Display for AttrType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A key attribute of one of the new table's global secondary indexes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct GsiKey {
    pub index: String,
    pub attr: KeyAttr,
}

/// The keys to check: the table's (partition key first) and its indexes'.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckSpec {
    pub keys: Vec<KeyAttr>,
    pub gsi: Vec<GsiKey>,
}

/// A problem with an index key: the attribute is there with another type, so the import
/// rejects the item. (An absent index key is fine: the item is simply not indexed.)
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct GsiProblem {
    pub index: String,
    pub attr: String,
    pub expected: String,
    pub found: String,
}

impl fmt::Display for GsiProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "attribute {:?} (key of index {:?}) has type {}, not {}",
            self.attr, self.index, self.found, self.expected
        )
    }
}

struct Watched {
    name: String,
    lower: String,
    ascii: bool,
}

/// The attribute names the scanners report on, deduplicated.
pub struct Watch {
    names: Vec<Watched>,
    /// For each table key, its index in `names`.
    key_slots: Vec<usize>,
    /// For each index key that is not also a table key, its index in `names`.
    gsi_slots: Vec<(usize, usize)>,
    spec: CheckSpec,
}

/// What one line said about the watched attributes.
#[derive(Debug, Clone, Default)]
pub struct LineFacts {
    /// The type of each watched attribute, when present under its exact name.
    pub found: Vec<Option<AttrType>>,
    /// For each watched attribute, the (lowest-sorting) other spelling present.
    pub other_case: Vec<Option<String>>,
}

impl LineFacts {
    pub fn clear(&mut self) {
        self.found.iter_mut().for_each(|f| *f = None);
        self.other_case.iter_mut().for_each(|f| *f = None);
    }
}

impl Watch {
    pub fn new(spec: &CheckSpec) -> Watch {
        let mut names: Vec<Watched> = Vec::new();
        let mut slot = |name: &str| -> usize {
            if let Some(i) = names.iter().position(|w| w.name == name) {
                return i;
            }
            names.push(Watched {
                name: name.to_owned(),
                lower: name.to_lowercase(),
                ascii: name.is_ascii(),
            });
            names.len() - 1
        };
        let key_slots: Vec<usize> = spec.keys.iter().map(|k| slot(&k.name)).collect();
        let gsi_slots = spec
            .gsi
            .iter()
            .enumerate()
            .filter(|(_, g)| !spec.keys.iter().any(|k| k.name == g.attr.name))
            .map(|(i, g)| (i, slot(&g.attr.name)))
            .collect();
        Watch {
            names,
            key_slots,
            gsi_slots,
            spec: spec.clone(),
        }
    }

    pub fn spec(&self) -> &CheckSpec {
        &self.spec
    }

    /// Facts sized for this watch.
    pub fn facts(&self) -> LineFacts {
        LineFacts {
            found: vec![None; self.names.len()],
            other_case: vec![None; self.names.len()],
        }
    }

    /// Records that the item has attribute `name` of type `ty`.
    #[inline]
    pub fn observe(&self, name: &str, ty: AttrType, facts: &mut LineFacts) {
        let ascii = name.is_ascii();
        for (i, w) in self.names.iter().enumerate() {
            if w.name == name {
                facts.found[i] = Some(ty);
            } else if same_but_case(w, name, ascii) {
                let slot = &mut facts.other_case[i];
                if slot.as_deref().is_none_or(|s| name < s) {
                    *slot = Some(name.to_owned());
                }
            }
        }
    }

    /// [`Watch::observe`] for a name given as (valid UTF-8) bytes.
    #[inline]
    pub fn observe_bytes(&self, name: &[u8], ty: AttrType, facts: &mut LineFacts) {
        if name.is_ascii() {
            for (i, w) in self.names.iter().enumerate() {
                if w.name.as_bytes() == name {
                    facts.found[i] = Some(ty);
                } else if w.ascii
                    && w.name.len() == name.len()
                    && w.name.as_bytes().eq_ignore_ascii_case(name)
                {
                    let found = String::from_utf8_lossy(name);
                    let slot = &mut facts.other_case[i];
                    if slot.as_deref().is_none_or(|s| *found < *s) {
                        *slot = Some(found.into_owned());
                    }
                } else if !w.ascii {
                    self.observe_one(i, w, &String::from_utf8_lossy(name), ty, facts);
                }
            }
        } else if let Ok(text) = std::str::from_utf8(name) {
            self.observe(text, ty, facts);
        }
    }

    fn observe_one(&self, i: usize, w: &Watched, name: &str, ty: AttrType, facts: &mut LineFacts) {
        if w.name == name {
            facts.found[i] = Some(ty);
        } else if same_but_case(w, name, name.is_ascii()) {
            let slot = &mut facts.other_case[i];
            if slot.as_deref().is_none_or(|s| name < s) {
                *slot = Some(name.to_owned());
            }
        }
    }

    /// The table-key problems of a line, in key order (as `check_item_keys` gives them).
    pub fn key_problems(&self, facts: &LineFacts, out: &mut Vec<KeyProblem>) {
        for (key, &slot) in self.spec.keys.iter().zip(&self.key_slots) {
            match (facts.found[slot], &facts.other_case[slot]) {
                (Some(ty), _) if ty.matches(key.kind) => {}
                (Some(ty), _) => out.push(KeyProblem::WrongType {
                    name: key.name.clone(),
                    expected: key.kind,
                    found: ty.as_str().to_owned(),
                }),
                (None, Some(found)) => out.push(KeyProblem::WrongCase {
                    expected: key.name.clone(),
                    found: found.clone(),
                }),
                (None, None) => out.push(KeyProblem::Missing {
                    name: key.name.clone(),
                }),
            }
        }
    }

    /// The index-key problems of a line.
    pub fn gsi_problems(&self, facts: &LineFacts, out: &mut Vec<GsiProblem>) {
        for &(g, slot) in &self.gsi_slots {
            let gsi = &self.spec.gsi[g];
            if let Some(ty) = facts.found[slot] {
                if !ty.matches(gsi.attr.kind) {
                    out.push(GsiProblem {
                        index: gsi.index.clone(),
                        attr: gsi.attr.name.clone(),
                        expected: gsi.attr.kind.to_string(),
                        found: ty.as_str().to_owned(),
                    });
                }
            }
        }
    }
}

#[inline]
fn same_but_case(w: &Watched, name: &str, name_ascii: bool) -> bool {
    if w.ascii && name_ascii {
        w.name.len() == name.len() && w.name.eq_ignore_ascii_case(name)
    } else {
        name.to_lowercase() == w.lower
    }
}
