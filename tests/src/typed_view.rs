//! The typed view of a decoded value: its `Debug` output re-laid out for review. It keeps what the generator
//! decides — type names, enum variants, `Unknown(..)` catch-alls, members that decoded to `None` — and
//! shortens what the spec's examples already hold verbatim (long strings, long lists of numbers).
//!
//! Members the JSON document lacks and the value leaves empty (`None`, `[]`, `{}`) are left out, so that
//! adding a member to a type does not touch the view of every example without it; a member the document
//! has (`"usage": null`) shows what it decoded to, and so does a member the document lacks but the type
//! fills in. A value stays on one line when it fits in [`WIDTH`] columns; otherwise each item takes a line,
//! and a wrapper of one item (`Some(Parts([`) opens on its owner's line.

use std::fmt;

use serde_json::Value;

/// The widest line the view writes, indentation included (a single long item may exceed it).
pub const WIDTH: usize = 100;
/// Strings longer than this many characters are cut to [`KEEP_CHARS`], with their length.
const LONG_STRING: usize = 80;
const KEEP_CHARS: usize = 60;
/// Lists of more than this many plain items (numbers, strings) show the first [`KEEP_ITEMS`], with their count.
const LONG_LIST: usize = 8;
const KEEP_ITEMS: usize = 4;

/// `Debug` output that is not in the form `#[derive(Debug)]` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the `Debug` text.
    pub offset: usize,
    /// What was expected there.
    pub expected: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Debug output: expected {} at byte {}", self.expected, self.offset)
    }
}

impl std::error::Error for ParseError {}

/// The typed view of `value`, whose generated type is `rust_name`, decoded from `json`. A value whose `Debug`
/// output does not start with the type's name (an enum's variant) is prefixed with it:
/// `FinishReason::Unknown("halt")`.
pub fn typed_view<T: fmt::Debug>(rust_name: &str, value: &T, json: &Value) -> Result<String, ParseError> {
    let node = prune(parse(&format!("{value:?}"))?, Some(json));
    let qualified = match &node {
        Node::Named { name, .. } | Node::Atom(name) if name == rust_name => node,
        _ => Node::Named {
            name: format!("{rust_name}::"),
            body: Body::Inline(Box::new(node)),
        },
    };
    let mut out = String::new();
    render(&qualified, 0, &mut out);
    Ok(out)
}

/// A value in the `Debug` grammar of derived impls (and of `serde_json::Value`, `Option`, `Vec`, maps).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// A number, `true`, `None`, a unit variant, a string or char literal, or other plain text.
    Atom(String),
    /// `Name { … }`, `Name(…)`, `Name […]` (`serde_json`'s `Array [..]`), or a prefix glued to one item.
    Named { name: String, body: Body },
    /// `[a, b]`.
    List(Vec<Node>),
    /// `{"k": v}`.
    Map(Vec<(String, Node)>),
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Fields(Vec<(String, Node)>),
    Tuple(Vec<Node>),
    List(Vec<Node>),
    /// The name is a prefix written right before the item (`FinishReason::` before a variant).
    Inline(Box<Node>),
}

// ---- parsing -------------------------------------------------------------------------------------------

