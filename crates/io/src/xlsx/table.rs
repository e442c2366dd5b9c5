//! A table as a workbook, or as CSV: a title, the column headers, and rows of text and
//! numbers — what a page shows (the data explorer's pivot, an indicator's units), written as
//! shown.

use rust_xlsxwriter::{Format, FormatBorder, Workbook, XlsxError};

/// One cell of a table.
#[derive(Debug, Clone, PartialEq)]
pub enum TableCell {
    Text(String),
    /// A number and the decimals it is shown with.
    Number(f64, u8),
    Empty,
}

/// A table to write: `title` in the first row, `header` in the third, `rows` below.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    pub sheet: String,
    pub title: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<TableCell>>,
}

/// The row (0-based) of the header; the rows follow it.
pub const TABLE_HEADER_ROW: u32 = 2;

fn xerr(e: XlsxError) -> String {
    format!("Không tạo được tệp Excel / the workbook could not be written: {e}")
}

/// The table as an `.xlsx` file: numbers as numbers (formatted with their decimals), text as
/// text, the header bold and frozen.
pub fn write_table(t: &Table) -> Result<Vec<u8>, String> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    // A sheet's name: at most 31 characters, none of []:*?/\.
    let name: String = t
        .sheet
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    ws.set_name(if name.trim().is_empty() {
        "Sheet1"
    } else {
        &name
    })
    .map_err(xerr)?;
    let bold = Format::new().set_bold().set_font_size(13);
    let header = Format::new()
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_background_color(0xD9E1F2);
    let border = Format::new().set_border(FormatBorder::Thin);
    ws.write_string_with_format(0, 0, &t.title, &bold)
        .map_err(xerr)?;
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(TABLE_HEADER_ROW, c as u16, h, &header)
            .map_err(xerr)?;
        ws.set_column_width(c as u16, if c == 0 { 36 } else { 16 })
            .map_err(xerr)?;
    }
    for (r, row) in t.rows.iter().enumerate() {
        let r = TABLE_HEADER_ROW + 1 + r as u32;
        for (c, cell) in row.iter().enumerate() {
            let c = c as u16;
            match cell {
                TableCell::Text(s) => ws.write_string_with_format(r, c, s, &border),
                TableCell::Number(v, d) => {
                    let fmt = if *d == 0 {
                        "#,##0".to_string()
                    } else {
                        format!("#,##0.{}", "0".repeat(usize::from(*d)))
                    };
                    ws.write_number_with_format(r, c, *v, &border.clone().set_num_format(fmt))
                }
                TableCell::Empty => ws.write_blank(r, c, &border),
            }
            .map_err(xerr)?;
        }
    }
    ws.set_freeze_panes(TABLE_HEADER_ROW + 1, 0).map_err(xerr)?;
    wb.save_to_buffer().map_err(xerr)
}

/// The table as CSV, in the conventions of [`crate::csv_values`]: UTF-8, a header line, `,`
/// between fields, quoted where needed; numbers with `.` as the decimal point, no grouping,
/// their decimals as shown; the title is not written.
pub fn write_csv(t: &Table) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * (t.rows.len() + 1)));
    let _ = w.write_record(&t.header);
    for r in &t.rows {
        let _ = w.write_record(r.iter().map(|c| match c {
            TableCell::Text(s) => crate::csv_values::to_cell(s).into_owned(),
            TableCell::Number(v, d) => format!("{:.*}", usize::from(*d), v),
            TableCell::Empty => String::new(),
        }));
    }
    // Writing to a Vec cannot fail.
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    #[test]
    fn a_table_reads_back_as_written() {
        let t = Table {
            sheet: "Khám phá: 2023/2024".into(),
            title: "Tỷ lệ văn bản điện tử".into(),
            header: vec!["Đơn vị".into(), "Năm 2023".into()],
            rows: vec![
                vec![
                    TableCell::Text("UBND cấp xã".into()),
                    TableCell::Number(94.89, 2),
                ],
                vec![TableCell::Text("Bác Ái".into()), TableCell::Empty],
            ],
        };
        let bytes = write_table(&t).unwrap();
        let mut x: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let sheet = x.sheet_names()[0].clone();
        assert_eq!(sheet, "Khám phá 20232024");
        let range = x.worksheet_range(&sheet).unwrap();
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("Tỷ lệ văn bản điện tử".into()))
        );
        assert_eq!(
            range.get_value((2, 1)),
            Some(&Data::String("Năm 2023".into()))
        );
        assert_eq!(range.get_value((3, 1)), Some(&Data::Float(94.89)));
        assert!(matches!(range.get_value((4, 1)), None | Some(Data::Empty)));
        let csv = String::from_utf8(write_csv(&t)).unwrap();
        assert_eq!(csv, "Đơn vị,Năm 2023\nUBND cấp xã,94.89\nBác Ái,\n");
    }
}
