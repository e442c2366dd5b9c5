//! Data collection on the demo, on SQLite and on PostgreSQL (`sqlite::NAME`, `postgres::NAME`):
//! a commune enters, saves and completes its form; the district and the province approve;
//! the engine and the completeness list follow at once; bad imports change nothing.

use chiso_app::App;
use chiso_collect::{
    approve, complete, completeness, import_rows, load_form, save_form, unapprove, CollectError,
    Entry, FieldNames, Hierarchy, ImportError, ImportOptions, ReportStatus, Strategy,
};
use chiso_core::{Code, Period, SourceTag, Via};
use chiso_engine::Scope;
use chiso_io::values::{Place, ValueRow};
use chiso_store::{Actor, PgStore, SqliteStore, Store};
use chrono::{NaiveDate, TimeZone, Utc};
use std::sync::Arc;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// What a test leaves behind — a temporary directory, a PostgreSQL schema — removed when the
/// guard drops, also when the test fails.
enum Leftover {
    Dir(std::path::PathBuf),
    Schema(String),
}

struct Cleanup(Leftover);

impl Drop for Cleanup {
    fn drop(&mut self) {
        match &self.0 {
            Leftover::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Leftover::Schema(s) => {
                if let Ok(url) = std::env::var("CHISO_TEST_POSTGRES_URL") {
                    PgStore::drop_schema_now(&url, s);
                }
            }
        }
    }
}

