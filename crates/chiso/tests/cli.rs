//! The `chiso` command as a user runs it.

mod common;
use common::{chiso, db_bytes, run, tempdir};
use std::io::{BufRead, BufReader, Read, Write};
use std::process::Stdio;

#[test]
fn units_import_twice_changes_nothing() {
    let dir = tempdir("units");
    let db = format!("sqlite://{}", dir.join("u.db").display());
    let (ok, out, err) =
        run(chiso().args(["units", "import", "--province", "58", "--database", &db]));
    assert!(ok, "{err}");
    // 1 legacy province, 7 districts, 62 communes; Khánh Hòa (2025) and the 24 communes that
    // succeed Ninh Thuận's.
    assert!(
        out.contains("units: 95 inserted, 0 updated, 0 unchanged"),
        "{out}"
    );
    assert!(out.contains("successor links: 64 inserted"), "{out}");
    let (ok, out, _) =
        run(chiso().args(["units", "import", "--province", "58", "--database", &db]));
    assert!(ok);
    assert!(
        out.contains("units: 0 inserted, 0 updated, 95 unchanged"),
        "{out}"
    );
    assert!(
        out.contains("successor links: 0 inserted, 0 updated, 64 unchanged"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_malformed_units_file_is_refused_with_its_place_and_nothing_is_written() {
    let dir = tempdir("badunits");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/vn-admin");
    for f in ["units_2025.csv", "crosswalk_2025.csv"] {
        std::fs::copy(src.join(f), dir.join(f)).unwrap();
    }
    let legacy = std::fs::read_to_string(src.join("units_legacy.csv")).unwrap();
    let broken: String = legacy
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 3 {
                l.replace(",21.0", ",north")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(dir.join("units_legacy.csv"), broken).unwrap();
    let db_path = dir.join("u.db");
    let db = format!("sqlite://{}", db_path.display());
    let (ok, _, err) = run(chiso()
        .args(["units", "import", "--database", &db, "--from"])
        .arg(&dir));
    assert!(!ok);
    assert!(err.contains("units_legacy.csv, dòng 4, cột lat"), "{err}");
    assert!(
        !db_path.exists(),
        "nothing is written when the files are refused"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_database_url_is_explained() {
    let (ok, _, err) = run(chiso().args([
        "serve",
        "--database",
        "mysql://localhost/x",
        "--listen",
        "127.0.0.1:0",
    ]));
    assert!(!ok);
    assert!(err.contains("use sqlite://PATH or postgres://"), "{err}");
}

#[test]
fn demo_serves_pages_and_api_on_a_real_port() {
    let dir = tempdir("demo");
    let mut child = chiso()
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut url = None;
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(pos) = line.find("http://") {
            url = Some(line[pos..].split_whitespace().next().unwrap().to_string());
            break;
        }
        seen.push(line);
    }
    let url = url.unwrap_or_else(|| panic!("no URL printed: {seen:?}"));
    assert!(
        seen.iter()
            .any(|l| l.contains("data values: 7660 inserted")),
        "{seen:?}"
    );
    let addr = url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let http_get = |path: &str| {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        resp
    };
    let health = http_get("/api/health");
    assert!(
        health.starts_with("HTTP/1.1 200") && health.contains("\"backend\":\"sqlite\""),
        "{health}"
    );
    let page = http_get("/units/58");
    assert!(page.contains("Tỉnh Ninh Thuận"), "{page}");
    child.kill().unwrap();
    let _ = child.wait();

    // The engine loads from the demo database as the server does.
    let (ok, out, err) = run(chiso()
        .args(["engine-load", "--database"])
        .arg(format!("sqlite://{}", dir.join("demo.db").display())));
    assert!(ok, "{err}");
    assert!(
        out.contains("units: 126") && out.contains("values: "),
        "{out}"
    );

    // The audit log of the demo is intact.
    let (ok, out, err) = run(chiso()
        .args(["audit", "verify", "--database"])
        .arg(format!("sqlite://{}", dir.join("demo.db").display())));
    assert!(ok, "{err}");
    assert!(out.contains("hash chain unbroken"), "{out}");

    // A second run reuses the database and changes nothing.
    let (ok, out, err) = run(chiso().args(["demo", "--no-serve", "--data-dir"]).arg(&dir));
    assert!(ok, "{err}");
    assert!(
        out.contains("data values: 0 inserted, 0 updated, 7660 unchanged"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn accounts_from_the_command_line() {
    let dir = tempdir("users");
    let db = format!("sqlite://{}", dir.join("u.db").display());
    let (ok, _, err) =
        run(chiso().args(["units", "import", "--province", "58", "--database", &db]));
    assert!(ok, "{err}");
    let (ok, out, err) = run(chiso().args([
        "user",
        "add",
        "nguyen.van.a",
        "--name",
        "Nguyễn Văn A",
        "--role",
        "data_entry@22738",
        "--database",
        &db,
    ]));
    assert!(ok, "{err}");
    let password = out
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 20)
        .unwrap_or_else(|| panic!("{out}"))
        .to_string();
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    let (_, out, _) = run(chiso().args(["user", "list", "--database", &db]));
    assert!(
        out.contains("nguyen.van.a\tNguyễn Văn A\tmust change password\tdata_entry@22738"),
        "{out}"
    );
    let (ok, _, err) = run(chiso().args([
        "user",
        "add",
        "nguyen.van.a",
        "--name",
        "Again",
        "--database",
        &db,
    ]));
    assert!(!ok && err.contains("already exists"), "{err}");
    let (ok, _, err) = run(chiso().args([
        "user",
        "add",
        "tran.b",
        "--name",
        "B",
        "--role",
        "viewer@99999",
        "--database",
        &db,
    ]));
    assert!(!ok && err.contains("unknown unit 99999"), "{err}");
    let (_, out, _) = run(chiso().args(["user", "list", "--database", &db]));
    assert!(
        !out.contains("tran.b"),
        "a refused account is not half-created: {out}"
    );
    let (ok, _, err) = run(chiso().args(["user", "add", "x", "--name", "X", "--database", &db]));
    assert!(!ok && err.contains("not a user name"), "{err}");
    let (ok, _, err) = run(chiso().args([
        "user",
        "roles",
        "nguyen.van.a",
        "--role",
        "boss",
        "--database",
        &db,
    ]));
    assert!(!ok && err.contains("not a role"), "{err}");
    let (ok, _, err) = run(chiso().args([
        "user",
        "roles",
        "nguyen.van.a",
        "--role",
        "viewer@99999",
        "--database",
        &db,
    ]));
    assert!(!ok && err.contains("unknown unit 99999"), "{err}");
    let (ok, out, _) =
        run(chiso().args(["user", "reset-password", "nguyen.van.a", "--database", &db]));
    assert!(ok);
    let second = out
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 20)
        .unwrap()
        .to_string();
    assert_ne!(password, second, "a new one-time password");
    let (ok, _, _) = run(chiso().args(["user", "disable", "nguyen.van.a", "--database", &db]));
    assert!(ok);
    let (_, out, _) = run(chiso().args(["user", "list", "--database", &db]));
    assert!(out.contains("\tdisabled\t"), "{out}");
    // Tokens: shown once, listed without the secret, revocable.
    run(chiso().args(["user", "enable", "nguyen.van.a", "--database", &db]));
    let (ok, out, err) = run(chiso().args([
        "token",
        "create",
        "nguyen.van.a",
        "--name",
        "Cổng dịch vụ công",
        "--database",
        &db,
    ]));
    assert!(ok, "{err}");
    let secret = out
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 64)
        .unwrap()
        .to_string();
    let id = out
        .split_whitespace()
        .find(|w| w.starts_with("tk-"))
        .unwrap()
        .to_string();
    let (_, list, _) = run(chiso().args(["token", "list", "--database", &db]));
    assert!(
        list.contains(&id) && list.contains("active") && !list.contains(&secret),
        "{list}"
    );
    let (ok, _, _) = run(chiso().args(["token", "revoke", &id, "--database", &db]));
    assert!(ok);
    let (_, list, _) = run(chiso().args(["token", "list", "--database", &db]));
    assert!(list.contains("revoked"), "{list}");
    let (ok, _, err) = run(chiso().args([
        "token",
        "create",
        "nobody",
        "--name",
        "x",
        "--database",
        &db,
    ]));
    assert!(!ok && err.contains("unknown user"), "{err}");
    let (ok, out, _) = run(chiso().args(["audit", "verify", "--database", &db]));
    assert!(ok && out.contains("unbroken"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

fn unit_template(value: &str) -> Vec<u8> {
    use chiso_io::xlsx::{write_unit_template, TemplateElement, UnitTemplate};
    let element = |code: &str, current: Option<&str>| TemplateElement {
        code: code.into(),
        name: code.into(),
        breakdown: None,
        value_type: chiso_core::ValueType::Integer,
        previous: None,
        last_year: None,
        current: current.map(str::to_string),
        comment: None,
    };
    write_unit_template(&UnitTemplate {
        data_set: "BM_CDS_XA".into(),
        data_set_name: "Biểu số liệu chuyển đổi số cấp xã (năm)".into(),
        unit: "2025-22738".into(),
        unit_name: "Phường Đô Vinh".into(),
        period: "2026".into(),
        period_label: "Năm 2026".into(),
        elements: vec![
            element("VB_DEN", Some(value)),
            element("VB_XL_MANG", Some("10")),
        ],
    })
    .unwrap()
}

#[test]
fn malformed_files_leave_the_database_byte_for_byte_unchanged() {
    let dir = tempdir("malformed");
    let (ok, _, err) = run(chiso().args(["demo", "--no-serve", "--data-dir"]).arg(&dir));
    assert!(ok, "{err}");
    let url = format!("sqlite://{}", dir.join("demo.db").display());
    // A read-only command first, so the database is settled (its log checkpointed).
    assert!(run(chiso().args(["audit", "verify", "--database", &url])).0);
    let before = db_bytes(&dir);
    assert!(!before.is_empty());

    let files = dir.join("files");
    std::fs::create_dir_all(&files).unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let p = files.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    };
    // A zip bomb dressed as a workbook: 200 MiB of zeros in a few hundred kilobytes.
    let bomb = {
        let mut buf = std::io::Cursor::new(Vec::new());
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        z.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..200 {
            z.write_all(&zeros).unwrap();
        }
        z.finish().unwrap();
        buf.into_inner()
    };
    let no_meta = {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        ws.set_name("Khác").unwrap();
        ws.write(0, 0, "VB_DEN").unwrap();
        wb.save_to_buffer().unwrap()
    };
    let good = unit_template("12");
    let mut huge = b"PK\x03\x04".to_vec();
    huge.resize(60 * 1024 * 1024, 0);
    let cases: Vec<(std::path::PathBuf, &str)> = vec![
        (
            write(
                "ma-sai.csv",
                b"element,period,unit,value\nKHONG_CO,2026,2025-22738,1\nVB_DEN,2026,99999,1\n",
            ),
            "dòng 2, cột element",
        ),
        (
            write("chu-trong-o-so.xlsx", &unit_template("mười hai")),
            "trang Biểu mẫu",
        ),
        (write("thieu-trang.xlsx", &no_meta), "_chiso"),
        (
            write(
                "trung-dong.csv",
                b"element,period,unit,value\nVB_DEN,2026,2025-22738,1\nVB_DEN,2026,2025-22738,2\n",
            ),
            "trùng với dòng 2",
        ),
        (write("qua-lon.xlsx", &huge), "quá lớn"),
        (write("bom-nen.xlsx", &bomb), "xlsx"),
        (write("cat-cut.xlsx", &good[..good.len() / 2]), "xlsx"),
        (
            write(
                "hong.json",
                b"{\"dataValues\": [{\"dataElement\": \"VB_DEN\", \"value\": ",
            ),
            "json",
        ),
    ];
    for (path, expected) in &cases {
        let started = std::time::Instant::now();
        let (ok, out, err) = run(chiso().arg("import").arg(path).args(["--database", &url]));
        assert!(!ok, "{}: {out}", path.display());
        assert!(
            err.to_lowercase().contains(&expected.to_lowercase()),
            "{}: {err}",
            path.display()
        );
        assert!(
            err.contains("không ghi dữ liệu nào")
                || err.contains("quá lớn")
                || err.contains("không nhận ra"),
            "{}: {err}",
            path.display()
        );
        assert!(started.elapsed().as_secs() < 60, "{}", path.display());
        let now = db_bytes(&dir);
        let sizes = |v: &[(String, Vec<u8>)]| {
            v.iter()
                .map(|(n, b)| (n.clone(), b.len()))
                .collect::<Vec<_>>()
        };
        let first_diff = now.iter().zip(&before).find_map(|((n, a), (_, b))| {
            a.iter()
                .zip(b)
                .position(|(x, y)| x != y)
                .map(|p| (n.clone(), p))
        });
        assert!(
            now == before,
            "{} changed the database: {:?} → {:?}, first difference {first_diff:?}",
            path.display(),
            sizes(&before),
            sizes(&now)
        );
    }
    // A dry run of a good file changes nothing either, and says what would change.
    let p = write("tot.xlsx", &good);
    let (ok, out, err) = run(chiso()
        .arg("import")
        .arg(&p)
        .args(["--dry-run", "--database", &url]));
    assert!(ok, "{err}");
    assert!(out.contains("2 mới"), "{out}");
    assert!(db_bytes(&dir) == before, "the dry run changed the database");
    // And the real import writes, and exports back out.
    let (ok, out, err) = run(chiso().arg("import").arg(&p).args(["--database", &url]));
    assert!(ok, "{err}");
    assert!(out.contains("2 mới"), "{out}");
    let (ok, out, err) = run(chiso().args([
        "export",
        "--data-set",
        "BM_CDS_XA",
        "--period",
        "2026",
        "--unit",
        "2025-56",
        "--children",
        "--format",
        "dhis2-json",
        "--database",
        &url,
    ]));
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["dataValues"].as_array().unwrap().len(), 2, "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The audit log's head, kept outside the database, catches what a whole-looking chain hides:
/// a copy of the database older than the head, and a chain whose hashes were recomputed.
#[test]
fn an_older_copy_or_a_rewritten_chain_fails_against_the_recorded_head() {
    let dir = tempdir("audit-head");
    let (ok, _, err) = run(chiso().args(["demo", "--no-serve", "--data-dir"]).arg(&dir));
    assert!(ok, "{err}");
    let db = dir.join("demo.db");
    let url = format!("sqlite://{}", db.display());
    let head = |url: &str| {
        let (ok, out, err) = run(chiso().args(["audit", "head", "--database", url]));
        assert!(ok, "{err}");
        out.trim().to_string()
    };
    let verify = |url: &str, expect: &str| {
        run(chiso().args(["audit", "verify", "--database", url, "--expect", expect]))
    };
    let before = head(&url);
    assert!(
        before
            .split_once(':')
            .is_some_and(|(s, h)| s.parse::<i64>().is_ok() && h.len() == 64),
        "{before}"
    );
    let (ok, out, err) = verify(&url, &before);
    assert!(ok, "{err}");
    assert!(out.contains("holding the recorded head"), "{out}");

    // A copy kept now, then one more change (an account) and its head recorded.
    let stale = dir.join("stale.db");
    std::fs::copy(&db, &stale).unwrap();
    let (ok, _, err) = run(chiso()
        .args([
            "user",
            "add",
            "kiem.toan",
            "--name",
            "Kiểm toán",
            "--role",
            "viewer",
            "--database",
        ])
        .arg(&url));
    assert!(ok, "{err}");
    let after = head(&url);
    assert_ne!(after, before);
    assert!(
        verify(&url, &before).0,
        "an older head is still inside the chain"
    );

    // The older copy restored: whole in itself, but shorter than the head recorded.
    let stale_url = format!("sqlite://{}", stale.display());
    let (ok, _, _) = run(chiso().args(["audit", "verify", "--database", &stale_url]));
    assert!(ok, "the stale copy's own chain is whole");
    let (ok, _, err) = verify(&stale_url, &after);
    assert!(!ok);
    assert!(err.contains("older copy"), "{err}");

    // The same sequence number with another hash: a rewritten chain.
    let (seq, _) = after.split_once(':').unwrap();
    let (ok, _, err) = verify(&url, &format!("{seq}:{}", "0".repeat(64)));
    assert!(!ok);
    assert!(err.contains("rewritten"), "{err}");
    // A malformed head is said in words.
    let (ok, _, err) = verify(&url, "907-abc");
    assert!(!ok);
    assert!(err.contains("SEQ:HASH"), "{err}");
}
