//! HCL version 1 (and HCL1's lenient JSON dialect) parser that keeps source positions.
//!
//! Vault and OpenBao read server configs with `github.com/hashicorp/hcl` v1 (OpenBao 2.7
//! ships the `v1.0.1-vault-7` fork), which picks JSON when the first non-space character is
//! `{`. HCL2 parsers reject much of what HCL1 accepts, so this module re-implements HCL1's
//! scanners and parsers rule for rule. Doubtful cases were settled against
//! `bao operator validate-config` of OpenBao 2.7.2; the unit tests record them.
//!
//! Deliberate differences from HCL1, all on inputs nobody writes on purpose:
//! - values that HCL1 only rejects when a known key decodes them (integers out of the i64
//!   range, malformed floats such as `1e`, string escapes such as `\777` or JSON surrogate
//!   escapes) are rejected here whatever key holds them;
//! - a UTF-8 byte order mark is skipped (bao fails with "illegal char" at 1:1);
//! - nesting deeper than [`MAX_DEPTH`] is an error rather than unbounded recursion; the keys
//!   of an item after the first count as levels (`a b {}` is `a { b {} }`), so an item
//!   with 16,000 keys is an error too;
//! - invalid UTF-8 is rejected even in JSON text that HCL1 would stop before reading;
//! - identifier letters follow Unicode 14 (Go uses a newer table; only new scripts differ).
//!
//! The AST keeps every item in source order, duplicates and repeated blocks included; JSON
//! members are items with one quoted key and `assign = true` (HCL1's JSON "flattening" of
//! `{"listener": {"tcp": {..}}}` into blocks is left to the caller).

use serde::Serialize;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Deepest nesting of objects and lists accepted; deeper input is a [`ParseError`].
pub const MAX_DEPTH: usize = 128;

/// The most items (attributes and blocks, at every level) one document may hold. Real server
/// configs and policies hold hundreds; every rule's work grows with the items, so a hostile
/// file of a million `a = 1` lines would otherwise keep the scan busy for minutes.
pub const MAX_ITEMS: usize = 20_000;

/// A source position: 1-based line and column (characters, a tab counts 1) and the byte
/// offset into the text given to [`parse`] (a skipped BOM and `\r` of CRLF included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
}

/// A value. `Null` only comes from JSON `null` (which Vault decodes as `""`).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    List(Vec<Node>),
    Object(Body),
    Null,
}

/// A value and where it starts (the `{` / `[` for objects and lists).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

/// One key of an item: the name (unescaped if it was quoted) and its position.
#[derive(Debug, Clone, PartialEq)]
pub struct Key {
    pub name: String,
    pub quoted: bool,
    pub pos: Pos,
}

/// `k = v`, JSON `"k": v` (`assign = true`), or a block `k "label" { ... }` (`assign = false`).
/// `pos` is the position of the first key.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub keys: Vec<Key>,
    pub assign: bool,
    pub value: Node,
    pub pos: Pos,
}

/// The items of a file or of an object, in source order. `pos` is the `{` (1:1 for a file).
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub items: Vec<Item>,
    pub pos: Pos,
}

/// A syntax error. Messages name token kinds or a single character, never source text,
/// because config values can be secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ParseError {
    pub line: u32,
    pub column: u32,
    pub offset: usize,
    pub message: String,
}

/// Which grammar to read the text with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Hcl,
    Json,
}

/// The grammar HCL1 would choose: JSON when the first non-whitespace character is `{`.
pub fn detect_syntax(src: &str) -> Syntax {
    // Go's unicode.IsSpace and Rust's char::is_whitespace are the same White_Space set.
    match src.chars().find(|c| !c.is_whitespace()) {
        Some('{') => Syntax::Json,
        _ => Syntax::Hcl,
    }
}

/// Parses a config, choosing HCL or JSON as HCL1 does. A leading BOM is skipped.
pub fn parse(src: &str) -> Result<Body, ParseError> {
    let (base, text) = strip_bom(src);
    parse_text(text, base, detect_syntax(text))
}

/// Parses a config with the given grammar. A leading BOM is skipped.
pub fn parse_as(src: &str, syntax: Syntax) -> Result<Body, ParseError> {
    let (base, text) = strip_bom(src);
    parse_text(text, base, syntax)
}

/// Parses raw file bytes; text that is not UTF-8 is a [`ParseError`] at the first bad byte.
pub fn parse_bytes(src: &[u8]) -> Result<Body, ParseError> {
    match std::str::from_utf8(src) {
        Ok(text) => parse(text),
        Err(err) => {
            let valid = src.get(..err.valid_up_to()).unwrap_or_default();
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let (base, prefix) = strip_bom(prefix);
            let (line, column) = line_col(prefix, prefix.len());
            Err(ParseError {
                line,
                column,
                offset: base + prefix.len(),
                message: "the file is not valid UTF-8 text".to_string(),
            })
        }
    }
}

fn strip_bom(src: &str) -> (usize, &str) {
    match src.strip_prefix('\u{feff}') {
        Some(rest) => ('\u{feff}'.len_utf8(), rest),
        None => (0, src),
    }
}

fn parse_text(text: &str, base: usize, syntax: Syntax) -> Result<Body, ParseError> {
    let json = syntax == Syntax::Json;
    // HCL1's HCL parser turns every "\r\n" into "\n" before scanning (its JSON parser
    // does not); heredoc values and the "\r\r\n" corner depend on it.
    let src = Source::new(text, base, !json);
    let start = Pos {
        line: 1,
        column: 1,
        offset: base,
    };
    if !json {
        // HCL1 fails on these characters wherever they are, comments included, and a
        // successful HCL parse reads every character, so checking up front is exact.
        let nul = src.text.find('\0');
        let reserved = src.text.find('\u{E123}');
        if let Some(off) = nul.into_iter().chain(reserved).min() {
            let (line, col) = line_col(&src.text, off);
            let message = if src.text.get(off..).is_some_and(|s| s.starts_with('\0')) {
                "unexpected NUL character (0x00)"
            } else {
                "the code point U+E123 is reserved by HCL1 and not allowed"
            };
            return Err(src.error(&Fail {
                at: At { off, line, col },
                msg: message.to_string(),
            }));
        }
    }
    let mut p = Parser {
        src: &src,
        sc: Scanner::new(&src.text),
        tok: Token {
            kind: Tk::Eof,
            start: 0,
            end: 0,
            line: 1,
            col: 1,
        },
        buffered: false,
        depth: 0,
        items: 0,
        json,
        pending: Vec::new(),
    };
    let items = if json { p.json_file() } else { p.hcl_file() };
    match items {
        Ok(items) => match p.pending.first() {
            Some(fail) => Err(src.error(fail)),
            None => Ok(Body { items, pos: start }),
        },
        Err(Stop::Error(fail)) | Err(Stop::Fatal(fail)) => Err(src.error(&fail)),
        Err(Stop::Eof) => Err(src.error(&Fail {
            at: p.tok.at(),
            msg: "unexpected end of file".to_string(),
        })),
    }
}

/// 1-based line and column of byte offset `off` in `text`.
fn line_col(text: &str, off: usize) -> (u32, u32) {
    let before = text.get(..off).unwrap_or(text);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (to_u32(line), to_u32(col))
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The text the scanner reads, and how to map its offsets back to the caller's text.
struct Source<'a> {
    text: Cow<'a, str>,
    /// Bytes skipped in front (a BOM).
    base: usize,
    /// Offsets (in `text`) of each '\n' whose '\r' was removed, ascending.
    crlf: Vec<usize>,
}

impl<'a> Source<'a> {
    fn new(text: &'a str, base: usize, normalize: bool) -> Self {
        if !normalize || !text.contains("\r\n") {
            return Source {
                text: Cow::Borrowed(text),
                base,
                crlf: Vec::new(),
            };
        }
        // One left-to-right pass like Go's bytes.Replace, so "\r\r\n" keeps one '\r'.
        let mut out = String::with_capacity(text.len());
        let mut crlf = Vec::new();
        let mut last = 0;
        for (i, _) in text.match_indices("\r\n") {
            out.push_str(text.get(last..i).unwrap_or_default());
            crlf.push(out.len());
            out.push('\n');
            last = i + 2;
        }
        out.push_str(text.get(last..).unwrap_or_default());
        Source {
            text: Cow::Owned(out),
            base,
            crlf,
        }
    }

    fn offset(&self, off: usize) -> usize {
        self.base + off + self.crlf.partition_point(|&j| j <= off)
    }

    fn pos(&self, at: At) -> Pos {
        Pos {
            line: at.line,
            column: at.col,
            offset: self.offset(at.off),
        }
    }

    fn error(&self, fail: &Fail) -> ParseError {
        ParseError {
            line: fail.at.line,
            column: fail.at.col,
            offset: self.offset(fail.at.off),
            message: fail.msg.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Scanner

/// Returned by `next` at the end of the text (and for a NUL, as HCL1 does).
const EOF: char = '\0';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tk {
    Eof,
    Ident,
    Number,
    Float,
    Bool,
    Str,
    Heredoc,
    Null,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    Comma,
    Period,
    Colon,
    Assign,
    Add,
    Sub,
}

fn describe(kind: Tk) -> &'static str {
    match kind {
        Tk::Eof => "end of file",
        Tk::Ident => "an identifier",
        Tk::Number | Tk::Float => "a number",
        Tk::Bool => "a boolean",
        Tk::Str => "a string",
        Tk::Heredoc => "a heredoc",
        Tk::Null => "null",
        Tk::LBrack => "'['",
        Tk::RBrack => "']'",
        Tk::LBrace => "'{'",
        Tk::RBrace => "'}'",
        Tk::Comma => "','",
        Tk::Period => "'.'",
        Tk::Colon => "':'",
        Tk::Assign => "'='",
        Tk::Add => "'+'",
        Tk::Sub => "'-'",
    }
}

/// A position in the scanned text: byte offset, line, column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct At {
    off: usize,
    line: u32,
    col: u32,
}

#[derive(Debug, Clone, Copy)]
struct Token {
    kind: Tk,
    start: usize,
    end: usize,
    line: u32,
    col: u32,
}

impl Token {
    fn at(&self) -> At {
        At {
            off: self.start,
            line: self.line,
            col: self.col,
        }
    }
}

/// An error before it is mapped to the caller's offsets.
#[derive(Debug, Clone)]
struct Fail {
    at: At,
    msg: String,
}

/// Scanner state: offset of the next character, its line, and the column of the last
/// character read on that line (0 at a line start), as Go's scanner tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Cursor {
    off: usize,
    line: u32,
    col: u32,
}

