//! `chiso report` on the 2023 demo: the Vietnamese PDF read back with poppler's tools (the
//! figures, A4, fonts embedded, the frame on page 1, text inside Decree 30's margins), the
//! DOCX's targets table against the engine, the Bengali summary and the English translation.

use std::process::Command;
use std::sync::OnceLock;

fn chiso() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chiso"))
}

/// The demo database, loaded once for every test here.
fn demo() -> &'static (std::path::PathBuf, String) {
    static DEMO: OnceLock<(std::path::PathBuf, String)> = OnceLock::new();
    DEMO.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("chiso-report-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let out = chiso()
            .args(["demo", "--no-serve", "--data-dir"])
            .arg(&dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let db = format!("sqlite://{}", dir.join("demo.db").display());
        (dir, db)
    })
}

/// `chiso report` into a file of the demo's folder; its bytes.
fn report(format: &str, lang: &str, extra: &[&str]) -> (std::path::PathBuf, Vec<u8>) {
    let (dir, db) = demo();
    // A file of its own per call: tests run in parallel and two may ask for the same report.
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let file = dir.join(format!("report-{lang}-{n}.{format}"));
    let out = chiso()
        .args([
            "report",
            "--framework",
            "KH_CDS_2023",
            "--format",
            format,
            "--lang",
            lang,
        ])
        .args(["--database", db.as_str(), "-o"])
        .arg(&file)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&file).unwrap();
    (file, bytes)
}

/// A poppler tool's output (installed by scripts/test.sh: Debian's poppler-utils).
fn poppler(tool: &str, args: &[&str], file: &std::path::Path) -> String {
    let out = Command::new(tool)
        .args(args)
        .arg(file)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
    assert!(
        out.status.success(),
        "{tool}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn info(tool: &str, file: &std::path::Path) -> String {
    let out = Command::new(tool)
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{tool} (poppler-utils) is needed: {e}"));
    assert!(out.status.success());
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn vietnamese_pdf_states_the_published_figures_on_a4_with_embedded_fonts() {
    let (file, _) = report("pdf", "vi", &[]);
    let text = poppler("pdftotext", &[], &file);
    // pdftotext breaks lines where the PDF does: join them to find phrases.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "17/23",
        "98,90%",
        "96,52%",
        "94,89%",
        "97,22%",
        "9,48 điểm phần trăm",
        "314.792 tỷ đồng",
        "67.436 tỷ đồng",
        "146.587",
        "52 ngày",
        "85,2%",
        "14 chỉ tiêu",
        "vượt kế hoạch",
        "tăng 9,48 điểm phần trăm so với cùng kỳ",
    ] {
        assert!(
            flat.contains(want),
            "{want} is missing from the PDF:\n{flat}"
        );
    }
    assert!(
        flat.contains("phiên bản dữ liệu"),
        "the data version is stated"
    );
    let pdfinfo = info("pdfinfo", &file);
    assert!(pdfinfo.contains("(A4)"), "{pdfinfo}");
    let fonts = info("pdffonts", &file);
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(!rows.is_empty(), "{fonts}");
    for r in rows {
        let cols: Vec<&str> = r.split_whitespace().collect();
        // name type… encoding emb sub uni id gen: "emb" is the 5th from the end.
        assert_eq!(cols[cols.len() - 5], "yes", "a font not embedded: {r}");
    }
    // Page 1: the national name and motto, the issuing body, the number and symbol.
    let page1 = poppler("pdftotext", &["-f", "1", "-l", "1"], &file);
    let page1 = page1.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "ỦY BAN NHÂN DÂN",
        "/BC-UBND",
        "BÁO CÁO",
    ] {
        assert!(page1.contains(want), "{want} is not on page 1:\n{page1}");
    }
    // The end: recipients and the signature block.
    for want in ["Nơi nhận:", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "- Lưu: VT"] {
        assert!(flat.contains(want), "{want} is missing");
    }
}

