//! Writes the databases of release 0.1 that the upgrade tests
//! (`tests/contract/upgrade.rs`) open with the current code, into the directory given:
//!
//! - `release-0.1.db`: a SQLite file;
//! - `release-0.1.postgres.sql`: the same content in PostgreSQL, as a plain SQL dump
//!   (`pg_dump --no-owner --no-privileges --column-inserts` of one schema) with the schema's
//!   name taken out, so it loads into whatever schema the loading connection's `search_path`
//!   names. `pg_dump` must be on the `PATH`; the server is `--postgres URL` or
//!   `CHISO_TEST_POSTGRES_URL`.
//!
//! ```text
//! cargo run -p chiso-store --example write_release_fixtures -- crates/store/tests/fixtures \
//!     --postgres postgres://postgres@127.0.0.1:5432/test
//! ```
//!
//! The committed fixtures were written by the code of release 0.1 (migrations 1 to 13, before
//! `schema_migrations` had checksums). Run with a later version, this writes that version's
//! database instead: keep the committed files, they are what an operator's database looks like.

use chiso_core::account::{Assignment, Role};
use chiso_core::{
    AggregationType, Breakdown, BreakdownOption, Code, DataElement, DataValueInput, Period,
    SourceTag, Unit, UnitKind, ValueType, Via,
};
use chiso_store::{Actor, AuditReads, PgStore, SqliteStore, Store};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

type Error = Box<dyn std::error::Error>;

