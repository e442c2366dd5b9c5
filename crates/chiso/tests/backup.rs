//! `chiso backup`, `chiso restore`, scheduled backups and one server per SQLite file, run as a
//! user runs them: real processes on real files (and a real PostgreSQL).

mod common;
use common::{chiso, ok, run, run_within, tempdir};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn sqlite(p: &Path) -> String {
    format!("sqlite://{}", p.display())
}

fn head(url: &str) -> String {
    ok(chiso().args(["audit", "head", "--database", url]))
        .trim()
        .to_string()
}

/// Every value, as `chiso export` writes them.
fn values(url: &str) -> String {
    ok(chiso().args(["export", "--database", url]))
}

fn demo(dir: &Path) -> PathBuf {
    ok(chiso().args(["demo", "--no-serve", "--data-dir"]).arg(dir));
    dir.join("demo.db")
}

/// A server started and its address, read from what it prints; the rest of its output is
/// handed back line by line.
struct Server {
    child: Child,
    addr: String,
    lines: std::sync::mpsc::Receiver<String>,
}

impl Server {
    // The child is waited for when the `Server` is dropped.
    #[allow(clippy::zombie_processes)]
    fn start(args: &[&str]) -> Server {
        let mut child = chiso()
            .args(args)
            .args(["--listen", "127.0.0.1:0", "--public-read"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut seen = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|_| panic!("no address printed: {seen:?}"));
            if let Some(pos) = line.find("http://") {
                let addr = line[pos + 7..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_string();
                return Server {
                    child,
                    addr,
                    lines: rx,
                };
            }
            seen.push(line);
        }
    }

    fn get(&self, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(&self.addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        resp
    }

    /// Wait for a printed line containing `text`.
    fn wait_line(&self, text: &str, within: Duration) -> String {
        let until = Instant::now() + within;
        loop {
            let left = until.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) if l.contains(text) => return l,
                Ok(_) => {}
                Err(_) => panic!("no line with '{text}' within {within:?}"),
            }
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const RETAIL_2023: &str = "/api/analytics?dimension=dx:BAN_LE_TONG&dimension=pe:2023&filter=ou:58";

/// One value changed from the command line: the demo's 60000 becomes 61234.
fn import_retail(dir: &Path, url: &str) {
    let csv = dir.join("retail.csv");
    std::fs::write(
        &csv,
        "element,period,unit,breakdown,value\nBAN_LE_TONG,2023,58,,61234\n",
    )
    .unwrap();
    ok(chiso().arg("import").arg(&csv).args(["--database", url]));
}

fn manifest(backup: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(backup.join("manifest.json")).unwrap()).unwrap()
}

/// A file of the electronic data store, put where the store keeps it (content-addressed
/// beside the database), as the application layer does when it accepts one.
fn store_file(db: &Path, bytes: &[u8]) -> String {
    use sha2::Digest;
    let sha = hex::encode(sha2::Sha256::digest(bytes));
    let stem = db.file_stem().unwrap().to_string_lossy().to_string();
    let dir = db
        .parent()
        .unwrap()
        .join(format!("{stem}-p06-files"))
        .join(&sha[..2])
        .join(&sha[2..4]);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(&sha), bytes).unwrap();
    sha
}

fn stored_file(db: &Path, sha: &str) -> Option<Vec<u8>> {
    let stem = db.file_stem().unwrap().to_string_lossy().to_string();
    std::fs::read(
        db.parent()
            .unwrap()
            .join(format!("{stem}-p06-files"))
            .join(&sha[..2])
            .join(&sha[2..4])
            .join(sha),
    )
    .ok()
}

/// A backup of a live SQLite database holds the writes still in its write-ahead log (a plain
/// copy of the file does not), restores to the same values with a chain that verifies against
/// the head it recorded; an older backup restored fails the newer head; a damaged backup, or
/// one whose recorded head does not match, is refused before anything is replaced.
#[test]
fn backup_then_restore_gives_the_same_values_and_an_older_backup_fails_the_newer_head() {
    let dir = tempdir("sqlite");
    let db = demo(&dir);
    let url = sqlite(&db);
    let sha = store_file(&db, b"%PDF-1.7 giay khai sinh");

    // A server holds the database open; a value is changed from the command line meanwhile,
    // so it sits in the write-ahead log, not yet in the file.
    let server = Server::start(&["serve", "--database", &url]);
    import_retail(&dir, &url);
    let raw = dir.join("raw-copy.db");
    std::fs::copy(&db, &raw).unwrap();
    assert!(
        values(&sqlite(&raw)).contains("BAN_LE_TONG,2023,58,,60000,"),
        "a plain copy of the live file lacks the write still in the log"
    );

    let b1 = dir.join("b1");
    let out = ok(chiso()
        .args(["backup", "--database", &url, "--to"])
        .arg(&b1));
    assert!(out.contains("files of the data store: 1"), "{out}");
    let head1 = head(&url);
    let m = manifest(&b1);
    assert_eq!(m["audit_head"], head1.as_str(), "{m}");
    assert_eq!(m["backend"], "sqlite");
    assert_eq!(m["files"], 1);
    assert!(out.contains(&head1), "{out}");
    drop(server);

    // Restored into a new file: the same values, the file, a chain holding the head.
    let restored = dir.join("restored.db");
    let rurl = sqlite(&restored);
    let out = ok(chiso().arg("restore").arg(&b1).args(["--database", &rurl]));
    assert!(
        out.contains(&format!(
            "holding the recorded head {}",
            head1.split(':').next().unwrap()
        )),
        "{out}"
    );
    assert!(values(&rurl).contains("BAN_LE_TONG,2023,58,,61234,"));
    assert_eq!(values(&rurl), values(&url));
    assert_eq!(
        stored_file(&restored, &sha).as_deref(),
        Some(&b"%PDF-1.7 giay khai sinh"[..])
    );
    ok(chiso().args(["audit", "verify", "--database", &rurl, "--expect", &head1]));

    // One more change at the source, its head recorded: the older backup restored fails it.
    ok(chiso().args([
        "user",
        "add",
        "kiem.toan",
        "--name",
        "Kiểm toán",
        "--role",
        "viewer",
        "--database",
        &url,
    ]));
    let head2 = head(&url);
    assert_ne!(head1, head2);
    let (fine, _, err) =
        run(chiso().args(["audit", "verify", "--database", &rurl, "--expect", &head2]));
    assert!(!fine, "an older backup must fail the newer head");
    assert!(err.contains("older copy"), "{err}");

    // A restore over a database that exists needs --replace; without it nothing changes.
    let b2 = dir.join("b2");
    ok(chiso()
        .args(["backup", "--database", &url, "--to"])
        .arg(&b2));
    let before = std::fs::read(&restored).unwrap();
    let (fine, _, err) = run(chiso().arg("restore").arg(&b2).args(["--database", &rurl]));
    assert!(!fine);
    assert!(err.contains("--replace"), "{err}");
    assert_eq!(std::fs::read(&restored).unwrap(), before);
    let out = ok(chiso()
        .arg("restore")
        .arg(&b2)
        .args(["--database", &rurl, "--replace"]));
    assert!(out.contains("before-restore-"), "{out}");
    ok(chiso().args(["audit", "verify", "--database", &rurl, "--expect", &head2]));
    let kept: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| {
            n.starts_with("restored.db.before-restore-")
                && !n.ends_with("-wal")
                && !n.ends_with("-shm")
        })
        .collect();
    assert_eq!(kept.len(), 1, "{kept:?}");
    let kept_url = sqlite(&dir.join(&kept[0]));
    ok(chiso().args([
        "audit",
        "verify",
        "--database",
        &kept_url,
        "--expect",
        &head1,
    ]));

