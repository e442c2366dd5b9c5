//! PostgreSQL's own tools: `pg_dump` in a snapshot chiso exported, and `pg_restore` in one
//! transaction. The password never goes on their command line (where `ps` shows it): it is
//! taken out of the URL and handed over in `PGPASSWORD`.

use anyhow::{bail, Context};
use std::path::Path;
use std::process::Command;

/// The URL with its password taken out (to print, and to hand to the tools), and the password.
fn split(url: &str) -> (String, Option<String>) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_string(), None);
    };
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(auth_end);
    let Some((userinfo, host)) = authority.rsplit_once('@') else {
        return (url.to_string(), None);
    };
    match userinfo.split_once(':') {
        Some((user, password)) => (
            format!("{scheme}://{user}@{host}{tail}"),
            Some(percent_decode(password)),
        ),
        None => (url.to_string(), None),
    }
}

/// The URL without its password.
pub(super) fn without_password(url: &str) -> String {
    split(url).0
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(h * 16 + l);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Run one of PostgreSQL's tools against `url`, with its error output in the error; what it
/// printed.
async fn run(tool: &'static str, url: &str, args: Vec<String>) -> anyhow::Result<String> {
    let (plain, password) = split(url);
    let out = tokio::task::spawn_blocking(move || {
        let mut cmd = Command::new(tool);
        cmd.args(&args).arg(format!("--dbname={plain}"));
        if let Some(p) = password {
            cmd.env("PGPASSWORD", p);
        }
        cmd.output()
    })
    .await?;
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => bail!(
            "{tool} không có trên máy này / is not installed on this machine: install PostgreSQL's \
             client tools of the server's major version or later (Debian, Ubuntu: apt install \
             postgresql-client), or back up by hand as docs/deploy.md says (pg_dump --format=custom)"
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot run {tool}")),
    };
    if !out.status.success() {
        bail!(
            "{tool} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Dump the database as the exported snapshot `snapshot` sees it, in pg_dump's custom format.
pub(super) async fn dump(url: &str, out: &Path, snapshot: &str) -> anyhow::Result<()> {
    run(
        "pg_dump",
        url,
        vec![
            "--format=custom".into(),
            "--no-owner".into(),
            "--no-privileges".into(),
            format!("--snapshot={snapshot}"),
            format!("--file={}", out.display()),
        ],
    )
    .await
    .map(drop)
}

/// Refuse to restore while other sessions use the database: a chiso server running on it
/// would go on serving an engine built from what the database no longer holds (its audit
/// log now ends earlier), and its next writes would follow nothing.
async fn nobody_else_connected(url: &str) -> anyhow::Result<()> {
    let out = run(
        "psql",
        url,
        vec![
            "-XAtq".into(),
            "-c".into(),
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
             AND pid <> pg_backend_pid()"
                .into(),
        ],
    )
    .await?;
    let others: i64 = out.trim().parse().unwrap_or(0);
    if others > 0 {
        bail!(
            "cơ sở dữ liệu {} đang có {others} kết nối khác / the database has {others} other \
             connection(s) (a chiso server, psql, a reporting tool): stop every chiso server of \
             this database and close the other sessions first — nothing was restored",
            without_password(url)
        );
    }
    Ok(())
}

/// Restore a dump into the database `url` in one transaction: all of it or nothing. Without
/// `replace` the database must hold none of chiso's tables; with it, they are dropped first
/// (in the same transaction).
pub(super) async fn restore(url: &str, dump: &Path, replace: bool) -> anyhow::Result<()> {
    let mut args: Vec<String> = vec![
        "--single-transaction".into(),
        "--exit-on-error".into(),
        "--no-owner".into(),
        "--no-privileges".into(),
    ];
    if replace {
        args.push("--clean".into());
        args.push("--if-exists".into());
    }
    args.push(dump.display().to_string());
    nobody_else_connected(url).await?;
    match run("pg_restore", url, args).await.map(drop) {
        Err(e) if !replace && e.to_string().contains("already exists") => bail!(
            "cơ sở dữ liệu {} đã có bảng / the database already holds tables, so nothing was \
             restored: restore into an empty database, or pass --replace to drop them (all in \
             one transaction). {e}",
            without_password(url)
        ),
        r => r,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_leaves_the_url() {
        assert_eq!(
            split("postgres://chiso:p%40ss@db:5432/chiso?sslmode=require"),
            (
                "postgres://chiso@db:5432/chiso?sslmode=require".to_string(),
                Some("p@ss".to_string())
            )
        );
        assert_eq!(
            split("postgres://postgres@127.0.0.1:5432/test"),
            ("postgres://postgres@127.0.0.1:5432/test".to_string(), None)
        );
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%41%zz"), "A%zz");
    }
}
