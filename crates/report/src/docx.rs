//! The report as a Word document (Office Open XML written directly: a handful of parts in a
//! zip), on A4 with Decree 30's margins, Times New Roman 14 (the body), the frame in a
//! borderless two-column table, the report's tables with borders.

use crate::text::{Block, Doc, ParaKind};
use std::io::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A run: size in points, bold, italic.
fn run(text: &str, size: u32, bold: bool, italic: bool) -> String {
    format!(
        "<w:r><w:rPr>{}{}<w:sz w:val=\"{}\"/></w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        if bold { "<w:b/>" } else { "" },
        if italic { "<w:i/>" } else { "" },
        size * 2,
        esc(text)
    )
}

/// A paragraph: alignment (`both`, `center`, `left`, `right`), first-line indent in twips.
fn para(runs: &str, align: &str, indent: u32, after: u32) -> String {
    format!(
        "<w:p><w:pPr><w:spacing w:before=\"0\" w:after=\"{after}\" w:line=\"288\" w:lineRule=\"auto\"/>{}<w:jc w:val=\"{align}\"/></w:pPr>{runs}</w:p>",
        if indent > 0 { format!("<w:ind w:firstLine=\"{indent}\"/>") } else { String::new() }
    )
}

fn lines(doc: &Doc, key: &str, size: u32, bold: bool, italic: bool, align: &str) -> String {
    doc.lines(key)
        .iter()
        .map(|l| para(&run(l, size, bold, italic), align, 0, 0))
        .collect()
}

fn cell(content: &str, width: u32) -> String {
    format!("<w:tc><w:tcPr><w:tcW w:w=\"{width}\" w:type=\"dxa\"/></w:tcPr>{content}</w:tc>")
}

fn table(widths: &[u32], rows: &[String], borders: bool) -> String {
    let b = if borders {
        "<w:tblBorders><w:top w:val=\"single\" w:sz=\"4\"/><w:left w:val=\"single\" w:sz=\"4\"/><w:bottom w:val=\"single\" w:sz=\"4\"/><w:right w:val=\"single\" w:sz=\"4\"/><w:insideH w:val=\"single\" w:sz=\"4\"/><w:insideV w:val=\"single\" w:sz=\"4\"/></w:tblBorders>"
    } else {
        ""
    };
    // The schema's order in tblPr: width, borders, layout (Word refuses another order).
    let grid: String = widths
        .iter()
        .map(|w| format!("<w:gridCol w:w=\"{w}\"/>"))
        .collect();
    format!(
        "<w:tbl><w:tblPr><w:tblW w:w=\"{}\" w:type=\"dxa\"/>{b}<w:tblLayout w:type=\"fixed\"/></w:tblPr><w:tblGrid>{grid}</w:tblGrid>{}</w:tbl>",
        widths.iter().sum::<u32>(),
        rows.concat()
    )
}

/// The text width between Decree 30's margins (30 mm left, 20 mm right) in twips.
const TEXT_WIDTH: u32 = 9071;

