//! JSON with its keys in the order they were written, printed the three ways the sample files
//! use: pretty (two-space indent, the files), compact (`,` and `:`, message bodies) and spaced
//! (`, ` and `: `, the malformed records' bodies). `serde_json::Value` sorts its keys, and AWS's
//! documentation shows each event in its own order.

/// A JSON value whose objects keep their key order.
#[derive(Debug, Clone)]
pub enum Json {
    Str(String),
    /// A number, `true`, `false` or `null`, as written.
    Lit(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
}

/// Read in the order written: the committed AWS events (`events/eventbridge/`) are read back
/// with their keys as AWS's documentation orders them.
impl<'de> serde::Deserialize<'de> for Json {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(InOrder)
    }
}

struct InOrder;

impl<'de> serde::de::Visitor<'de> for InOrder {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Json, E> {
        Ok(Json::Str(text.to_owned()))
    }
    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Lit(value.to_string()))
    }
    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Lit(value.to_string()))
    }
    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Lit(value.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Json, E> {
        Ok(Json::Lit(value.to_string()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Json, E> {
        Ok(Json::Lit("null".into()))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some(entry) = map.next_entry()? {
            entries.push(entry);
        }
        Ok(Json::Obj(entries))
    }
}

/// An object, its keys in the order given: `obj! { "a" => "x", "b" => Json::Null }`.
macro_rules! obj {
    ($($key:expr => $value:expr),* $(,)?) => {
        $crate::json::Json::Obj(vec![$(($key.to_string(), $crate::json::Json::from($value))),*])
    };
}
pub(crate) use obj;

impl From<&str> for Json {
    fn from(text: &str) -> Self {
        Json::Str(text.to_owned())
    }
}

impl From<String> for Json {
    fn from(text: String) -> Self {
        Json::Str(text)
    }
}

impl From<Vec<Json>> for Json {
    fn from(items: Vec<Json>) -> Self {
        Json::Arr(items)
    }
}

impl Json {
    /// The same object with `key` set: in its place when present, else last.
    pub fn with(mut self, key: &str, value: impl Into<Json>) -> Self {
        if let Json::Obj(entries) = &mut self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some(entry) => entry.1 = value.into(),
                None => entries.push((key.to_owned(), value.into())),
            }
        }
        self
    }

    /// The value under `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn pretty(&self) -> String {
        let mut out = String::new();
        self.write_pretty(&mut out, 0);
        out
    }

    pub fn compact(&self) -> String {
        let mut out = String::new();
        self.write_inline(&mut out, ",", ":");
        out
    }

    pub fn spaced(&self) -> String {
        let mut out = String::new();
        self.write_inline(&mut out, ", ", ": ");
        out
    }

    fn write_inline(&self, out: &mut String, comma: &str, colon: &str) {
        match self {
            Json::Str(text) => out.push_str(&quoted(text)),
            Json::Lit(text) => out.push_str(text),
            Json::Arr(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(comma);
                    }
                    item.write_inline(out, comma, colon);
                }
                out.push(']');
            }
            Json::Obj(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push_str(comma);
                    }
                    out.push_str(&quoted(key));
                    out.push_str(colon);
                    value.write_inline(out, comma, colon);
                }
                out.push('}');
            }
        }
    }

    fn write_pretty(&self, out: &mut String, depth: usize) {
        let indent = |out: &mut String, depth: usize| out.push_str(&"  ".repeat(depth));
        match self {
            Json::Arr(items) if !items.is_empty() => {
                out.push_str("[\n");
                for (index, item) in items.iter().enumerate() {
                    indent(out, depth + 1);
                    item.write_pretty(out, depth + 1);
                    out.push_str(if index + 1 < items.len() { ",\n" } else { "\n" });
                }
                indent(out, depth);
                out.push(']');
            }
            Json::Obj(entries) if !entries.is_empty() => {
                out.push_str("{\n");
                for (index, (key, value)) in entries.iter().enumerate() {
                    indent(out, depth + 1);
                    out.push_str(&quoted(key));
                    out.push_str(": ");
                    value.write_pretty(out, depth + 1);
                    out.push_str(if index + 1 < entries.len() {
                        ",\n"
                    } else {
                        "\n"
                    });
                }
                indent(out, depth);
                out.push('}');
            }
            other => other.write_inline(out, ",", ":"),
        }
    }
}

fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