fn parse(text: &str) -> Result<Node, ParseError> {
    let mut parser = Parser { text, at: 0 };
    let node = parser.value()?;
    parser.skip_space();
    if parser.at != text.len() {
        return Err(parser.error("the end"));
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl Parser<'_> {
    fn error(&self, expected: &'static str) -> ParseError {
        ParseError {
            offset: self.at,
            expected,
        }
    }

    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn skip_space(&mut self) {
        let rest = &self.text[self.at..];
        self.at += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.peek() == Some(c) {
            self.at += c.len_utf8();
            true
        } else {
            false
        }
    }

    fn value(&mut self) -> Result<Node, ParseError> {
        self.skip_space();
        match self.peek() {
            None => Err(self.error("a value")),
            Some(quote @ ('"' | '\'')) => self.literal(quote).map(Node::Atom),
            Some('[') => self.items(']').map(Node::List),
            Some('{') => self.entries().map(Node::Map),
            Some(_) => {
                let name = self.plain()?;
                self.skip_space();
                let body = match self.peek() {
                    Some('{') => Body::Fields(self.entries()?),
                    Some('(') => Body::Tuple(self.items(')')?),
                    Some('[') => Body::List(self.items(']')?),
                    _ => return Ok(Node::Atom(name)),
                };
                Ok(Node::Named { name, body })
            }
        }
    }

    /// A string or char literal, escapes included, as written.
    fn literal(&mut self, quote: char) -> Result<String, ParseError> {
        let start = self.at;
        let mut chars = self.text[start + 1..].char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '\\' => {
                    chars.next();
                }
                c if c == quote => {
                    self.at = start + 1 + offset + 1;
                    return Ok(self.text[start..self.at].to_owned());
                }
                _ => {}
            }
        }
        Err(self.error("the end of a literal"))
    }

    /// Plain text up to a delimiter: `Stop`, `-1.5e-7`, `12 bytes` (a custom `Debug` may print spaces).
    fn plain(&mut self) -> Result<String, ParseError> {
        let rest = &self.text[self.at..];
        let end = rest
            .find([',', ':', '(', ')', '[', ']', '{', '}', '"'])
            .unwrap_or(rest.len());
        let plain = rest[..end].trim_end();
        if plain.is_empty() {
            return Err(self.error("a value"));
        }
        self.at += plain.len();
        Ok(plain.to_owned())
    }

    /// `open item, item close` (a trailing comma allowed).
    fn items(&mut self, close: char) -> Result<Vec<Node>, ParseError> {
        self.at += 1; // the opening bracket
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(self.value()?);
            if !self.eat(',') {
                return if self.eat(close) {
                    Ok(items)
                } else {
                    Err(self.error("`,` or a closing bracket"))
                };
            }
        }
    }

    /// `{ key: value, … }`: struct fields (`name: v`) or map entries (`"key": v`).
    fn entries(&mut self) -> Result<Vec<(String, Node)>, ParseError> {
        self.at += 1; // `{`
        let mut entries = Vec::new();
        loop {
            if self.eat('}') {
                return Ok(entries);
            }
            self.skip_space();
            let key = match self.peek() {
                Some(quote @ ('"' | '\'')) => self.literal(quote)?,
                _ => self.plain()?,
            };
            if !self.eat(':') {
                return Err(self.error("`:` after a key"));
            }
            entries.push((key, self.value()?));
            if !self.eat(',') {
                return if self.eat('}') {
                    Ok(entries)
                } else {
                    Err(self.error("`,` or `}`"))
                };
            }
        }
    }
}

// ---- pruning -------------------------------------------------------------------------------------------

/// Whether a member's value is empty: `None`, `[]`, `{}`.
fn is_empty(node: &Node) -> bool {
    match node {
        Node::Atom(atom) => atom == "None",
        Node::List(items) => items.is_empty(),
        Node::Map(entries) => entries.is_empty(),
        _ => false,
    }
}

