//! Hostile input for the faces' property tests (tests/hostile_input.rs): a valid request of a
//! face, written as a JSON tree that can hold what `serde_json::Value` cannot (duplicate keys,
//! numbers as their own text, lone surrogate escapes, invalid UTF-8, nesting 10,000 deep), then
//! mutated structurally and, at the end, byte by byte. And the journal's rows, counted, to see
//! that a refused request left nothing behind.

#![allow(dead_code)]

use std::fmt;
use std::path::Path;

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// A JSON text as a tree; objects keep their members in order, duplicates included.
#[derive(Clone)]
pub enum J {
    Null,
    Bool(bool),
    /// A number as written (`1e400`, `-0`, `99999999999999999999`).
    Num(String),
    Str(String),
    /// `len` repetitions of `unit` as one string.
    Long {
        unit: &'static str,
        len: usize,
    },
    /// Text written as it is: escapes, invalid JSON, raw bytes (invalid UTF-8 included).
    Raw(&'static [u8]),
    /// `depth` arrays (or objects `{"a": …}`) inside each other around `null`.
    Deep {
        depth: usize,
        objects: bool,
    },
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

impl J {
    pub fn from_value(v: &Value) -> J {
        match v {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Number(n) => J::Num(n.to_string()),
            Value::String(s) => J::Str(s.clone()),
            Value::Array(a) => J::Arr(a.iter().map(J::from_value).collect()),
            Value::Object(m) => J::Obj(
                m.iter()
                    .map(|(k, v)| (k.clone(), J::from_value(v)))
                    .collect(),
            ),
        }
    }

    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            J::Null => out.extend_from_slice(b"null"),
            J::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            J::Num(n) => out.extend_from_slice(n.as_bytes()),
            J::Str(s) => out.extend_from_slice(serde_json::to_string(s).unwrap().as_bytes()),
            J::Long { unit, len } => {
                out.push(b'"');
                for _ in 0..*len {
                    out.extend_from_slice(unit.as_bytes());
                }
                out.push(b'"');
            }
            J::Raw(bytes) => out.extend_from_slice(bytes),
            J::Deep { depth, objects } => {
                let (open, close): (&[u8], &[u8]) = if *objects {
                    (b"{\"a\":", b"}")
                } else {
                    (b"[", b"]")
                };
                for _ in 0..*depth {
                    out.extend_from_slice(open);
                }
                out.extend_from_slice(b"null");
                for _ in 0..*depth {
                    out.extend_from_slice(close);
                }
            }
            J::Arr(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write(out);
                }
                out.push(b']');
            }
            J::Obj(members) => {
                out.push(b'{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    out.extend_from_slice(serde_json::to_string(key).unwrap().as_bytes());
                    out.push(b':');
                    value.write(out);
                }
                out.push(b'}');
            }
        }
    }

    /// Every node's path (child positions from the root), the root first.
    fn paths(&self) -> Vec<Vec<usize>> {
        let mut all = Vec::new();
        self.collect_paths(&mut Vec::new(), &mut all);
        all
    }

    fn collect_paths(&self, at: &mut Vec<usize>, all: &mut Vec<Vec<usize>>) {
        all.push(at.clone());
        let children: Vec<&J> = match self {
            J::Arr(items) => items.iter().collect(),
            J::Obj(members) => members.iter().map(|(_, v)| v).collect(),
            _ => return,
        };
        for (i, child) in children.into_iter().enumerate() {
            at.push(i);
            child.collect_paths(at, all);
            at.pop();
        }
    }

    fn at_mut(&mut self, path: &[usize]) -> &mut J {
        match path.split_first() {
            None => self,
            Some((&i, rest)) => match self {
                J::Arr(items) => items[i].at_mut(rest),
                J::Obj(members) => members[i].1.at_mut(rest),
                _ => unreachable!("a path runs through containers only"),
            },
        }
    }
}