    // A truncated backup: refused by its manifest, the database untouched.
    let cut = dir.join("cut");
    std::fs::create_dir(&cut).unwrap();
    for f in ["manifest.json", "database.db"] {
        std::fs::copy(b1.join(f), cut.join(f)).unwrap();
    }
    let bytes = std::fs::read(cut.join("database.db")).unwrap();
    std::fs::write(cut.join("database.db"), &bytes[..bytes.len() / 2]).unwrap();
    let before = std::fs::read(&restored).unwrap();
    let (fine, _, err) =
        run(chiso()
            .arg("restore")
            .arg(&cut)
            .args(["--database", &rurl, "--replace"]));
    assert!(!fine);
    assert!(
        err.contains("damaged") && err.contains("database.db"),
        "{err}"
    );
    assert_eq!(std::fs::read(&restored).unwrap(), before);

    // A manifest whose head is not the copy's (a rewritten chain, or the wrong manifest):
    // verified before the swap, so nothing is replaced.
    let forged = dir.join("forged");
    std::fs::create_dir(&forged).unwrap();
    std::fs::copy(b1.join("database.db"), forged.join("database.db")).unwrap();
    let seq = head1.split(':').next().unwrap();
    let text = std::fs::read_to_string(b1.join("manifest.json"))
        .unwrap()
        .replace(&head1, &format!("{seq}:{}", "ab".repeat(32)))
        .replace("\"files\": 1", "\"files\": 0");
    std::fs::write(forged.join("manifest.json"), text).unwrap();
    let (fine, _, err) =
        run(chiso()
            .arg("restore")
            .arg(&forged)
            .args(["--database", &rurl, "--replace"]));
    assert!(!fine);
    assert!(
        err.contains("does not verify, nothing was restored") && err.contains("rewritten"),
        "{err}"
    );
    assert_eq!(std::fs::read(&restored).unwrap(), before);