/// Every word inside the margins of Decree 30 (left 30 mm, right 15 mm, top and bottom
/// 20 mm), but the page numbers, which the decree puts in the top margin.
#[test]
fn pdf_text_stays_inside_the_decree_margins() {
    let (file, _) = report("pdf", "vi", &[]);
    let bbox = poppler("pdftotext", &["-bbox"], &file);
    let mm = 72.0 / 25.4;
    let (w, h) = (210.0 * mm, 297.0 * mm);
    let attr = |line: &str, name: &str| -> f64 {
        let k = format!("{name}=\"");
        let s = &line[line.find(&k).unwrap() + k.len()..];
        s[..s.find('"').unwrap()].parse().unwrap()
    };
    let mut words = 0;
    for line in bbox.lines().filter(|l| l.trim_start().starts_with("<word")) {
        let (x0, y0, x1, y1) = (
            attr(line, "xMin"),
            attr(line, "yMin"),
            attr(line, "xMax"),
            attr(line, "yMax"),
        );
        let text = line[line.find('>').unwrap() + 1..].trim_end_matches("</word>");
        if y1 < 20.0 * mm && text.chars().all(|c| c.is_ascii_digit()) {
            continue; // a page number
        }
        words += 1;
        assert!(x0 >= 30.0 * mm - 0.5, "{line}: left of the 30 mm margin");
        assert!(
            x1 <= w - 15.0 * mm + 0.5,
            "{line}: right of the 15 mm margin"
        );
        assert!(y0 >= 20.0 * mm - 0.5, "{line}: in the top margin");
        assert!(y1 <= h - 20.0 * mm + 0.5, "{line}: in the bottom margin");
    }
    assert!(words > 500, "{words} words");
}

/// The text of each cell of each row of the DOCX's tables.
fn docx_tables(bytes: &[u8]) -> Vec<Vec<Vec<String>>> {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    let text = |s: &str| -> String {
        let mut out = String::new();
        for part in s.split("<w:t").skip(1) {
            // <w:t> or <w:t xml:space…>, not <w:tc>, <w:tr>, <w:tbl>….
            if !(part.starts_with('>') || part.starts_with(' ')) {
                continue;
            }
            let body = &part[part.find('>').unwrap() + 1..];
            out.push_str(&body[..body.find("</w:t>").unwrap()]);
        }
        out.replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
    };
    xml.split("<w:tbl>")
        .skip(1)
        .map(|t| {
            let t = &t[..t.find("</w:tbl>").unwrap()];
            t.split("<w:tr>")
                .skip(1)
                .map(|r| r.split("<w:tc>").skip(1).map(text).collect())
                .collect()
        })
        .collect()
}

/// A part of the DOCX, as text.
fn docx_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut xml = String::new();
    z.by_name(name)
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