/// Compact: long strings and deep nesting by their size, raw text lossily.
impl fmt::Debug for J {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            J::Long { unit, len } => write!(f, "Long({unit:?} × {len})"),
            J::Deep { depth, objects } => {
                write!(
                    f,
                    "Deep({depth} {})",
                    if *objects { "objects" } else { "arrays" }
                )
            }
            J::Raw(bytes) => write!(f, "Raw({})", escape_bytes(bytes)),
            J::Arr(items) => f.debug_list().entries(items).finish(),
            J::Obj(members) => f
                .debug_map()
                .entries(members.iter().map(|(k, v)| (k, v)))
                .finish(),
            other => f.write_str(&escape_bytes(&other.render())),
        }
    }
}

/// Bytes as text for a report: valid UTF-8 as it is, every other byte as `\xNN`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02X}"));
        }
    }
    out
}

/// A report's view of a request: at most this many characters of it.
pub fn preview(bytes: &[u8]) -> String {
    // Around the first invalid byte, when there is one: that is what the case is about.
    if let Err(e) = std::str::from_utf8(bytes)
        && bytes.len() > 400
    {
        let from = e.valid_up_to().saturating_sub(150);
        let to = (e.valid_up_to() + 150).min(bytes.len());
        return format!(
            "({} bytes; the first invalid one at {}) …{}…",
            bytes.len(),
            e.valid_up_to(),
            escape_bytes(&bytes[from..to])
        );
    }
    let text = escape_bytes(bytes);
    if text.chars().count() <= 400 {
        text
    } else {
        let head: String = text.chars().take(300).collect();
        let tail: String = text
            .chars()
            .rev()
            .take(80)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}…({} bytes)…{tail}", bytes.len())
    }
}

/// Numbers that break naive parsing: beyond f64 and i64/u64, negative zero, fractions past the
/// unit, subnormals, exponents; and JSON that is not JSON (NaN, leading zeros, `+1`, hex).
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-1",
    "1",
    "2",
    "3",
    "1e400",
    "-1e400",
    "1e-400",
    "99999999999999999999",
    "-99999999999999999999",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "4294967296",
    "-2147483649",
    "0.5",
    "-0.01",
    "1.005",
    "123.456",
    "123.45",
    "1e-7",
    "4.9e-324",
    "1.7976931348623157e308",
    "1E2",
    "1e2",
    "0.0",
    "-0.0",
    "2469",
    "24690",
    "24690.0",
    "2.469e4",
    "1000",
    "900000",
];

/// Text that is not valid JSON, or is JSON only some parsers accept.
const NOT_JSON: &[&[u8]] = &[
    b"NaN",
    b"Infinity",
    b"-Infinity",
    b"+1",
    b"01",
    b".5",
    b"1.",
    b"0x10",
    b"1e",
    b"--1",
    b"'single'",
    b"undefined",
    b"[1,]",
    b"{,}",
    b"{\"a\"}",
    b"{\"a\":}",
    b"[",
    b"{",
    b"\"unterminated",
    b"\"\\x41\"",
    b"\"\\u12\"",
    b"\"\\uZZZZ\"",
    b"\"tab\there\"",
    b"\"nl\nhere\"",
    b"\"\x01\"",
    b"TRUE",
    b"nul",
    b"/* comment */ 1",
];

/// Lone surrogates and their neighbours, as JSON escapes.
const SURROGATES: &[&[u8]] = &[
    b"\"\\ud800\"",
    b"\"\\udfff\"",
    b"\"\\udc00\\ud800\"",
    b"\"a\\ud800b\"",
    b"\"\\ud800\\u0041\"",
    b"\"\\ud83d\"",
    b"\"\\ud83d\\ude00\"",
    b"\"\\u0000\"",
    b"\"\\uffff\\ufffe\"",
];

/// Invalid UTF-8 inside a string literal: stray bytes, a lone lead, a lone continuation, an
/// overlong `/`, a surrogate encoded in UTF-8, a code point past U+10FFFF, a cut-off sequence.
const BAD_UTF8_STRINGS: &[&[u8]] = &[
    b"\"\xff\"",
    b"\"\xfe\xff\"",
    b"\"\xc3\"",
    b"\"\x80\"",
    b"\"\xc0\xaf\"",
    b"\"\xed\xa0\x80\"",
    b"\"\xf4\x90\x80\x80\"",
    b"\"\xd0\"",
    b"\"\xd0\xa1\xd0\"",
];

