//! Cells: Excel's column letters and A1 references (the one place they are made), and a
//! sheet's non-empty cells read sparsely.

use super::guard::{not_xlsx, Book};
use crate::FileError;
use calamine::{Data, Reader};
use std::collections::BTreeMap;

/// Most non-empty cells read from one sheet.
pub const MAX_CELLS: usize = 2_000_000;

/// The column letters of a 0-based column: 0 → A, 25 → Z, 26 → AA, 16383 → XFD.
pub fn column_letter(col: u32) -> String {
    let mut n = u64::from(col) + 1;
    let mut out = String::new();
    while n > 0 {
        let r = ((n - 1) % 26) as u8;
        out.insert(0, char::from(b'A' + r));
        n = (n - 1) / 26;
    }
    out
}

/// The A1 reference of a cell from its 0-based row and column: (5, 4) → E6.
pub fn cell_ref(row: u32, col: u32) -> String {
    format!("{}{}", column_letter(col), u64::from(row) + 1)
}

/// A sheet's non-empty cells by absolute 0-based (row, column).
pub(crate) type Cells = BTreeMap<(u32, u32), Data>;

/// The non-empty cells of sheet `name`; `None` when the workbook has no such sheet. Kept
/// sparse: a workbook whose used range spans the whole grid (A1 to XFD1048576) must not make
/// us allocate that grid, as calamine's dense ranges would. At most [`MAX_CELLS`] cells.
pub(crate) fn read_cells(
    wb: &mut Book<'_>,
    file: &str,
    name: &str,
) -> Result<Option<Cells>, FileError> {
    if !wb.sheet_names().iter().any(|n| n == name) {
        return Ok(None);
    }
    let bad = || FileError {
        problem: crate::error::Problem::Other,
        sheet: Some(name.to_string()),
        ..not_xlsx(file)
    };
    let mut reader = wb.worksheet_cells_reader(name).map_err(|_| bad())?;
    let mut cells = BTreeMap::new();
    while let Some(cell) = reader.next_cell().map_err(|_| bad())? {
        let data = Data::from(cell.get_value().clone());
        if data == Data::Empty {
            continue;
        }
        if cells.len() >= MAX_CELLS {
            return Err(FileError::whole_sheet(
                file,
                name,
                format!("Trang '{name}' có hơn {MAX_CELLS} ô có dữ liệu"),
            ));
        }
        cells.insert(cell.get_position(), data);
    }
    Ok(Some(cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(51), "AZ");
        assert_eq!(column_letter(52), "BA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
        assert_eq!(column_letter(16383), "XFD");
        assert!(!column_letter(u32::MAX).is_empty());
    }

    #[test]
    fn cell_references() {
        assert_eq!(cell_ref(0, 0), "A1");
        assert_eq!(cell_ref(5, 4), "E6");
        assert_eq!(cell_ref(1_048_575, 16_383), "XFD1048576");
        assert_eq!(cell_ref(u32::MAX, 0), "A4294967296");
    }
}
