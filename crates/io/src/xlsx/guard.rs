//! The one guard every XLSX reader goes through — the data templates ([`super::read_template`])
//! and the plans and products workbooks ([`super::plans`]).
//!
//! Before anything is unpacked for parsing, [`check`] refuses:
//! - a file over [`crate::values::MAX_FILE_BYTES`] (20 MiB);
//! - what is not a zip archive;
//! - an archive of more than [`MAX_ENTRIES`] entries;
//! - an entry that unpacks to more than [`MAX_RATIO`] times its compressed size, once past
//!   [`RATIO_FREE`] bytes (the zip bomb), or to more than what is left of [`MAX_UNZIPPED`];
//! - an archive unpacking to more than [`MAX_UNZIPPED`] in all.
//!
//! Sizes are measured by unpacking into nothing, reading each entry at most one byte past
//! its limit; the sizes the archive declares are not trusted (only used to refuse early).
//! Then [`read_guarded`] opens the workbook with calamine and runs the reader under
//! [`std::panic::catch_unwind`], so a malformed file gives an error, never a panic.

use crate::values::check_size;
use crate::FileError;
use calamine::Xlsx;
use std::io::{Cursor, Read};

/// Most entries a workbook's archive may hold.
pub const MAX_ENTRIES: usize = 1000;
/// Total uncompressed size a workbook may unpack to: 100 MiB.
pub const MAX_UNZIPPED: u64 = 100 * 1024 * 1024;
/// Largest compression ratio of an entry unpacking to more than [`RATIO_FREE`] bytes.
pub const MAX_RATIO: u64 = 100;
/// What any entry may unpack to whatever its ratio: 1 MiB.
pub const RATIO_FREE: u64 = 1024 * 1024;

/// A workbook opened by calamine from bytes in memory.
pub(crate) type Book<'a> = Xlsx<Cursor<&'a [u8]>>;

/// "Tệp x.xlsx", or "Tệp" when the reader was given no file name.
fn the_file(file: &str) -> String {
    if file.is_empty() {
        "Tệp".to_string()
    } else {
        format!("Tệp {file}")
    }
}

/// The error of a file that is not a workbook, or a damaged one.
pub(crate) fn not_xlsx(file: &str) -> FileError {
    FileError::whole_file(
        file,
        format!(
            "{} không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng",
            the_file(file)
        ),
    )
}

fn refused(file: &str, what: &str) -> FileError {
    FileError::whole_file(
        file,
        format!(
            "{} bị từ chối vì có thể là tệp nén độc hại: {what}",
            the_file(file)
        ),
    )
}

/// A size for people: "850 byte", "12 KB", "20.0 MB".
fn size(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= MIB {
        format!("{:.1} MB", n as f64 / MIB as f64)
    } else if n >= 1024 {
        format!("{} KB", n / 1024)
    } else {
        format!("{n} byte")
    }
}

/// Checks a workbook's bytes against the limits above, unpacking nothing for parsing.
pub(crate) fn check(file: &str, bytes: &[u8]) -> Result<(), FileError> {
    check_size(file, bytes)?;
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(not_xlsx(file));
    }
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| not_xlsx(file))?;
    if z.len() > MAX_ENTRIES {
        return Err(refused(file, &format!("có hơn {MAX_ENTRIES} tệp con")));
    }
    let mut total: u64 = 0;
    for i in 0..z.len() {
        let entry = z.by_index(i).map_err(|_| not_xlsx(file))?;
        // A declared compressed size cannot exceed the file itself.
        let compressed = entry.compressed_size().min(bytes.len() as u64);
        let by_ratio = RATIO_FREE.max(compressed.saturating_mul(MAX_RATIO));
        let left = MAX_UNZIPPED - total;
        let limit = by_ratio.min(left);
        let too_big = || {
            if by_ratio <= left {
                refused(
                    file,
                    &format!(
                        "một tệp con nén {} giải nén ra hơn {} \
                         (tỉ lệ nén vượt quá {MAX_RATIO}:1)",
                        size(compressed),
                        size(limit)
                    ),
                )
            } else {
                refused(
                    file,
                    &format!("nội dung giải nén vượt quá {}", size(MAX_UNZIPPED)),
                )
            }
        };
        if entry.size() > limit {
            return Err(too_big());
        }
        let read = std::io::copy(&mut entry.take(limit + 1), &mut std::io::sink())
            .map_err(|_| not_xlsx(file))?;
        if read > limit {
            return Err(too_big());
        }
        total += read;
    }
    Ok(())
}

