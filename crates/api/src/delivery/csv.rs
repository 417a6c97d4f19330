//! Reading a CSV file (RFC 4180): fields separated by commas, quoted with `"` when they
//! hold a comma, a quote or a line break, lines ended by CRLF or LF, a UTF-8 BOM ignored.
//! A cell our own exports neutralised against formulas (`'=…`) reads back as written.

/// The records of `text`, each with the line it starts on (1-based); blank lines skipped.
pub(super) fn records(text: &str) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut line, mut start) = (false, 1, 1);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => {
                line += usize::from(c == '\n');
                field.push(c);
            }
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                if record.iter().any(|f| !f.is_empty()) {
                    out.push((start, std::mem::take(&mut record)));
                }
                record.clear();
                line += 1;
                start = line;
            }
            (false, c) => field.push(c),
        }
    }
    record.push(field);
    if record.iter().any(|f| !f.is_empty()) {
        out.push((start, record));
    }
    out
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
        let read = records(text);
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
