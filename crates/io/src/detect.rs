//! Telling the formats of data value files apart.

/// A format of data values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// An Excel workbook (a zip archive).
    Xlsx,
    Csv,
    /// DHIS2 dataValueSets JSON.
    Json,
}

/// The format of a file, by its content first, then by its extension when the content does
/// not decide: a zip archive is a workbook, text starting with `{` is JSON, other UTF-8
/// text is CSV. `None` for anything else (binary, an old .xls, …).
pub fn detect(file_name: &str, bytes: &[u8]) -> Option<Format> {
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if bytes.starts_with(b"PK\x03\x04") {
        return Some(Format::Xlsx);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    if let Some(i) = start {
        if text[i] == b'{' {
            return Some(Format::Json);
        }
    }
    // Only the beginning is checked: a multi-byte character may be cut at the end of it.
    let head = &text[..text.len().min(64 * 1024)];
    let is_text = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() < text.len(),
    };
    if !is_text || head.contains(&0) {
        return None;
    }
    match (start, ext.as_str()) {
        (None, "json") => Some(Format::Json),
        (None, "xlsx") => None,
        _ => Some(Format::Csv),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_content_then_extension() {
        assert_eq!(detect("a.csv", b"PK\x03\x04rest"), Some(Format::Xlsx));
        assert_eq!(
            detect("a.txt", b"  \n{\"dataValues\":[]}"),
            Some(Format::Json)
        );
        assert_eq!(detect("a.csv", b"\xEF\xBB\xBF{}"), Some(Format::Json));
        assert_eq!(detect("a.json", b"element,period\n"), Some(Format::Csv));
        assert_eq!(detect("a.xlsx", b"element;period\n"), Some(Format::Csv));
        assert_eq!(detect("a.json", b"  "), Some(Format::Json));
        assert_eq!(detect("a.CSV", b""), Some(Format::Csv));
        assert_eq!(detect("a.xlsx", b""), None);
        assert_eq!(detect("a.xls", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), None);
        assert_eq!(detect("a.csv", b"a,b\x00c"), None);
        assert_eq!(detect("a.csv", "mã,kỳ\n".as_bytes()), Some(Format::Csv));
    }
}
