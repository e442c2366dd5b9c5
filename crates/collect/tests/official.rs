//! The official view and coverage on the demo, on SQLite and on PostgreSQL (`sqlite::NAME`,
//! `postgres::NAME`): the published figures stand on approved reports; a commune's 2024
//! values are live, partial and out of the official view until the province approves them;
//! a value breaking a blocking rule never enters it.

use chiso_app::App;
use chiso_collect::{approve, complete, save_form, unapprove, Entry, Hierarchy};
use chiso_core::{Code, DataValueInput, Period, SourceTag, Via};
use chiso_engine::{Basis, Scope, View};
use chiso_store::{Actor, PgStore, SqliteStore, Store};
use chrono::{NaiveDate, TimeZone, Utc};
use std::sync::Arc;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// What a test leaves behind, removed when the guard drops (also when the test fails).
enum Cleanup {
    Dir(std::path::PathBuf),
    Schema(String),
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Schema(s) => {
                if let Ok(url) = std::env::var("CHISO_TEST_POSTGRES_URL") {
                    PgStore::drop_schema_now(&url, s);
                }
            }
        }
    }
}

fn unique() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or(0)
    )
}

async fn sqlite() -> (Arc<dyn Store>, Cleanup) {
    let dir = std::env::temp_dir().join(format!("chiso-official-{}", unique()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = Arc::new(SqliteStore::open_path(&dir.join("o.db")).await.unwrap());
    (store, Cleanup::Dir(dir))
}

async fn postgres() -> (Arc<dyn Store>, Cleanup) {
    let url = std::env::var("CHISO_TEST_POSTGRES_URL")
        .expect("set CHISO_TEST_POSTGRES_URL to run the PostgreSQL tests");
    let schema = format!("chiso_official_{}", unique());
    let store = Arc::new(PgStore::open_in_schema(&url, &schema).await.unwrap());
    (store, Cleanup::Schema(schema))
}

/// The published figures and the 17 of 23 targets, in the official view.
async fn the_published_figures_are_official(store: Arc<dyn Store>) {
    chiso_demo::load(store.as_ref()).await.unwrap();
    let app = App::open(store).await.unwrap();
    let e = app.read().await;
    let off = e.view(View::Official);
    let y23 = Period::Year(2023);
    let tier = |g: &str| {
        let scope = Scope::Group(c(g));
        let v = off
            .indicator("VB_DT_TY_LE", &scope, &y23, None)
            .unwrap()
            .unwrap()
            .value;
        let cov = off.coverage("VB_DT_TY_LE", &scope, &y23).unwrap().unwrap();
        (round2(v), cov)
    };
    let (xa, cov) = tier("58_CAP_XA");
    assert_eq!(xa, 94.89);
    assert_eq!(
        (cov.reported, cov.expected, cov.basis, cov.partial),
        (58, 62, Basis::DataSets, false),
        "{cov:?}"
    );
    assert_eq!(tier("58_CO_QUAN_TINH").0, 98.90);
    assert_eq!(tier("58_CAP_HUYEN").0, 96.52);
    let cks = off
        .compare("CKS_TY_LE", &Scope::Group(c("58_TOAN_TINH")), &y23, None)
        .unwrap()
        .unwrap();
    let ly = cks.same_period_last_year.unwrap();
    assert_eq!((round2(cks.value), round2(ly.difference)), (97.22, 9.48));
    assert!(
        ly.comparable,
        "2023 (58 of 62) and 2022 (62 of 62) are both complete"
    );
    let tt = off
        .compare("TT_KHONG_TIEN_MAT_DS", &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap();
    let ly = tt.same_period_last_year.unwrap();
    assert_eq!((tt.value, ly.difference), (314_792.0, 67_436.0));
    let dcs = off
        .indicator("DCS_SO_LUONG", &Scope::Unit(c("58")), &y23, None)
        .unwrap()
        .unwrap();
    assert_eq!(dcs.value, 146_587.0);
    // The 2024 village counts behind the dead-zone register are derived (kept from 2023):
    // official though the commune form collects them, as a fresh load reads them.
    let villages = |view: View| {
        e.view(view)
            .indicator(
                "THON_HET_LOM_SONG_SDK_TY_LE",
                &Scope::Unit(c("58")),
                &Period::Year(2024),
                None,
            )
            .unwrap()
            .map(|v| v.value)
    };
    assert!(villages(View::Official).is_some());
    assert_eq!(villages(View::Official), villages(View::Live));
    let fw = app
        .reads()
        .frameworks()
        .await
        .unwrap()
        .into_iter()
        .find(|f| f.code.as_str() == "KH_CDS_2023")
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let met = fw
        .targets
        .iter()
        .filter(|t| off.assess(t, today).unwrap().status.achieved())
        .count();
    assert_eq!((met, fw.targets.len()), (17, 23));
}

/// The province's signature rate and what it stands on, in a view.
async fn signatures(app: &App, y: &Period, view: View) -> (Option<f64>, chiso_engine::Coverage) {
    let e = app.read().await;
    let v = e.view(view);
    let province = Scope::Unit(c("58"));
    (
        v.indicator("CKS_TY_LE", &province, y, None)
            .unwrap()
            .map(|x| x.value),
        v.coverage("CKS_TY_LE", &province, y).unwrap().unwrap(),
    )
}

/// A commune's 2024 values: live and partial at once, official once the province approves.
async fn a_report_enters_the_official_view_when_the_province_approves(store: Arc<dyn Store>) {
    chiso_demo::load(store.as_ref()).await.unwrap();
    let app = App::open(store.clone()).await.unwrap();
    let hier = Hierarchy::of(&app).await;
    let reads = app.reads();
    let ds = chiso_collect::data_set(reads.as_ref(), &c("BM_CDS_XA"))
        .await
        .unwrap();
    let y24 = Period::Year(2024);
    let today = NaiveDate::from_ymd_opt(2024, 6, 30).unwrap();
    let now = Utc.with_ymd_and_hms(2024, 6, 30, 3, 0, 0).unwrap();
    let commune = c("22738");
    let province = Scope::Unit(c("58"));
    let (none, before) = signatures(&app, &y24, View::Live).await;
    assert_eq!((none, before.reported, before.expected), (None, 0, 62));

    // The commune enters every field of its 2024 form: all its officials sign digitally.
    let officer = Actor::new("can.bo.xa", Via::Web);
    let form = chiso_collect::load_form(reads.as_ref(), &hier, &ds, &commune, &y24, today, false)
        .await
        .unwrap();
    let entries: Vec<Entry> = form
        .fields
        .iter()
        .map(|f| Entry {
            element: f.element.clone(),
            option: f.option.clone(),
            value: match f.element.as_str() {
                "CB_TONG" | "CB_KY_SO" => "120".to_string(),
                _ => f.last_year.clone().unwrap_or_else(|| "10".into()),
            },
            comment: None,
        })
        .collect();
    save_form(
        &app, &hier, &ds, &commune, &y24, &entries, &officer, today, false,
    )
    .await
    .unwrap();
    let (live, cov) = signatures(&app, &y24, View::Live).await;
    assert_eq!(live, Some(100.0));
    assert_eq!(
        (cov.reported, cov.expected, cov.partial, cov.entering),
        (1, 62, true, 1),
        "{cov:?}"
    );
    // Against 2023 (58 of 62 communes) the change says it compares a partial year.
    {
        let e = app.read().await;
        let cmp = e
            .view(View::Live)
            .compare("CKS_TY_LE", &province, &y24, None)
            .unwrap()
            .unwrap();
        let ly = cmp.same_period_last_year.unwrap();
        assert!(!ly.comparable, "{ly:?}");
        assert!(ly.coverage.is_some_and(|c| !c.partial));
    }
    let (official, cov) = signatures(&app, &y24, View::Official).await;
    assert_eq!(official, None, "not in the official view");
    assert_eq!((cov.reported, cov.expected, cov.entering), (0, 62, 1));

    // Sent, then approved by the district: awaiting the province, still not official.
    assert!(
        complete(&app, &hier, &ds, &commune, &y24, &officer, now, today)
            .await
            .unwrap()
    );
    assert_eq!(signatures(&app, &y24, View::Live).await.1.awaiting, 1);
    let district = Actor::new("lanh.dao.huyen", Via::Web);
    let anywhere = |_: &Code| true;
    approve(&app, &hier, &ds, &commune, &y24, &district, now, &anywhere)
        .await
        .unwrap();
    assert_eq!(signatures(&app, &y24, View::Official).await.0, None);
    // The province approves: official.
    let tinh = Actor::new("so.khcn", Via::Web);
    approve(&app, &hier, &ds, &commune, &y24, &tinh, now, &anywhere)
        .await
        .unwrap();
    let (official, cov) = signatures(&app, &y24, View::Official).await;
    assert_eq!(official, Some(100.0));
    assert_eq!(
        (cov.reported, cov.expected, cov.awaiting, cov.entering),
        (1, 62, 0, 0)
    );
    // Taken back at the province: out again; the engine matches a fresh load throughout.
    unapprove(&app, &ds, &commune, &y24, "Sai số liệu", &tinh, &anywhere)
        .await
        .unwrap();
    assert_eq!(signatures(&app, &y24, View::Official).await.0, None);
    let fresh = App::open(store).await.unwrap();
    assert_eq!(signatures(&fresh, &y24, View::Official).await.0, None);
    assert_eq!(signatures(&fresh, &y24, View::Live).await.0, Some(100.0));
}

/// A value that breaks a blocking rule stays out of the official view, even one an
/// administrator imports as published; fixed, it enters.
async fn a_rule_breaking_value_is_never_official(store: Arc<dyn Store>) {
    chiso_demo::load(store.as_ref()).await.unwrap();
    let app = App::open(store).await.unwrap();
    let y = Period::Year(2021);
    let agency = c("58-SO-TTTT");
    let put = |element: &str, value: &str| DataValueInput {
        element: c(element),
        unit: agency.clone(),
        period: y,
        breakdown: None,
        value: value.into(),
        comment: None,
        source: SourceTag::Published,
    };
    let admin = Actor::new("quan.tri", Via::Import);
    app.write_values(&[put("VB_DEN", "100"), put("VB_XL_MANG", "120")], &admin)
        .await
        .unwrap();
    let own = |view: View, element: &str| {
        let app = &app;
        let agency = agency.clone();
        let element = c(element);
        async move {
            app.read()
                .await
                .view(view)
                .own(&element, None, agency.as_str(), &y)
        }
    };
    assert_eq!(own(View::Live, "VB_XL_MANG").await, Some(120.0));
    assert_eq!(own(View::Official, "VB_XL_MANG").await, None);
    assert_eq!(own(View::Official, "VB_DEN").await, None);
    let e = app.read().await;
    let rate = e
        .view(View::Official)
        .indicator("VB_DT_TY_LE", &Scope::Unit(agency.clone()), &y, None)
        .unwrap();
    assert_eq!(rate, None, "no 120 % in the official view");
    drop(e);
    app.write_values(&[put("VB_DEN", "150")], &admin)
        .await
        .unwrap();
    assert_eq!(own(View::Official, "VB_XL_MANG").await, Some(120.0));
    assert_eq!(own(View::Official, "VB_DEN").await, Some(150.0));
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
    the_published_figures_are_official,
    a_report_enters_the_official_view_when_the_province_approves,
    a_rule_breaking_value_is_never_official,
);
