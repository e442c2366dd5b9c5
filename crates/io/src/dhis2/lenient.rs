//! The lenient reading of a dataValueSets file: every field is read whatever its JSON type,
//! so that a wrong type is reported as an error of that field (not as a syntax error of the
//! whole file), and no tree of the whole file is built.

use crate::values::MAX_ROWS;
use serde::de::value::MapAccessDeserializer;
use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::fmt;

/// A JSON field as found in a file. Deserializing it never fails, so that a wrong type is
/// reported as an error of that field, and no tree of the whole file is built.
#[derive(Debug, Default)]
pub(super) enum Field {
    #[default]
    Absent,
    Null,
    Text(String),
    /// A number, as text: 12 → "12", 12.5 → "12.5".
    Number(String),
    Bool(bool),
    Array,
    Object,
}

impl Field {
    pub(super) fn kind(&self) -> &'static str {
        match self {
            Field::Absent | Field::Null => "null",
            Field::Text(_) => "chuỗi",
            Field::Number(_) => "số",
            Field::Bool(_) => "giá trị đúng/sai",
            Field::Array => "mảng",
            Field::Object => "đối tượng",
        }
    }

    /// Text: absent, null or blank → None. Numbers and booleans are accepted as text where
    /// `scalars` (period, value).
    pub(super) fn text(self, name: &str, scalars: bool) -> Result<Option<String>, String> {
        let s = match self {
            Field::Absent | Field::Null => return Ok(None),
            Field::Text(s) => s,
            Field::Number(s) if scalars => s,
            Field::Bool(b) if scalars => b.to_string(),
            other => {
                return Err(format!(
                    "Trường '{name}' phải là chuỗi, không phải {}",
                    other.kind()
                ))
            }
        };
        let t = s.trim();
        Ok(if t.is_empty() {
            None
        } else if t.len() == s.len() {
            Some(s)
        } else {
            Some(t.to_string())
        })
    }

    pub(super) fn flag(&self, name: &str) -> Result<Option<bool>, String> {
        match self {
            Field::Absent | Field::Null => Ok(None),
            Field::Bool(b) => Ok(Some(*b)),
            Field::Text(s) if s.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Field::Text(s) if s.eq_ignore_ascii_case("false") || s.is_empty() => Ok(Some(false)),
            other => Err(format!(
                "Trường '{name}' phải là true hoặc false, không phải {}",
                other.kind()
            )),
        }
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }
    fn visit_none<E>(self) -> Result<Field, E> {
        Ok(Field::Null)
    }
    fn visit_bool<E>(self, b: bool) -> Result<Field, E> {
        Ok(Field::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Field, E> {
        Ok(Field::Number(n.to_string()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Field, E> {
        Ok(Field::Number(n.to_string()))
    }
    fn visit_f64<E>(self, f: f64) -> Result<Field, E> {
        Ok(Field::Number(format!("{f}")))
    }
    fn visit_str<E>(self, s: &str) -> Result<Field, E> {
        Ok(Field::Text(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Field, E> {
        Ok(Field::Text(s))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Field, A::Error> {
        while a.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Field::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Field, A::Error> {
        while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Field::Object)
    }
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Field, D::Error> {
        d.deserialize_any(FieldVisitor)
    }
}

/// The fields of a data value chiso reads; others are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawValue {
    #[serde(default)]
    pub(super) data_element: Field,
    #[serde(default)]
    pub(super) period: Field,
    #[serde(default)]
    pub(super) org_unit: Field,
    #[serde(default)]
    pub(super) category_option_combo: Field,
    #[serde(default)]
    pub(super) attribute_option_combo: Field,
    #[serde(default)]
    pub(super) value: Field,
    #[serde(default)]
    pub(super) comment: Field,
    #[serde(default)]
    pub(super) followup: Field,
    #[serde(default)]
    pub(super) deleted: Field,
}

/// An element of `dataValues`: a value, or something else (its kind).
// Nearly every item is a value: boxing it would cost an allocation each.
#[allow(clippy::large_enum_variant)]
pub(super) enum Item {
    Value(RawValue),
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Item, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a data value object")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Item, A::Error> {
                RawValue::deserialize(MapAccessDeserializer::new(a)).map(Item::Value)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Item, A::Error> {
                FieldVisitor.visit_seq(a).map(|f| Item::Other(f.kind()))
            }
            fn visit_unit<E>(self) -> Result<Item, E> {
                Ok(Item::Other("null"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Item, E> {
                Ok(Item::Other("giá trị đúng/sai"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Item, E> {
                Ok(Item::Other("số"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Item, E> {
                Ok(Item::Other("số"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Item, E> {
                Ok(Item::Other("số"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Item, E> {
                Ok(Item::Other("chuỗi"))
            }
        }
        d.deserialize_any(V)
    }
}

/// `dataValues`: its items (at most [`MAX_ROWS`], then only counted), or what it was instead
/// of an array.
#[derive(Default)]
pub(super) enum Items {
    #[default]
    Absent,
    List {
        items: Vec<Item>,
        total: usize,
    },
    Other(&'static str),
}

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Items, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of data values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Items, A::Error> {
                let mut items = Vec::with_capacity(a.size_hint().unwrap_or(0).min(1 << 16));
                let mut total = 0;
                loop {
                    if total < MAX_ROWS {
                        match a.next_element::<Item>()? {
                            Some(i) => items.push(i),
                            None => break,
                        }
                    } else if a.next_element::<IgnoredAny>()?.is_none() {
                        break;
                    }
                    total += 1;
                }
                Ok(Items::List { items, total })
            }
            fn visit_unit<E>(self) -> Result<Items, E> {
                Ok(Items::Absent)
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Items, A::Error> {
                FieldVisitor.visit_map(a).map(|f| Items::Other(f.kind()))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Items, E> {
                Ok(Items::Other("giá trị đúng/sai"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Items, E> {
                Ok(Items::Other("số"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Items, E> {
                Ok(Items::Other("số"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Items, E> {
                Ok(Items::Other("số"))
            }
            fn visit_str<E>(self, _: &str) -> Result<Items, E> {
                Ok(Items::Other("chuỗi"))
            }
        }
        d.deserialize_any(V)
    }
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RawSet {
    #[serde(default)]
    pub(super) data_set: Field,
    #[serde(default)]
    pub(super) complete_date: Field,
    #[serde(default)]
    pub(super) period: Field,
    #[serde(default)]
    pub(super) org_unit: Field,
    #[serde(default)]
    pub(super) attribute_option_combo: Field,
    #[serde(default)]
    pub(super) data_values: Items,
}

/// The whole file: a set, or what it was instead of an object.
pub(super) enum Top {
    Set(RawSet),
    Other,
}

impl<'de> Deserialize<'de> for Top {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Top, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Top;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a data value set object")
            }
            fn visit_map<A: MapAccess<'de>>(self, a: A) -> Result<Top, A::Error> {
                RawSet::deserialize(MapAccessDeserializer::new(a)).map(Top::Set)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Top, A::Error> {
                FieldVisitor.visit_seq(a).map(|_| Top::Other)
            }
            fn visit_unit<E>(self) -> Result<Top, E> {
                Ok(Top::Other)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Top, E> {
                Ok(Top::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Top, E> {
                Ok(Top::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Top, E> {
                Ok(Top::Other)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Top, E> {
                Ok(Top::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Top, E> {
                Ok(Top::Other)
            }
        }
        d.deserialize_any(V)
    }
}