impl Cursor {
    /// Position of the character that follows the cursor.
    fn at(self) -> At {
        At {
            off: self.off,
            line: self.line,
            col: self.col.saturating_add(1),
        }
    }
}

/// A port of HCL1's two scanners (HCL and JSON) with their one-character read/unread/peek
/// discipline, because number and heredoc quirks depend on exactly which character is
/// consumed.
struct Scanner<'s> {
    text: &'s str,
    cur: Cursor,
    prev: Cursor,
    /// Reads past the end. Go's scanner moves its column on each one, which its JSON
    /// number check can see.
    eof_reads: usize,
}

#[inline]
fn is_ws(ch: char) -> bool {
    matches!(ch, ' ' | '\t' | '\n' | '\r')
}

fn in_table(c: char, table: &[(u32, u32)]) -> bool {
    let c = c as u32;
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                Ordering::Less
            } else if lo > c {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Go's scanner `isLetter`: ASCII letters, `_`, and Unicode letters.
#[inline]
fn is_letter(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && in_table(c, LETTER_RANGES))
}

/// Go's scanner `isDigit`: ASCII and Unicode decimal digits.
#[inline]
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && in_table(c, DIGIT_RANGES))
}

fn digit_val(c: char) -> u32 {
    c.to_digit(16).unwrap_or(16)
}

/// Names a character for a message without echoing anything but that one character.
fn show_char(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("'{c}'")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

impl<'s> Scanner<'s> {
    fn new(text: &'s str) -> Self {
        let start = Cursor {
            off: 0,
            line: 1,
            col: 0,
        };
        Scanner {
            text,
            cur: start,
            prev: start,
            eof_reads: 0,
        }
    }

    #[inline]
    fn char_at(&self, off: usize) -> Option<char> {
        let b = *self.text.as_bytes().get(off)?;
        if b.is_ascii() {
            return Some(char::from(b));
        }
        self.text.get(off..)?.chars().next()
    }

    /// Reads one character; EOF at the end. A NUL also reads as EOF but is consumed, which
    /// is what HCL1's JSON scanner does (HCL text with a NUL is rejected before scanning).
    #[inline]
    fn next(&mut self) -> char {
        let Some(ch) = self.char_at(self.cur.off) else {
            self.eof_reads = self.eof_reads.wrapping_add(1);
            return EOF;
        };
        self.prev = self.cur;
        self.cur.off += ch.len_utf8();
        if ch == '\n' {
            self.cur.line = self.cur.line.saturating_add(1);
            self.cur.col = 0;
        } else {
            self.cur.col = self.cur.col.saturating_add(1);
        }
        ch
    }

    #[inline]
    fn unread(&mut self) {
        self.cur = self.prev;
    }

    #[inline]
    fn peek(&self) -> char {
        self.char_at(self.cur.off).unwrap_or(EOF)
    }

    /// Consumes the run of ASCII characters (not NUL, not a line break) for which `keep`
    /// holds, exactly as that many `next` calls would. Used where such characters cannot
    /// change the scanner's state, to avoid the per-character bookkeeping.
    #[inline]
    fn skip_run(&mut self, keep: impl Fn(u8) -> bool) {
        let bytes = self.text.as_bytes();
        let start = self.cur.off;
        let mut end = start;
        while let Some(&b) = bytes.get(end) {
            if b == 0 || b == b'\n' || !b.is_ascii() || !keep(b) {
                break;
            }
            end += 1;
        }
        if end > start {
            let cols = to_u32(end - start);
            self.prev = Cursor {
                off: end - 1,
                line: self.cur.line,
                col: self.cur.col.saturating_add(cols - 1),
            };
            self.cur.off = end;
            self.cur.col = self.cur.col.saturating_add(cols);
        }
    }

    fn slice(&self, start: usize, end: usize) -> &'s str {
        self.text.get(start..end).unwrap_or_default()
    }

    fn token(&self, kind: Tk, start: Cursor) -> Token {
        let at = start.at();
        Token {
            kind,
            start: at.off,
            end: self.cur.off,
            line: at.line,
            col: at.col,
        }
    }

    fn fail(at: At, msg: impl Into<String>) -> Fail {
        Fail {
            at,
            msg: msg.into(),
        }
    }

    /// Next HCL token; comments are skipped.
    fn scan_hcl(&mut self) -> Result<Token, Fail> {
        loop {
            self.skip_run(|b| matches!(b, b' ' | b'\t' | b'\r'));
            let start = self.cur;
            let ch = self.next();
            if is_ws(ch) {
                continue;
            }
            let kind = if is_letter(ch) {
                match self.scan_identifier(start.off, true) {
                    "true" | "false" => Tk::Bool,
                    _ => Tk::Ident,
                }
            } else if ch.is_ascii_digit() {
                self.scan_number_hcl(ch, start)?
            } else {
                match ch {
                    EOF => Tk::Eof,
                    '"' => {
                        self.scan_string(start, true)?;
                        Tk::Str
                    }
                    '#' | '/' => {
                        self.scan_comment(ch, start)?;
                        continue;
                    }
                    '.' => self.scan_period(),
                    '<' => {
                        self.scan_heredoc(start)?;
                        Tk::Heredoc
                    }
                    '[' => Tk::LBrack,
                    ']' => Tk::RBrack,
                    '{' => Tk::LBrace,
                    '}' => Tk::RBrace,
                    ',' => Tk::Comma,
                    '=' => Tk::Assign,
                    '+' => Tk::Add,
                    '-' => {
                        if self.peek().is_ascii_digit() {
                            let c = self.next();
                            self.scan_number_hcl(c, start)?
                        } else {
                            Tk::Sub
                        }
                    }
                    _ => {
                        return Err(Self::fail(
                            start.at(),
                            format!("unexpected character {}", show_char(ch)),
                        ))
                    }
                }
            };
            return Ok(self.token(kind, start));
        }
    }

    /// Next token of HCL1's JSON scanner (no comments, no identifiers but true/false/null).
    fn scan_json(&mut self) -> Result<Token, Fail> {
        self.skip_run(|b| matches!(b, b' ' | b'\t' | b'\r'));
        let mut start = self.cur;
        let mut ch = self.next();
        while is_ws(ch) {
            self.skip_run(|b| matches!(b, b' ' | b'\t' | b'\r'));
            start = self.cur;
            ch = self.next();
        }
        let kind = if is_letter(ch) {
            match self.scan_identifier(start.off, false) {
                "true" | "false" => Tk::Bool,
                "null" => Tk::Null,
                _ => {
                    return Err(Self::fail(
                        start.at(),
                        "unexpected identifier: JSON allows only true, false and null unquoted",
                    ))
                }
            }
        } else if ch.is_ascii_digit() {
            self.scan_number_json(ch, start)?
        } else {
            match ch {
                EOF => Tk::Eof,
                '"' => {
                    self.scan_string(start, false)?;
                    Tk::Str
                }
                '.' => self.scan_period(),
                '[' => Tk::LBrack,
                ']' => Tk::RBrack,
                '{' => Tk::LBrace,
                '}' => Tk::RBrace,
                ',' => Tk::Comma,
                ':' => Tk::Colon,
                '-' if self.peek().is_ascii_digit() => {
                    let c = self.next();
                    self.scan_number_json(c, start)?
                }
                _ => {
                    return Err(Self::fail(
                        start.at(),
                        format!("unexpected character {}", show_char(ch)),
                    ))
                }
            }
        };
        Ok(self.token(kind, start))
    }

    fn scan_identifier(&mut self, start: usize, hcl: bool) -> &'s str {
        self.skip_run(|b| {
            b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || (hcl && b == b'.')
        });
        let mut ch = self.next();
        while is_letter(ch) || is_digit(ch) || ch == '-' || (hcl && ch == '.') {
            ch = self.next();
        }
        if ch != EOF {
            self.unread();
        }
        self.slice(start, self.cur.off)
    }

    /// After a '.': a float like `.5` or a lone period.
    fn scan_period(&mut self) -> Tk {
        let ch = self.peek();
        if ch.is_ascii_digit() {
            // As in HCL1, the exponent step re-reads the character the mantissa unread, so
            // `.5e3` scans as `.5e` followed by `3`.
            let ch = self.scan_mantissa(ch);
            self.scan_exponent(ch);
            Tk::Float
        } else {
            Tk::Period
        }
    }

    fn scan_number_hcl(&mut self, first: char, start: Cursor) -> Result<Tk, Fail> {
        if first == '0' {
            let mut ch = self.next();
            if ch == 'x' || ch == 'X' {
                ch = self.next();
                let mut found = false;
                while ch.is_ascii_hexdigit() {
                    ch = self.next();
                    found = true;
                }
                if !found {
                    return Err(Self::fail(
                        start.at(),
                        "malformed number: '0x' must be followed by hexadecimal digits",
                    ));
                }
                if ch != EOF {
                    self.unread();
                }
                return Ok(Tk::Number);
            }
            // HCL1 only flags an 8 or 9 after the second digit, e.g. `089` but not `08`
            // (which then fails to convert).
            let mut illegal_octal = false;
            while ch.is_ascii_digit() {
                ch = self.next();
                if ch == '8' || ch == '9' {
                    illegal_octal = true;
                }
            }
            if ch == 'e' || ch == 'E' {
                self.scan_exponent(ch);
                return Ok(Tk::Float);
            }
            if ch == '.' {
                ch = self.scan_fraction(ch);
                if ch == 'e' || ch == 'E' {
                    ch = self.next();
                    self.scan_exponent(ch);
                }
                return Ok(Tk::Float);
            }
            if illegal_octal {
                return Err(Self::fail(
                    start.at(),
                    "malformed number: a leading 0 makes it octal, which allows only the digits 0-7",
                ));
            }
            if ch != EOF {
                self.unread();
            }
            return Ok(Tk::Number);
        }
        self.scan_mantissa(first);
        let mut ch = self.next();
        if ch == 'e' || ch == 'E' {
            self.scan_exponent(ch);
            return Ok(Tk::Float);
        }
        if ch == '.' {
            ch = self.scan_fraction(ch);
            if ch == 'e' || ch == 'E' {
                ch = self.next();
                self.scan_exponent(ch);
            }
            return Ok(Tk::Float);
        }
        if ch != EOF {
            self.unread();
        }
        Ok(Tk::Number)
    }

    fn scan_number_json(&mut self, first: char, start: Cursor) -> Result<Tk, Fail> {
        let zero = first == '0';
        let after_first = self.cur;
        let eof_reads = self.eof_reads;
        self.scan_mantissa(first);
        let mut ch = self.next();
        if ch == 'e' || ch == 'E' {
            self.scan_exponent(ch);
            return Ok(Tk::Float);
        }
        if ch == '.' {
            ch = self.scan_fraction(ch);
            if ch == 'e' || ch == 'E' {
                ch = self.next();
                self.scan_exponent(ch);
            }
            return Ok(Tk::Float);
        }
        if ch != EOF {
            self.unread();
        }
        // HCL1 compares its scanner position before and after; a read past the end moved
        // it too, so a lone `0` that ends the text is rejected as well.
        if zero && (after_first.off != self.cur.off || eof_reads != self.eof_reads) {
            return Err(Self::fail(
                start.at(),
                "malformed number: JSON numbers cannot start with 0",
            ));
        }
        Ok(Tk::Number)
    }

    fn scan_mantissa(&mut self, mut ch: char) -> char {
        let mut scanned = false;
        while ch.is_ascii_digit() {
            ch = self.next();
            scanned = true;
        }
        if scanned && ch != EOF {
            self.unread();
        }
        ch
    }

    fn scan_fraction(&mut self, mut ch: char) -> char {
        if ch == '.' {
            ch = self.peek();
            ch = self.scan_mantissa(ch);
        }
        ch
    }

    fn scan_exponent(&mut self, mut ch: char) -> char {
        if ch == 'e' || ch == 'E' {
            ch = self.next();
            if ch == '-' || ch == '+' {
                ch = self.next();
            }
            ch = self.scan_mantissa(ch);
        }
        ch
    }

    /// A double-quoted string. In HCL a `${` opens an interpolation in which quotes and
    /// line breaks do not end the string until its braces balance.
    fn scan_string(&mut self, start: Cursor, hcl: bool) -> Result<(), Fail> {
        let mut braces: u32 = 0;
        loop {
            self.skip_run(|b| !matches!(b, b'"' | b'\\' | b'$' | b'{' | b'}'));
            let ch = self.next();
            if ch == EOF {
                return Err(Self::fail(
                    start.at(),
                    "string literal not terminated before the end of the file",
                ));
            }
            if ch == '\n' && (!hcl || braces == 0) {
                return Err(Self::fail(
                    start.at(),
                    "string literal not terminated: a quoted string cannot contain a line break",
                ));
            }
            if ch == '"' && (!hcl || braces == 0) {
                return Ok(());
            }
            if braces == 0 && ch == '$' && self.peek() == '{' {
                braces = 1;
                self.next();
            } else if braces > 0 && ch == '{' {
                braces = braces.saturating_add(1);
            }
            if braces > 0 && ch == '}' {
                braces -= 1;
            }
            if ch == '\\' {
                let at = self.prev.at();
                self.scan_escape(at)?;
            }
        }
    }

    fn scan_escape(&mut self, at: At) -> Result<(), Fail> {
        let ch = self.next();
        match ch {
            'a' | 'b' | 'f' | 'n' | 'r' | 't' | 'v' | '\\' | '"' => Ok(()),
            '0'..='7' => self.scan_digits(ch, 8, 3, at),
            'x' => {
                let c = self.next();
                self.scan_digits(c, 16, 2, at)
            }
            'u' => {
                let c = self.next();
                self.scan_digits(c, 16, 4, at)
            }
            'U' => {
                let c = self.next();
                self.scan_digits(c, 16, 8, at)
            }
            _ => Err(Self::fail(
                at,
                "invalid escape sequence in string: allowed are \\a \\b \\f \\n \\r \\t \\v \\\\ \\\" \
                 and octal (\\123), \\x, \\u and \\U escapes",
            )),
        }
    }

    fn scan_digits(&mut self, mut ch: char, base: u32, count: u32, at: At) -> Result<(), Fail> {
        let mut n = count;
        while n > 0 && digit_val(ch) < base {
            ch = self.next();
            if ch == EOF {
                break;
            }
            n -= 1;
        }
        if n > 0 {
            let what = if base == 8 {
                "3 octal digits"
            } else if count == 2 {
                "2 hexadecimal digits"
            } else if count == 4 {
                "4 hexadecimal digits"
            } else {
                "8 hexadecimal digits"
            };
            return Err(Self::fail(
                at,
                format!("invalid escape sequence in string: expected {what}"),
            ));
        }
        if n != count && ch != EOF {
            self.unread();
        }
        Ok(())
    }

    fn scan_comment(&mut self, first: char, start: Cursor) -> Result<(), Fail> {
        if first == '#' || (first == '/' && self.peek() != '*') {
            if first == '/' && self.peek() != '/' {
                return Err(Self::fail(
                    start.at(),
                    "unexpected '/': comments start with '#', '//' or '/*'",
                ));
            }
            self.skip_run(|_| true);
            let mut ch = self.next();
            while ch != '\n' && ch != EOF {
                self.skip_run(|_| true);
                ch = self.next();
            }
            if ch != EOF {
                self.unread();
            }
            return Ok(());
        }
        self.next(); // the '*'
        let mut ch = self.next();
        loop {
            if ch == EOF {
                return Err(Self::fail(
                    start.at(),
                    "comment not terminated: '/*' has no matching '*/'",
                ));
            }
            let before = ch;
            ch = self.next();
            if before == '*' && ch == '/' {
                return Ok(());
            }
        }
    }

    /// `<<ANCHOR` or `<<-ANCHOR`, a line break, then lines up to one that holds only
    /// (whitespace and) the anchor and ends with a line break of its own. As in HCL1, the
    /// closing line must be at least as long as the anchor text including the `-`, so a
    /// `<<-EOF` heredoc needs an indented closing line.
    fn scan_heredoc(&mut self, start: Cursor) -> Result<(), Fail> {
        if self.next() != '<' {
            return Err(Self::fail(
                start.at(),
                "unexpected '<': a heredoc starts with '<<'",
            ));
        }
        let anchor_start = self.cur.off;
        let mut ch = self.next();
        if ch == '-' {
            ch = self.next();
        }
        while is_letter(ch) || is_digit(ch) {
            ch = self.next();
        }
        if ch == EOF {
            return Err(Self::fail(
                start.at(),
                "heredoc not terminated before the end of the file",
            ));
        }
        if ch == '\r' && self.peek() == '\n' {
            ch = self.next();
        }
        if ch != '\n' {
            return Err(Self::fail(
                self.prev.at(),
                "invalid character in heredoc anchor: the anchor (letters and digits) must be followed by a line break",
            ));
        }
        let ident = self.slice(anchor_start, self.prev.off);
        if ident.is_empty() || ident == "-" {
            return Err(Self::fail(start.at(), "heredoc anchor is empty"));
        }
        let anchor = ident.strip_prefix('-').unwrap_or(ident);
        let mut line_start = self.cur.off;
        loop {
            let ch = self.next();
            if ch == '\n' {
                let line = self.slice(line_start, self.prev.off);
                if line.len() >= ident.len() && is_heredoc_end(line, anchor) {
                    return Ok(());
                }
                line_start = self.cur.off;
            }
            if ch == EOF {
                return Err(Self::fail(
                    start.at(),
                    "heredoc not terminated: no closing line with only its anchor \
                     (the closing line needs a line break after it, and after '<<-' it must be indented)",
                ));
            }
        }
    }
}