#[test]
fn docx_numbers_its_pages_from_the_second_centred_in_the_top_margin() {
    let (_, bytes) = report("docx", "vi", &[]);
    let document = docx_part(&bytes, "word/document.xml");
    let sect = &document[document.find("<w:sectPr>").expect("a section")..];
    // The header with the page number is the default one; the first page has its own (empty).
    assert!(sect.contains(r#"<w:headerReference w:type="default" r:id="rId2"/>"#));
    assert!(sect.contains("<w:titlePg/>"), "page 1 carries no number");
    let rels = docx_part(&bytes, "word/_rels/document.xml.rels");
    assert!(rels.contains(r#"Id="rId2""#) && rels.contains(r#"Target="header1.xml""#));
    let header = docx_part(&bytes, "word/header1.xml");
    assert!(header.contains(r#"<w:jc w:val="center"/>"#), "{header}");
    assert!(header.contains(r#"w:instr=" PAGE ""#), "{header}");
    let types = docx_part(&bytes, "[Content_Types].xml");
    assert!(types.contains(r#"PartName="/word/header1.xml""#));
}

#[test]
fn docx_targets_table_equals_the_engines_targets() {
    let (_, bytes) = report("docx", "vi", &[]);
    let tables = docx_tables(&bytes);
    let targets = tables
        .iter()
        .find(|t| {
            t.first()
                .is_some_and(|h| h.first().is_some_and(|c| c == "STT"))
        })
        .expect("the targets table");
    assert_eq!(
        targets[0],
        ["STT", "Chỉ tiêu", "Kế hoạch", "Thực hiện", "Đánh giá"]
    );
    let rows = &targets[1..];
    assert_eq!(rows.len(), 23);
    // The engine's judgement, read from the same database.
    let (_, db) = demo();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (framework, judged) = rt.block_on(async {
        let store = chiso_store::open(db).await.unwrap();
        let engine = chiso_app::live::engine_from(store.as_ref()).await.unwrap();
        let app = chiso_app::App::for_command(store.clone());
        let day = app.as_of_day().await.unwrap();
        let f = store
            .frameworks()
            .await
            .unwrap()
            .into_iter()
            .find(|f| f.code.as_str() == "KH_CDS_2023")
            .unwrap();
        let v = engine.view(chiso_engine::View::Official);
        let judged: Vec<(chiso_core::Assessment, u8)> = f
            .targets
            .iter()
            .map(|t| {
                let dec = t
                    .indicator
                    .as_ref()
                    .and_then(|i| engine.indicator_def(i.as_str()))
                    .map(|d| d.decimals)
                    .unwrap_or(0);
                (v.assess(t, day).unwrap(), dec)
            })
            .collect();
        (f, judged)
    });
    let mut met = 0;
    for ((row, t), (a, dec)) in rows.iter().zip(&framework.targets).zip(&judged) {
        assert_eq!(row[1], t.name_vi);
        if let Some(p) = t.value {
            let plan = chiso_report::fmt::number(p, 0, chiso_report::Lang::Vi);
            assert!(row[2].starts_with(&plan), "{row:?}: plan {plan}");
        }
        if let Some(x) = a.actual {
            let actual = chiso_report::fmt::number(x, *dec, chiso_report::Lang::Vi);
            assert!(row[3].starts_with(&actual), "{row:?}: actual {actual}");
        }
        let status = match a.status {
            chiso_core::Status::Met => "Đạt",
            chiso_core::Status::BeyondPlan => "Vượt kế hoạch",
            chiso_core::Status::NotMet => "Chưa đạt",
            chiso_core::Status::DoneEarly => "Hoàn thành sớm",
            s => panic!("a 2023 target judged {s:?}"),
        };
        assert_eq!(row[4], status, "{row:?}");
        met += usize::from(a.status.achieved());
    }
    assert_eq!(met, 17);
}

#[test]
fn bengali_summary_writes_the_figures_as_the_seed_article_does() {
    let (_, bytes) = report("html", "bn", &[]);
    let html = String::from_utf8(bytes).unwrap();
    for want in [
        "১৭/২৩",
        "৯৮.৯০%",
        "৯৬.৫২%",
        "৯৪.৮৯%",
        "৯৭.২২%",
        "৯.৪৮",
        "৩১৪,৭৯২",
        "৬৭,৪৩৬",
        "১৪৬,৫৮৭",
        "৮৫.২%",
        "৫২ দিন",
    ] {
        assert!(
            html.contains(want),
            "{want} is missing from the Bengali summary"
        );
    }
    // The DOCX of the same summary holds the same text.
    let (_, docx) = report("docx", "bn", &[]);
    assert!(docx.len() > 1000);
}

#[test]
fn english_translation_states_the_same_numbers() {
    let (file, _) = report("pdf", "en", &[]);
    let text = poppler("pdftotext", &[], &file);
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        "17/23",
        "98.90%",
        "96.52%",
        "94.89%",
        "97.22%",
        "up 9.48 percentage points",
        "314,792 billion VND",
        "up 67,436 billion VND",
        "146,587",
        "52 days",
        "85.2%",
        "14 population-data cleaning targets",
        "English translation",
    ] {
        assert!(
            flat.contains(want),
            "{want} is missing from the English report:\n{flat}"
        );
    }
}

#[test]
fn xlsx_annex_has_a_sheet_per_table_and_live_figures_are_marked() {
    let (_, bytes) = report("xlsx", "vi", &[]);
    let z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let sheets = z
        .file_names()
        .filter(|n| n.starts_with("xl/worksheets/sheet"))
        .count();
    // Targets, tiers, pillars, directives, commune ranking, plans, DX products.
    assert_eq!(sheets, 7);
    let (_, live) = report("html", "vi", &["--live"]);
    let live = String::from_utf8(live).unwrap();
    assert!(live.contains("SỐ LIỆU TRỰC TIẾP, CHƯA DUYỆT"));
    let (_, official) = report("html", "vi", &[]);
    assert!(!String::from_utf8(official).unwrap().contains("TRỰC TIẾP"));
}

#[test]
fn a_template_error_names_the_file_the_line_and_the_name() {
    let (dir, db) = demo();
    let tpl = dir.join("tpl");
    std::fs::create_dir_all(&tpl).unwrap();
    std::fs::write(
        tpl.join("vi.md"),
        "%type BÁO CÁO\nDòng một.\nĐạt {{ achieved }}/{{ tong_so }} chỉ tiêu.\n",
    )
    .unwrap();
    let out = chiso()
        .args([
            "report",
            "--framework",
            "KH_CDS_2023",
            "--format",
            "html",
            "--lang",
            "vi",
        ])
        .args(["--database", db.as_str(), "--templates"])
        .arg(&tpl)
        .arg("-o")
        .arg(dir.join("bad.html"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("vi.md:3"), "{err}");
    assert!(err.contains("tong_so"), "{err}");
    // An override that resolves is used, with no rebuild.
    std::fs::write(
        tpl.join("vi.md"),
        "%type BÁO CÁO\nĐạt {{ achieved }} trên {{ total }} chỉ tiêu.\n",
    )
    .unwrap();
    let (_, bytes) = report("html", "vi", &["--templates", tpl.to_str().unwrap()]);
    assert!(String::from_utf8(bytes)
        .unwrap()
        .contains("Đạt 17 trên 23 chỉ tiêu."));
}