/// The schema the PostgreSQL content is written to, then dumped from and dropped.
const SCHEMA: &str = "chiso_release_fixture";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut dir = None;
    let mut url = std::env::var("CHISO_TEST_POSTGRES_URL").ok();
    while let Some(a) = args.next() {
        match a.as_str() {
            "--postgres" => url = args.next(),
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let (Some(dir), Some(url)) = (dir, url) else {
        eprintln!(
            "usage: write_release_fixtures <directory> [--postgres URL]\n\
             (the server may also be given in CHISO_TEST_POSTGRES_URL)"
        );
        return ExitCode::from(2);
    };
    match run(&dir, &url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("write_release_fixtures: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(dir: &Path, url: &str) -> Result<(), Error> {
    std::fs::create_dir_all(dir)?;

    // SQLite: written in a scratch file, then copied whole (`VACUUM INTO`), so the fixture is
    // one file with nothing left in a write-ahead log.
    let db = dir.join("release-0.1.db");
    let scratch = dir.join("release-0.1.scratch.db");
    remove_sqlite(&scratch);
    let store = SqliteStore::open_path(&scratch).await?;
    let written = fill(&store).await;
    if written.is_ok() {
        let _ = std::fs::remove_file(&db);
        store.backup_to(&db).await?;
    }
    store.close().await;
    remove_sqlite(&scratch);
    written?;
    println!("{}", db.display());

    // PostgreSQL: a schema of its own, dumped, then dropped.
    let store = PgStore::open_in_schema(url, SCHEMA).await?;
    let dumped = match fill(&store).await {
        Ok(()) => dump(url),
        Err(e) => Err(e),
    };
    store.drop_schema(SCHEMA).await?;
    store.close().await;
    let sql = dir.join("release-0.1.postgres.sql");
    std::fs::write(&sql, dumped?)?;
    println!("{}", sql.display());
    Ok(())
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// `pg_dump` of [`SCHEMA`], with the schema's name taken out.
fn dump(url: &str) -> Result<String, Error> {
    let out = std::process::Command::new("pg_dump")
        .args([
            "--no-owner",
            "--no-privileges",
            "--column-inserts",
            "--schema",
            SCHEMA,
            "--dbname",
            url,
        ])
        .output()
        .map_err(|e| format!("pg_dump: {e}"))?;
    if !out.status.success() {
        return Err(format!("pg_dump: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    neutralise(&String::from_utf8(out.stdout)?)
}

/// Loadable under any `search_path`, by psql or by one simple query: no `CREATE SCHEMA`, no
/// `search_path` of its own, no qualified names and no psql meta-commands (`\restrict`). The
/// dump's comments and blank lines go too, to keep the file short.
fn neutralise(dump: &str) -> Result<String, Error> {
    let mut out = String::from(
        "-- chiso release 0.1, PostgreSQL: written by crates/store/examples/write_release_fixtures.rs.\n\
         -- Load it into an empty schema named by the connection's search_path.\n",
    );
    let qualified = format!("{SCHEMA}.");
    for line in dump.lines() {
        if line.is_empty()
            || line.starts_with("--")
            || line.starts_with('\\')
            || line == format!("CREATE SCHEMA {SCHEMA};")
            || line.starts_with("SELECT pg_catalog.set_config('search_path'")
        {
            continue;
        }
        let line = line.replace(&qualified, "");
        if line.contains(SCHEMA) {
            return Err(format!("the schema's name is left in: {line}").into());
        }
        out.push_str(&line);
        out.push('\n');
    }
    Ok(out)
}

fn code(s: &str) -> Result<Code, Error> {
    Ok(Code::parse(s)?)
}

fn at(y: i32, m: u32, d: u32) -> Result<DateTime<Utc>, Error> {
    Utc.with_ymd_and_hms(y, m, d, 8, 30, 0)
        .single()
        .ok_or_else(|| "a bad date".into())
}

fn unit(c: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> Result<Unit, Error> {
    Ok(Unit {
        code: code(c)?,
        gso_code: Some(c.to_string()),
        name_vi: name.to_string(),
        name_en: None,
        kind,
        parent: parent.map(code).transpose()?,
        valid_from: None,
        valid_to: NaiveDate::from_ymd_opt(2025, 6, 30),
        lat: None,
        lon: None,
    })
}

fn element(c: &str, vt: ValueType, agg: AggregationType) -> Result<DataElement, Error> {
    Ok(DataElement {
        code: code(c)?,
        name_vi: format!("Phần tử {c}"),
        name_en: Some(format!("Element {c}")),
        value_type: vt,
        aggregation: agg,
        unit_of_measure: Some("văn bản".into()),
        breakdown: None,
        description: None,
    })
}

fn value(
    e: &str,
    u: &str,
    period: &str,
    breakdown: Option<&str>,
    v: &str,
) -> Result<DataValueInput, Error> {
    Ok(DataValueInput {
        element: code(e)?,
        unit: code(u)?,
        period: Period::parse(period)?,
        breakdown: breakdown.map(code).transpose()?,
        value: v.to_string(),
        comment: None,
        source: SourceTag::Illustrative,
    })
}

/// The content: units, a breakdown, elements, values, an account with a session, a data set
/// completed and approved. Every write is audited, so the audit chain has rows of each kind.
async fn fill(s: &dyn Store) -> Result<(), Error> {
    let actor = Actor::new("admin", Via::Cli);
    let units = [
        unit("58", "Tỉnh Ninh Thuận", UnitKind::Province, None)?,
        unit(
            "582",
            "Thành phố Phan Rang - Tháp Chàm",
            UnitKind::District,
            Some("58"),
        )?,
        unit("584", "Huyện Bác Ái", UnitKind::District, Some("58"))?,
        unit("22738", "Phường Đô Vinh", UnitKind::Commune, Some("582"))?,
        unit("22741", "Phường Phước Mỹ", UnitKind::Commune, Some("582"))?,
        unit("22753", "Xã Phước Đại", UnitKind::Commune, Some("584"))?,
    ];
    s.upsert_units(&units, &actor).await?;
    let sex = Breakdown {
        code: code("GIOI_TINH")?,
        name_vi: "Giới tính".into(),
        name_en: Some("Sex".into()),
        options: vec![
            BreakdownOption {
                code: code("NAM")?,
                name_vi: "Nam".into(),
                name_en: Some("Male".into()),
            },
            BreakdownOption {
                code: code("NU")?,
                name_vi: "Nữ".into(),
                name_en: Some("Female".into()),
            },
        ],
    };
    s.upsert_breakdowns(&[sex], &actor).await?;
    let elements = [
        element("VB_DEN", ValueType::Integer, AggregationType::Sum)?,
        element("VB_XL_MANG", ValueType::Integer, AggregationType::Sum)?,
        element("TY_LE", ValueType::Percentage, AggregationType::Average)?,
        element("GHI_CHU", ValueType::Text, AggregationType::Count)?,
        DataElement {
            breakdown: Some(code("GIOI_TINH")?),
            ..element("CB_KY_SO", ValueType::Integer, AggregationType::Sum)?
        },
    ];
    s.upsert_elements(&elements, &actor).await?;
    let values = [
        value("VB_DEN", "22738", "2023", None, "100")?,
        value("VB_DEN", "22741", "2023", None, "80")?,
        value("VB_DEN", "22753", "2023", None, "45")?,
        value("VB_XL_MANG", "22738", "2023", None, "96")?,
        value("VB_XL_MANG", "22741", "2023", None, "77")?,
        value("TY_LE", "582", "2023", None, "97.5")?,
        value("GHI_CHU", "22753", "2023", None, "Số liệu ước tính")?,
        value("CB_KY_SO", "22738", "2023", Some("NAM"), "12")?,
        value("CB_KY_SO", "22738", "2023", Some("NU"), "9")?,
        value("VB_DEN", "22738", "202312", None, "11")?,
    ];
    s.write_values(&values, &actor).await?;
    // One value changed: the audit log keeps the old and the new.
    s.write_values(&[value("VB_DEN", "22741", "2023", None, "81")?], &actor)
        .await?;

    let user = chiso_store::UserRecord {
        username: "nguyen.van.a".into(),
        display_name: "Nguyễn Văn A".into(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        must_change_password: false,
        disabled: false,
        created_at: at(2024, 1, 2)?,
        assignments: vec![Assignment {
            role: Role::DataEntry,
            unit: Some(code("22738")?),
        }],
    };
    s.create_user(&user, &actor).await?;
    s.create_session(&chiso_store::SessionRecord {
        id_hash: chiso_store::secret_hash("release-0.1-session"),
        username: "nguyen.van.a".into(),
        csrf_token: "csrf-release-0.1".into(),
        created_at: at(2024, 1, 3)?,
        last_seen_at: at(2024, 1, 3)?,
        expires_at: at(2100, 1, 1)?,
    })
    .await?;

    let form = chiso_core::DataSet {
        code: code("BM_XA")?,
        name_vi: "Biểu mẫu cấp xã".into(),
        name_en: Some("Commune form".into()),
        period_type: chiso_core::PeriodType::Year,
        convention: chiso_core::Convention::Calendar,
        elements: vec![code("VB_DEN")?, code("VB_XL_MANG")?],
        compulsory: vec![],
        reporters: vec![chiso_core::Reporters::Kind(UnitKind::Commune)],
        scope: Some(code("58")?),
        open_days: -365,
        due_days: 15,
        lock_days: Some(90),
        approval: true,
    };
    s.upsert_data_sets(&[form], &actor).await?;
    let year = Period::parse("2023")?;
    s.complete(
        &chiso_core::Completion {
            data_set: code("BM_XA")?,
            unit: code("22738")?,
            period: year,
            completed_by: "nguyen.van.a".into(),
            completed_at: at(2024, 1, 10)?,
            on_time: true,
        },
        &Actor::new("nguyen.van.a", Via::Web),
    )
    .await?;
    s.approve(
        &chiso_core::Approval {
            data_set: code("BM_XA")?,
            unit: code("22738")?,
            period: year,
            step: 1,
            level_unit: code("582")?,
            approved_by: "huyen".into(),
            approved_at: at(2024, 1, 12)?,
        },
        &Actor::new("huyen", Via::Web),
    )
    .await?;
    let check = s.verify_audit().await?;
    if let Some((id, why)) = check.broken {
        return Err(format!("the audit chain is broken at row {id}: {why}").into());
    }
    Ok(())
}