/// A member name as its spellings agree on it: `inline_data` and `inlineData`, `r#type`, `type_` and `type`
/// compare equal.
fn member_key(name: &str) -> String {
    name.strip_prefix("r#")
        .unwrap_or(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Drops the struct members that `json`, the document the node was decoded from, lacks and that are empty;
/// descends through wrappers (`Some`, union variants) into the same document. Without a document (`None`)
/// every member stays.
fn prune(node: Node, json: Option<&Value>) -> Node {
    match node {
        Node::Atom(_) => node,
        Node::List(items) => Node::List(prune_items(items, json)),
        Node::Map(entries) => {
            let object = json.and_then(Value::as_object);
            let member = |key: &str| {
                object.and_then(|object| {
                    object
                        .iter()
                        .find(|(name, _)| format!("{name:?}") == key)
                        .map(|(_, v)| v)
                })
            };
            Node::Map(
                entries
                    .into_iter()
                    .map(|(key, value)| {
                        let value = prune(value, member(&key));
                        (key, value)
                    })
                    .collect(),
            )
        }
        Node::Named { name, body } => {
            let body = match body {
                Body::Fields(fields) => Body::Fields(prune_fields(fields, json.and_then(Value::as_object))),
                // `Some(x)`, `Text(ChatContentPartText { .. })`: the item was decoded from the same document.
                Body::Tuple(mut items) if items.len() == 1 => Body::Tuple(vec![prune(items.remove(0), json)]),
                Body::Tuple(items) => Body::Tuple(items.into_iter().map(|item| prune(item, None)).collect()),
                Body::List(items) => Body::List(prune_items(items, json)),
                Body::Inline(item) => Body::Inline(Box::new(prune(*item, json))),
            };
            Node::Named { name, body }
        }
    }
}

fn prune_fields(fields: Vec<(String, Node)>, object: Option<&serde_json::Map<String, Value>>) -> Vec<(String, Node)> {
    let Some(object) = object else {
        return fields
            .into_iter()
            .map(|(key, value)| (key, prune(value, None)))
            .collect();
    };
    fields
        .into_iter()
        .filter_map(|(key, value)| {
            let wanted = member_key(&key);
            let member = object
                .iter()
                .find(|(name, _)| member_key(name) == wanted)
                .map(|(_, member)| member);
            if member.is_none() && is_empty(&value) {
                return None;
            }
            Some((key, prune(value, member)))
        })
        .collect()
}

fn prune_items(items: Vec<Node>, json: Option<&Value>) -> Vec<Node> {
    let array = json.and_then(Value::as_array);
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| prune(item, array.and_then(|array| array.get(index))))
        .collect()
}

// ---- rendering -----------------------------------------------------------------------------------------

fn is_plain(node: &Node) -> bool {
    match node {
        Node::Atom(_) => true,
        // `String("…")`, `Number(1)`: serde_json's scalar values.
        Node::Named {
            body: Body::Tuple(items),
            ..
        } => items.len() == 1 && matches!(items[0], Node::Atom(_)),
        _ => false,
    }
}

/// A literal cut to its first characters, with its length: `"Lorem ipsum…" (812 chars)`.
fn shorten(literal: &str) -> String {
    let Some(inner) = literal.strip_prefix('"').and_then(|rest| rest.strip_suffix('"')) else {
        return literal.to_owned();
    };
    // Escapes (`\n`, `\"`, `\u{1f3c3}`) count as one character and are never cut.
    let mut units: Vec<&str> = Vec::new();
    let mut rest = inner;
    while let Some(c) = rest.chars().next() {
        let len = match (c, rest[c.len_utf8()..].chars().next()) {
            ('\\', Some('u')) => rest.find('}').map_or(rest.len(), |close| close + 1),
            ('\\', Some(escaped)) => 1 + escaped.len_utf8(),
            _ => c.len_utf8(),
        };
        units.push(&rest[..len]);
        rest = &rest[len..];
    }
    if units.len() <= LONG_STRING {
        return literal.to_owned();
    }
    format!("\"{}…\" ({} chars)", units[..KEEP_CHARS].concat(), units.len())
}

/// The one-line form of `node`.
fn inline(node: &Node) -> String {
    match node {
        Node::Atom(atom) => shorten(atom),
        Node::List(items) => format!("[{}]", inline_items(items)),
        Node::Map(entries) => format!("{{{}}}", inline_entries(entries)),
        Node::Named { name, body } => match body {
            Body::Fields(fields) if fields.is_empty() => format!("{name} {{}}"),
            Body::Fields(fields) => format!("{name} {{ {} }}", inline_entries(fields)),
            Body::Tuple(items) => format!("{name}({})", inline_items(items)),
            Body::List(items) => format!("{name} [{}]", inline_items(items)),
            Body::Inline(item) => format!("{name}{}", inline(item)),
        },
    }
}

/// Long lists of plain items keep their first few.
fn shown(items: &[Node]) -> (&[Node], Option<usize>) {
    if items.len() > LONG_LIST && items.iter().all(is_plain) {
        (&items[..KEEP_ITEMS], Some(items.len()))
    } else {
        (items, None)
    }
}

fn inline_items(items: &[Node]) -> String {
    let (items, total) = shown(items);
    let mut out: Vec<String> = items.iter().map(inline).collect();
    if let Some(total) = total {
        out.push(format!("… ({total} items)"));
    }
    out.join(", ")
}

fn inline_entries(entries: &[(String, Node)]) -> String {
    let entries: Vec<String> = entries
        .iter()
        .map(|(key, value)| format!("{}: {}", shorten(key), inline(value)))
        .collect();
    entries.join(", ")
}

/// Appends `node` at the end of `out`, whose last line is indented by `indent`.
fn render(node: &Node, indent: usize, out: &mut String) {
    let column = out[out.rfind('\n').map_or(0, |newline| newline + 1)..].chars().count();
    let line = inline(node);
    if column + line.chars().count() <= WIDTH || matches!(node, Node::Atom(_)) {
        out.push_str(&line);
        return;
    }
    match node {
        Node::Atom(_) => out.push_str(&line),
        Node::List(items) => block('[', ']', &list_lines(items), indent, out),
        Node::Map(entries) => block('{', '}', &entry_lines(entries), indent, out),
        Node::Named { name, body } => {
            out.push_str(name);
            match body {
                Body::Inline(item) => render(item, indent, out),
                // `Some(Parts([` … `]))`: a single item opens on its owner's line.
                Body::Tuple(items) if items.len() == 1 => {
                    out.push('(');
                    render(&items[0], indent, out);
                    out.push(')');
                }
                Body::Tuple(items) => block('(', ')', &list_lines(items), indent, out),
                Body::List(items) => {
                    out.push(' ');
                    block('[', ']', &list_lines(items), indent, out);
                }
                Body::Fields(fields) => {
                    out.push(' ');
                    block('{', '}', &entry_lines(fields), indent, out);
                }
            }
        }
    }
}

/// A line of a block: an optional key and a value.
type Line<'a> = (Option<&'a str>, Option<&'a Node>, Option<usize>);

fn list_lines(items: &[Node]) -> Vec<Line<'_>> {
    let (shown, total) = shown(items);
    let mut lines: Vec<Line<'_>> = shown.iter().map(|item| (None, Some(item), None)).collect();
    if total.is_some() {
        lines.push((None, None, total));
    }
    lines
}

