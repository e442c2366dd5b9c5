//! `chiso roadmap` on the demo database: the pages' picture, on standard output, read only.

use std::process::Command;

fn chiso() -> Command {
    Command::new(env!("CARGO_BIN_EXE_chiso"))
}

fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The database files, byte for byte (the shared-memory index and an empty log left out).
fn db_bytes(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with("demo.db"))
        .filter(|e| !e.file_name().to_string_lossy().ends_with("-shm"))
        .filter(|e| e.metadata().map(|m| m.len() > 0).unwrap_or(false))
        .map(|e| {
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

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
