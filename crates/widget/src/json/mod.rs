//! JSON in the browser build, without serde.
//!
//! serde's derived code, `serde-wasm-bindgen` and the float formatting their error paths
//! keep alive were a third of the widget's wasm. The widget reads a handful of shapes (its
//! props, the campaign view, a receipt, a pledge's answer, a problem) and writes two (a
//! pledge, a choice of values), so it parses into a small tree ([`Json`]) and reads each
//! shape by hand ([`wire`]). The server keeps serde; tests check that what it writes, this
//! reads back equal, and that what this writes, it reads back equal.
//!
//! Numbers are integers: nothing the widget reads carries a fraction, and leaving floats
//! out keeps their parsing out of the wasm too (a fraction reads as [`Json::Fraction`],
//! which no field accepts).

mod parse;
mod wire;

pub use parse::parse;
pub use wire::{options_choice, pledge_request};

use std::collections::BTreeMap;

/// A parsed JSON value. Objects keep their members in order, looked up by a scan: the
/// widget's objects have a few dozen members at most.
#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// A number with a fraction or an exponent, or outside `i64`.
    Fraction,
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// A value read from JSON; `None` when the JSON is not of that shape.
pub trait FromJson: Sized {
    fn from_json(json: &Json) -> Option<Self>;
}

static NULL: Json = Json::Null;

impl Json {
    /// An object's member, or `null` when it has none of that name (or is not an object).
    pub fn get(&self, key: &str) -> &Json {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map_or(&NULL, |(_, v)| v),
            _ => &NULL,
        }
    }

    /// A member that must be there, as `T`.
    pub fn req<T: FromJson>(&self, key: &str) -> Option<T> {
        T::from_json(self.get(key))
    }

    /// A member that may be missing or `null` (then `None`), as `T` otherwise.
    pub fn opt<T: FromJson>(&self, key: &str) -> Option<Option<T>> {
        match self.get(key) {
            Json::Null => Some(None),
            json => T::from_json(json).map(Some),
        }
    }

    /// A member that falls back to `default` when missing or `null` (serde's `default`).
    pub fn or<T: FromJson>(&self, key: &str, default: T) -> Option<T> {
        Some(self.opt(key)?.unwrap_or(default))
    }

    /// A member that falls back to `T::default()` when missing or `null`.
    pub fn def<T: FromJson + Default>(&self, key: &str) -> Option<T> {
        self.or(key, T::default())
    }

    fn str(&self) -> Option<&str> {
        match self {
            Json::Str(text) => Some(text),
            _ => None,
        }
    }

    /// The JSON text of this value.
    pub fn write(&self, out: &mut String) {
        match self {
            Json::Null | Json::Fraction => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(n) => out.push_str(&n.to_string()),
            Json::Str(text) => write_str(text, out),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(key, out);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }
}

fn write_str(text: &str, out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[c as usize >> 4] as char);
                out.push(HEX[c as usize & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

impl FromJson for String {
    fn from_json(json: &Json) -> Option<Self> {
        json.str().map(str::to_owned)
    }
}

impl FromJson for bool {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Bool(b) => Some(*b),
            _ => None,
        }
    }
}

impl FromJson for i64 {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Int(n) => Some(*n),
            _ => None,
        }
    }
}

impl FromJson for u64 {
    fn from_json(json: &Json) -> Option<Self> {
        i64::from_json(json).and_then(|n| u64::try_from(n).ok())
    }
}

impl FromJson for u32 {
    fn from_json(json: &Json) -> Option<Self> {
        i64::from_json(json).and_then(|n| u32::try_from(n).ok())
    }
}

impl FromJson for u16 {
    fn from_json(json: &Json) -> Option<Self> {
        i64::from_json(json).and_then(|n| u16::try_from(n).ok())
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Array(items) => items.iter().map(T::from_json).collect(),
            _ => None,
        }
    }
}

impl<T: FromJson> FromJson for BTreeMap<String, T> {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            // Inserted one by one: `collect` would add a sort and a bulk build for each map
            // type to the wasm, for maps of a few entries.
            Json::Object(members) => {
                let mut map = BTreeMap::new();
                for (key, value) in members {
                    map.insert(key.clone(), T::from_json(value)?);
                }
                Some(map)
            }
            _ => None,
        }
    }
}

impl<A: FromJson, B: FromJson> FromJson for (A, B) {
    fn from_json(json: &Json) -> Option<Self> {
        match json {
            Json::Array(pair) if pair.len() == 2 => Some((A::from_json(&pair[0])?, B::from_json(&pair[1])?)),
            _ => None,
        }
    }
}

/// Reads `text` as `T`: `None` when it is not JSON or not of that shape.
pub fn from_text<T: FromJson>(text: &str) -> Option<T> {
    T::from_json(&parse(text)?)
}

#[cfg(test)]
mod tests;