/// HCL1 ends a heredoc on a line matching `^[[:space:]]*ANCHOR\r*\z`.
fn is_heredoc_end(line: &str, anchor: &str) -> bool {
    let posix_space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r');
    if anchor.chars().all(|c| c == '\r') {
        // Only from a `<<\r\r\n` opener: the anchor is "\r", so the pattern is any run of
        // whitespace that ends with '\r'.
        return line.ends_with('\r') && line.chars().all(posix_space);
    }
    // The anchor starts with a letter or digit, so the leading whitespace is unambiguous.
    let rest = line.trim_start_matches(posix_space);
    rest.strip_prefix(anchor)
        .is_some_and(|tail| tail.bytes().all(|b| b == b'\r'))
}

// ---------------------------------------------------------------------------------------
// Literal values

/// Go's `strconv.ParseInt(text, 0, 64)`, which HCL1 uses for integers (`0x` hex, leading-0
/// octal).
fn go_parse_int(text: &str) -> Result<i64, String> {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let lower = digits.get(..2).map(str::to_ascii_lowercase);
    let (radix, body) = match lower.as_deref() {
        Some("0x") if digits.len() > 2 => (16, digits.get(2..).unwrap_or_default()),
        Some("0b") if digits.len() > 2 => (2, digits.get(2..).unwrap_or_default()),
        Some("0o") if digits.len() > 2 => (8, digits.get(2..).unwrap_or_default()),
        _ if digits.starts_with('0') => (8, digits.get(1..).unwrap_or_default()),
        _ => (10, digits),
    };
    if digits.is_empty() {
        return Err("malformed number".to_string());
    }
    let mut magnitude: u64 = 0;
    for c in body.chars() {
        let Some(d) = c.to_digit(radix) else {
            return Err(if radix == 8 {
                "malformed number: a leading 0 makes it octal, which allows only the digits 0-7"
                    .to_string()
            } else {
                "malformed number".to_string()
            });
        };
        magnitude = magnitude
            .checked_mul(u64::from(radix))
            .and_then(|m| m.checked_add(u64::from(d)))
            .ok_or_else(out_of_range)?;
    }
    if neg {
        0i64.checked_sub_unsigned(magnitude)
            .ok_or_else(out_of_range)
    } else {
        i64::try_from(magnitude).map_err(|_| out_of_range())
    }
}