async fn sqlite() -> (Arc<dyn Store>, Cleanup) {
    let dir = std::env::temp_dir().join(format!(
        "chiso-collect-{}-{:?}-{}",
        std::process::id(),
        std::thread::current().id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(SqliteStore::open_path(&dir.join("c.db")).await.unwrap());
    (store, Cleanup(Leftover::Dir(dir)))
}

async fn postgres() -> (Arc<dyn Store>, Cleanup) {
    let url = std::env::var("CHISO_TEST_POSTGRES_URL")
        .expect("set CHISO_TEST_POSTGRES_URL to run the PostgreSQL tests");
    let schema = format!(
        "chiso_collect_{}_{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    );
    let store = Arc::new(PgStore::open_in_schema(&url, &schema).await.unwrap());
    (store, Cleanup(Leftover::Schema(schema)))
}

async fn demo(store: Arc<dyn Store>) -> (App, Hierarchy) {
    chiso_demo::load(store.as_ref()).await.unwrap();
    let app = App::open(store).await.unwrap();
    let hier = Hierarchy::of(&app).await;
    (app, hier)
}

/// Everything a test could change, to compare before and after.
async fn snapshot(store: &dyn Store) -> (String, String, usize) {
    let values = store.values(&Default::default()).await.unwrap();
    let completions = store.completions(None, None).await.unwrap();
    let audit = store.counts().await.unwrap().audit_log;
    (
        format!("{values:?}"),
        format!("{completions:?}"),
        audit as usize,
    )
}

async fn a_commune_enters_completes_and_is_approved(store: Arc<dyn Store>) {
    let (live, hier) = demo(store.clone()).await;
    let s = store.as_ref();
    let ds = chiso_collect::data_set(s, &c("BM_CDS_XA")).await.unwrap();
    let y = Period::Year(2023);
    let jan10 = day(2024, 1, 10);
    // Which communes have not reported: the demo leaves four out.
    let before = completeness(s, &hier, &ds, &y, None, jan10).await.unwrap();
    assert_eq!(before.missing.len(), 4, "{:?}", before.missing);
    assert_eq!(before.expected, 62);
    let commune = before.missing[0].unit.clone();
    let district = before.missing[0].parent.clone().unwrap();
    let province_row = before.by_unit.iter().find(|r| r.unit == c("58")).unwrap();
    assert_eq!((province_row.expected, province_row.received), (62, 58));
    let r0 = rate(&live, &y).await;
    assert_eq!((r0.numerator, r0.denominator), (58.0, 62.0));

    // The officer opens the form: last year's values beside this year's.
    let form = load_form(s, &hier, &ds, &commune, &y, jan10, false)
        .await
        .unwrap();
    assert_eq!(form.status, ReportStatus::Open);
    assert!(form.editable);
    assert_eq!(form.approval_chain, vec![district.clone(), c("58")]);
    let den = form
        .fields
        .iter()
        .find(|f| f.element == c("VB_DEN"))
        .unwrap();
    // It never sent its report: nothing entered for 2023, last year's figure beside it.
    assert!(den.last_year.is_some() && den.value.is_none(), "{den:?}");
    let officer = Actor::new(format!("xa-{commune}"), Via::Web);
    // The officer starts from last year's figures.
    let from_last_year: Vec<Entry> = form
        .fields
        .iter()
        .map(|f| Entry {
            element: f.element.clone(),
            option: f.option.clone(),
            value: f.last_year.clone().unwrap_or_else(|| "10".into()),
            comment: None,
        })
        .collect();
    save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &from_last_year,
        &officer,
        jan10,
        false,
    )
    .await
    .unwrap();
    // A type error names the field; nothing is saved.
    let snap = snapshot(s).await;
    let bad = save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &[
            Entry {
                element: c("VB_DEN"),
                option: None,
                value: "một nghìn".into(),
                comment: None,
            },
            Entry {
                element: c("KHONG_CO"),
                option: None,
                value: "1".into(),
                comment: None,
            },
        ],
        &officer,
        jan10,
        false,
    )
    .await;
    match bad {
        Err(CollectError::Invalid(f)) => {
            assert_eq!(f[0].0, "VB_DEN");
            assert!(f[0].1.contains("không phải là số"), "{f:?}");
            assert_eq!(f[1].0, "KHONG_CO");
        }
        other => panic!("expected field errors, got {other:?}"),
    }
    assert_eq!(snapshot(s).await, snap, "nothing written");
    // More documents processed than received: saved, but completion is blocked.
    let out = save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &[
            Entry {
                element: c("VB_DEN"),
                option: None,
                value: "1000".into(),
                comment: None,
            },
            Entry {
                element: c("VB_XL_MANG"),
                option: None,
                value: "1200".into(),
                comment: Some("nhập nhầm".into()),
            },
        ],
        &officer,
        jan10,
        false,
    )
    .await
    .unwrap();
    assert_eq!(out.violations[0].rule, c("VB_MANG_LE_DEN"));
    let now = Utc.with_ymd_and_hms(2024, 1, 10, 3, 0, 0).unwrap();
    match complete(&live, &hier, &ds, &commune, &y, &officer, now, jan10).await {
        Err(CollectError::Invalid(f)) => assert!(f[0].1.contains("không được nhiều hơn"), "{f:?}"),
        other => panic!("expected completion to be blocked, got {other:?}"),
    }
    let out = save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &[Entry {
            element: c("VB_XL_MANG"),
            option: None,
            value: "950".into(),
            comment: None,
        }],
        &officer,
        jan10,
        false,
    )
    .await
    .unwrap();
    assert!(out.violations.iter().all(|v| v.rule != c("VB_MANG_LE_DEN")));
    // The engine has the new figures at once.
    {
        let e = live.read().await;
        let v = e
            .element(
                &c("VB_XL_MANG"),
                None,
                &Scope::Unit(commune.clone()),
                &y,
                None,
            )
            .unwrap();
        assert_eq!(v, Some(950.0));
    }
    assert!(
        complete(&live, &hier, &ds, &commune, &y, &officer, now, jan10)
            .await
            .unwrap()
    );
    let r1 = rate(&live, &y).await;
    assert_eq!((r1.numerator, r1.denominator), (59.0, 62.0));
    let after = completeness(s, &hier, &ds, &y, None, jan10).await.unwrap();
    assert!(
        after.missing.iter().all(|m| m.unit != commune),
        "the commune is no longer listed"
    );
    assert_eq!(after.received, 59);
    assert_eq!(after.on_time, before.on_time + 1);
    // It waits for its district's approval; the approvers' list says so.
    let next = |c: &chiso_collect::Completeness| {
        c.awaiting_approval
            .iter()
            .find(|p| p.unit == commune)
            .map(|p| (p.approved_steps, p.next_level.clone()))
    };
    assert_eq!(next(&after), Some((0, district.clone())));

    // The commune cannot approve; the district can, then the province.
    let only = |code: Code| move |l: &Code| *l == code;
    let r = approve(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &officer,
        now,
        &only(commune.clone()),
    )
    .await;
    assert!(matches!(r, Err(CollectError::Refused(_))), "{r:?}");
    let huyen = Actor::new("huyen", Via::Web);
    let r = approve(&live, &hier, &ds, &commune, &y, &huyen, now, &only(c("58"))).await;
    assert!(
        matches!(r, Err(CollectError::Refused(_))),
        "the province cannot skip the district: {r:?}"
    );
    let a = approve(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &huyen,
        now,
        &only(district.clone()),
    )
    .await
    .unwrap();
    assert_eq!((a.step, a.level_unit.clone()), (1, district.clone()));
    let mid = completeness(s, &hier, &ds, &y, None, jan10).await.unwrap();
    assert_eq!(next(&mid), Some((1, c("58"))));
    let tinh = Actor::new("tinh", Via::Web);
    let a = approve(&live, &hier, &ds, &commune, &y, &tinh, now, &only(c("58")))
        .await
        .unwrap();
    assert_eq!((a.step, a.level_unit), (2, c("58")));
    let form = load_form(s, &hier, &ds, &commune, &y, jan10, false)
        .await
        .unwrap();
    assert_eq!(form.status, ReportStatus::Approved);
    let done = completeness(s, &hier, &ds, &y, None, jan10).await.unwrap();
    assert_eq!(next(&done), None, "approved at every level");
    assert!(!form.editable);
    let r = save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &[Entry {
            element: c("VB_DEN"),
            option: None,
            value: "1".into(),
            comment: None,
        }],
        &officer,
        jan10,
        false,
    )
    .await;
    assert!(
        matches!(r, Err(CollectError::Refused(_))),
        "approved is locked: {r:?}"
    );
    // Un-approving needs a reason and the level's approver; every step is in the audit log.
    assert!(unapprove(
        &live,
        &ds,
        &commune,
        &y,
        "sai số liệu",
        &huyen,
        &only(district.clone())
    )
    .await
    .is_err());
    assert!(
        unapprove(&live, &ds, &commune, &y, "", &tinh, &only(c("58")))
            .await
            .is_err()
    );
    assert_eq!(
        unapprove(
            &live,
            &ds,
            &commune,
            &y,
            "Cần đối chiếu lại",
            &tinh,
            &only(c("58"))
        )
        .await
        .unwrap(),
        2
    );
    let log = s.audit(&Default::default()).await.unwrap();
    let key = format!("report:BM_CDS_XA/{commune}/2023");
    let steps: Vec<&str> = log
        .iter()
        .filter(|e| e.entity == key)
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert!(steps.contains(&"completion.insert") && steps.contains(&"approval.delete"));

    // After the closing date the form is closed to the commune.
    let later = day(2024, 6, 1);
    let form = load_form(s, &hier, &ds, &c("22738"), &y, later, false)
        .await
        .unwrap();
    assert!(!form.editable);
}

