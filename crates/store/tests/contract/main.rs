//! The storage contract: every test here runs once on SQLite and once on PostgreSQL
//! (`sqlite::NAME` and `postgres::NAME` in the test output).
//!
//! PostgreSQL tests need `CHISO_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! each test works in a fresh schema of its own. Without the variable they fail, naming it.
//!
//! The tests live in modules by subject; `contract_suite!` at the end names each one by its
//! module and makes the two backend tests of it.

use chiso_core::{
    AggregationType, Breakdown, BreakdownOption, Code, DataElement, DataValueInput, Period,
    SourceTag, SuccessorLink, Unit, UnitGroup, UnitKind, ValueType, Via,
};
use chiso_store::{
    Actor, AuditQuery, PgStore, SqliteStore, Store, StoreError, UnitQuery, ValueKey, ValueQuery,
};
use chrono::NaiveDate;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

mod accounts;
mod collection;
mod compulsory;
mod geo;
mod group;
mod large_writes;
mod p06;
mod plans;
mod units;
mod upgrade;
mod value_types;
mod values;

static NEXT: AtomicU32 = AtomicU32::new(0);

fn unique() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "{}_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst),
        nanos
    )
}

pub enum Db {
    Sqlite(Arc<SqliteStore>, std::path::PathBuf),
    Postgres(Arc<PgStore>, String),
}

impl Db {
    async fn sqlite() -> Db {
        let dir = std::env::temp_dir().join(format!("chiso-contract-{}", unique()));
        std::fs::create_dir_all(&dir).unwrap();
        let store = SqliteStore::open_path(&dir.join("test.db")).await.unwrap();
        Db::Sqlite(Arc::new(store), dir)
    }

    async fn postgres() -> Db {
        let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap_or_else(|_| {
            panic!("set CHISO_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL contract tests")
        });
        let schema = format!("chiso_test_{}", unique());
        let store = PgStore::open_in_schema(&url, &schema).await.unwrap();
        Db::Postgres(Arc::new(store), schema)
    }

    fn store(&self) -> &dyn Store {
        match self {
            Db::Sqlite(s, _) => s.as_ref(),
            Db::Postgres(s, _) => s.as_ref(),
        }
    }

    fn shared(&self) -> Arc<dyn Store> {
        match self {
            Db::Sqlite(s, _) => s.clone(),
            Db::Postgres(s, _) => s.clone(),
        }
    }

    async fn finish(self) {
        match self {
            Db::Sqlite(_, dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Db::Postgres(s, schema) => {
                s.drop_schema(&schema).await.unwrap();
            }
        }
    }
}

/// What a test leaves behind (a directory, a PostgreSQL schema), removed when the guard is
/// dropped: also when the test fails, as its panic unwinds through the guard.
pub struct Cleanup(Option<Leftover>);

pub enum Leftover {
    Dir(std::path::PathBuf),
    Schema(String),
}

impl Cleanup {
    fn of(db: &Db) -> Cleanup {
        Cleanup(Some(match db {
            Db::Sqlite(_, dir) => Leftover::Dir(dir.clone()),
            Db::Postgres(_, schema) => Leftover::Schema(schema.clone()),
        }))
    }

    /// Cleaned up already (by [`Db::finish`]).
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        match self.0.take() {
            None => {}
            Some(Leftover::Dir(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Leftover::Schema(schema)) => {
                let Ok(url) = std::env::var("CHISO_TEST_POSTGRES_URL") else {
                    return;
                };
                // A thread and a runtime of its own: the guard may be dropped inside the test's
                // runtime, which cannot wait on itself. Errors are ignored: this may run while
                // a failed test unwinds, and a second panic would abort.
                let _ = std::thread::spawn(move || {
                    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                    else {
                        return;
                    };
                    rt.block_on(async {
                        if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                            let drop = format!("DROP SCHEMA IF EXISTS {schema} CASCADE");
                            let _ = sqlx::query(&drop).execute(&pool).await;
                            pool.close().await;
                        }
                    });
                })
                .join();
            }
        }
    }
}