fn out_of_range() -> String {
    "integer out of range (must fit in 64 bits, -9223372036854775808 to 9223372036854775807)"
        .to_string()
}

/// Go's `strconv.ParseFloat(text, 64)` for the texts HCL1's scanners produce.
fn go_parse_float(text: &str) -> Result<f64, String> {
    // The scanners can swallow a stray character into a float token (`1e` followed by a
    // line break), which Go then rejects; accept only well-formed decimal floats.
    let b = text.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'-' | b'+')));
    let int_digits = b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
    i += int_digits;
    let mut frac_digits = 0;
    if b.get(i) == Some(&b'.') {
        i += 1;
        frac_digits = b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
        i += frac_digits;
    }
    let mut ok = int_digits + frac_digits > 0;
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'-' | b'+')) {
            i += 1;
        }
        let exp_digits = b.iter().skip(i).take_while(|c| c.is_ascii_digit()).count();
        ok &= exp_digits > 0;
        i += exp_digits;
    }
    if !ok || i != b.len() {
        return Err("malformed number".to_string());
    }
    match text.parse::<f64>() {
        Ok(f) if f.is_finite() => Ok(f),
        Ok(_) => Err("number out of range for a 64-bit float".to_string()),
        Err(_) => Err("malformed number".to_string()),
    }
}