    // A backup goes into a new directory; a SQLite backup does not go into PostgreSQL.
    let (fine, _, err) = run(chiso()
        .args(["backup", "--database", &url, "--to"])
        .arg(&b1));
    assert!(!fine);
    assert!(err.contains("not an empty directory"), "{err}");
    let (fine, _, err) = run(chiso()
        .arg("restore")
        .arg(&b1)
        .args(["--database", "postgres://nobody@127.0.0.1:1/none"]));
    assert!(!fine);
    assert!(err.contains("sqlite database"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A second server on the same SQLite file is refused, naming the file and the process; the
/// command line still writes and the running server picks the write up; the lock ends with
/// the process, however it ends.
#[test]
fn a_second_server_on_one_sqlite_file_is_refused_and_command_line_writes_reach_the_first() {
    let dir = tempdir("lock");
    let db = demo(&dir);
    let url = sqlite(&db);
    let first = Server::start(&["serve", "--database", &url]);
    let (fine, _, err) = run_within(
        chiso().args(["serve", "--database", &url, "--listen", "127.0.0.1:0"]),
        20,
    );
    assert!(!fine, "a second server on the same file must be refused");
    assert!(err.contains(&db.display().to_string()), "{err}");
    assert!(
        err.contains(&format!("process {}", first.child.id())),
        "{err}"
    );
    assert!(
        err.contains("two servers on one SQLite file are refused"),
        "{err}"
    );
    // `chiso demo` serving the same file is refused too.
    let (fine, _, err) = run_within(
        chiso()
            .args(["demo", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(&dir),
        30,
    );
    assert!(!fine);
    assert!(err.contains("already in use"), "{err}");
    // A restore would replace the file under the server: refused.
    let b = dir.join("b");
    ok(chiso().args(["backup", "--database", &url, "--to"]).arg(&b));
    let (fine, _, err) =
        run(chiso()
            .arg("restore")
            .arg(&b)
            .args(["--database", &url, "--replace"]));
    assert!(!fine);
    assert!(err.contains("already in use"), "{err}");

    // The command line writes; the server follows within seconds.
    assert!(first.get(RETAIL_2023).contains("60000"));
    import_retail(&dir, &url);
    let until = Instant::now() + Duration::from_secs(10);
    while !first.get(RETAIL_2023).contains("61234") {
        assert!(Instant::now() < until, "the server never saw the import");
        std::thread::sleep(Duration::from_millis(100));
    }

    // Killed (SIGKILL), the first server leaves the lock file but not the lock.
    drop(first);
    let second = Server::start(&["serve", "--database", &url]);
    assert!(second.get(RETAIL_2023).contains("61234"));
    let _ = std::fs::remove_dir_all(dir);
}

/// `chiso serve --backup-dir … --backup-every 1s --backup-keep 2` takes backups as the server
/// runs and keeps the two newest.
#[test]
fn scheduled_backups_are_taken_and_only_the_newest_are_kept() {
    let dir = tempdir("scheduled");
    let db = demo(&dir);
    let url = sqlite(&db);
    let backups = dir.join("backups");
    let server = Server::start(&[
        "serve",
        "--database",
        &url,
        "--backup-dir",
        backups.to_str().unwrap(),
        "--backup-every",
        "1s",
        "--backup-keep",
        "2",
    ]);
    let mut taken = Vec::new();
    for _ in 0..3 {
        let line = server.wait_line("backup taken", Duration::from_secs(30));
        let path = line
            .split("backup taken: ")
            .nth(1)
            .and_then(|r| r.split(" (audit head").next())
            .unwrap()
            .to_string();
        taken.push(PathBuf::from(path));
    }
    let names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.starts_with("chiso-backup-"))
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(!taken[0].exists(), "the oldest is removed");
    assert!(taken[2].exists());
    drop(server);
    // The newest restores and verifies against the database's head.
    let restored = dir.join("restored.db");
    let out = ok(chiso()
        .arg("restore")
        .arg(&taken[2])
        .args(["--database", &sqlite(&restored)]));
    assert!(out.contains("holding the recorded head"), "{out}");
    assert_eq!(manifest(&taken[2])["audit_head"], head(&url).as_str());
    let (fine, _, err) = run(chiso().args([
        "serve",
        "--database",
        &url,
        "--backup-dir",
        backups.to_str().unwrap(),
        "--backup-every",
        "1.5h",
    ]));
    assert!(!fine);
    assert!(err.contains("s, m, h or d"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// A PostgreSQL database URL on the test server, for a database of this name.
fn pg_url(name: &str) -> String {
    let base = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
        panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL backup test")
    });
    let (server, _) = base.rsplit_once('/').unwrap();
    format!("{server}/{name}")
}

fn psql(sql: &str) {
    let (fine, out, err) = run(Command::new("psql").args([&pg_url("postgres"), "-qc", sql]));
    assert!(fine, "psql {sql}: {out}{err}");
}

/// PostgreSQL: `pg_dump` in chiso's snapshot, `pg_restore` in one transaction into another
/// database, the same values and a verifying chain; a second restore without --replace is
/// refused; the restored copy fails a newer head of the source.
#[test]
fn a_postgres_backup_restores_into_another_database_and_fails_a_newer_head() {
    let (src, dst) = (
        format!("chiso_ops_bk_src_{}", std::process::id()),
        format!("chiso_ops_bk_dst_{}", std::process::id()),
    );
    for d in [&src, &dst] {
        psql(&format!("DROP DATABASE IF EXISTS {d} WITH (FORCE)"));
        psql(&format!("CREATE DATABASE {d}"));
    }
    let (surl, durl) = (pg_url(&src), pg_url(&dst));
    ok(chiso().args(["demo", "--no-serve", "--database", &surl]));
    let dir = tempdir("postgres");
    let b = dir.join("b");
    let out = ok(chiso()
        .args(["backup", "--database", &surl, "--to"])
        .arg(&b));
    let head1 = head(&surl);
    assert!(out.contains(&head1), "{out}");
    assert_eq!(manifest(&b)["backend"], "postgres");
    assert!(b.join("database.pgdump").is_file());

    let out = ok(chiso().arg("restore").arg(&b).args(["--database", &durl]));
    assert!(out.contains("holding the recorded head"), "{out}");
    assert_eq!(values(&durl), values(&surl));
    ok(chiso().args(["audit", "verify", "--database", &durl, "--expect", &head1]));

    let (fine, _, err) = run(chiso().arg("restore").arg(&b).args(["--database", &durl]));
    assert!(!fine);
    assert!(
        err.contains("already holds tables") && err.contains("--replace"),
        "{err}"
    );

    ok(chiso().args([
        "user",
        "add",
        "kiem.toan",
        "--name",
        "Kiểm toán",
        "--role",
        "viewer",
        "--database",
        &surl,
    ]));
    let head2 = head(&surl);
    let (fine, _, err) =
        run(chiso().args(["audit", "verify", "--database", &durl, "--expect", &head2]));
    assert!(!fine);
    assert!(err.contains("older copy"), "{err}");
    // While another session uses the database (a server, psql), nothing is restored.
    let mut session = std::process::Command::new("psql")
        .args([durl.as_str(), "-Xqc", "SELECT pg_sleep(4)"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    let (fine, _, err) =
        run(chiso()
            .arg("restore")
            .arg(&b)
            .args(["--database", &durl, "--replace"]));
    // Once it has ended, the restore goes through.
    let _ = session.wait();
    assert!(!fine && err.contains("other connection(s)"), "{err}");
    assert!(err.contains("nothing was restored"), "{err}");
    let out = ok(chiso()
        .arg("restore")
        .arg(&b)
        .args(["--database", &durl, "--replace"]));
    assert!(out.contains("holding the recorded head"), "{out}");

    for d in [&src, &dst] {
        psql(&format!("DROP DATABASE IF EXISTS {d} WITH (FORCE)"));
    }
    let _ = std::fs::remove_dir_all(dir);
}