/// Bytes a mutation inserts anywhere in a request: the sequences above, without quotes.
pub const BAD_UTF8: &[&[u8]] = &[
    b"\xff",
    b"\xfe",
    b"\xc3",
    b"\x80",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xf4\x90\x80\x80",
    b"\xf8\x88\x80\x80\x80",
];

/// Strings a face may treat specially, in several scripts.
const STRINGS: &[&str] = &[
    "",
    " ",
    "Сидр Петров",
    "0",
    "24690",
    "123.45",
    "-1",
    "true",
    "null",
    "2026-03-01 12:00:00",
    "2026-13-45 25:61:61",
    "kkt",
    "printer",
    "terminal",
    "\u{0000}",
    "\u{202e}RTL",
    "e\u{0301}",
    "😀",
    "\u{feff}",
    "a\"b\\c",
    "<script>alert(1)</script>",
    "'; DROP TABLE documents; --",
    "../../etc/passwd",
    "%00",
    "LINK_916913195426",
    "1-0000782",
    "a2Fzc2E6a2FzMTIzNDU2",
    "3ca29f3a-c19a-4a43-ba28-8425bf9bf383",
];

const LONG_UNITS: &[&str] = &["a", "Я", "😀", "\\", "\u{0301}"];

/// The lengths of long strings, in units (a unit is up to 4 bytes): most well under the faces'
/// body limit (1 MiB by default), so they test the fields; the longest, of one-byte units,
/// just under it, and two of them in one request over it.
const LONG_LENGTHS: &[usize] = &[100, 1_000, 4_096, 10_000];
const NEAR_LIMIT: usize = (1 << 20) - 8 * 1024;

/// Depths around serde_json's recursion limit (128) and far past it.
const DEPTHS: &[usize] = &[2, 64, 127, 128, 129, 1_000, 10_000];

/// Member names of made-up objects.
const KEYS: &[&str] = &[
    "",
    "a",
    "value",
    "__proto__",
    "constructor",
    "Имя",
    "\u{0000}",
];

/// What generated text may be: `invalid_utf8` bytes in strings; `broken` JSON (lone
/// surrogates, NaN and the like, nesting past serde_json's limit of 128), which a whole
/// request fails on; neither for elements of a batch that is to be parsed.
#[derive(Clone, Copy, Debug)]
pub struct Flavor {
    pub invalid_utf8: bool,
    pub broken: bool,
}

/// A scalar of any kind, valid or hostile.
fn scalar(flavor: Flavor) -> BoxedStrategy<J> {
    let mut choices: Vec<(u32, BoxedStrategy<J>)> = vec![
        (2, Just(J::Null).boxed()),
        (2, any::<bool>().prop_map(J::Bool).boxed()),
        (
            8,
            proptest::sample::select(NUMBERS)
                .prop_map(|n| J::Num(n.to_owned()))
                .boxed(),
        ),
        (2, any::<i64>().prop_map(|n| J::Num(n.to_string())).boxed()),
        (
            2,
            any::<f64>()
                .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
                .prop_map(|f| J::Num(serde_json::Number::from_f64(f).unwrap().to_string()))
                .boxed(),
        ),
        (
            6,
            proptest::sample::select(STRINGS)
                .prop_map(|s| J::Str(s.to_owned()))
                .boxed(),
        ),
        (
            2,
            proptest::collection::vec(any::<char>(), 0..12)
                .prop_map(|c| J::Str(c.into_iter().collect()))
                .boxed(),
        ),
        (
            3,
            (
                proptest::sample::select(LONG_UNITS),
                proptest::sample::select(LONG_LENGTHS),
            )
                .prop_map(|(unit, len)| J::Long { unit, len })
                .boxed(),
        ),
        (
            1,
            Just(J::Long {
                unit: "a",
                len: NEAR_LIMIT,
            })
            .boxed(),
        ),
    ];
    if flavor.broken {
        choices.push((
            3,
            proptest::sample::select(SURROGATES)
                .prop_map(J::Raw)
                .boxed(),
        ));
        choices.push((
            2,
            proptest::sample::select(NOT_JSON).prop_map(J::Raw).boxed(),
        ));
    }
    if flavor.invalid_utf8 {
        choices.push((
            3,
            proptest::sample::select(BAD_UTF8_STRINGS)
                .prop_map(J::Raw)
                .boxed(),
        ));
    }
    proptest::strategy::Union::new_weighted(choices).boxed()
}

