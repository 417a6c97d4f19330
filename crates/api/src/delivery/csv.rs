//! Reading a CSV file (RFC 4180): fields separated by commas, quoted with `"` when they
//! hold a comma, a quote or a line break, lines ended by CRLF or LF, a UTF-8 BOM ignored.
//! A cell our own exports neutralised against formulas (`'=…`) reads back as written.

/// The records of `text`, each with the line it starts on (1-based), read one at a time;
/// blank lines are skipped.
pub(super) fn records(text: &str) -> Records<'_> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Records { chars: text.chars().peekable(), line: 1 }
}

pub(super) struct Records<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    line: usize,
}

impl Iterator for Records<'_> {
    type Item = (usize, Vec<String>);

    fn next(&mut self) -> Option<(usize, Vec<String>)> {
        loop {
            self.chars.peek()?;
            let start = self.line;
            let record = self.record();
            if record.iter().any(|f| !f.is_empty()) {
                return Some((start, record));
            }
        }
    }
}

impl Records<'_> {
    /// The fields up to the end of the record (its line break is taken, not kept).
    fn record(&mut self) -> Vec<String> {
        let (mut record, mut field, mut quoted) = (Vec::new(), String::new(), false);
        while let Some(c) = self.chars.next() {
            match (quoted, c) {
                (true, '"') if self.chars.peek() == Some(&'"') => {
                    self.chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => {
                    self.line += usize::from(c == '\n');
                    field.push(c);
                }
                (false, '"') if field.is_empty() => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\r') if self.chars.peek() == Some(&'\n') => {}
                (false, '\n') => {
                    self.line += 1;
                    break;
                }
                (false, c) => field.push(c),
            }
        }
        record.push(field);
        record
    }
}

/// A cell as its writer meant it: trimmed, and without the `'` an export put before a
/// cell a spreadsheet would have read as a formula.
pub(super) fn cell(text: &str) -> &str {
    let text = text.trim();
    match text.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@']) => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_fields_hold_commas_quotes_and_line_breaks_and_lines_are_counted() {
        let text = "\u{feff}reference,carrier\r\n\"a,1\",\"say \"\"hi\"\"\"\r\n\r\n\"two\nlines\",x\nlast,y";
        let read: Vec<_> = records(text).collect();
        assert_eq!(read[0], (1, vec!["reference".to_owned(), "carrier".to_owned()]));
        assert_eq!(read[1], (2, vec!["a,1".to_owned(), "say \"hi\"".to_owned()]));
        assert_eq!(read[2], (4, vec!["two\nlines".to_owned(), "x".to_owned()]));
        assert_eq!(read[3], (6, vec!["last".to_owned(), "y".to_owned()]));
    }

    #[test]
    fn a_neutralised_formula_reads_back_as_written_and_others_keep_their_quote() {
        assert_eq!(cell(" '=SUM(A1) "), "=SUM(A1)");
        assert_eq!(cell("'plain"), "'plain");
    }
}
