//! Cells a spreadsheet must read as text: exported text that would start a formula is
//! quoted, and the quote is taken back on import.

/// The characters a spreadsheet reads as the start of a formula (`=HYPERLINK(…)`, `+cmd|…`,
/// `@SUM(…)`, and the tab and carriage return some programs skip first).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell's text would be read as a formula: it starts like one and is not a number
/// (`-5` and `+3.2` stay numbers), or it is such a text already quoted.
fn risky(s: &str) -> bool {
    match s.chars().next() {
        Some(c) if FORMULA_STARTS.contains(&c) => s.trim().parse::<f64>().is_err(),
        Some('\'') => risky(&s[1..]),
        _ => false,
    }
}

/// A text as an exported cell: one that a spreadsheet would run as a formula is written
/// behind a `'`, which spreadsheets read as "this is text". [`from_cell`] takes it back.
pub fn to_cell(s: &str) -> std::borrow::Cow<'_, str> {
    if risky(s) {
        std::borrow::Cow::Owned(format!("'{s}"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// A cell read back: the `'` that [`to_cell`] put before a formula-like text is removed, so
/// an export imported again is unchanged.
pub fn from_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if risky(rest) => rest,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// No exported text starts a formula, numbers stay numbers, and what is exported reads
        /// back as it was.
        #[test]
        fn an_export_never_hands_a_spreadsheet_a_formula(s in "[=+@'\\-\t]{0,3}[a-zA-Z0-9(\".,|!\\- ]{0,12}") {
            let cell = to_cell(&s);
            proptest::prop_assert_eq!(from_cell(&cell), s.as_str());
            let first = cell.chars().next();
            if first.is_some_and(|c| FORMULA_STARTS.contains(&c)) {
                proptest::prop_assert!(cell.trim().parse::<f64>().is_ok(), "{:?}", cell);
            }
        }
    }

    #[test]
    fn formula_cells_are_written_as_text() {
        assert_eq!(
            to_cell("=HYPERLINK(\"http://x\",\"bấm\")"),
            "'=HYPERLINK(\"http://x\",\"bấm\")"
        );
        assert_eq!(to_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(to_cell("-5"), "-5");
        assert_eq!(to_cell("+3.2"), "+3.2");
        assert_eq!(to_cell("-cmd|' /C calc'!A0"), "'-cmd|' /C calc'!A0");
        assert_eq!(to_cell("ghi chú"), "ghi chú");
        assert_eq!(from_cell("'=1+1"), "=1+1");
        assert_eq!(from_cell("'bình thường"), "'bình thường");
    }
}