/// A value of another type than the field's, or a hostile one of the same type.
pub fn hostile_value(flavor: Flavor) -> BoxedStrategy<J> {
    let depths = if flavor.broken { DEPTHS } else { &DEPTHS[..2] };
    prop_oneof![
        10 => scalar(flavor),
        2 => (proptest::sample::select(depths), any::<bool>())
            .prop_map(|(depth, objects)| J::Deep { depth, objects }),
        1 => Just(J::Arr(vec![])),
        1 => Just(J::Obj(vec![])),
        2 => proptest::collection::vec(scalar(flavor), 1..4).prop_map(J::Arr),
        2 => proptest::collection::vec(
            (proptest::sample::select(KEYS).prop_map(str::to_owned), scalar(flavor)),
            1..3,
        )
        .prop_map(J::Obj),
    ]
    .boxed()
}

/// One structural change to a request; the indices pick a node among those there are then.
#[derive(Clone, Debug)]
pub enum Mutation {
    /// This node becomes this value (a field of another type, an edge value).
    Replace(Index, J),
    /// This member or element is left out.
    Remove(Index),
    /// This object member is sent twice, the copy (before or after it) with this value.
    Duplicate(Index, bool, J),
    /// This object gets an extra member: a name other faces use, or a made-up one.
    Add(Index, Index, J),
    /// This node is wrapped into `[node]`, or into `{"value": node}`.
    Wrap(Index, bool),
}

impl Mutation {
    pub fn apply(&self, tree: &mut J, field_names: &[&str]) {
        let paths = tree.paths();
        match self {
            Mutation::Replace(at, value) => {
                *tree.at_mut(&paths[at.index(paths.len())]) = value.clone();
            }
            Mutation::Remove(at) => {
                let path = &paths[at.index(paths.len())];
                if let Some((&last, parent)) = path.split_last() {
                    match tree.at_mut(parent) {
                        J::Arr(items) => {
                            items.remove(last);
                        }
                        J::Obj(members) => {
                            members.remove(last);
                        }
                        _ => unreachable!(),
                    }
                }
            }
            Mutation::Duplicate(at, before, value) => {
                let members: Vec<&Vec<usize>> = paths
                    .iter()
                    .filter(|p| {
                        p.split_last()
                            .is_some_and(|(_, parent)| matches!(tree_at(tree, parent), J::Obj(_)))
                    })
                    .collect();
                if members.is_empty() {
                    return;
                }
                let path = members[at.index(members.len())].clone();
                let (&last, parent) = path.split_last().unwrap();
                if let J::Obj(m) = tree.at_mut(parent) {
                    let key = m[last].0.clone();
                    let position = if *before { last } else { last + 1 };
                    m.insert(position, (key, value.clone()));
                }
            }
            Mutation::Add(at, name, value) => {
                let objects: Vec<&Vec<usize>> = paths
                    .iter()
                    .filter(|p| matches!(tree_at(tree, p), J::Obj(_)))
                    .collect();
                if objects.is_empty() || field_names.is_empty() {
                    return;
                }
                let path = objects[at.index(objects.len())].clone();
                let name = field_names[name.index(field_names.len())].to_owned();
                if let J::Obj(m) = tree.at_mut(&path) {
                    m.push((name, value.clone()));
                }
            }
            Mutation::Wrap(at, array) => {
                let node = tree.at_mut(&paths[at.index(paths.len())]);
                let inner = std::mem::replace(node, J::Null);
                *node = if *array {
                    J::Arr(vec![inner])
                } else {
                    J::Obj(vec![("value".into(), inner)])
                };
            }
        }
    }
}

