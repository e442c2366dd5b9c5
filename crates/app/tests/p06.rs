//! The electronic data store through the application layer, on SQLite and on PostgreSQL
//! (`CHISO_TEST_POSTGRES_URL`): every rule refused where it must be, every read and write in
//! the access log, reuse at intake, and the store's figures in the engine.

use chiso_app::p06::{NewResult, P06Error, P06Who};
use chiso_app::App;
use chiso_core::account::{Assignment, Role};
use chiso_core::{Code, Period, Unit, UnitKind, Via};
use chiso_engine::Scope;
use chiso_p06::*;
use chiso_store::{AccessQuery, Actor, PgStore, ResultQuery, SqliteStore, Store};
use chrono::NaiveDate;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn unit(code: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit {
        code: c(code),
        gso_code: None,
        name_vi: format!("Đơn vị {code}"),
        name_en: None,
        kind,
        parent: parent.map(c),
        valid_from: None,
        valid_to: None,
        lat: None,
        lon: None,
    }
}

enum Leftover {
    Dir(std::path::PathBuf),
    Schema(Arc<PgStore>, String),
}

struct Setup {
    app: App,
    left: Leftover,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

fn unique() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    )
}

async fn open(pg: bool) -> Setup {
    let (store, left): (Arc<dyn Store>, Leftover) = if pg {
        let url = std::env::var("CHISO_TEST_POSTGRES_URL")
            .expect("set CHISO_TEST_POSTGRES_URL to run the PostgreSQL tests");
        let schema = format!("chiso_p06_{}", unique());
        let s = Arc::new(PgStore::open_in_schema(&url, &schema).await.unwrap());
        (s.clone(), Leftover::Schema(s, schema))
    } else {
        let dir = std::env::temp_dir().join(format!("chiso-app-p06-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let s = Arc::new(SqliteStore::open_path(&dir.join("t.db")).await.unwrap());
        (s, Leftover::Dir(dir))
    };
    let units = vec![
        unit("58", UnitKind::Province, None),
        unit("582", UnitKind::District, Some("58")),
        unit("22738", UnitKind::Commune, Some("582")),
        unit("22741", UnitKind::Commune, Some("582")),
        Unit {
            valid_to: NaiveDate::from_ymd_opt(2025, 6, 30),
            ..unit("22777", UnitKind::Commune, Some("582"))
        },
    ];
    store
        .upsert_units(&units, &Actor::new("setup", Via::Cli))
        .await
        .unwrap();
    Setup {
        app: App::open(store).await.unwrap(),
        left,
    }
}

impl Setup {
    async fn finish(self) {
        match self.left {
            Leftover::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Leftover::Schema(s, schema) => s.drop_schema(&schema).await.unwrap(),
        }
    }
}

fn officer(name: &str, unit: &str) -> P06Who {
    P06Who {
        username: name.into(),
        via: Via::Web,
        assignments: vec![Assignment {
            role: Role::DataEntry,
            unit: Some(c(unit)),
        }],
        owner: None,
    }
}

fn owner(name: &str, s: &SubjectId) -> P06Who {
    P06Who {
        username: name.into(),
        via: Via::Web,
        assignments: vec![],
        owner: Some(s.clone()),
    }
}

fn today() -> NaiveDate {
    chiso_core::clock::today_in_vietnam()
}

async fn new_dossier(app: &App, unit: &str, who: &SubjectId, doc: &str) -> Dossier {
    let code = app.p06_next_code(&c(unit), today()).await.unwrap();
    Dossier {
        code,
        subject: who.clone(),
        procedure: c("1.001193"),
        procedure_name: "Thủ tục thử".into(),
        essential: true,
        unit: c(unit),
        received: today(),
        due: today() + chrono::Days::new(5),
        finished: None,
        status: DossierStatus::Open,
        online: true,
        components: vec![Component {
            doc_type: c(doc),
            name: "Giấy tờ".into(),
            digitised: false,
            reused: false,
            reused_from: None,
            national_db: false,
        }],
    }
}

fn result(doc: &str, finish: bool) -> NewResult {
    NewResult {
        kind: ResultKind::Result,
        doc_type: c(doc),
        name: "Kết quả".into(),
        issuer: None,
        original_issuer: None,
        number: "1/2025".into(),
        issued: today(),
        valid_until: None,
        retain_until: None,
        signer: Some("ab".repeat(20)),
        link: Some("https://kho.example/kq".into()),
        finish: finish.then(today),
    }
}

fn refused<T: std::fmt::Debug>(r: Result<T, P06Error>) -> String {
    match r {
        Err(P06Error::Refused(why)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

async fn log_of(app: &App, s: &SubjectId) -> Vec<(String, String, String, String)> {
    app.reads()
        .p06_access_log(&AccessQuery {
            subject: Some(s.clone()),
            entity: None,
            limit: None,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let r = e.record;
            (r.actor, r.action, r.entity, r.reason)
        })
        .collect()
}

/// An agency reads a citizen's store only while it holds an open dossier of theirs; every
/// read and every refusal is logged and shown to the owner; reuse at intake marks the
/// component and moves the reuse rate in the engine.
async fn reads_need_an_open_dossier_and_are_logged(pg: bool) {
    let t = open(pg).await;
    let app = &t.app;
    let s = SubjectId::pseudonym(SubjectKind::Individual, "test/a");
    let (a, b) = (officer("desk_a", "22738"), officer("desk_b", "22741"));
    // A receives and issues a birth certificate to S, finishing the dossier.
    let d1 = new_dossier(app, "22738", &s, "GKS").await;
    let (d1, reused) = app.p06_receive(&a, d1, None).await.unwrap();
    assert!(reused.is_empty());
    let kq = app
        .p06_add_result(&a, &d1.code, result("GKS", true), None)
        .await
        .unwrap();
    assert_eq!(kq.code, format!("{}-KQ1", d1.code));
    // B holds no dossier of S: refused, and the refusal logged.
    let why = refused(app.p06_store(&b, &s).await);
    assert!(why.contains("no open dossier"), "{why}");
    let log = log_of(app, &s).await;
    assert_eq!(
        log[0],
        (
            "desk_b".into(),
            "refused".into(),
            "store".into(),
            "no open dossier of this owner".into()
        )
    );
    // B's result history of S's certificate: refused as well.
    refused(app.p06_result_history(&b, &kq.code).await);
    // B receives a dossier of S needing a birth certificate: the store offers KQ1, the
    // component is marked reused, the citizen is not asked for it.
    let d2 = new_dossier(app, "22741", &s, "GKS").await;
    let (d2, reused) = app.p06_receive(&b, d2, None).await.unwrap();
    assert_eq!(reused, vec![kq.code.clone()]);
    assert!(d2.components[0].reused);
    assert_eq!(
        d2.components[0].reused_from.as_deref(),
        Some(kq.code.as_str())
    );
    // Now B reads S's store, and each result it sees is logged as read by B.
    let view = app.p06_store(&b, &s).await.unwrap();
    assert_eq!(view.basis, "open dossier");
    assert_eq!(view.results.len(), 1);
    assert!(
        view.access.is_empty(),
        "an agency does not see the access log"
    );
    let log = log_of(app, &s).await;
    assert!(log.contains(&(
        "desk_b".into(),
        "read".into(),
        kq.code.clone(),
        "open dossier".into()
    )));
    // The owner sees everything, and who has read what.
    let mine = app.p06_store(&owner("citizen_a", &s), &s).await.unwrap();
    assert_eq!(mine.dossiers.len(), 2);
    assert!(mine.access.iter().any(|e| e.record.actor == "desk_b"
        && e.record.action == "read"
        && e.record.entity == kq.code));
    // Another citizen is refused S's store; S's export is S's own.
    let other = SubjectId::pseudonym(SubjectKind::Individual, "test/b");
    refused(app.p06_store(&owner("citizen_b", &other), &s).await);
    refused(app.p06_export(&owner("citizen_b", &other), &s).await);
    let export = app.p06_export(&owner("citizen_a", &s), &s).await.unwrap();
    assert_eq!(export.results.len(), 1);
    assert!(log_of(app, &s)
        .await
        .iter()
        .any(|e| e.2 == "export" && e.1 == "read"));
    // Once B's dossier is finished, B is refused again.
    app.p06_close(&b, &d2.code, DossierStatus::Finished, today())
        .await
        .unwrap();
    refused(app.p06_store(&b, &s).await);
    // The issuer still reads what it issued.
    let issued = app.p06_store(&a, &s).await.unwrap();
    assert_eq!(issued.results.len(), 1);
    // The reuse rate in the engine: B's one component reused of one.
    let period = Period::month(
        chrono::Datelike::year(&today()),
        chrono::Datelike::month(&today()) as u8,
    )
    .unwrap();
    let e = app.read().await;
    let reuse = e
        .indicator(Rate::Reuse.code(), &Scope::Unit(c("22741")), &period, None)
        .unwrap()
        .unwrap();
    assert_eq!((reuse.numerator, reuse.denominator), (1.0, 1.0));
    let district = e
        .indicator(Rate::Reuse.code(), &Scope::Unit(c("582")), &period, None)
        .unwrap()
        .unwrap();
    assert_eq!((district.numerator, district.denominator), (1.0, 2.0));
    let electronic = e
        .indicator(
            Rate::ElectronicResults.code(),
            &Scope::Unit(c("22738")),
            &period,
            None,
        )
        .unwrap()
        .unwrap();
    assert_eq!((electronic.numerator, electronic.denominator), (1.0, 1.0));
    drop(e);
    // The access log is a chain that verifies.
    let check = app.reads().p06_verify_access().await.unwrap();
    assert!(check.broken.is_none(), "{check:?}");
    t.finish().await;
}

/// Only the issuing unit writes and revokes its result; a revoked result is not reused;
/// no identity-card image is accepted; a scan needs the desk and a signature.
async fn writes_by_the_issuer_and_revoked_results_not_reused(pg: bool) {
    let t = open(pg).await;
    let app = &t.app;
    let s = SubjectId::pseudonym(SubjectKind::Individual, "test/c");
    let (a, b) = (officer("desk_a", "22738"), officer("desk_b", "22741"));
    let d1 = new_dossier(app, "22738", &s, "GKS").await;
    let (d1, _) = app.p06_receive(&a, d1, None).await.unwrap();
    // B may not write A's result, nor a scan of A's dossier.
    let mut by_b = result("GKS", false);
    by_b.issuer = Some(c("22738"));
    let why = refused(app.p06_add_result(&b, &d1.code, by_b, None).await);
    assert!(why.contains("only the issuing unit"), "{why}");
    // Nor put a result of its own into A's dossier.
    let mut own = result("GKS", false);
    own.issuer = Some(c("22741"));
    let why = refused(app.p06_add_result(&b, &d1.code, own, None).await);
    assert!(why.contains("only the issuing unit"), "{why}");
    let mut scan = result("GKS", false);
    scan.kind = ResultKind::Scan;
    refused(app.p06_add_result(&b, &d1.code, scan.clone(), None).await);
    // The desk's scan without a signature is refused.
    let mut unsigned = scan.clone();
    unsigned.signer = None;
    refused(app.p06_add_result(&a, &d1.code, unsigned, None).await);
    // An identity-card image is refused, with a file or without.
    let png = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let mut card = scan.clone();
    card.doc_type = c("CCCD");
    let why = refused(
        app.p06_add_result(&a, &d1.code, card.clone(), Some(png))
            .await,
    );
    assert!(why.contains("identity-card"), "{why}");
    refused(app.p06_add_result(&a, &d1.code, card, None).await);
    let kq = app
        .p06_add_result(&a, &d1.code, result("GKS", true), None)
        .await
        .unwrap();
    // B may not revoke it; A does, and it stays, flagged.
    refused(app.p06_revoke(&b, &kq.code, "nhầm").await);
    let r = app
        .p06_revoke(&a, &kq.code, "hủy do sai sót")
        .await
        .unwrap();
    assert!(r.revoked_at.is_some());
    refused(app.p06_revoke(&a, &kq.code, "lần hai").await);
    // A revoked result is not reused: the new dossier's component is asked for.
    let d2 = new_dossier(app, "22741", &s, "GKS").await;
    let (d2, reused) = app.p06_receive(&b, d2, None).await.unwrap();
    assert!(reused.is_empty());
    assert!(!d2.components[0].reused);
    // B holds an open dossier but does not see the revoked result.
    let view = app.p06_store(&b, &s).await.unwrap();
    assert!(view.results.is_empty());
    // A unit that no longer exists receives nothing (its figures could not be kept).
    let gone = officer("desk_gone", "22777");
    let d3 = new_dossier(app, "22777", &s, "GKS").await;
    let code3 = d3.code.clone();
    let why = refused(app.p06_receive(&gone, d3, None).await);
    assert!(why.contains("did not exist"), "{why}");
    assert!(app
        .reads()
        .p06_dossiers(&chiso_store::DossierQuery {
            codes: vec![code3],
            ..Default::default()
        })
        .await
        .unwrap()
        .is_empty());
    // Every refusal is in the log.
    let log = log_of(app, &s).await;
    let refusals = log.iter().filter(|e| e.1 == "refused").count();
    assert!(refusals >= 6, "{log:?}");
    t.finish().await;
}

/// A finished dossier is rated once, by its applicant only.
async fn the_applicant_rates_once(pg: bool) {
    let t = open(pg).await;
    let app = &t.app;
    let s = SubjectId::pseudonym(SubjectKind::Individual, "test/d");
    let a = officer("desk_a", "22738");
    let d = new_dossier(app, "22738", &s, "GKS").await;
    let (d, _) = app.p06_receive(&a, d, None).await.unwrap();
    let me = owner("citizen_d", &s);
    // Not finished yet.
    refused(
        app.p06_rate(&me, &d.code, RatingValue::Satisfied, None)
            .await,
    );
    app.p06_add_result(&a, &d.code, result("GKS", true), None)
        .await
        .unwrap();
    // The officer, and another citizen, may not rate it.
    let why = refused(
        app.p06_rate(&a, &d.code, RatingValue::Satisfied, None)
            .await,
    );
    assert!(why.contains("only the applicant"), "{why}");
    let other = SubjectId::pseudonym(SubjectKind::Individual, "test/e");
    refused(
        app.p06_rate(
            &owner("citizen_e", &other),
            &d.code,
            RatingValue::Unsatisfied,
            None,
        )
        .await,
    );
    app.p06_rate(&me, &d.code, RatingValue::Neutral, Some("chờ lâu".into()))
        .await
        .unwrap();
    let why = refused(
        app.p06_rate(&me, &d.code, RatingValue::Satisfied, None)
            .await,
    );
    assert!(why.contains("already rated"), "{why}");
    let ratings = app
        .reads()
        .p06_ratings(std::slice::from_ref(&d.code))
        .await
        .unwrap();
    assert_eq!(ratings.len(), 1);
    assert_eq!(ratings[0].value, RatingValue::Neutral);
    t.finish().await;
}

/// A one-stop system's export: a dry run writes nothing, the import is all or nothing, a
/// second import of the same file changes nothing, and its figures reach the engine.
async fn an_export_imports_once(pg: bool) {
    let t = open(pg).await;
    let app = &t.app;
    let csv = "code,subject,subject_name,procedure,procedure_name,essential,unit,received,due,finished,status,online,components,result_doc_type,result_name,result_number,result_issued,result_valid_until,result_signer,result_link\n\
000.25.06.H58-230105-0001,CN-00000000AB01,Người dân thử,1.001193,Đăng ký khai sinh,1,22738,2023-01-05,2023-01-06,2023-01-06,finished,1,TO_KHAI+d|GIAY_CHUNG_SINH+d,TRICH_LUC_KS,Trích lục khai sinh,1/2023,2023-01-06,,abababababababababababababababababababab,kho://x\n";
    let actor = Actor::new("importer", Via::Cli);
    let batch = || chiso_p06::import::read(csv.as_bytes(), chrono::Utc::now(), "importer").unwrap();
    let dry = app.p06_import(batch(), &actor, true).await.unwrap();
    assert_eq!(dry.inserted, 2);
    assert!(app
        .reads()
        .p06_dossiers(&chiso_store::DossierQuery::default())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        app.p06_import(batch(), &actor, false)
            .await
            .unwrap()
            .inserted,
        2
    );
    let again = app.p06_import(batch(), &actor, false).await.unwrap();
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    let e = app.read().await;
    let dig = e
        .indicator(
            Rate::Digitisation.code(),
            &Scope::Unit(c("22738")),
            &Period::month(2023, 1).unwrap(),
            None,
        )
        .unwrap()
        .unwrap();
    assert_eq!((dig.numerator, dig.denominator), (1.0, 1.0));
    drop(e);
    // Imported again finished later (10 March, after its due day), then later still (10 May):
    // March no longer counts it as finished once May does — a month neither of receipt nor of
    // the new finish is recomputed too.
    let on_time = |month: u8| async move {
        app.read()
            .await
            .indicator(
                Rate::OnTime.code(),
                &Scope::Unit(c("22738")),
                &Period::month(2023, month).unwrap(),
                None,
            )
            .unwrap()
            .map(|v| (v.numerator, v.denominator))
    };
    assert_eq!(on_time(1).await, Some((1.0, 1.0)));
    for finished in ["2023-03-10", "2023-05-10"] {
        let later = csv.replace(",2023-01-06,finished,", &format!(",{finished},finished,"));
        app.p06_import(
            chiso_p06::import::read(later.as_bytes(), chrono::Utc::now(), "importer").unwrap(),
            &actor,
            false,
        )
        .await
        .unwrap();
    }
    assert_eq!(on_time(5).await, Some((0.0, 1.0)));
    for month in [1, 3] {
        let v = on_time(month).await;
        assert!(
            v.is_none_or(|(_, d)| d == 0.0),
            "month {month} still counts the dossier finished: {v:?}"
        );
    }
    // A unit that no longer existed on the day: refused by row, nothing written.
    let late = csv
        .replace("2023-01-0", "2026-01-0")
        .replace("H58-23", "H58-26")
        .replace("1/2023", "1/2026")
        .replace(",22738,", ",22777,");
    let r = app
        .p06_import(
            chiso_p06::import::read(late.as_bytes(), chrono::Utc::now(), "importer").unwrap(),
            &actor,
            false,
        )
        .await;
    assert!(
        matches!(r, Err(chiso_store::StoreError::Invalid(_))),
        "{r:?}"
    );
    t.finish().await;
}

/// A result's file is kept once by its SHA-256 beside the SQLite database, with its metadata;
/// a file that is not a PDF, PNG, JPEG or XML is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_s_file_is_kept_once_by_its_hash() {
    let t = open(false).await;
    let app = &t.app;
    let s = SubjectId::pseudonym(SubjectKind::Individual, "test/f");
    let a = officer("desk_a", "22738");
    let pdf = b"%PDF-1.7 synthetic result".to_vec();
    let mut codes = Vec::new();
    for _ in 0..2 {
        let d = new_dossier(app, "22738", &s, "GKS").await;
        let (d, _) = app.p06_receive(&a, d, None).await.unwrap();
        let r = app
            .p06_add_result(&a, &d.code, result("GKS", true), Some(pdf.clone()))
            .await
            .unwrap();
        assert_eq!(
            r.sha256.as_deref(),
            Some(chiso_p06::rules::sha256_hex(&pdf).as_str())
        );
        assert_eq!(r.media_type.as_deref(), Some("application/pdf"));
        codes.push(r.code);
    }
    let files = app
        .p06_files()
        .expect("a place for files beside the database");
    let sha = chiso_p06::rules::sha256_hex(&pdf);
    assert_eq!(files.get(&sha).unwrap(), Some(pdf.clone()));
    let meta = app.reads().p06_file_meta(&sha).await.unwrap().unwrap();
    assert_eq!(meta.size, pdf.len() as i64);
    // Not a document: refused, nothing written.
    let d = new_dossier(app, "22738", &s, "GKS").await;
    let (d, _) = app.p06_receive(&a, d, None).await.unwrap();
    let why = refused(
        app.p06_add_result(
            &a,
            &d.code,
            result("GKS", true),
            Some(b"MZ\x90 not a document".to_vec()),
        )
        .await,
    );
    assert!(why.contains("PDF"), "{why}");
    t.finish().await;
}

/// An officer of a unit above reads nothing of a citizen's store through that role — not the
/// results its communes issued, not their dossiers — while the issuing commune does; the
/// district still issues a result for a commune's open dossier and reads what it issued.
async fn a_unit_above_reads_only_what_it_issued(pg: bool) {
    let t = open(pg).await;
    let app = &t.app;
    let s = SubjectId::pseudonym(SubjectKind::Individual, "test/above");
    let desk = officer("desk_a", "22738");
    let (province, district) = (officer("prov", "58"), officer("dist", "582"));
    let d1 = new_dossier(app, "22738", &s, "GKS").await;
    let (d1, _) = app.p06_receive(&desk, d1, None).await.unwrap();
    let kq = app
        .p06_add_result(&desk, &d1.code, result("GKS", true), None)
        .await
        .unwrap();
    for above in [&province, &district] {
        let why = refused(app.p06_result_history(above, &kq.code).await);
        assert!(why.contains("no open dossier"), "{why}");
        refused(app.p06_unit_dossiers(above, &c("22738"), None, 50).await);
        refused(app.p06_store(above, &s).await);
    }
    assert!(app.p06_result_history(&desk, &kq.code).await.is_ok());
    assert_eq!(
        app.p06_unit_dossiers(&desk, &c("22738"), None, 50)
            .await
            .unwrap()
            .0
            .len(),
        1
    );
    // The district issues the result of a commune's open dossier, and reads it.
    let d2 = new_dossier(app, "22738", &s, "GCN").await;
    let (d2, _) = app.p06_receive(&desk, d2, None).await.unwrap();
    let mut by_district = result("GCN", true);
    by_district.issuer = Some(c("582"));
    let kq2 = app
        .p06_add_result(&district, &d2.code, by_district, None)
        .await
        .unwrap();
    assert!(app.p06_result_history(&district, &kq2.code).await.is_ok());
    refused(app.p06_result_history(&province, &kq2.code).await);
    let log = log_of(app, &s).await;
    assert!(
        log.iter().any(|e| e.0 == "prov" && e.1 == "refused"),
        "{log:?}"
    );
    t.finish().await;
}

/// A finished dossier keeps its day: a second result may be added but does not finish it
/// again (its figures stay in the month it was finished). Two desks acting on one open
/// dossier at once — one finishing it with a result, one withdrawing it — never both succeed:
/// the one that decided on a stale copy is refused, and the dossier is what the other made it.
async fn a_finished_dossier_keeps_its_day_and_concurrent_desks_do_not_overwrite(pg: bool) {
    let t = open(pg).await;
    let app = &t.app;
    let s = SubjectId::pseudonym(SubjectKind::Individual, "test/race");
    let desk = officer("desk_a", "22738");
    let d = new_dossier(app, "22738", &s, "GKS").await;
    let (d, _) = app.p06_receive(&desk, d, None).await.unwrap();
    app.p06_add_result(&desk, &d.code, result("GKS", true), None)
        .await
        .unwrap();
    let why = refused(
        app.p06_add_result(&desk, &d.code, result("GKS", true), None)
            .await,
    );
    assert!(why.contains("no longer open"), "{why}");
    let second = app
        .p06_add_result(&desk, &d.code, result("GKS", false), None)
        .await
        .unwrap();
    assert!(second.code.ends_with("-KQ2"), "{}", second.code);
    let stored = |code: DossierCode| async move {
        app.reads()
            .p06_dossiers(&chiso_store::DossierQuery {
                codes: vec![code],
                ..Default::default()
            })
            .await
            .unwrap()
            .remove(0)
    };
    assert_eq!(stored(d.code.clone()).await.finished, Some(today()));

    let (mut both, mut finished, mut withdrawn) = (0, 0, 0);
    for _ in 0..12 {
        let d = new_dossier(app, "22738", &s, "GKS").await;
        let (d, _) = app.p06_receive(&desk, d, None).await.unwrap();
        let (issued, closed) = tokio::join!(
            app.p06_add_result(&desk, &d.code, result("GKS", true), None),
            app.p06_close(&desk, &d.code, DossierStatus::Withdrawn, today()),
        );
        let now = stored(d.code.clone()).await;
        let results = app
            .reads()
            .p06_results(&ResultQuery {
                dossiers: vec![d.code.clone()],
                ..Default::default()
            })
            .await
            .unwrap();
        match (issued.is_ok(), closed.is_ok()) {
            (true, true) => both += 1,
            (true, false) => {
                finished += 1;
                assert_eq!(now.status, DossierStatus::Finished);
                assert_eq!(results.len(), 1);
            }
            (false, true) => {
                withdrawn += 1;
                assert_eq!(now.status, DossierStatus::Withdrawn);
                assert!(results.is_empty(), "a withdrawn dossier got a result");
            }
            (false, false) => panic!("both refused: {issued:?} {closed:?}"),
        }
    }
    assert_eq!(
        both, 0,
        "both desks succeeded ({finished} finished, {withdrawn} withdrawn)"
    );
    t.finish().await;
}

macro_rules! both {
    ($($name:ident),*) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(false).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(true).await
                }
            )*
        }
    };
}

both!(
    reads_need_an_open_dossier_and_are_logged,
    writes_by_the_issuer_and_revoked_results_not_reused,
    the_applicant_rates_once,
    an_export_imports_once,
    a_unit_above_reads_only_what_it_issued,
    a_finished_dossier_keeps_its_day_and_concurrent_desks_do_not_overwrite
);