fn entry_lines(entries: &[(String, Node)]) -> Vec<Line<'_>> {
    entries
        .iter()
        .map(|(key, value)| (Some(key.as_str()), Some(value), None))
        .collect()
}

fn block(open: char, close: char, lines: &[Line<'_>], indent: usize, out: &mut String) {
    out.push(open);
    let inner = indent + 4;
    for (key, value, total) in lines {
        out.push('\n');
        out.extend(std::iter::repeat_n(' ', inner));
        if let Some(key) = key {
            out.push_str(&shorten(key));
            out.push_str(": ");
        }
        if let Some(value) = value {
            render(value, inner, out);
            out.push(',');
        }
        if let Some(total) = total {
            out.push_str(&format!("… ({total} items)"));
        }
    }
    out.push('\n');
    out.extend(std::iter::repeat_n(' ', indent));
    out.push(close);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[derive(Debug)]
    #[allow(dead_code)] // read through Debug only
    enum Reason {
        Stop,
        Unknown(String),
    }

    #[derive(Debug)]
    #[allow(dead_code)]
    struct Choice {
        index: i64,
        finish_reason: Option<Reason>,
        logprobs: Option<f64>,
        r#type: Option<String>,
        inline_data: Vec<u8>,
        tools: Vec<u8>,
        kind: String,
    }

    fn choice() -> Choice {
        Choice {
            index: 0,
            finish_reason: Some(Reason::Unknown("halt".into())),
            logprobs: None,
            r#type: None,
            inline_data: Vec::new(),
            tools: Vec::new(),
            kind: "filled in".into(),
        }
    }

    #[test]
    fn members_the_document_lacks_and_the_value_leaves_empty_are_left_out() {
        let json = json!({"index": 0, "finish_reason": "halt", "logprobs": null, "type": null, "inlineData": []});
        assert_eq!(
            typed_view("Choice", &choice(), &json).unwrap(),
            "Choice {\n    index: 0,\n    finish_reason: Some(Unknown(\"halt\")),\n    logprobs: None,\n    type: None,\n    \
             inline_data: [],\n    kind: \"filled in\",\n}"
        );
        let view = typed_view("Choice", &choice(), &json!({"index": 0, "finish_reason": "halt"})).unwrap();
        assert_eq!(
            view,
            "Choice { index: 0, finish_reason: Some(Unknown(\"halt\")), kind: \"filled in\" }"
        );
    }

    #[test]
    fn enums_are_named_by_their_type() {
        assert_eq!(
            typed_view("Reason", &Reason::Stop, &json!("stop")).unwrap(),
            "Reason::Stop"
        );
        assert_eq!(
            typed_view("Reason", &Reason::Unknown("x".into()), &json!("x")).unwrap(),
            "Reason::Unknown(\"x\")"
        );
    }

    #[test]
    fn members_inside_wrappers_and_lists_are_matched_to_their_document() {
        let value = Some(vec![choice(), choice()]);
        let json = json!([{"logprobs": null}, {"tools": []}]);
        let view = typed_view("Choices", &value, &json).unwrap();
        assert_eq!(
            view,
            "Choices::Some([\n    Choice { index: 0, finish_reason: Some(Unknown(\"halt\")), logprobs: None, kind: \"filled in\" },\n    \
             Choice { index: 0, finish_reason: Some(Unknown(\"halt\")), tools: [], kind: \"filled in\" },\n])"
        );
    }

    #[test]
    fn long_strings_and_number_lists_are_shortened_escapes_whole() {
        let text = format!("{}\n{}", "a".repeat(59), "b".repeat(100));
        let view = typed_view("String", &text, &json!(text)).unwrap();
        assert_eq!(view, format!("String::\"{}\\n…\" (160 chars)", "a".repeat(59)));
        let invisible = format!("{}\u{200b}{}", "a".repeat(59), "b".repeat(100));
        assert!(
            typed_view("S", &invisible, &json!(invisible))
                .unwrap()
                .ends_with("\\u{200b}…\" (160 chars)")
        );
        let chinese = "进度".repeat(50);
        assert_eq!(
            typed_view("S", &chinese, &json!(chinese)).unwrap(),
            format!("S::\"{}…\" (100 chars)", "进度".repeat(30))
        );
        let numbers: Vec<f64> = (0..1536).map(|i| f64::from(i) / 4.0).collect();
        assert_eq!(
            typed_view("Embedding", &numbers, &json!(numbers)).unwrap(),
            "Embedding::[0.0, 0.25, 0.5, 0.75, … (1536 items)]"
        );
        assert_eq!(
            typed_view("V", &vec![1, 2, 3], &json!([1, 2, 3])).unwrap(),
            "V::[1, 2, 3]"
        );
    }

    #[test]
    fn serde_json_values_and_custom_debug_text_parse() {
        let value = json!({"type": "object", "properties": {"a": [1, true, null]}});
        assert_eq!(
            typed_view("Schema", &value, &value).unwrap(),
            "Schema::Object {\n    \"type\": String(\"object\"),\n    \
             \"properties\": Object { \"a\": Array [Number(1), Bool(true), Null] },\n}"
        );
        struct Upload;
        impl fmt::Debug for Upload {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.debug_struct("Upload")
                    .field("bytes", &format_args!("12 bytes"))
                    .finish()
            }
        }
        assert_eq!(
            typed_view("Upload", &Upload, &json!("@a.png")).unwrap(),
            "Upload { bytes: 12 bytes }"
        );
    }

    #[test]
    fn wide_values_break_one_item_per_line_and_wrappers_open_on_their_owner() {
        let x = "x".repeat(30);
        let parts: Vec<Option<String>> = (0..3).map(|i| Some(format!("part number {i} {x}"))).collect();
        let view = typed_view("Parts", &Some(parts.clone()), &json!(parts)).unwrap();
        assert_eq!(
            view,
            format!(
                "Parts::Some([\n    Some(\"part number 0 {x}\"),\n    Some(\"part number 1 {x}\"),\n    \
                 Some(\"part number 2 {x}\"),\n])"
            )
        );
        assert!(view.lines().all(|line| line.chars().count() <= WIDTH));
        let long: Vec<String> = (0..20).map(|i| format!("{i}")).collect();
        let view = typed_view(
            "L",
            &vec![long.clone(), long.clone(), long.clone(), long.clone()],
            &json!(null),
        )
        .unwrap();
        assert!(
            view.contains("\n    [\"0\", \"1\", \"2\", \"3\", … (20 items)],\n"),
            "{view}"
        );
    }

    #[test]
    fn odd_debug_text_is_an_error_with_its_offset() {
        assert_eq!(
            parse("Name { a: 1"),
            Err(ParseError {
                offset: 11,
                expected: "`,` or `}`"
            })
        );
        assert_eq!(
            parse("\"open"),
            Err(ParseError {
                offset: 0,
                expected: "the end of a literal"
            })
        );
        assert!(parse("[1, 2] x").is_err());
        assert!(parse("").is_err());
        assert!(parse("{\"k\" 1}").is_err());
    }
}