fn body(doc: &Doc) -> String {
    let mut o = String::new();
    let half = [TEXT_WIDTH * 2 / 5, TEXT_WIDTH - TEXT_WIDTH * 2 / 5];
    if !doc.meta("issuer").is_empty() {
        let (nation, motto) = if doc.lang == crate::Lang::Vi {
            (
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
            )
        } else {
            (
                "SOCIALIST REPUBLIC OF VIET NAM",
                "Independence - Freedom - Happiness",
            )
        };
        let left = format!(
            "{}{}",
            lines(doc, "issuer", 13, true, false, "center"),
            lines(doc, "number", 13, false, false, "center")
        );
        let right = format!(
            "{}{}{}",
            para(&run(nation, 12, true, false), "center", 0, 0),
            para(&run(motto, 13, true, false), "center", 120, 0)
                .replace("<w:ind w:firstLine=\"120\"/>", ""),
            lines(doc, "place", 13, false, true, "center")
        );
        o.push_str(&table(
            &half,
            &[format!(
                "<w:tr>{}{}</w:tr>",
                cell(&left, half[0]),
                cell(&right, half[1])
            )],
            false,
        ));
    }
    o.push_str(&lines(doc, "translation", 11, false, true, "center"));
    o.push_str(&para("", "center", 0, 0));
    o.push_str(&lines(doc, "type", 14, true, false, "center"));
    o.push_str(&lines(doc, "summary", 14, true, false, "center"));
    o.push_str(&para("", "center", 0, 0));
    for b in &doc.blocks {
        match b {
            Block::Heading(_, t) => o.push_str(&para(&run(t, 14, true, false), "both", 567, 120)),
            // Word documents carry the chart's figures in the tables; the chart is in the PDF
            // and HTML.
            Block::Chart(_, _) => {}
            Block::Para(ParaKind::Text, t) | Block::Para(ParaKind::Item, t) => {
                o.push_str(&para(&run(t, 14, false, false), "both", 567, 120))
            }
            Block::Para(ParaKind::Note, t) => {
                o.push_str(&para(&run(t, 11, false, true), "left", 0, 120))
            }
            Block::Table(t) => {
                o.push_str(&para(&run(&t.title, 13, true, false), "center", 0, 60));
                let total: f32 = t.widths.iter().sum::<f32>().max(1.0);
                let w: Vec<u32> = t
                    .widths
                    .iter()
                    .map(|x| (x / total * TEXT_WIDTH as f32) as u32)
                    .collect();
                let row = |cells: &[String], bold: bool| {
                    let c: String = cells
                        .iter()
                        .zip(&w)
                        .map(|(c, w)| cell(&para(&run(c, 12, bold, false), "left", 0, 0), *w))
                        .collect();
                    format!("<w:tr>{c}</w:tr>")
                };
                let mut rows = vec![row(&t.header, true)];
                rows.extend(t.rows.iter().map(|r| row(r, false)));
                o.push_str(&table(&w, &rows, true));
                o.push_str(&para("", "left", 0, 120));
            }
        }
    }
    if !doc.meta("signer").is_empty() {
        let label = if doc.lang == crate::Lang::Vi {
            "Nơi nhận:"
        } else {
            "Recipients:"
        };
        let mut left = para(&run(label, 12, true, true), "left", 0, 0);
        for r in doc.lines("recipients") {
            left.push_str(&para(
                &run(&format!("- {r}"), 11, false, false),
                "left",
                0,
                0,
            ));
        }
        let right = format!(
            "{}{}{}",
            lines(doc, "signer", 14, true, false, "center"),
            "<w:p/><w:p/><w:p/><w:p/>",
            lines(doc, "signer_name", 14, true, false, "center")
        );
        o.push_str(&table(
            &half,
            &[format!(
                "<w:tr>{}{}</w:tr>",
                cell(&left, half[0]),
                cell(&right, half[1])
            )],
            false,
        ));
    }
    o
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/header1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
const DOC_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/header" Target="header1.xml"/></Relationships>"#;
/// Decree 30's page numbers: Arabic figures centred in the top margin, from the second page
/// (the section's `titlePg` gives the first page an empty header of its own).
const HEADER: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:hdr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:fldSimple w:instr=" PAGE "><w:r><w:rPr><w:sz w:val="28"/></w:rPr><w:t>2</w:t></w:r></w:fldSimple></w:p></w:hdr>"#;
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:cs="Times New Roman" w:eastAsia="Times New Roman"/><w:sz w:val="28"/><w:lang w:val="vi-VN"/></w:rPr></w:rPrDefault></w:docDefaults></w:styles>"#;

/// The document's bytes.
pub fn document(doc: &Doc) -> Result<Vec<u8>, zip::result::ZipError> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><w:body>{}<w:sectPr><w:headerReference w:type=\"default\" r:id=\"rId2\"/><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1134\" w:right=\"1134\" w:bottom=\"1134\" w:left=\"1701\" w:header=\"567\" w:footer=\"567\" w:gutter=\"0\"/><w:titlePg/></w:sectPr></w:body></w:document>",
        body(doc)
    );
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opt = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, text) in [
            ("[Content_Types].xml", CONTENT_TYPES),
            ("_rels/.rels", RELS),
            ("word/_rels/document.xml.rels", DOC_RELS),
            ("word/styles.xml", STYLES),
            ("word/header1.xml", HEADER),
            ("word/document.xml", xml.as_str()),
        ] {
            z.start_file(name, opt)?;
            z.write_all(text.as_bytes())?;
        }
        z.finish()?;
    }
    Ok(buf.into_inner())
}
