//! The annex: every table of the report on its own sheet.

use crate::text::Doc;
use rust_xlsxwriter::{Format, Workbook};

/// The workbook's bytes. A cell that reads as a plain number is written as a number.
pub fn annex(doc: &Doc) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    let wrap = Format::new().set_text_wrap();
    for (n, t) in doc.tables().enumerate() {
        let ws = wb.add_worksheet();
        ws.set_name(format!("{}", n + 1))?;
        ws.write_string_with_format(0, 0, &t.title, &bold)?;
        let total: f32 = t.widths.iter().sum::<f32>().max(1.0);
        for (c, h) in t.header.iter().enumerate() {
            let c = c as u16;
            let w = t.widths.get(c as usize).copied().unwrap_or(1.0) / total * 120.0;
            ws.set_column_width(c, w.max(6.0) as f64)?;
            ws.write_string_with_format(1, c, h, &bold)?;
        }
        for (r, row) in t.rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32 + 2, c as u16);
                match cell.parse::<f64>() {
                    Ok(x) if !cell.starts_with('0') || cell == "0" => {
                        ws.write_number(r, c, x)?;
                    }
                    _ => {
                        ws.write_string_with_format(r, c, cell, &wrap)?;
                    }
                }
            }
        }
    }
    wb.save_to_buffer()
}