fn tree_at<'a>(tree: &'a J, path: &[usize]) -> &'a J {
    match path.split_first() {
        None => tree,
        Some((&i, rest)) => match tree {
            J::Arr(items) => tree_at(&items[i], rest),
            J::Obj(members) => tree_at(&members[i].1, rest),
            _ => unreachable!(),
        },
    }
}

pub fn mutation(flavor: Flavor) -> BoxedStrategy<Mutation> {
    prop_oneof![
        6 => (any::<Index>(), hostile_value(flavor))
            .prop_map(|(at, v)| Mutation::Replace(at, v)),
        3 => any::<Index>().prop_map(Mutation::Remove),
        2 => (any::<Index>(), any::<bool>(), hostile_value(flavor))
            .prop_map(|(at, before, v)| Mutation::Duplicate(at, before, v)),
        2 => (any::<Index>(), any::<Index>(), hostile_value(flavor))
            .prop_map(|(at, name, v)| Mutation::Add(at, name, v)),
        1 => (any::<Index>(), any::<bool>()).prop_map(|(at, array)| Mutation::Wrap(at, array)),
    ]
    .boxed()
}

/// What is done to the request's bytes after its tree is written.
#[derive(Clone, Debug)]
pub enum ByteChange {
    None,
    /// Cut off after this many bytes.
    Truncate(Index),
    /// These bytes put in at this place (invalid UTF-8).
    Insert(Index, &'static [u8]),
    /// A byte-order mark before the text.
    Bom,
    /// Text after the JSON value.
    Trailing(&'static [u8]),
    /// Instead of the request: nothing, blanks, a bare scalar.
    Whole(&'static [u8]),
}

const TRAILING: &[&[u8]] = &[b" ", b"\n", b"x", b"{}", b"]", b"\x00", b"\xff"];

const WHOLE: &[&[u8]] = &[
    b"",
    b" ",
    b"\r\n",
    b"null",
    b"0",
    b"\"\"",
    b"[]",
    b"{}",
    b"[{}]",
    b"\xef\xbb\xbf{}",
    b"\xff\xfe{\x00}\x00",
];

impl ByteChange {
    pub fn apply(&self, mut bytes: Vec<u8>) -> Vec<u8> {
        match self {
            ByteChange::None => bytes,
            ByteChange::Truncate(at) => {
                bytes.truncate(at.index(bytes.len().max(1)));
                bytes
            }
            ByteChange::Insert(at, extra) => {
                let at = at.index(bytes.len() + 1);
                bytes.splice(at..at, extra.iter().copied());
                bytes
            }
            ByteChange::Bom => {
                bytes.splice(0..0, *b"\xef\xbb\xbf");
                bytes
            }
            ByteChange::Trailing(extra) => {
                bytes.extend_from_slice(extra);
                bytes
            }
            ByteChange::Whole(b) => b.to_vec(),
        }
    }
}

/// Byte changes; with `utf8_only`, none that makes the text invalid UTF-8 (a WebSocket text
/// frame must be UTF-8: the protocol closes the connection on one that is not).
pub fn byte_change(utf8_only: bool) -> BoxedStrategy<ByteChange> {
    if utf8_only {
        prop_oneof![
            20 => Just(ByteChange::None),
            1 => Just(ByteChange::Bom),
            1 => proptest::sample::select(&TRAILING[..5]).prop_map(ByteChange::Trailing),
            1 => proptest::sample::select(&WHOLE[..10]).prop_map(ByteChange::Whole),
        ]
        .boxed()
    } else {
        prop_oneof![
            12 => Just(ByteChange::None),
            2 => any::<Index>().prop_map(ByteChange::Truncate),
            3 => (any::<Index>(), proptest::sample::select(BAD_UTF8))
                .prop_map(|(at, b)| ByteChange::Insert(at, b)),
            1 => Just(ByteChange::Bom),
            1 => proptest::sample::select(TRAILING).prop_map(ByteChange::Trailing),
            1 => proptest::sample::select(WHOLE).prop_map(ByteChange::Whole),
        ]
        .boxed()
    }
}

/// A request of a face: which valid one it started from, what was done to it, its bytes.
#[derive(Clone)]
pub struct Hostile {
    pub base: &'static str,
    pub mutations: Vec<Mutation>,
    pub bytes_change: ByteChange,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Hostile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "from «{}», {:?}, {:?}:\n    {}",
            self.base,
            self.mutations,
            self.bytes_change,
            preview(&self.bytes)
        )
    }
}

/// A valid request of `bases` (by name), 0 to `max_mutations` mutations of it, then a byte
/// change. `field_names` are the names an added member may have.
pub fn hostile(
    bases: Vec<(&'static str, Value)>,
    field_names: &'static [&'static str],
    max_mutations: usize,
    invalid_utf8: bool,
) -> BoxedStrategy<Hostile> {
    let flavor = Flavor {
        invalid_utf8,
        broken: true,
    };
    hostile_with(
        bases,
        field_names,
        max_mutations,
        flavor,
        byte_change(!invalid_utf8),
    )
}

/// As `hostile`, in JSON that parses (valid UTF-8, no broken text, shallow nesting) and with
/// the bytes left as the tree writes them: elements of a batch, which would otherwise make
/// nearly every batch a parse error.
pub fn hostile_tree(
    bases: Vec<(&'static str, Value)>,
    field_names: &'static [&'static str],
    max_mutations: usize,
) -> BoxedStrategy<Hostile> {
    let flavor = Flavor {
        invalid_utf8: false,
        broken: false,
    };
    hostile_with(
        bases,
        field_names,
        max_mutations,
        flavor,
        Just(ByteChange::None).boxed(),
    )
}

fn hostile_with(
    bases: Vec<(&'static str, Value)>,
    field_names: &'static [&'static str],
    max_mutations: usize,
    flavor: Flavor,
    bytes: BoxedStrategy<ByteChange>,
) -> BoxedStrategy<Hostile> {
    (
        proptest::sample::select(bases),
        proptest::collection::vec(mutation(flavor), 0..=max_mutations),
        bytes,
    )
        .prop_map(move |((base, value), mutations, bytes_change)| {
            let mut tree = J::from_value(&value);
            for m in &mutations {
                m.apply(&mut tree, field_names);
            }
            let bytes = bytes_change.apply(tree.render());
            Hostile {
                base,
                mutations,
                bytes_change,
                bytes,
            }
        })
        .boxed()
}

/// The journal's tables a request adds rows to, counted, to prove that a refused request added
/// none (`host/src/journal/mod.rs`). `replies` is left out: a WebSocket `pay` with a request id
/// is journaled as begun before it runs, by design (docs/websocket.md, idempotency).
pub const JOURNAL_TABLES: &[&str] = &[
    "documents",
    "payments",
    "intents",
    "shift_events",
    "receipt_codes",
    "printouts",
];

/// The running host's journal, read beside it (WAL: a reader sees every commit made so far,
/// and the host commits what a reply reports before it replies).
pub struct JournalRows {
    connection: rusqlite::Connection,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rows(pub [i64; 6]);

impl fmt::Display for Rows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = JOURNAL_TABLES
            .iter()
            .zip(self.0)
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        f.write_str(&parts.join(", "))
    }
}

impl JournalRows {
    pub fn open(data_dir: &Path) -> Self {
        let connection = rusqlite::Connection::open_with_flags(
            data_dir.join("journal.sqlite"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("the host's journal");
        Self { connection }
    }

    pub fn count(&self) -> Rows {
        let mut rows = [0; 6];
        for (n, table) in rows.iter_mut().zip(JOURNAL_TABLES) {
            *n = self
                .connection
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
                .unwrap_or_else(|e| panic!("counting {table}: {e}"));
        }
        Rows(rows)
    }
}