/// Checks `bytes` ([`check`]), then opens them with calamine and runs `read` on the
/// workbook, both under [`std::panic::catch_unwind`]: a panic in the parser on some
/// malformed XML is the error "not a valid workbook", not a crash of the server.
pub(crate) fn read_guarded<T>(
    file: &str,
    bytes: &[u8],
    read: impl FnOnce(&mut Book<'_>) -> Result<T, Vec<FileError>>,
) -> Result<T, Vec<FileError>> {
    check(file, bytes).map_err(|e| vec![e])?;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut wb: Book<'_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|_| vec![not_xlsx(file)])?;
        read(&mut wb)
    }))
    .unwrap_or_else(|_| Err(vec![not_xlsx(file)]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::values::MAX_FILE_BYTES;
    use crate::xlsx::fixtures::unit_template;
    use crate::xlsx::{read_template, write_unit_template};
    use std::io::Write;

    fn workbook() -> Vec<u8> {
        write_unit_template(&unit_template()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn truncated_and_non_zip_files_are_refused() {
        let bytes = workbook();
        let e = read_template("nua.xlsx", &bytes[..bytes.len() / 2]).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(
            e[0].reason,
            "Tệp nua.xlsx không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng"
        );
        assert_eq!(e[0].to_string(), format!("nua.xlsx: {}", e[0].reason));
        for junk in [
            &b"element,period\n"[..],
            b"",
            b"PK\x03\x04garbage",
            b"{\"a\":1}",
        ] {
            let e = read_template("x.xlsx", junk).unwrap_err();
            assert!(e[0].reason.contains("không phải là tệp Excel"), "{e:?}");
        }
        // A valid zip that is not a workbook.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        w.start_file("hello.txt", zip::write::SimpleFileOptions::default())
            .unwrap();
        w.write_all(b"xin chao").unwrap();
        let zip_bytes = w.finish().unwrap().into_inner();
        let e = read_template("hello.xlsx", &zip_bytes).unwrap_err();
        assert!(e[0].reason.contains("không phải là tệp Excel"), "{e:?}");
        // Without a file name, the message still reads.
        let e = check("", b"").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Tệp không phải là tệp Excel (.xlsx) hợp lệ hoặc đã bị hỏng"
        );
    }

    #[test]
    fn files_over_the_size_limit_are_refused_before_unzipping() {
        let mut big = workbook();
        big.resize(MAX_FILE_BYTES + 1, 0);
        let e = check("to.xlsx", &big).unwrap_err();
        assert!(e.reason.contains("quá lớn"), "{e}");
    }

    #[test]
    fn zip_bombs_are_refused_without_unpacking_them() {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        w.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1024 * 1024];
        for _ in 0..200 {
            w.write_all(&zeros).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
        let started = std::time::Instant::now();
        let e = read_template("bom.xlsx", &bytes).unwrap_err();
        assert!(e[0].reason.contains("bị từ chối"), "{e:?}");
        assert!(e[0].reason.contains("tỉ lệ nén"), "{e:?}");
        assert!(started.elapsed().as_secs() < 10);

        // Declared sizes are not trusted: an entry that claims to be small but unpacks to
        // much is caught while reading it.
        let mut lying = bytes.clone();
        patch_declared_sizes(&mut lying, 1000);
        let e = read_template("bom2.xlsx", &lying).unwrap_err();
        assert!(e[0].reason.contains("bị từ chối"), "{e:?}");

        // Many entries.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for i in 0..1001 {
            w.start_file(format!("f{i}"), zip::write::SimpleFileOptions::default())
                .unwrap();
        }
        let e = read_template("many.xlsx", &w.finish().unwrap().into_inner()).unwrap_err();
        assert!(e[0].reason.contains("1000"), "{e:?}");
    }

    #[test]
    fn the_total_unpacked_size_is_limited() {
        // 120 entries of 0.9 MiB each: none past RATIO_FREE, so no ratio applies to them,
        // but 108 MiB in all.
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let zeros = vec![0u8; 900 * 1024];
        for i in 0..120 {
            w.start_file(format!("xl/media/{i}.bin"), opts).unwrap();
            w.write_all(&zeros).unwrap();
        }
        let bytes = w.finish().unwrap().into_inner();
        let e = check("nhieu.xlsx", &bytes).unwrap_err();
        assert!(e.reason.contains("vượt quá 100.0 MB"), "{e}");
    }

    #[test]
    fn a_panic_while_reading_is_an_error() {
        let bytes = workbook();
        let e = read_guarded("hoang.xlsx", &bytes, |_| -> Result<(), _> {
            panic!("a parser bug")
        })
        .unwrap_err();
        assert_eq!(e, vec![not_xlsx("hoang.xlsx")]);
        // And the reader's own errors pass through.
        let e = read_guarded("a.xlsx", &bytes, |_| -> Result<(), _> {
            Err(vec![FileError::whole_file("a.xlsx", "x")])
        })
        .unwrap_err();
        assert_eq!(e[0].reason, "x");
    }

    /// Sets the declared uncompressed size of every central directory entry to `size` (the
    /// 32-bit field: the zip64 extra field is then no longer consulted for it).
    fn patch_declared_sizes(bytes: &mut [u8], size: u32) {
        let mut i = 0;
        while i + 46 <= bytes.len() {
            if bytes[i..i + 4] == *b"PK\x01\x02" {
                bytes[i + 24..i + 28].copy_from_slice(&size.to_le_bytes());
                i += 46;
            } else {
                i += 1;
            }
        }
    }
}
