//! `chiso serve` and the engine's snapshot on SQLite: written beside the database at a clean
//! shutdown, used at the next start — with a value imported meanwhile by another process —
//! and the answers are those of a start from the database (`--no-snapshot`).

mod common;
use common::*;

const ASKED: [&str; 4] = [
    "/api/analytics?dimension=dx:VB_DEN&filter=ou:22738&filter=pe:202405",
    "/api/analytics?dimension=dx:VB_DEN&filter=ou:58&filter=pe:2024",
    "/api/analytics?dimension=dx:VB_DEN&dimension=ou:58;582;22738&dimension=pe:2023;2024",
    "/api/analytics?dimension=dx:VB_DT_TY_LE;CKS_TY_LE;DAN_SO&dimension=ou:58;582&dimension=pe:2023;2024&view=official",
];

fn answers(addr: &str, token: &str) -> Vec<String> {
    ASKED
        .iter()
        .map(|p| {
            let a = http(addr, "GET", p, Some(token));
            assert_eq!(a.status, 200, "{p}: {a:?}");
            a.body
        })
        .collect()
}

#[test]
fn a_server_starts_from_the_snapshot_it_wrote_at_shutdown() {
    let dir = tempdir("snapshot-serve");
    let db = format!("sqlite://{}", dir.join("chiso.db").display());
    let snapshot = dir.join("chiso.db.engine");
    let (token, _) = demo_with_tokens(&db);
    let env = [("CHISO_LOG", "info")];

    let first = Server::start(&db, &env, dir.join("first.log"));
    let w = http(
        &first.addr,
        "POST",
        "/api/dataValues?de=VB_DEN&pe=202405&ou=22738&value=4321",
        Some(&token),
    );
    assert_eq!(w.status, 201, "{w:?}");
    assert!(
        !snapshot.exists(),
        "written only at shutdown or after an hour"
    );
    assert!(first.stop().success());
    assert!(
        snapshot.exists(),
        "no snapshot beside the database after a clean shutdown"
    );

    // Another process writes while no server runs.
    let csv = dir.join("after.csv");
    std::fs::write(&csv, "element,unit,period,value\nVB_DEN,22741,202406,17\n").unwrap();
    let (ok, out, err) = run(chiso().args(["import", csv.to_str().unwrap(), "--database", &db]));
    assert!(ok, "{out}{err}");

    let second = Server::start(&db, &env, dir.join("second.log"));
    let from_snapshot = answers(&second.addr, &token);
    assert!(second.stop().success());
    let log = std::fs::read_to_string(dir.join("second.log")).unwrap();
    assert!(
        log.contains("engine loaded from the snapshot of audit row")
            && log.contains("then 1 audit rows after it"),
        "{log}"
    );

    let third = Server::start(&db, &[("CHISO_NO_SNAPSHOT", "true")], dir.join("third.log"));
    let from_database = answers(&third.addr, &token);
    drop(third);
    assert_eq!(from_snapshot, from_database);
    assert!(from_snapshot[0].contains("4321"), "{}", from_snapshot[0]);
    let _ = std::fs::remove_dir_all(&dir);
}
