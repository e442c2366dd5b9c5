//! Office documents told by their container, not by their first bytes: every zip starts with
//! `PK`, so a `.docx` is only a Word document when the zip holds `[Content_Types].xml` and
//! the document's main part, and an OpenDocument file when its `mimetype` entry names its
//! type.

use std::io::Read;

/// The most entries an office document may hold here (as the Excel templates' guard).
const MAX_ENTRIES: usize = 1000;

/// Whether `bytes` is a document of `content_type` (an Office Open XML or OpenDocument type),
/// by its container. Anything unreadable is not.
pub fn is_office_container(bytes: &[u8], content_type: &str) -> bool {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return false;
    };
    if zip.len() > MAX_ENTRIES {
        return false;
    }
    let has =
        |zip: &mut zip::ZipArchive<std::io::Cursor<&[u8]>>, name: &str| zip.by_name(name).is_ok();
    let main_part = match content_type {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            Some("word/document.xml")
        }
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
            Some("xl/workbook.xml")
        }
        "application/vnd.openxmlformats-officedocument.presentationml.presentation" => {
            Some("ppt/presentation.xml")
        }
        _ => None,
    };
    if let Some(part) = main_part {
        return has(&mut zip, "[Content_Types].xml") && has(&mut zip, part);
    }
    if content_type.starts_with("application/vnd.oasis.opendocument.") {
        let Ok(entry) = zip.by_name("mimetype") else {
            return false;
        };
        let mut named = String::new();
        if entry.take(200).read_to_string(&mut named).is_err() {
            return false;
        }
        return named.trim() == content_type;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(text.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    const ODT: &str = "application/vnd.oasis.opendocument.text";

    #[test]
    fn a_zip_is_an_office_document_only_by_its_parts() {
        let docx = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document/>"),
        ]);
        assert!(is_office_container(&docx, DOCX));
        assert!(!is_office_container(
            &zip_of(&[("payload.exe", "MZ")]),
            DOCX
        ));
        assert!(!is_office_container(
            &zip_of(&[("[Content_Types].xml", "<Types/>")]),
            DOCX
        ));
        let odt = zip_of(&[
            ("mimetype", ODT),
            ("content.xml", "<office:document-content/>"),
        ]);
        assert!(is_office_container(&odt, ODT));
        assert!(!is_office_container(
            &zip_of(&[("mimetype", "text/html")]),
            ODT
        ));
        assert!(!is_office_container(b"PK\x03\x04 not really a zip", DOCX));
    }
}
