//! `chiso roadmap` on the demo database: the pages' picture, on standard output, read only.

mod common;
use common::{chiso, db_bytes, run};

#[test]
fn roadmap_writes_the_svg_of_a_demo_plan_and_of_the_province() {
    let dir = std::env::temp_dir().join(format!("chiso-cli-roadmap-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (ok, _, err) = run(chiso().args(["demo", "--no-serve", "--data-dir"]).arg(&dir));
    assert!(ok, "{err}");
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    // A read-only command first, so the database is settled (its log checkpointed).
    assert!(run(chiso().args(["audit", "verify", "--database", &db])).0);
    let before = db_bytes(&dir);

    // One plan: its tasks, judged on the demo's day (30 June 2024).
    let (ok, svg, err) =
        run(chiso().args(["roadmap", "--database", &db, "--plan", "KH2024-58-SO-TTTT"]));
    assert!(ok, "{err}");
    assert!(svg.starts_with("<svg"), "{svg}");
    assert!(svg.trim_end().ends_with("</svg>"));
    assert!(
        svg.contains("Phối hợp doanh nghiệp viễn thông xóa thôn lõm sóng, phủ sóng 5G"),
        "{svg}"
    );
    assert!(svg.contains("Kế hoạch chuyển đổi số năm 2024"));
    assert!(svg.contains("(Quá hạn)") && svg.contains(">T1<"));
    assert!(svg.contains(">30/06/2024</text>"));

    // In English.
    let (ok, en, err) = run(chiso().args([
        "roadmap",
        "--database",
        &db,
        "--plan",
        "KH2024-58-SO-TTTT",
        "--lang",
        "en",
    ]));
    assert!(ok, "{err}");
    assert!(en.contains("(Overdue)") && en.contains(">Jan<"), "{en}");

    // The province's: every plan of the year, each row named by its unit.
    let (ok, svg, err) = run(chiso().args(["roadmap", "--database", &db, "--year", "2024"]));
    assert!(ok, "{err}");
    assert!(svg.starts_with("<svg"));
    assert!(svg.contains("Lộ trình thực hiện kế hoạch CĐS năm 2024"));
    assert!(svg.contains("Sở Thông tin và Truyền thông · Phối hợp doanh nghiệp viễn thông"));
    // A year without plans: a picture saying so.
    let (ok, svg, err) = run(chiso().args(["roadmap", "--database", &db, "--year", "1999"]));
    assert!(ok, "{err}");
    assert!(
        svg.starts_with("<svg") && svg.contains("Không có nhiệm vụ nào"),
        "{svg}"
    );

    // Mistakes are explained, on standard error, with nothing on standard output.
    let (ok, out, err) = run(chiso().args(["roadmap", "--database", &db, "--plan", "KH-NONE"]));
    assert!(!ok && out.is_empty());
    assert!(err.contains("there is no plan KH-NONE"), "{err}");
    let (ok, _, err) = run(chiso().args([
        "roadmap",
        "--database",
        &db,
        "--plan",
        "KH2024-58-SO-TTTT",
        "--year",
        "2024",
    ]));
    assert!(!ok && err.contains("cannot be used with"), "{err}");
    let missing = dir.join("typo.db");
    let (ok, _, err) = run(chiso()
        .args(["roadmap", "--database"])
        .arg(format!("sqlite://{}", missing.display())));
    assert!(!ok && err.contains("there is no database"), "{err}");
    assert!(!missing.exists(), "reading creates no database");

    // It only read.
    assert!(db_bytes(&dir) == before, "the database changed");
    let _ = std::fs::remove_dir_all(dir);
}
