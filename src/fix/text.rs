//! Byte ranges of config text from the parser's start positions: where a value or an item
//! ends, and edits of the original text (never a re-serialisation).

/// A replacement of `start..end` of the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// Why a range cannot be told safely: the fix becomes manual with this reason.
pub type Unsafe = String;

fn skip_comment(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i), b.get(i + 1)) {
        (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p),
        ),
        (Some(b'/'), Some(b'*')) => b[i + 2..]
            .windows(2)
            .position(|w| w == b"*/")
            .map(|p| i + 2 + p + 2),
        _ => None,
    }
}

/// The end of a quoted string starting at `start` (just past the closing quote).
fn string_end(b: &[u8], start: usize) -> Result<usize, Unsafe> {
    let mut i = start + 1;
    while let Some(&c) = b.get(i) {
        match c {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            b'$' if b.get(i + 1) == Some(&b'{') => {
                return Err("the value is an interpolated expression the fix cannot rewrite".into())
            }
            b'\n' => break,
            _ => i += 1,
        }
    }
    Err("an unterminated string".into())
}

/// The end of the value starting at `start`: a string, number, bool, list or object.
pub fn value_end(src: &str, start: usize) -> Result<usize, Unsafe> {
    let b = src.as_bytes();
    match b.get(start) {
        Some(b'"') => string_end(b, start),
        Some(b'<') if b.get(start + 1) == Some(&b'<') => {
            Err("the value is a heredoc the fix cannot rewrite".into())
        }
        Some(b'[') | Some(b'{') => {
            let mut depth = 0usize;
            let mut i = start;
            while i < b.len() {
                if let Some(next) = skip_comment(b, i) {
                    i = next;
                    continue;
                }
                match b[i] {
                    b'"' => {
                        i = string_end(b, i)?;
                        continue;
                    }
                    b'<' if b.get(i + 1) == Some(&b'<') => {
                        return Err("the value holds a heredoc the fix cannot rewrite".into())
                    }
                    b'[' | b'{' => depth += 1,
                    b']' | b'}' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            Err("an unterminated list or object".into())
        }
        Some(_) => {
            let len = b[start..]
                .iter()
                .position(|c| {
                    c.is_ascii_whitespace() || matches!(c, b',' | b']' | b'}' | b'#' | b'/')
                })
                .unwrap_or(b.len() - start);
            if len == 0 {
                Err("no value where the parser saw one".into())
            } else {
                Ok(start + len)
            }
        }
        None => Err("no value where the parser saw one".into()),
    }
}

/// The end of the key token at `start` (quoted or bare).
pub fn key_end(src: &str, start: usize, quoted: bool) -> Result<usize, Unsafe> {
    let b = src.as_bytes();
    if quoted {
        string_end(b, start)
    } else {
        Ok(start
            + b[start..]
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'_' | b'-' | b'.')))
                .unwrap_or(b.len() - start))
    }
}

/// Does `start..end` hold a comment (outside strings)?
pub fn has_comment(src: &str, start: usize, end: usize) -> bool {
    let b = &src.as_bytes()[..end];
    let mut i = start;
    while i < b.len() {
        if skip_comment(b, i).is_some() {
            return true;
        }
        if b[i] == b'"' {
            match string_end(b, i) {
                Ok(e) => i = e,
                Err(_) => return true,
            }
        } else {
            i += 1;
        }
    }
    false
}

/// The range that removes an item from `item_start` to its value's end: its whole line(s)
/// when nothing else is on them (a trailing comma and comment go with it), else only the
/// item and a trailing comma.
pub fn item_removal(src: &str, item_start: usize, value_end: usize) -> Edit {
    let b = src.as_bytes();
    let line_start = b[..item_start]
        .iter()
        .rposition(|&c| c == b'\n')
        .map_or(0, |p| p + 1);
    let alone_before = b[line_start..item_start]
        .iter()
        .all(|c| *c == b' ' || *c == b'\t');
    let mut end = value_end;
    let skip_blanks = |mut i: usize| {
        while matches!(b.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        i
    };
    end = skip_blanks(end);
    if b.get(end) == Some(&b',') {
        end = skip_blanks(end + 1);
    }
    let after_comment = match (b.get(end), b.get(end + 1)) {
        (Some(b'#'), _) | (Some(b'/'), Some(b'/')) => skip_comment(b, end).unwrap_or(b.len()),
        _ => end,
    };
    let rest_is_line_end = matches!(b.get(after_comment), None | Some(b'\n'))
        || (b.get(after_comment) == Some(&b'\r') && b.get(after_comment + 1) == Some(&b'\n'));
    if alone_before && rest_is_line_end {
        let mut e = after_comment;
        if b.get(e) == Some(&b'\r') {
            e += 1;
        }
        if b.get(e) == Some(&b'\n') {
            e += 1;
        }
        // Between two blank lines (or a blank and the file's start), one blank goes too, so
        // the removal leaves no double gap.
        let blank = |line: &[u8]| line.iter().all(|c| c.is_ascii_whitespace());
        let prev_blank = line_start == 0 || {
            let before = &b[..line_start - 1];
            let from = before
                .iter()
                .rposition(|&c| c == b'\n')
                .map_or(0, |p| p + 1);
            blank(&b[from..line_start - 1])
        };
        if prev_blank && e < b.len() {
            if let Some(nl) = b[e..].iter().position(|&c| c == b'\n') {
                if blank(&b[e..e + nl]) {
                    e += nl + 1;
                }
            }
        }
        Edit {
            start: line_start,
            end: e,
            text: String::new(),
        }
    } else {
        Edit {
            start: item_start,
            end,
            text: String::new(),
        }
    }
}

/// A quoted HCL/JSON string literal of `s`.
pub fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""))
}

/// Applies non-overlapping edits to `src`.
pub fn apply(src: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|e| (e.start, e.end));
    let mut out = String::with_capacity(src.len());
    let mut at = 0;
    for e in sorted {
        out.push_str(&src[at..e.start]);
        out.push_str(&e.text);
        at = e.end;
    }
    out.push_str(&src[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_ends_skip_escapes_comments_and_nesting() {
        let src = r#"a = "x\"y" # c"#;
        assert_eq!(value_end(src, 4), Ok(10));
        let src = "a = [\"]\", # ]\n 1]\nb = 2";
        assert_eq!(&src[4..value_end(src, 4).unwrap()], "[\"]\", # ]\n 1]");
        assert_eq!(value_end("a = 0x1F,", 4), Ok(8));
        assert!(value_end("a = <<EOF\nx\nEOF\n", 4).is_err());
        assert!(value_end(r#"a = "${x}""#, 4).is_err());
    }

    #[test]
    fn removal_takes_the_whole_line_with_its_comment_or_only_the_item() {
        let src = "x {\n  a = 1, # why\n  b = 2\n}\n";
        let e = item_removal(src, 6, 11);
        assert_eq!(apply(src, &[e]), "x {\n  b = 2\n}\n");
        let src = "x { a = 1 b = 2 }";
        let e = item_removal(src, 4, 9);
        assert_eq!(apply(src, &[e]), "x { b = 2 }");
        let src = "a = 1\n\nb = 2\n\nc = 3\n";
        assert_eq!(apply(src, &[item_removal(src, 7, 12)]), "a = 1\n\nc = 3\n");
        let src = "a = 1\r\nb = 2\r\n";
        assert_eq!(apply(src, &[item_removal(src, 0, 5)]), "b = 2\r\n");
    }
}
