//! `chiso boundaries import` end to end: a small GeoJSON of the outlines of Thuận Bắc's six
//! communes (`tests/fixtures/thuan-bac-communes.geojson`) imported into the demo, audited,
//! and drawn by the district's map instead of the approximate areas; bad files refused,
//! naming the feature, with nothing written.

mod common;
use common::{chiso, db_bytes, run};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

const COMMUNES: [&str; 6] = ["22837", "22840", "22843", "22849", "22853", "22856"];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn import(file: &Path, db: &str) -> (bool, String, String) {
    run(chiso()
        .args(["boundaries", "import"])
        .arg(file)
        .args(["--database", db]))
}

/// A GET over a plain socket, with an optional header.
fn http_get(addr: &str, path: &str, header: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{header}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    resp
}

#[test]
fn boundaries_import_checks_writes_audits_and_the_map_draws_the_outlines() {
    let dir = std::env::temp_dir().join(format!("chiso-cli-boundaries-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("demo.db").display());
    let (ok, _, err) = run(chiso().args(["demo", "--no-serve", "--data-dir"]).arg(&dir));
    assert!(ok, "{err}");
    let (ok, out, err) = run(chiso().args([
        "user",
        "add",
        "geo.auditor",
        "--name",
        "Auditor",
        "--role",
        "system_admin",
        "--database",
        &db,
    ]));
    assert!(ok, "{err}");
    assert!(out.contains("geo.auditor") || !out.is_empty());
    let (ok, out, err) = run(chiso().args([
        "token",
        "create",
        "geo.auditor",
        "--name",
        "test",
        "--database",
        &db,
    ]));
    assert!(ok, "{err}");
    let token = out
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.contains(' '))
        .unwrap_or_else(|| panic!("no token in {out}"))
        .to_string();

    // A ring that does not close: refused, naming the feature and its unit; nothing written.
    let good = std::fs::read_to_string(fixture("thuan-bac-communes.geojson")).unwrap();
    // The database as a command leaves it after only reading it (its log checkpointed).
    let (ok, _, err) = run(chiso().args(["audit", "verify", "--database", &db]));
    assert!(ok, "{err}");
    let before = db_bytes(&dir);
    let (ok, _, err) = import(&fixture("thuan-bac-bad.geojson"), &db);
    assert!(!ok);
    assert!(
        err.contains("thuan-bac-bad.geojson: feature 3 (22843): polygon 1, ring 1")
            && err.contains("not closed"),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(db_bytes(&dir) == before, "a refused file changes nothing");

    // A code no unit has: refused by name, the other five outlines not written either.
    let unknown = dir.join("unknown-code.geojson");
    let text = good.replacen("\"code\": \"22840\"", "\"code\": \"99999\"", 1);
    assert_ne!(text, good);
    std::fs::write(&unknown, text).unwrap();
    let (ok, _, err) = import(&unknown, &db);
    assert!(!ok);
    assert!(
        err.contains("feature 2 (99999)") && err.contains("99999"),
        "{err}"
    );
    assert!(db_bytes(&dir) == before, "a refused file changes nothing");

    // The good file: a dry run writes nothing, then six outlines, then nothing changes.
    let (ok, out, err) = run(chiso()
        .args(["boundaries", "import"])
        .arg(fixture("thuan-bac-communes.geojson"))
        .args(["--dry-run", "--database", &db]));
    assert!(ok, "{err}");
    assert!(
        out.contains("dry run") && out.contains("6 inserted"),
        "{out}"
    );
    assert!(db_bytes(&dir) == before, "a dry run changes nothing");
    let (ok, out, err) = import(&fixture("thuan-bac-communes.geojson"), &db);
    assert!(ok, "{err}");
    assert!(
        out.contains("6 inserted") && out.contains("(6 read)"),
        "{out}"
    );
    let (ok, out, err) = import(&fixture("thuan-bac-communes.geojson"), &db);
    assert!(ok, "{err}");
    assert!(out.contains("0 inserted, 0 updated, 6 unchanged"), "{out}");
    let (ok, out, err) = run(chiso().args(["audit", "verify", "--database", &db]));
    assert!(ok, "{err}");
    assert!(out.contains("hash chain unbroken"), "{out}");

    // Served: the district's map draws the outlines (not approximate areas), one area per
    // commune carrying its code; the audit names each unit and the file.
    let mut child = chiso()
        .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|l| {
            l.find("http://")
                .map(|p| l[p..].split_whitespace().next().unwrap_or("").to_string())
        });
    let addr = url
        .unwrap_or_else(|| panic!("no URL printed"))
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let map = http_get(&addr, "/units/588/map", "");
    let audit = http_get(
        &addr,
        "/api/audit?action=unit_geography",
        &format!("Authorization: ApiToken {token}\r\n"),
    );
    let approx = http_get(&addr, "/units/589/map", "");
    child.kill().unwrap();
    let _ = child.wait();

    assert!(map.starts_with("HTTP/1.1 200"), "{map}");
    assert!(
        !map.contains("class=\"map-approx\""),
        "Thuận Bắc's map still draws approximate areas"
    );
    assert!(
        approx.contains("class=\"map-approx\""),
        "a district without outlines keeps its approximate areas"
    );
    for code in COMMUNES {
        assert!(
            map.contains(&format!("data-unit=\"{code}\"")),
            "no area for {code} on the map"
        );
    }
    assert!(audit.starts_with("HTTP/1.1 200"), "{audit}");
    let body = &audit[audit.find("\r\n\r\n").map_or(0, |i| i + 4)..];
    let body = body.find('{').map_or(body, |i| {
        &body[i..body.rfind('}').map_or(body.len(), |j| j + 1)]
    });
    let json: serde_json::Value =
        serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"));
    let rows = json["audit"].as_array().cloned().unwrap_or_default();
    for code in COMMUNES {
        assert!(
            rows.iter().any(|r| r["action"] == "unit_geography.insert"
                && r["entity"].as_str().is_some_and(|e| e.ends_with(code))
                && r.to_string().contains("thuan-bac-communes.geojson")),
            "no audit row for {code}: {rows:?}"
        );
    }
    // One row per unit of the file (the other rows are the demo's own areas), none for the
    // refused files or the second import.
    let from_files = rows
        .iter()
        .filter(|r| r.to_string().contains(".geojson"))
        .count();
    assert_eq!(
        from_files, 6,
        "one audit row per unit, none for the refused files"
    );
    let _ = std::fs::remove_dir_all(dir);
}