/// The value of a quoted string token. HCL uses HCL1's own unquote, which copies `${...}`
/// verbatim (escapes and all) and maps invalid `\u` code points to U+FFFD; JSON uses Go's
/// `strconv.Unquote`, which rejects surrogates. `\x` and octal escapes are raw bytes; a
/// result that is not UTF-8 is repaired with U+FFFD.
fn unquote(raw: &str, json: bool) -> Result<String, String> {
    let inner = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .ok_or_else(|| "malformed string".to_string())?;
    if !inner
        .bytes()
        .any(|b| matches!(b, b'\\' | b'$' | b'"' | b'\n'))
    {
        return Ok(inner.to_string());
    }
    let bad = |what: &str| format!("invalid escape sequence in string: {what}");
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(c) = rest.chars().next() {
        if !json && rest.starts_with("${") {
            out.extend_from_slice(b"${");
            rest = rest.get(2..).unwrap_or_default();
            let mut braces = 1u32;
            while braces > 0 {
                let Some(c) = rest.chars().next() else { break };
                if c == '\u{FFFD}' {
                    return Err("U+FFFD is not allowed inside ${...} in HCL1".to_string());
                }
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                rest = rest.get(c.len_utf8()..).unwrap_or_default();
                match c {
                    '{' => braces = braces.saturating_add(1),
                    '}' => braces -= 1,
                    _ => {}
                }
            }
            if braces != 0 {
                return Err("unterminated ${ in string".to_string());
            }
            continue;
        }
        if c == '\n' || c == '"' {
            return Err("malformed string".to_string());
        }
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some(e) = rest.chars().next() else {
            return Err(bad("lone backslash"));
        };
        rest = rest.get(e.len_utf8()..).unwrap_or_default();
        let simple = match e {
            'a' => Some(0x07),
            'b' => Some(0x08),
            'f' => Some(0x0C),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(0x0B),
            '\\' => Some(b'\\'),
            '"' => Some(b'"'),
            _ => None,
        };
        if let Some(byte) = simple {
            out.push(byte);
            continue;
        }
        match e {
            'x' | 'u' | 'U' => {
                let n = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let digits = rest.get(..n).ok_or_else(|| bad("too few hex digits"))?;
                let v = u32::from_str_radix(digits, 16).map_err(|_| bad("not hex digits"))?;
                rest = rest.get(n..).unwrap_or_default();
                if e == 'x' {
                    out.push(u8::try_from(v).unwrap_or(0xFF));
                    continue;
                }
                if v > 0x10FFFF {
                    return Err(bad("code point above U+10FFFF"));
                }
                let ch = match char::from_u32(v) {
                    Some(ch) => ch,
                    // Go's strconv rejects a surrogate; HCL1's own unquote encodes U+FFFD.
                    None if json => return Err(bad("surrogate code point")),
                    None => '\u{FFFD}',
                };
                let mut buf = [0u8; 4];
                out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
            }
            '0'..='7' => {
                let digits = rest.get(..2).ok_or_else(|| bad("too few octal digits"))?;
                let mut v = e.to_digit(8).unwrap_or(0);
                for d in digits.chars() {
                    v = v * 8 + d.to_digit(8).ok_or_else(|| bad("not octal digits"))?;
                }
                rest = rest.get(2..).unwrap_or_default();
                out.push(u8::try_from(v).map_err(|_| bad("octal value above \\377"))?);
            }
            _ => return Err(bad("unknown escape")),
        }
    }
    Ok(match String::from_utf8(out) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// HCL1's `unindentHeredoc`, byte for byte: the token text runs from `<<` through the line
/// break after the closing anchor. Its index arithmetic assumes the closing line is exactly
/// the anchor, so an indented closing line leaves its indentation at the end of a `<<EOF`
/// value (`"abc\n  "`), and `<<-` strips the closing line's indentation only when every
/// line starts with it.
fn heredoc_value(text: &str) -> Result<String, String> {
    let b = text.as_bytes();
    let idx = b
        .iter()
        .position(|&c| c == b'\n')
        .ok_or_else(|| "malformed heredoc".to_string())?;
    let len = b.len();
    let slice = |lo: usize, hi: usize| -> &[u8] { b.get(lo..hi).unwrap_or_default() };
    let lossy = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
    if b.get(2) != Some(&b'-') {
        return Ok(lossy(slice(idx + 1, (len + 1).saturating_sub(idx))));
    }
    let lines: Vec<&[u8]> = slice(idx + 1, (len + 2).saturating_sub(idx))
        .split(|&c| c == b'\n')
        .collect();
    let prefix = lines.last().copied().unwrap_or_default();
    if lines.iter().all(|l| l.starts_with(prefix)) {
        let mut out: Vec<u8> = Vec::with_capacity(len);
        for line in lines.iter().take(lines.len().saturating_sub(1)) {
            out.extend_from_slice(line.get(prefix.len()..).unwrap_or_default());
            out.push(b'\n');
        }
        return Ok(lossy(&out));
    }
    let raw = slice(idx + 1, (len + 1).saturating_sub(idx));
    let keep = raw
        .iter()
        .rposition(|&c| c != b' ' && c != b'\t')
        .map_or(0, |i| i + 1);
    Ok(lossy(raw.get(..keep).unwrap_or_default()))
}

// ---------------------------------------------------------------------------------------
// Parsers

/// Why a parse step stopped. `Eof` is HCL1's `errEofToken`, which ends an object list
/// quietly (so a trailing `key =` at the end of a file is dropped, as HCL1 does).
/// `Error` is a syntax error that HCL1's JSON parser ignores when it stopped on a `}`;
/// `Fatal` (scanner errors, depth) always fails.
enum Stop {
    Eof,
    Error(Fail),
    Fatal(Fail),
}

struct Parser<'s> {
    src: &'s Source<'s>,
    sc: Scanner<'s>,
    /// The last token read, as HCL1's `p.tok` (its type decides whether errors are ignored).
    tok: Token,
    /// HCL1's one-token unscan buffer.
    buffered: bool,
    depth: usize,
    /// Items parsed so far, against [`MAX_ITEMS`].
    items: usize,
    json: bool,
    /// Literals that do not convert. HCL1 only fails on them when it decodes the value, so
    /// they count only if their item survives the parse (see `truncate` calls).
    pending: Vec<Fail>,
}

impl<'s> Parser<'s> {
    fn scan(&mut self) -> Result<Token, Stop> {
        if self.buffered {
            self.buffered = false;
            return Ok(self.tok);
        }
        let tok = if self.json {
            self.sc.scan_json()
        } else {
            self.sc.scan_hcl()
        };
        self.tok = tok.map_err(Stop::Fatal)?;
        Ok(self.tok)
    }

    fn unscan(&mut self) {
        self.buffered = true;
    }

    fn error(t: &Token, msg: impl Into<String>) -> Stop {
        Stop::Error(Fail {
            at: t.at(),
            msg: msg.into(),
        })
    }

    fn pos(&self, t: &Token) -> Pos {
        self.src.pos(t.at())
    }

    fn enter(&mut self, open: &Token) -> Result<(), Stop> {
        if self.depth >= MAX_DEPTH {
            return Err(Stop::Fatal(Fail {
                at: open.at(),
                msg: format!("nesting deeper than {MAX_DEPTH} levels of objects and lists"),
            }));
        }
        self.depth += 1;
        Ok(())
    }

    fn count_item(&mut self) -> Result<(), Stop> {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(Stop::Fatal(Fail {
                at: self.tok.at(),
                msg: format!(
                    "more than {MAX_ITEMS} items (attributes and blocks): larger than any real \
                     server config or policy, so it is not judged"
                ),
            }));
        }
        Ok(())
    }

    /// A key beyond the first of an item is one more level of nesting: HCL1 reads
    /// `a b c {}` as `a { b { c {} } }`, and so does every consumer that folds the keys.
    /// Counting keys keeps a 16,000-key item from nesting 16,000 levels downstream.
    fn check_keys(&self, keys: usize, t: &Token) -> Result<(), Stop> {
        if self.depth + keys.saturating_sub(1) > MAX_DEPTH {
            return Err(Stop::Fatal(Fail {
                at: t.at(),
                msg: format!(
                    "nesting deeper than {MAX_DEPTH} levels of objects and lists \
                     (each key of a block after the first counts as a level)"
                ),
            }));
        }
        Ok(())
    }

    /// Parses an item's value with its extra keys counted as levels of nesting.
    fn with_key_levels<T>(
        &mut self,
        keys: usize,
        parse: impl FnOnce(&mut Self) -> Result<T, Stop>,
    ) -> Result<T, Stop> {
        let extra = keys.saturating_sub(1);
        self.depth += extra;
        let result = parse(self);
        self.depth -= extra;
        result
    }

    fn literal(&mut self, t: &Token) -> Node {
        let text = self.sc.slice(t.start, t.end);
        let value = match t.kind {
            Tk::Bool => Ok(Value::Bool(text == "true")),
            Tk::Number => go_parse_int(text).map(Value::Int),
            Tk::Float => go_parse_float(text).map(Value::Float),
            Tk::Str => unquote(text, self.json).map(Value::String),
            Tk::Heredoc => heredoc_value(text).map(Value::String),
            _ => Ok(Value::Null),
        };
        let value = value.unwrap_or_else(|msg| {
            self.pending.push(Fail { at: t.at(), msg });
            Value::Null
        });
        Node {
            value,
            pos: self.pos(t),
        }
    }

    fn key(&mut self, t: &Token) -> Key {
        let text = self.sc.slice(t.start, t.end);
        let quoted = t.kind == Tk::Str;
        let name = if quoted {
            unquote(text, self.json).unwrap_or_else(|msg| {
                self.pending.push(Fail { at: t.at(), msg });
                String::new()
            })
        } else {
            text.to_string()
        };
        Key {
            name,
            quoted,
            pos: self.pos(t),
        }
    }

    fn item(&mut self, keys: Vec<Key>, assign: bool, value: Node) -> Item {
        let pos = keys.first().map_or(value.pos, |k| k.pos);
        Item {
            keys,
            assign,
            value,
            pos,
        }
    }

    // --- HCL -------------------------------------------------------------------------

    fn hcl_file(&mut self) -> Result<Vec<Item>, Stop> {
        self.hcl_object_list(false)
    }

    /// Items up to end of file (top level) or up to a `}` (left unread). One optional comma
    /// may follow each item.
    fn hcl_object_list(&mut self, in_object: bool) -> Result<Vec<Item>, Stop> {
        let mut items = Vec::new();
        loop {
            if in_object {
                let t = self.scan()?;
                self.unscan();
                if t.kind == Tk::RBrace {
                    break;
                }
            }
            let mark = self.pending.len();
            match self.hcl_object_item() {
                Ok(item) => {
                    self.count_item()?;
                    items.push(item)
                }
                Err(Stop::Eof) => {
                    self.pending.truncate(mark);
                    break;
                }
                Err(e) => return Err(e),
            }
            if self.scan()?.kind != Tk::Comma {
                self.unscan();
            }
        }
        Ok(items)
    }

    fn hcl_object_item(&mut self) -> Result<Item, Stop> {
        let keys = self.hcl_object_key()?;
        let t = self.tok;
        match t.kind {
            Tk::Assign => {
                let value = self.with_key_levels(keys.len(), Self::hcl_value)?;
                Ok(self.item(keys, true, value))
            }
            _ => {
                let body = self.with_key_levels(keys.len(), |p| p.hcl_object_type(&t))?;
                let value = Node {
                    value: Value::Object(body),
                    pos: self.pos(&t),
                };
                Ok(self.item(keys, false, value))
            }
        }
    }

    /// Keys up to the `=` or `{` (which is then `self.tok`).
    fn hcl_object_key(&mut self) -> Result<Vec<Key>, Stop> {
        let mut keys = Vec::with_capacity(2);
        loop {
            let t = self.scan()?;
            match t.kind {
                Tk::Eof if keys.is_empty() => return Err(Stop::Eof),
                Tk::Assign if keys.len() > 1 => {
                    return Err(Self::error(
                        &t,
                        "unexpected '=': a key followed by labels must open a block with '{'",
                    ))
                }
                Tk::Assign if keys.is_empty() => {
                    return Err(Self::error(&t, "unexpected '=' without a key before it"))
                }
                Tk::LBrace if keys.is_empty() => {
                    return Err(Self::error(
                        &t,
                        "unexpected '{' without a block name before it",
                    ))
                }
                Tk::Assign | Tk::LBrace => return Ok(keys),
                Tk::Ident | Tk::Str => {
                    self.check_keys(keys.len() + 1, &t)?;
                    let key = self.key(&t);
                    keys.push(key);
                }
                other if keys.is_empty() => {
                    return Err(Self::error(
                        &t,
                        format!("expected a key, found {}", describe(other)),
                    ))
                }
                other => {
                    return Err(Self::error(
                        &t,
                        format!(
                            "expected '=' or '{{' after the key, found {}",
                            describe(other)
                        ),
                    ))
                }
            }
        }
    }

    fn hcl_value(&mut self) -> Result<Node, Stop> {
        let t = self.scan()?;
        match t.kind {
            Tk::Number | Tk::Float | Tk::Bool | Tk::Str | Tk::Heredoc => Ok(self.literal(&t)),
            Tk::LBrace => {
                let body = self.hcl_object_type(&t)?;
                Ok(Node {
                    value: Value::Object(body),
                    pos: self.pos(&t),
                })
            }
            Tk::LBrack => self.hcl_list(&t),
            Tk::Eof => Err(Stop::Eof),
            other => Err(Self::error(
                &t,
                format!(
                    "expected a value after '=' (string, number, bool, heredoc, '{{' or '['), found {}",
                    describe(other)
                ),
            )),
        }
    }

    fn hcl_object_type(&mut self, open: &Token) -> Result<Body, Stop> {
        self.enter(open)?;
        let result = self.hcl_object_type_inner(open);
        self.depth -= 1;
        result
    }

    fn hcl_object_type_inner(&mut self, open: &Token) -> Result<Body, Stop> {
        // The vault fork of HCL1 fails on any error inside braces (upstream v1.0.0 ignored
        // some that stopped on a '}').
        let items = self.hcl_object_list(true)?;
        let t = self.scan()?;
        if t.kind != Tk::RBrace {
            return Err(Self::error(
                &t,
                format!(
                    "expected '}}' to close the block opened at {}:{}, found {}",
                    open.line,
                    open.col,
                    describe(t.kind)
                ),
            ));
        }
        Ok(Body {
            items,
            pos: self.pos(open),
        })
    }

    fn hcl_list(&mut self, open: &Token) -> Result<Node, Stop> {
        self.enter(open)?;
        let result = self.hcl_list_inner(open);
        self.depth -= 1;
        result
    }

    /// HCL1's list rules: commas may repeat or lead (`[,1,,2,]`), but a literal or object
    /// needs a comma before the next element; a nested list does not (`[[1][2]]`).
    fn hcl_list_inner(&mut self, open: &Token) -> Result<Node, Stop> {
        let mut elems = Vec::new();
        let mut need_comma = false;
        loop {
            let t = self.scan()?;
            if need_comma && !matches!(t.kind, Tk::Comma | Tk::RBrack) {
                return Err(Self::error(
                    &t,
                    format!(
                        "expected ',' or ']' after a list element, found {}",
                        describe(t.kind)
                    ),
                ));
            }
            match t.kind {
                Tk::Bool | Tk::Number | Tk::Float | Tk::Str | Tk::Heredoc => {
                    elems.push(self.literal(&t));
                    need_comma = true;
                }
                Tk::Comma => need_comma = false,
                Tk::LBrace => {
                    let body = self.hcl_object_type(&t)?;
                    elems.push(Node {
                        value: Value::Object(body),
                        pos: self.pos(&t),
                    });
                    need_comma = true;
                }
                Tk::LBrack => elems.push(self.hcl_list(&t)?),
                Tk::RBrack => {
                    return Ok(Node {
                        value: Value::List(elems),
                        pos: self.pos(open),
                    })
                }
                Tk::Eof => {
                    return Err(Self::error(
                        &t,
                        format!(
                            "expected ']' to close the list opened at {}:{}, found end of file",
                            open.line, open.col
                        ),
                    ))
                }
                other => {
                    return Err(Self::error(
                        &t,
                        format!("unexpected {} in a list", describe(other)),
                    ))
                }
            }
        }
    }

    // --- JSON ------------------------------------------------------------------------
    //
    // HCL1's JSON parser is far more lenient than JSON: it stops at the first member not
    // followed by a comma without checking for '}' (text after the root object is never
    // read), ignores an error that stopped on a '}' (dropping that member), skips `true`,
    // `false` and nested '[' inside arrays, needs no commas between array elements, and
    // takes several strings before a ':' as several keys. All of that is reproduced.

    fn json_file(&mut self) -> Result<Vec<Item>, Stop> {
        let t = self.scan()?;
        match t.kind {
            Tk::LBrace => Ok(self.json_object_type(&t)?.items),
            Tk::Eof => Err(Self::error(&t, "empty document: expected a JSON object")),
            other => Err(Self::error(
                &t,
                format!(
                    "expected '{{' to start the JSON object, found {}",
                    describe(other)
                ),
            )),
        }
    }

    fn json_object_type(&mut self, open: &Token) -> Result<Body, Stop> {
        self.enter(open)?;
        let mut items = Vec::new();
        let result = match self.json_object_list(&mut items) {
            Ok(()) => Ok(()),
            Err(Stop::Fatal(f)) => Err(Stop::Fatal(f)),
            Err(_) if self.tok.kind == Tk::RBrace => Ok(()),
            Err(e) => Err(e),
        };
        self.depth -= 1;
        result.map(|()| Body {
            items,
            pos: self.pos(open),
        })
    }

    fn json_object_list(&mut self, items: &mut Vec<Item>) -> Result<(), Stop> {
        loop {
            let mark = self.pending.len();
            match self.json_object_item() {
                Ok(item) => {
                    self.count_item()?;
                    items.push(item)
                }
                Err(Stop::Eof) => {
                    self.pending.truncate(mark);
                    return Ok(());
                }
                Err(e) => {
                    self.pending.truncate(mark);
                    return Err(e);
                }
            }
            if self.scan()?.kind != Tk::Comma {
                return Ok(());
            }
        }
    }

    fn json_object_item(&mut self) -> Result<Item, Stop> {
        let mut keys = Vec::with_capacity(1);
        loop {
            let t = self.scan()?;
            match t.kind {
                Tk::Eof => return Err(Stop::Eof),
                Tk::Str => {
                    self.check_keys(keys.len() + 1, &t)?;
                    let key = self.key(&t);
                    keys.push(key);
                }
                Tk::Colon if keys.is_empty() => {
                    return Err(Self::error(&t, "expected a quoted key before ':'"))
                }
                Tk::Colon => break,
                other => {
                    return Err(Self::error(
                        &t,
                        format!("expected a quoted key, found {}", describe(other)),
                    ))
                }
            }
        }
        let value = self.with_key_levels(keys.len(), Self::json_value)?;
        Ok(self.item(keys, true, value))
    }

    fn json_value(&mut self) -> Result<Node, Stop> {
        let t = self.scan()?;
        match t.kind {
            Tk::Number | Tk::Float | Tk::Bool | Tk::Null | Tk::Str => Ok(self.literal(&t)),
            Tk::LBrace => {
                let body = self.json_object_type(&t)?;
                Ok(Node {
                    value: Value::Object(body),
                    pos: self.pos(&t),
                })
            }
            Tk::LBrack => self.json_list(&t),
            Tk::Eof => Err(Stop::Eof),
            other => Err(Self::error(
                &t,
                format!("expected a value after ':', found {}", describe(other)),
            )),
        }
    }

    fn json_list(&mut self, open: &Token) -> Result<Node, Stop> {
        let mut elems = Vec::new();
        loop {
            let t = self.scan()?;
            match t.kind {
                Tk::Number | Tk::Float | Tk::Str => elems.push(self.literal(&t)),
                Tk::LBrace => {
                    let body = self.json_object_type(&t)?;
                    elems.push(Node {
                        value: Value::Object(body),
                        pos: self.pos(&t),
                    });
                }
                // HCL1 skips these (so `[true]` is an empty array and `[[1]]` is `[1]`).
                Tk::Comma | Tk::Bool | Tk::LBrack => {}
                Tk::RBrack => {
                    return Ok(Node {
                        value: Value::List(elems),
                        pos: self.pos(open),
                    })
                }
                Tk::Eof => {
                    return Err(Self::error(
                        &t,
                        format!(
                            "expected ']' to close the array opened at {}:{}, found end of file",
                            open.line, open.col
                        ),
                    ))
                }
                other => {
                    return Err(Self::error(
                        &t,
                        format!("unexpected {} in an array", describe(other)),
                    ))
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Printer

/// Prints a body as HCL1 text that parses back to the same keys and values (positions
/// aside). JSON-only shapes have no exact HCL form: `null` prints as `""` (what Vault
/// decodes it to), and an assignment with several keys prints them all before `=`, which
/// HCL1 rejects unless the value is an object (printed as a block).
pub fn to_hcl1_string(body: &Body) -> String {
    let mut out = String::new();
    write_items(&body.items, 0, &mut out);
    out
}

fn write_items(items: &[Item], indent: usize, out: &mut String) {
    for item in items {
        push_indent(indent, out);
        for (i, key) in item.keys.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            if key.quoted || !is_plain_ident(&key.name) {
                write_quoted(&key.name, out);
            } else {
                out.push_str(&key.name);
            }
        }
        match &item.value.value {
            Value::Object(body) if !item.assign || item.keys.len() > 1 => {
                out.push(' ');
                write_block(body, indent, out);
            }
            value => {
                out.push_str(" = ");
                write_value(value, indent, out);
            }
        }
        out.push('\n');
    }
}

fn push_indent(indent: usize, out: &mut String) {
    for _ in 0..indent {
        out.push_str("  ");
    }
}

fn write_block(body: &Body, indent: usize, out: &mut String) {
    out.push_str("{\n");
    write_items(&body.items, indent + 1, out);
    push_indent(indent, out);
    out.push('}');
}

fn write_value(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => write_quoted(s, out),
        Value::Null => out.push_str("\"\""),
        Value::List(elems) => {
            out.push('[');
            for (i, elem) in elems.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(&elem.value, indent, out);
            }
            out.push(']');
        }
        Value::Object(body) => write_block(body, indent, out),
    }
}

/// A float literal HCL1 scans as a FLOAT token (`{:?}` always has a '.' or an exponent).
/// Non-finite values have no HCL1 form and print as `0.0`.
fn format_float(f: f64) -> String {
    if f.is_finite() {
        format!("{f:?}")
    } else {
        "0.0".to_string()
    }
}

fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    is_letter(first)
        && chars.all(|c| is_letter(c) || is_digit(c) || c == '-' || c == '.')
        && name != "true"
        && name != "false"
}

fn write_quoted(s: &str, out: &mut String) {
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // An escaped '$' keeps "${" from opening an interpolation.
            '$' if chars.peek() == Some(&'{') => out.push_str("\\u0024"),
            c if c.is_control() || c == '\u{E123}' => {
                let _ = write!(out, "\\U{:08X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

// ---------------------------------------------------------------------------------------
// Unicode tables (generated from Unicode 14.0 general categories).

/// Non-ASCII code points of general category L (Lu, Ll, Lt, Lm, Lo), as Go's `unicode.IsLetter`.
#[rustfmt::skip]
const LETTER_RANGES: &[(u32, u32)] = &[
    (0xAA, 0xAA), (0xB5, 0xB5), (0xBA, 0xBA), (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2C1),
    (0x2C6, 0x2D1), (0x2E0, 0x2E4), (0x2EC, 0x2EC), (0x2EE, 0x2EE), (0x370, 0x374), (0x376, 0x377),
    (0x37A, 0x37D), (0x37F, 0x37F), (0x386, 0x386), (0x388, 0x38A), (0x38C, 0x38C), (0x38E, 0x3A1),
    (0x3A3, 0x3F5), (0x3F7, 0x481), (0x48A, 0x52F), (0x531, 0x556), (0x559, 0x559), (0x560, 0x588),
    (0x5D0, 0x5EA), (0x5EF, 0x5F2), (0x620, 0x64A), (0x66E, 0x66F), (0x671, 0x6D3), (0x6D5, 0x6D5),
    (0x6E5, 0x6E6), (0x6EE, 0x6EF), (0x6FA, 0x6FC), (0x6FF, 0x6FF), (0x710, 0x710), (0x712, 0x72F),
    (0x74D, 0x7A5), (0x7B1, 0x7B1), (0x7CA, 0x7EA), (0x7F4, 0x7F5), (0x7FA, 0x7FA), (0x800, 0x815),
    (0x81A, 0x81A), (0x824, 0x824), (0x828, 0x828), (0x840, 0x858), (0x860, 0x86A), (0x870, 0x887),
    (0x889, 0x88E), (0x8A0, 0x8C9), (0x904, 0x939), (0x93D, 0x93D), (0x950, 0x950), (0x958, 0x961),
    (0x971, 0x980), (0x985, 0x98C), (0x98F, 0x990), (0x993, 0x9A8), (0x9AA, 0x9B0), (0x9B2, 0x9B2),
    (0x9B6, 0x9B9), (0x9BD, 0x9BD), (0x9CE, 0x9CE), (0x9DC, 0x9DD), (0x9DF, 0x9E1), (0x9F0, 0x9F1),
    (0x9FC, 0x9FC), (0xA05, 0xA0A), (0xA0F, 0xA10), (0xA13, 0xA28), (0xA2A, 0xA30), (0xA32, 0xA33),
    (0xA35, 0xA36), (0xA38, 0xA39), (0xA59, 0xA5C), (0xA5E, 0xA5E), (0xA72, 0xA74), (0xA85, 0xA8D),
    (0xA8F, 0xA91), (0xA93, 0xAA8), (0xAAA, 0xAB0), (0xAB2, 0xAB3), (0xAB5, 0xAB9), (0xABD, 0xABD),
    (0xAD0, 0xAD0), (0xAE0, 0xAE1), (0xAF9, 0xAF9), (0xB05, 0xB0C), (0xB0F, 0xB10), (0xB13, 0xB28),
    (0xB2A, 0xB30), (0xB32, 0xB33), (0xB35, 0xB39), (0xB3D, 0xB3D), (0xB5C, 0xB5D), (0xB5F, 0xB61),
    (0xB71, 0xB71), (0xB83, 0xB83), (0xB85, 0xB8A), (0xB8E, 0xB90), (0xB92, 0xB95), (0xB99, 0xB9A),
    (0xB9C, 0xB9C), (0xB9E, 0xB9F), (0xBA3, 0xBA4), (0xBA8, 0xBAA), (0xBAE, 0xBB9), (0xBD0, 0xBD0),
    (0xC05, 0xC0C), (0xC0E, 0xC10), (0xC12, 0xC28), (0xC2A, 0xC39), (0xC3D, 0xC3D), (0xC58, 0xC5A),
    (0xC5D, 0xC5D), (0xC60, 0xC61), (0xC80, 0xC80), (0xC85, 0xC8C), (0xC8E, 0xC90), (0xC92, 0xCA8),
    (0xCAA, 0xCB3), (0xCB5, 0xCB9), (0xCBD, 0xCBD), (0xCDD, 0xCDE), (0xCE0, 0xCE1), (0xCF1, 0xCF2),
    (0xD04, 0xD0C), (0xD0E, 0xD10), (0xD12, 0xD3A), (0xD3D, 0xD3D), (0xD4E, 0xD4E), (0xD54, 0xD56),
    (0xD5F, 0xD61), (0xD7A, 0xD7F), (0xD85, 0xD96), (0xD9A, 0xDB1), (0xDB3, 0xDBB), (0xDBD, 0xDBD),
    (0xDC0, 0xDC6), (0xE01, 0xE30), (0xE32, 0xE33), (0xE40, 0xE46), (0xE81, 0xE82), (0xE84, 0xE84),
    (0xE86, 0xE8A), (0xE8C, 0xEA3), (0xEA5, 0xEA5), (0xEA7, 0xEB0), (0xEB2, 0xEB3), (0xEBD, 0xEBD),
    (0xEC0, 0xEC4), (0xEC6, 0xEC6), (0xEDC, 0xEDF), (0xF00, 0xF00), (0xF40, 0xF47), (0xF49, 0xF6C),
    (0xF88, 0xF8C), (0x1000, 0x102A), (0x103F, 0x103F), (0x1050, 0x1055), (0x105A, 0x105D),
    (0x1061, 0x1061), (0x1065, 0x1066), (0x106E, 0x1070), (0x1075, 0x1081), (0x108E, 0x108E),
    (0x10A0, 0x10C5), (0x10C7, 0x10C7), (0x10CD, 0x10CD), (0x10D0, 0x10FA), (0x10FC, 0x1248),
    (0x124A, 0x124D), (0x1250, 0x1256), (0x1258, 0x1258), (0x125A, 0x125D), (0x1260, 0x1288),
    (0x128A, 0x128D), (0x1290, 0x12B0), (0x12B2, 0x12B5), (0x12B8, 0x12BE), (0x12C0, 0x12C0),
    (0x12C2, 0x12C5), (0x12C8, 0x12D6), (0x12D8, 0x1310), (0x1312, 0x1315), (0x1318, 0x135A),
    (0x1380, 0x138F), (0x13A0, 0x13F5), (0x13F8, 0x13FD), (0x1401, 0x166C), (0x166F, 0x167F),
    (0x1681, 0x169A), (0x16A0, 0x16EA), (0x16F1, 0x16F8), (0x1700, 0x1711), (0x171F, 0x1731),
    (0x1740, 0x1751), (0x1760, 0x176C), (0x176E, 0x1770), (0x1780, 0x17B3), (0x17D7, 0x17D7),
    (0x17DC, 0x17DC), (0x1820, 0x1878), (0x1880, 0x1884), (0x1887, 0x18A8), (0x18AA, 0x18AA),
    (0x18B0, 0x18F5), (0x1900, 0x191E), (0x1950, 0x196D), (0x1970, 0x1974), (0x1980, 0x19AB),
    (0x19B0, 0x19C9), (0x1A00, 0x1A16), (0x1A20, 0x1A54), (0x1AA7, 0x1AA7), (0x1B05, 0x1B33),
    (0x1B45, 0x1B4C), (0x1B83, 0x1BA0), (0x1BAE, 0x1BAF), (0x1BBA, 0x1BE5), (0x1C00, 0x1C23),
    (0x1C4D, 0x1C4F), (0x1C5A, 0x1C7D), (0x1C80, 0x1C88), (0x1C90, 0x1CBA), (0x1CBD, 0x1CBF),
    (0x1CE9, 0x1CEC), (0x1CEE, 0x1CF3), (0x1CF5, 0x1CF6), (0x1CFA, 0x1CFA), (0x1D00, 0x1DBF),
    (0x1E00, 0x1F15), (0x1F18, 0x1F1D), (0x1F20, 0x1F45), (0x1F48, 0x1F4D), (0x1F50, 0x1F57),
    (0x1F59, 0x1F59), (0x1F5B, 0x1F5B), (0x1F5D, 0x1F5D), (0x1F5F, 0x1F7D), (0x1F80, 0x1FB4),
    (0x1FB6, 0x1FBC), (0x1FBE, 0x1FBE), (0x1FC2, 0x1FC4), (0x1FC6, 0x1FCC), (0x1FD0, 0x1FD3),
    (0x1FD6, 0x1FDB), (0x1FE0, 0x1FEC), (0x1FF2, 0x1FF4), (0x1FF6, 0x1FFC), (0x2071, 0x2071),
    (0x207F, 0x207F), (0x2090, 0x209C), (0x2102, 0x2102), (0x2107, 0x2107), (0x210A, 0x2113),
    (0x2115, 0x2115), (0x2119, 0x211D), (0x2124, 0x2124), (0x2126, 0x2126), (0x2128, 0x2128),
    (0x212A, 0x212D), (0x212F, 0x2139), (0x213C, 0x213F), (0x2145, 0x2149), (0x214E, 0x214E),
    (0x2183, 0x2184), (0x2C00, 0x2CE4), (0x2CEB, 0x2CEE), (0x2CF2, 0x2CF3), (0x2D00, 0x2D25),
    (0x2D27, 0x2D27), (0x2D2D, 0x2D2D), (0x2D30, 0x2D67), (0x2D6F, 0x2D6F), (0x2D80, 0x2D96),
    (0x2DA0, 0x2DA6), (0x2DA8, 0x2DAE), (0x2DB0, 0x2DB6), (0x2DB8, 0x2DBE), (0x2DC0, 0x2DC6),
    (0x2DC8, 0x2DCE), (0x2DD0, 0x2DD6), (0x2DD8, 0x2DDE), (0x2E2F, 0x2E2F), (0x3005, 0x3006),
    (0x3031, 0x3035), (0x303B, 0x303C), (0x3041, 0x3096), (0x309D, 0x309F), (0x30A1, 0x30FA),
    (0x30FC, 0x30FF), (0x3105, 0x312F), (0x3131, 0x318E), (0x31A0, 0x31BF), (0x31F0, 0x31FF),
    (0x3400, 0x4DBF), (0x4E00, 0xA48C), (0xA4D0, 0xA4FD), (0xA500, 0xA60C), (0xA610, 0xA61F),
    (0xA62A, 0xA62B), (0xA640, 0xA66E), (0xA67F, 0xA69D), (0xA6A0, 0xA6E5), (0xA717, 0xA71F),
    (0xA722, 0xA788), (0xA78B, 0xA7CA), (0xA7D0, 0xA7D1), (0xA7D3, 0xA7D3), (0xA7D5, 0xA7D9),
    (0xA7F2, 0xA801), (0xA803, 0xA805), (0xA807, 0xA80A), (0xA80C, 0xA822), (0xA840, 0xA873),
    (0xA882, 0xA8B3), (0xA8F2, 0xA8F7), (0xA8FB, 0xA8FB), (0xA8FD, 0xA8FE), (0xA90A, 0xA925),
    (0xA930, 0xA946), (0xA960, 0xA97C), (0xA984, 0xA9B2), (0xA9CF, 0xA9CF), (0xA9E0, 0xA9E4),
    (0xA9E6, 0xA9EF), (0xA9FA, 0xA9FE), (0xAA00, 0xAA28), (0xAA40, 0xAA42), (0xAA44, 0xAA4B),
    (0xAA60, 0xAA76), (0xAA7A, 0xAA7A), (0xAA7E, 0xAAAF), (0xAAB1, 0xAAB1), (0xAAB5, 0xAAB6),
    (0xAAB9, 0xAABD), (0xAAC0, 0xAAC0), (0xAAC2, 0xAAC2), (0xAADB, 0xAADD), (0xAAE0, 0xAAEA),
    (0xAAF2, 0xAAF4), (0xAB01, 0xAB06), (0xAB09, 0xAB0E), (0xAB11, 0xAB16), (0xAB20, 0xAB26),
    (0xAB28, 0xAB2E), (0xAB30, 0xAB5A), (0xAB5C, 0xAB69), (0xAB70, 0xABE2), (0xAC00, 0xD7A3),
    (0xD7B0, 0xD7C6), (0xD7CB, 0xD7FB), (0xF900, 0xFA6D), (0xFA70, 0xFAD9), (0xFB00, 0xFB06),
    (0xFB13, 0xFB17), (0xFB1D, 0xFB1D), (0xFB1F, 0xFB28), (0xFB2A, 0xFB36), (0xFB38, 0xFB3C),
    (0xFB3E, 0xFB3E), (0xFB40, 0xFB41), (0xFB43, 0xFB44), (0xFB46, 0xFBB1), (0xFBD3, 0xFD3D),
    (0xFD50, 0xFD8F), (0xFD92, 0xFDC7), (0xFDF0, 0xFDFB), (0xFE70, 0xFE74), (0xFE76, 0xFEFC),
    (0xFF21, 0xFF3A), (0xFF41, 0xFF5A), (0xFF66, 0xFFBE), (0xFFC2, 0xFFC7), (0xFFCA, 0xFFCF),
    (0xFFD2, 0xFFD7), (0xFFDA, 0xFFDC), (0x10000, 0x1000B), (0x1000D, 0x10026), (0x10028, 0x1003A),
    (0x1003C, 0x1003D), (0x1003F, 0x1004D), (0x10050, 0x1005D), (0x10080, 0x100FA),
    (0x10280, 0x1029C), (0x102A0, 0x102D0), (0x10300, 0x1031F), (0x1032D, 0x10340),
    (0x10342, 0x10349), (0x10350, 0x10375), (0x10380, 0x1039D), (0x103A0, 0x103C3),
    (0x103C8, 0x103CF), (0x10400, 0x1049D), (0x104B0, 0x104D3), (0x104D8, 0x104FB),
    (0x10500, 0x10527), (0x10530, 0x10563), (0x10570, 0x1057A), (0x1057C, 0x1058A),
    (0x1058C, 0x10592), (0x10594, 0x10595), (0x10597, 0x105A1), (0x105A3, 0x105B1),
    (0x105B3, 0x105B9), (0x105BB, 0x105BC), (0x10600, 0x10736), (0x10740, 0x10755),
    (0x10760, 0x10767), (0x10780, 0x10785), (0x10787, 0x107B0), (0x107B2, 0x107BA),
    (0x10800, 0x10805), (0x10808, 0x10808), (0x1080A, 0x10835), (0x10837, 0x10838),
    (0x1083C, 0x1083C), (0x1083F, 0x10855), (0x10860, 0x10876), (0x10880, 0x1089E),
    (0x108E0, 0x108F2), (0x108F4, 0x108F5), (0x10900, 0x10915), (0x10920, 0x10939),
    (0x10980, 0x109B7), (0x109BE, 0x109BF), (0x10A00, 0x10A00), (0x10A10, 0x10A13),
    (0x10A15, 0x10A17), (0x10A19, 0x10A35), (0x10A60, 0x10A7C), (0x10A80, 0x10A9C),
    (0x10AC0, 0x10AC7), (0x10AC9, 0x10AE4), (0x10B00, 0x10B35), (0x10B40, 0x10B55),
    (0x10B60, 0x10B72), (0x10B80, 0x10B91), (0x10C00, 0x10C48), (0x10C80, 0x10CB2),
    (0x10CC0, 0x10CF2), (0x10D00, 0x10D23), (0x10E80, 0x10EA9), (0x10EB0, 0x10EB1),
    (0x10F00, 0x10F1C), (0x10F27, 0x10F27), (0x10F30, 0x10F45), (0x10F70, 0x10F81),
    (0x10FB0, 0x10FC4), (0x10FE0, 0x10FF6), (0x11003, 0x11037), (0x11071, 0x11072),
    (0x11075, 0x11075), (0x11083, 0x110AF), (0x110D0, 0x110E8), (0x11103, 0x11126),
    (0x11144, 0x11144), (0x11147, 0x11147), (0x11150, 0x11172), (0x11176, 0x11176),
    (0x11183, 0x111B2), (0x111C1, 0x111C4), (0x111DA, 0x111DA), (0x111DC, 0x111DC),
    (0x11200, 0x11211), (0x11213, 0x1122B), (0x11280, 0x11286), (0x11288, 0x11288),
    (0x1128A, 0x1128D), (0x1128F, 0x1129D), (0x1129F, 0x112A8), (0x112B0, 0x112DE),
    (0x11305, 0x1130C), (0x1130F, 0x11310), (0x11313, 0x11328), (0x1132A, 0x11330),
    (0x11332, 0x11333), (0x11335, 0x11339), (0x1133D, 0x1133D), (0x11350, 0x11350),
    (0x1135D, 0x11361), (0x11400, 0x11434), (0x11447, 0x1144A), (0x1145F, 0x11461),
    (0x11480, 0x114AF), (0x114C4, 0x114C5), (0x114C7, 0x114C7), (0x11580, 0x115AE),
    (0x115D8, 0x115DB), (0x11600, 0x1162F), (0x11644, 0x11644), (0x11680, 0x116AA),
    (0x116B8, 0x116B8), (0x11700, 0x1171A), (0x11740, 0x11746), (0x11800, 0x1182B),
    (0x118A0, 0x118DF), (0x118FF, 0x11906), (0x11909, 0x11909), (0x1190C, 0x11913),
    (0x11915, 0x11916), (0x11918, 0x1192F), (0x1193F, 0x1193F), (0x11941, 0x11941),
    (0x119A0, 0x119A7), (0x119AA, 0x119D0), (0x119E1, 0x119E1), (0x119E3, 0x119E3),
    (0x11A00, 0x11A00), (0x11A0B, 0x11A32), (0x11A3A, 0x11A3A), (0x11A50, 0x11A50),
    (0x11A5C, 0x11A89), (0x11A9D, 0x11A9D), (0x11AB0, 0x11AF8), (0x11C00, 0x11C08),
    (0x11C0A, 0x11C2E), (0x11C40, 0x11C40), (0x11C72, 0x11C8F), (0x11D00, 0x11D06),
    (0x11D08, 0x11D09), (0x11D0B, 0x11D30), (0x11D46, 0x11D46), (0x11D60, 0x11D65),
    (0x11D67, 0x11D68), (0x11D6A, 0x11D89), (0x11D98, 0x11D98), (0x11EE0, 0x11EF2),
    (0x11FB0, 0x11FB0), (0x12000, 0x12399), (0x12480, 0x12543), (0x12F90, 0x12FF0),
    (0x13000, 0x1342E), (0x14400, 0x14646), (0x16800, 0x16A38), (0x16A40, 0x16A5E),
    (0x16A70, 0x16ABE), (0x16AD0, 0x16AED), (0x16B00, 0x16B2F), (0x16B40, 0x16B43),
    (0x16B63, 0x16B77), (0x16B7D, 0x16B8F), (0x16E40, 0x16E7F), (0x16F00, 0x16F4A),
    (0x16F50, 0x16F50), (0x16F93, 0x16F9F), (0x16FE0, 0x16FE1), (0x16FE3, 0x16FE3),
    (0x17000, 0x187F7), (0x18800, 0x18CD5), (0x18D00, 0x18D08), (0x1AFF0, 0x1AFF3),
    (0x1AFF5, 0x1AFFB), (0x1AFFD, 0x1AFFE), (0x1B000, 0x1B122), (0x1B150, 0x1B152),
    (0x1B164, 0x1B167), (0x1B170, 0x1B2FB), (0x1BC00, 0x1BC6A), (0x1BC70, 0x1BC7C),
    (0x1BC80, 0x1BC88), (0x1BC90, 0x1BC99), (0x1D400, 0x1D454), (0x1D456, 0x1D49C),
    (0x1D49E, 0x1D49F), (0x1D4A2, 0x1D4A2), (0x1D4A5, 0x1D4A6), (0x1D4A9, 0x1D4AC),
    (0x1D4AE, 0x1D4B9), (0x1D4BB, 0x1D4BB), (0x1D4BD, 0x1D4C3), (0x1D4C5, 0x1D505),
    (0x1D507, 0x1D50A), (0x1D50D, 0x1D514), (0x1D516, 0x1D51C), (0x1D51E, 0x1D539),
    (0x1D53B, 0x1D53E), (0x1D540, 0x1D544), (0x1D546, 0x1D546), (0x1D54A, 0x1D550),
    (0x1D552, 0x1D6A5), (0x1D6A8, 0x1D6C0), (0x1D6C2, 0x1D6DA), (0x1D6DC, 0x1D6FA),
    (0x1D6FC, 0x1D714), (0x1D716, 0x1D734), (0x1D736, 0x1D74E), (0x1D750, 0x1D76E),
    (0x1D770, 0x1D788), (0x1D78A, 0x1D7A8), (0x1D7AA, 0x1D7C2), (0x1D7C4, 0x1D7CB),
    (0x1DF00, 0x1DF1E), (0x1E100, 0x1E12C), (0x1E137, 0x1E13D), (0x1E14E, 0x1E14E),
    (0x1E290, 0x1E2AD), (0x1E2C0, 0x1E2EB), (0x1E7E0, 0x1E7E6), (0x1E7E8, 0x1E7EB),
    (0x1E7ED, 0x1E7EE), (0x1E7F0, 0x1E7FE), (0x1E800, 0x1E8C4), (0x1E900, 0x1E943),
    (0x1E94B, 0x1E94B), (0x1EE00, 0x1EE03), (0x1EE05, 0x1EE1F), (0x1EE21, 0x1EE22),
    (0x1EE24, 0x1EE24), (0x1EE27, 0x1EE27), (0x1EE29, 0x1EE32), (0x1EE34, 0x1EE37),
    (0x1EE39, 0x1EE39), (0x1EE3B, 0x1EE3B), (0x1EE42, 0x1EE42), (0x1EE47, 0x1EE47),
    (0x1EE49, 0x1EE49), (0x1EE4B, 0x1EE4B), (0x1EE4D, 0x1EE4F), (0x1EE51, 0x1EE52),
    (0x1EE54, 0x1EE54), (0x1EE57, 0x1EE57), (0x1EE59, 0x1EE59), (0x1EE5B, 0x1EE5B),
    (0x1EE5D, 0x1EE5D), (0x1EE5F, 0x1EE5F), (0x1EE61, 0x1EE62), (0x1EE64, 0x1EE64),
    (0x1EE67, 0x1EE6A), (0x1EE6C, 0x1EE72), (0x1EE74, 0x1EE77), (0x1EE79, 0x1EE7C),
    (0x1EE7E, 0x1EE7E), (0x1EE80, 0x1EE89), (0x1EE8B, 0x1EE9B), (0x1EEA1, 0x1EEA3),
    (0x1EEA5, 0x1EEA9), (0x1EEAB, 0x1EEBB), (0x20000, 0x2A6DF), (0x2A700, 0x2B738),
    (0x2B740, 0x2B81D), (0x2B820, 0x2CEA1), (0x2CEB0, 0x2EBE0), (0x2F800, 0x2FA1D),
    (0x30000, 0x3134A),
];
/// Non-ASCII code points of general category Nd, as Go's `unicode.IsDigit`.
#[rustfmt::skip]
const DIGIT_RANGES: &[(u32, u32)] = &[
    (0x660, 0x669), (0x6F0, 0x6F9), (0x7C0, 0x7C9), (0x966, 0x96F), (0x9E6, 0x9EF), (0xA66, 0xA6F),
    (0xAE6, 0xAEF), (0xB66, 0xB6F), (0xBE6, 0xBEF), (0xC66, 0xC6F), (0xCE6, 0xCEF), (0xD66, 0xD6F),
    (0xDE6, 0xDEF), (0xE50, 0xE59), (0xED0, 0xED9), (0xF20, 0xF29), (0x1040, 0x1049),
    (0x1090, 0x1099), (0x17E0, 0x17E9), (0x1810, 0x1819), (0x1946, 0x194F), (0x19D0, 0x19D9),
    (0x1A80, 0x1A89), (0x1A90, 0x1A99), (0x1B50, 0x1B59), (0x1BB0, 0x1BB9), (0x1C40, 0x1C49),
    (0x1C50, 0x1C59), (0xA620, 0xA629), (0xA8D0, 0xA8D9), (0xA900, 0xA909), (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9), (0xAA50, 0xAA59), (0xABF0, 0xABF9), (0xFF10, 0xFF19), (0x104A0, 0x104A9),
    (0x10D30, 0x10D39), (0x11066, 0x1106F), (0x110F0, 0x110F9), (0x11136, 0x1113F),
    (0x111D0, 0x111D9), (0x112F0, 0x112F9), (0x11450, 0x11459), (0x114D0, 0x114D9),
    (0x11650, 0x11659), (0x116C0, 0x116C9), (0x11730, 0x11739), (0x118E0, 0x118E9),
    (0x11950, 0x11959), (0x11C50, 0x11C59), (0x11D50, 0x11D59), (0x11DA0, 0x11DA9),
    (0x16A60, 0x16A69), (0x16AC0, 0x16AC9), (0x16B50, 0x16B59), (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149), (0x1E2F0, 0x1E2F9), (0x1E950, 0x1E959), (0x1FBF0, 0x1FBF9),
];

#[cfg(test)]
mod tests;