fn row(element: &str, unit: &str, period: &str, value: &str, line: usize) -> ValueRow {
    ValueRow {
        element: element.into(),
        period: period.into(),
        unit: unit.into(),
        breakdown: None,
        value: value.into(),
        comment: None,
        deleted: false,
        place: Place {
            sheet: None,
            row: line,
            column: Some("value".into()),
        },
    }
}

async fn imports_are_all_or_nothing(store: Arc<dyn Store>) {
    let (live, hier) = demo(store.clone()).await;
    let s = store.as_ref();
    let admin = Actor::new("admin", Via::Import);
    let opts = |dry_run| ImportOptions {
        file: "so-lieu.csv".into(),
        dry_run,
        strategy: Strategy::CreateAndUpdate,
        source: SourceTag::Import("T1".into()),
        may_bypass_lock: true,
        names: FieldNames::CHISO,
    };
    let today = day(2026, 11, 30);
    let in_582 = |u: &Code| hier.is_within(u.as_str(), "582");
    let snap = snapshot(s).await;
    let bad = vec![
        row("VB_DEN", "22738", "2024", "12", 2),
        row("KHONG_CO", "22738", "2024", "1", 3),
        row("VB_DEN", "22738", "2024", "13", 4),
        row("VB_DEN", "22741", "2024", "mười", 5),
        row("VB_DEN", "22783", "2024", "1", 6),
        row("VB_DEN", "22738", "2024Q9", "1", 7),
    ];
    match import_rows(&live, &hier, &bad, &opts(false), &admin, &in_582, today).await {
        Err(ImportError::Rejected(errs)) => {
            let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
            assert_eq!(errs.len(), 5, "{text:?}");
            assert_eq!(
                (errs[0].row, errs[0].column.as_deref()),
                (3, Some("element")),
                "{text:?}"
            );
            assert!(text[1].contains("trùng với dòng 2"), "{text:?}");
            assert!(text[2].contains("không phải là số"), "{text:?}");
            assert!(text[3].contains("không có quyền"), "{text:?}");
            assert_eq!(errs[4].column.as_deref(), Some("period"));
        }
        other => panic!("expected the file to be refused, got {other:?}"),
    }
    assert_eq!(snapshot(s).await, snap, "the database is unchanged");
    // A blocking rule broken by the file refuses it too.
    let rule = vec![
        row("VB_DEN", "22738", "2024", "10", 2),
        row("VB_XL_MANG", "22738", "2024", "20", 3),
    ];
    match import_rows(&live, &hier, &rule, &opts(false), &admin, &in_582, today).await {
        Err(ImportError::Rejected(errs)) => {
            assert!(errs[0].reason.contains("không được nhiều hơn"), "{errs:?}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(snapshot(s).await, snap);
    // An approved report's values are locked, even in a dry run.
    let approved = s
        .approvals(Some(&c("BM_CDS_XA")), Some(&Period::Year(2023)))
        .await
        .unwrap()[0]
        .unit
        .to_string();
    let anywhere = |_: &Code| true;
    let locked = vec![
        row("VB_DEN", "22738", "2024", "12", 2),
        row("VB_DEN", &approved, "2023", "3000", 3),
    ];
    for dry_run in [true, false] {
        let r = import_rows(
            &live,
            &hier,
            &locked,
            &opts(dry_run),
            &admin,
            &anywhere,
            today,
        )
        .await;
        assert!(
            matches!(&r, Err(ImportError::Rejected(e)) if e[0].row == 3 && e[0].reason.contains("phê duyệt")),
            "{r:?}"
        );
    }
    assert_eq!(snapshot(s).await, snap);
    // A dry run says what would change and writes nothing.
    let good = vec![
        row("VB_DEN", "22738", "2024", "12", 2),
        row("VB_XL_MANG", "22738", "2024", "11", 3),
        // The district committee's yearly figure: no report of its locks it.
        row("VB_DEN", "582-UBND", "2023", "40000", 4),
    ];
    let dry = import_rows(&live, &hier, &good, &opts(true), &admin, &in_582, today)
        .await
        .unwrap();
    assert_eq!(
        (dry.changes.inserted, dry.changes.updated),
        (2, 1),
        "{dry:?}"
    );
    assert_eq!(snapshot(s).await, snap);
    let ok = import_rows(&live, &hier, &good, &opts(false), &admin, &in_582, today)
        .await
        .unwrap();
    assert_eq!((ok.changes.inserted, ok.changes.updated), (2, 1));
    let e = live.read().await;
    assert_eq!(
        e.element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("22738")),
            &Period::Year(2024),
            None
        )
        .unwrap(),
        Some(12.0)
    );
    drop(e);
    // CREATE leaves existing values alone; DELETE removes.
    let create = ImportOptions {
        strategy: Strategy::Create,
        ..opts(false)
    };
    let again = vec![
        row("VB_DEN", "22738", "2024", "99", 2),
        row("VB_DEN", "22741", "2024", "5", 3),
    ];
    let out = import_rows(&live, &hier, &again, &create, &admin, &in_582, today)
        .await
        .unwrap();
    assert_eq!((out.changes.inserted, out.ignored), (1, 1));
    let delete = ImportOptions {
        strategy: Strategy::Delete,
        ..opts(false)
    };
    let out = import_rows(&live, &hier, &again, &delete, &admin, &in_582, today)
        .await
        .unwrap();
    assert_eq!(out.changes.deleted, 2);
    let e = live.read().await;
    assert_eq!(
        e.element(
            &c("VB_DEN"),
            None,
            &Scope::Unit(c("22741")),
            &Period::Year(2024),
            None
        )
        .unwrap(),
        None
    );
}

/// A report with compulsory fields left empty is not completed: the refusal lists every one,
/// in the form's order, by name, and writes nothing; filled in, it is completed.
async fn completion_waits_for_compulsory_fields(store: Arc<dyn Store>) {
    let (live, hier) = demo(store.clone()).await;
    let s = store.as_ref();
    let ds = chiso_collect::data_set(s, &c("BM_CDS_XA")).await.unwrap();
    assert_eq!(ds.compulsory.len(), 19, "{:?}", ds.compulsory);
    let y = Period::Year(2023);
    let jan10 = day(2024, 1, 10);
    let now = Utc.with_ymd_and_hms(2024, 1, 10, 3, 0, 0).unwrap();
    let missing = completeness(s, &hier, &ds, &y, None, jan10).await.unwrap();
    let commune = missing.missing[0].unit.clone();
    let officer = Actor::new(format!("xa-{commune}"), Via::Web);
    let entry = |e: &str, v: &str| Entry {
        element: c(e),
        option: None,
        value: v.into(),
        comment: None,
    };
    // It never sent its 2023 report and holds no 2023 figures: its officer fills the form in
    // (last year's figures where there are some).
    let empty = load_form(s, &hier, &ds, &commune, &y, jan10, false)
        .await
        .unwrap();
    assert!(empty.fields.iter().all(|f| f.value.is_none()));
    let filled: Vec<Entry> = empty
        .fields
        .iter()
        .map(|f| Entry {
            element: f.element.clone(),
            option: f.option.clone(),
            value: f.last_year.clone().unwrap_or_else(|| "10".into()),
            comment: None,
        })
        .collect();
    save_form(
        &live, &hier, &ds, &commune, &y, &filled, &officer, jan10, false,
    )
    .await
    .unwrap();
    let before = load_form(s, &hier, &ds, &commune, &y, jan10, false)
        .await
        .unwrap();
    let was = |e: &str| {
        before
            .fields
            .iter()
            .find(|f| f.element == c(e))
            .and_then(|f| f.value.clone())
            .unwrap()
    };
    let (mang, dan, thon) = (was("VB_XL_MANG"), was("DAN_SO"), was("THON_KHONG_LOM_SONG"));
    // Three compulsory fields emptied (and one optional one, which may stay empty).
    save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &[
            entry("THON_KHONG_LOM_SONG", ""),
            entry("DAN_SO", ""),
            entry("TO_CNS_CONG_DONG", ""),
            entry("VB_XL_MANG", ""),
        ],
        &officer,
        jan10,
        false,
    )
    .await
    .unwrap();
    let snap = snapshot(s).await;
    match complete(&live, &hier, &ds, &commune, &y, &officer, now, jan10).await {
        Err(CollectError::MissingCompulsory(m)) => {
            let keys: Vec<String> = m.fields.iter().map(|f| f.key()).collect();
            assert_eq!(keys, ["VB_XL_MANG", "DAN_SO", "THON_KHONG_LOM_SONG"]);
            let text = m.to_string();
            assert!(
                text.contains("còn 3 chỉ tiêu bắt buộc chưa nhập: Văn bản điện tử xử lý trên môi trường mạng; Dân số; Thôn không còn vùng lõm sóng"),
                "{text}"
            );
            assert!(text.contains("3 compulsory field(s) are empty"), "{text}");
        }
        other => panic!("expected the compulsory fields to be asked for, got {other:?}"),
    }
    assert_eq!(snapshot(s).await, snap, "nothing written");
    let form = load_form(s, &hier, &ds, &commune, &y, jan10, false)
        .await
        .unwrap();
    assert_eq!(form.status, ReportStatus::Open);
    // Filled in: the report is completed.
    save_form(
        &live,
        &hier,
        &ds,
        &commune,
        &y,
        &[
            entry("VB_XL_MANG", &mang),
            entry("DAN_SO", &dan),
            entry("THON_KHONG_LOM_SONG", &thon),
        ],
        &officer,
        jan10,
        false,
    )
    .await
    .unwrap();
    assert!(
        complete(&live, &hier, &ds, &commune, &y, &officer, now, jan10)
            .await
            .unwrap()
    );
    let form = load_form(s, &hier, &ds, &commune, &y, jan10, false)
        .await
        .unwrap();
    assert_eq!(form.status, ReportStatus::Completed);
}

async fn rate(live: &App, y: &Period) -> chiso_engine::IndicatorValue {
    live.read()
        .await
        .indicator("TL_XA_BAO_CAO", &Scope::Unit(c("58")), y, None)
        .unwrap()
        .unwrap()
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _cleanup) = super::sqlite().await;
                super::$name(store).await
            }) *
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _cleanup) = super::postgres().await;
                super::$name(store).await
            }) *
        }
    };
}

both!(
    a_commune_enters_completes_and_is_approved,
    imports_are_all_or_nothing,
    completion_waits_for_compulsory_fields
);