fn c(s: &str) -> Code {
    Code::parse(s).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn unit(code: &str, name: &str, kind: UnitKind, parent: Option<&str>) -> Unit {
    Unit {
        code: c(code),
        gso_code: Some(code.to_string()),
        name_vi: name.to_string(),
        name_en: None,
        kind,
        parent: parent.map(c),
        valid_from: None,
        valid_to: Some(date(2025, 6, 30)),
        lat: None,
        lon: None,
    }
}

fn hierarchy() -> Vec<Unit> {
    // Deliberately children first: the store orders the batch itself.
    vec![
        unit("22738", "Phường Đô Vinh", UnitKind::Commune, Some("582")),
        unit("22741", "Phường Phước Mỹ", UnitKind::Commune, Some("582")),
        unit("22753", "Xã Phước Đại", UnitKind::Commune, Some("584")),
        unit(
            "582",
            "Thành phố Phan Rang - Tháp Chàm",
            UnitKind::District,
            Some("58"),
        ),
        unit("584", "Huyện Bác Ái", UnitKind::District, Some("58")),
        unit("58", "Tỉnh Ninh Thuận", UnitKind::Province, None),
        Unit {
            valid_to: None,
            valid_from: None,
            gso_code: None,
            ..unit(
                "58-SO-TTTT",
                "Sở Thông tin và Truyền thông",
                UnitKind::Agency,
                Some("58"),
            )
        },
    ]
}

fn elements() -> Vec<DataElement> {
    let e = |code: &str, vt, agg| DataElement {
        code: c(code),
        name_vi: format!("Phần tử {code}"),
        name_en: Some(format!("Element {code}")),
        value_type: vt,
        aggregation: agg,
        unit_of_measure: Some("văn bản".into()),
        breakdown: None,
        description: None,
    };
    vec![
        e("VB_DEN", ValueType::Integer, AggregationType::Sum),
        e("VB_XL_MANG", ValueType::Integer, AggregationType::Sum),
        e("TY_LE", ValueType::Percentage, AggregationType::Average),
        e("GHI_CHU", ValueType::Text, AggregationType::Count),
        DataElement {
            breakdown: Some(c("GIOI_TINH")),
            ..e("CB_KY_SO", ValueType::Integer, AggregationType::Sum)
        },
    ]
}

fn sex() -> Breakdown {
    Breakdown {
        code: c("GIOI_TINH"),
        name_vi: "Giới tính".into(),
        name_en: Some("Sex".into()),
        options: vec![
            BreakdownOption {
                code: c("NAM"),
                name_vi: "Nam".into(),
                name_en: Some("Male".into()),
            },
            BreakdownOption {
                code: c("NU"),
                name_vi: "Nữ".into(),
                name_en: Some("Female".into()),
            },
        ],
    }
}

fn val(element: &str, unit: &str, period: &str, value: &str) -> DataValueInput {
    DataValueInput {
        element: c(element),
        unit: c(unit),
        period: Period::parse(period).unwrap(),
        breakdown: None,
        value: value.to_string(),
        comment: None,
        source: SourceTag::Illustrative,
    }
}

fn actor() -> Actor {
    Actor::new("tester", Via::Cli)
}

async fn seeded(db: &Db) {
    let s = db.store();
    s.upsert_units(&hierarchy(), &actor()).await.unwrap();
    s.upsert_breakdowns(&[sex()], &actor()).await.unwrap();
    s.upsert_elements(&elements(), &actor()).await.unwrap();
}

fn invalid_fields(r: Result<chiso_store::Changes, StoreError>) -> Vec<(Option<usize>, String)> {
    match r {
        Err(StoreError::Invalid(errs)) => errs.into_iter().map(|e| (e.index, e.field)).collect(),
        other => panic!("expected the input to be refused, got {other:?}"),
    }
}

/// Change the database behind the store's back, as an intruder with file or SQL access would.
async fn tamper(db: &Db, sql: &str) {
    match db {
        Db::Sqlite(_, dir) => {
            let pool =
                sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("test.db").display()))
                    .await
                    .unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        Db::Postgres(_, schema) => {
            let url = std::env::var("CHISO_TEST_POSTGRES_URL").unwrap();
            let opts: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
            let pool = sqlx::PgPool::connect_with(opts.options([("search_path", schema.as_str())]))
                .await
                .unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

macro_rules! contract {
    ($backend:ident: $($module:ident::$name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = super::Db::$backend().await;
                    let cleanup = super::Cleanup::of(&db);
                    super::$module::$name(&db).await;
                    db.finish().await;
                    cleanup.disarm();
                }
            )*
        }
    };
}

macro_rules! contract_suite {
    ($($module:ident::$name:ident),* $(,)?) => {
        contract!(sqlite: $($module::$name),*);
        contract!(postgres: $($module::$name),*);
    };
}

contract_suite!(
    geo::areas_and_outlines_are_stored_audited_and_all_or_nothing,
    units::migrations_run_once_and_reopen,
    units::units_get_levels_and_filters,
    units::units_upsert_twice_changes_nothing_and_updates_are_audited,
    units::bad_units_are_refused_and_nothing_is_written,
    units::groups_and_successors,
    values::elements_and_breakdowns,
    value_types::a_value_outside_its_type_is_refused_and_types_narrow_only_when_values_fit,
    values::values_are_written_read_and_audited,
    values::bad_values_are_refused_with_their_field_and_nothing_is_written,
    values::concurrent_writers_do_not_deadlock,
    group::a_group_commits_each_write_on_its_own,
    group::writes_together_read_as_one_after_another,
    group::a_write_the_database_refuses_fails_alone,
    values::indicators_are_checked_and_stored,
    values::frameworks_and_targets,
    values::the_audit_log_is_a_hash_chain,
    accounts::accounts_and_roles,
    accounts::sessions_and_tokens,
    accounts::login_failures_are_shared_per_name_and_address,
    values::constants_for_expressions,
    values::meta_values,
    collection::data_sets_rules_and_reports,
    collection::a_dry_run_writes_nothing_and_deletes_go_with_writes,
    collection::evidence_files,
    plans::plans_are_checked_stored_and_audited,
    plans::directives_and_registers,
    plans::concurrent_changes_to_a_plan_are_all_kept,
    plans::units_edit_drafts_only,
    large_writes::large_writes_are_audited_as_one_batch,
    large_writes::a_long_write_is_audited_beside_it,
    collection::a_lock_covers_every_period_inside_the_approved_one,
    collection::approval_locks_evidence_and_is_never_by_the_submitter,
    collection::each_refused_item_is_named_in_its_own_list,
    compulsory::compulsory_fields_are_stored_checked_and_read_back,
    values::an_unchanged_value_is_unchanged_whoever_brings_it,
    upgrade::a_release_database_upgrades_in_place,
    upgrade::a_changed_migration_is_refused,
    upgrade::a_database_of_a_newer_release_is_refused,
    p06::the_electronic_data_store_keeps_records_whole_and_never_changes_a_result,
    p06::an_audited_meta_value_is_in_the_chain,
    p06::a_large_write_of_the_store_is_audited_as_one_row,
    p06::a_write_decided_on_a_stale_dossier_is_refused,
);
