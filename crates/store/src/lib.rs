//! chiso's storage: one [`Store`] trait with two backends, SQLite (the embedded default) and
//! PostgreSQL. Both run versioned migrations of their own and answer the same contract tests.
//!
//! *Invariant*: every write of a data value goes through [`Store::write_values`] (or
//! [`Store::delete_values`], [`Store::apply_values`]), which checks the whole batch, writes it
//! in one transaction and audits every change in that same transaction — an audit row per
//! value, or for 1,000 changes and more one batch row listing them all — or writes nothing.

mod accounts;
mod audit;
mod audit_replay;
mod bulk;
mod collection;
mod common;
mod elements;
mod frameworks;
mod geo;
mod group;
mod hashes;
mod locks;
mod migrate;
mod outage;
mod p06;
mod pg_snapshot;
mod plans;
pub mod postgres;
mod rows;
mod sql;
pub mod sqlite;
mod units;
mod values;
mod values_write;

use async_trait::async_trait;
use chiso_core::account::Assignment;
use chiso_core::plan::{Directive, Plan, RegisterEntry, RegisterKind};
use chiso_core::Constant;
use chiso_core::{Approval, Completion, DataSet, Evidence, LockException, ValidationRule};
use chiso_core::{
    AuditEntry, Breakdown, Code, DataElement, DataValue, DataValueInput, Framework, Indicator,
    Period, Scorecard, SuccessorLink, Unit, UnitGroup, UnitKind, Via,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use accounts::{LoginFailures, MAX_LOGIN_FAILURE_ROWS};
pub use audit::AuditCheck;
pub use chiso_core::StoredUnit;
pub use geo::{BoundaryInput, GeoReads, GeoWrites, UnitGeography};
pub use group::{shared_error, Group, ValueWrite};
pub use hashes::{audit_hash, secret_hash};
pub use outage::{set_timeouts, timeouts, Liveness, PoolUse, Timeouts, CHANGES_CHANNEL};
pub use p06::{
    access_hash, p06_files_dir, AccessEntry, AccessQuery, AccessRecord, DossierQuery, FileMeta,
    FileStore, P06Reads, P06Write, P06Writes, ResultQuery,
};
pub use pg_snapshot::ExportedSnapshot;
pub use plans::{DirectiveChange, PlanChange};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;

/// Receives (element, breakdown option or "", unit, period, number) for each stored number.
pub type NumberSink<'a> = dyn for<'r> FnMut(&'r str, &'r str, &'r str, &'r str, f64) + Send + 'a;

/// Which database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who makes a change and through which channel; kept in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub who: String,
    pub via: Via,
}

impl Actor {
    pub fn new(who: impl Into<String>, via: Via) -> Actor {
        Actor {
            who: who.into(),
            via,
        }
    }
}

/// What a write did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Changes {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl Changes {
    pub fn add(&mut self, other: Changes) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.deleted += other.deleted;
    }
    /// Count a written row: an update when it existed before, else an insert.
    pub fn wrote(&mut self, existed: bool) {
        if existed {
            self.updated += 1
        } else {
            self.inserted += 1
        }
    }
    pub fn changed(&self) -> u64 {
        self.inserted + self.updated + self.deleted
    }
}

/// One refused field: which item of the request (0-based), which field, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FieldError {
    /// Position of the item in the submitted list, when the request holds a list.
    pub index: Option<usize>,
    pub field: String,
    pub reason: String,
    /// Which of a request's lists `index` counts in, when it has two (the deletions and the
    /// values of [`ValueWrites::apply_values`]): the caller finds the item itself, never by
    /// guessing from an offset.
    #[serde(skip)]
    #[schema(ignore)]
    pub list: ItemList,
}

/// The list of a request an item belongs to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ItemList {
    /// The request's only list, or the values it writes.
    #[default]
    Items,
    /// The keys it deletes.
    Deletions,
}

impl FieldError {
    pub fn new(index: Option<usize>, field: &str, reason: impl Into<String>) -> FieldError {
        FieldError {
            index,
            field: field.to_string(),
            reason: reason.into(),
            list: ItemList::Items,
        }
    }
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.index {
            Some(i) => write!(f, "item {}, field '{}': {}", i + 1, self.field, self.reason),
            None => write!(f, "field '{}': {}", self.field, self.reason),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The input was refused; nothing was written.
    #[error("the input was refused: {}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("the database URL is not usable: {0}")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// The database did not answer in time (see [`Timeouts`]); nothing was done.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
    /// The database's migrations do not match this binary's: one was changed after it was
    /// applied, or the database was written by a newer release (see the `migrate` module).
    #[error("{0}")]
    Migration(String),
}

impl StoreError {
    pub fn invalid(index: Option<usize>, field: &str, reason: impl Into<String>) -> StoreError {
        StoreError::Invalid(vec![FieldError::new(index, field, reason)])
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which units to list. Empty fields do not filter.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub codes: Vec<Code>,
    pub parent: Option<Code>,
    /// Only roots (units without a parent).
    pub roots: bool,
    /// The unit and everything below it.
    pub under: Option<Code>,
    pub kind: Option<UnitKind>,
    pub level: Option<i32>,
    pub group: Option<Code>,
    pub gso_code: Option<String>,
    /// Only units that exist on this date.
    pub as_of: Option<NaiveDate>,
    /// Case-insensitive substring of the Vietnamese or English name.
    pub search: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Which values to read. Empty lists do not filter.
#[derive(Debug, Clone, Default)]
pub struct ValueQuery {
    pub elements: Vec<Code>,
    pub units: Vec<Code>,
    /// Also the values of every unit below `units`.
    pub descendants: bool,
    pub periods: Vec<Period>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Only values whose key comes after this one (the values come in key order): how a long
    /// read goes on from where its last page ended.
    pub after: Option<ValueKey>,
}

/// The key of one data value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueKey {
    pub element: Code,
    pub unit: Code,
    pub period: Period,
    pub breakdown: Option<Code>,
}

impl ValueKey {
    pub fn entity(&self) -> String {
        format!(
            "data_value:{}/{}/{}/{}",
            self.element,
            self.unit,
            self.period,
            self.breakdown.as_ref().map(|b| b.as_str()).unwrap_or("")
        )
    }
}

/// A change committed to the store, as another process applies it to catch up (see
/// [`AuditReads::changes_since`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A value written (`Some`, as stored) or deleted (`None`).
    Value {
        key: ValueKey,
        value: Option<DataValue>,
    },
    /// A report received (`received`) or taken back.
    Completion {
        completion: Completion,
        received: bool,
    },
    /// An approval step recorded (`approved`) or taken back (the step removed).
    Approval {
        approval: chiso_core::Approval,
        approved: bool,
    },
    /// Units, groups, successor links, breakdowns, elements, indicators, constants, data
    /// sets or validation rules changed: whatever is built from them must be rebuilt.
    Structure,
    /// Nothing figures are built from (accounts, plans, events…).
    Other,
}

/// A committed change and the audit row that records it.
#[derive(Debug, Clone, PartialEq)]
pub struct Committed {
    /// The audit row's id (the batch row's, for each value of a large write).
    pub id: i64,
    pub change: Change,
}

#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// Entries whose entity starts with this, e.g. "data_value:VB_XL_MANG/".
    pub entity_prefix: Option<String>,
    pub action_prefix: Option<String>,
    pub actor: Option<String>,
    pub limit: Option<i64>,
}

/// An account as stored. `password_hash` is an argon2id PHC string; it is never shown.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecord {
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub must_change_password: bool,
    pub disabled: bool,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub assignments: Vec<Assignment>,
}

impl UserRecord {
    /// What the audit log keeps of an account: everything but the hash.
    pub fn audit_view(&self) -> String {
        serde_json::json!({
            "username": self.username,
            "display_name": self.display_name,
            "must_change_password": self.must_change_password,
            "disabled": self.disabled,
            "assignments": self.assignments,
        })
        .to_string()
    }
}

/// A server-side session. The cookie holds the secret; only its SHA-256 is stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id_hash: String,
    pub username: String,
    pub csrf_token: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// An API token for another system. Only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TokenRecord {
    pub id: String,
    pub username: String,
    pub name: String,
    #[serde(skip)]
    pub token_hash: String,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_used_at: Option<chrono::DateTime<chrono::Utc>>,
    pub revoked_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Row counts of the main tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub units: i64,
    pub unit_groups: i64,
    pub successor_links: i64,
    pub data_elements: i64,
    pub data_values: i64,
    pub indicators: i64,
    pub audit_log: i64,
}

// ---- the storage contract, by role ------------------------------------------------------------
//
// Each role has its reads and its writes. [`Reads`] is every read; [`Store`] is everything.
// Both backends implement every role once, in the shared SQL (`units`, `elements`,
// `frameworks`, `values`,
// `audit`, `accounts`, `collection`, `plans`); `tests/contract` runs the same suite on each.
// Whoever must not write (the web layer, the command line) is handed a `dyn Reads`.

/// Units, groups and successor links: reads.
#[async_trait]
pub trait UnitReads: Send + Sync {
    async fn unit(&self, code: &Code) -> Result<Option<StoredUnit>>;
    async fn units(&self, q: &UnitQuery) -> Result<Vec<StoredUnit>>;
    async fn groups(&self) -> Result<Vec<UnitGroup>>;
    /// Successor links, all or those leaving one unit.
    async fn successors(&self, from: Option<&Code>) -> Result<Vec<SuccessorLink>>;
    /// Successor links arriving at one unit (its predecessors).
    async fn predecessors(&self, to: &Code) -> Result<Vec<SuccessorLink>>;
}

/// Units, groups and successor links: writes.
#[async_trait]
pub trait UnitWrites: UnitReads {
    /// Insert or update units (parents may come in the same batch, in any order). All or nothing.
    async fn upsert_units(&self, units: &[Unit], actor: &Actor) -> Result<Changes>;
    /// Insert or update groups; a group's member list is replaced by the given one.
    async fn upsert_groups(&self, groups: &[UnitGroup], actor: &Actor) -> Result<Changes>;
    async fn upsert_successors(&self, links: &[SuccessorLink], actor: &Actor) -> Result<Changes>;
}

/// Breakdowns and data elements: reads.
#[async_trait]
pub trait ElementReads: Send + Sync {
    async fn breakdowns(&self) -> Result<Vec<Breakdown>>;
    async fn elements(&self) -> Result<Vec<DataElement>>;
    async fn element(&self, code: &Code) -> Result<Option<DataElement>>;
}

/// Breakdowns and data elements: writes.
#[async_trait]
pub trait ElementWrites: ElementReads {
    async fn upsert_breakdowns(&self, breakdowns: &[Breakdown], actor: &Actor) -> Result<Changes>;
    async fn upsert_elements(&self, elements: &[DataElement], actor: &Actor) -> Result<Changes>;
}

/// Indicators, constants, target frameworks and scorecards: reads.
#[async_trait]
pub trait FrameworkReads: Send + Sync {
    async fn indicators(&self) -> Result<Vec<Indicator>>;
    async fn constants(&self) -> Result<Vec<Constant>>;
    async fn frameworks(&self) -> Result<Vec<Framework>>;
    async fn scorecards(&self) -> Result<Vec<Scorecard>>;
}

/// Indicators, constants, target frameworks and scorecards: writes.
#[async_trait]
pub trait FrameworkWrites: FrameworkReads {
    /// Insert or update indicators; their expressions must parse and name existing elements,
    /// breakdown options and unit groups.
    async fn upsert_indicators(&self, indicators: &[Indicator], actor: &Actor) -> Result<Changes>;
    /// Insert or update constants (values for `C{CODE}` in expressions); audited.
    async fn upsert_constants(&self, constants: &[Constant], actor: &Actor) -> Result<Changes>;
    /// Insert or update target frameworks; a framework's targets are replaced by the given ones.
    async fn upsert_frameworks(&self, frameworks: &[Framework], actor: &Actor) -> Result<Changes>;
    /// Insert or update scorecards; their criteria must name existing indicators.
    async fn upsert_scorecards(&self, scorecards: &[Scorecard], actor: &Actor) -> Result<Changes>;
}

/// Data values: reads.
#[async_trait]
pub trait ValueReads: Send + Sync {
    async fn values(&self, q: &ValueQuery) -> Result<Vec<DataValue>>;
    /// Stream every numeric value to `sink` as (element, breakdown option or "", unit, period,
    /// number), without holding the rows: how the engine loads at start. Returns the count.
    async fn scan_numbers(&self, sink: &mut NumberSink<'_>) -> Result<u64>;
    /// The keys of the numeric values of these elements whose source is published or derived
    /// (official whatever data set collects them).
    async fn published_keys(&self, elements: &[Code]) -> Result<Vec<ValueKey>>;
}

/// Data values: writes.
#[async_trait]
pub trait ValueWrites: ValueReads {
    /// Check and write a batch of values with an audit row per change, all or nothing.
    async fn write_values(&self, values: &[DataValueInput], actor: &Actor) -> Result<Changes>;
    /// Delete some values and write others in one transaction, all or nothing; with
    /// `dry_run`, check everything and count what would change, then write nothing. A field
    /// error's index counts in its own list: the deletions (`ItemList::Deletions`) or the
    /// values.
    async fn apply_values(
        &self,
        values: &[DataValueInput],
        deletes: &[ValueKey],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes>;
    /// Delete values (absent keys count as unchanged), with an audit row per deletion.
    async fn delete_values(&self, keys: &[ValueKey], actor: &Actor) -> Result<Changes>;
    /// Several writes in one transaction, each all or nothing on its own (see [`Group`]).
    async fn write_group(&self, writes: &[ValueWrite<'_>]) -> Result<Group>;
}

/// The audit log, the store's own facts and counts: reads.
#[async_trait]
pub trait AuditReads: Send + Sync {
    fn backend(&self) -> Backend;
    async fn audit(&self, q: &AuditQuery) -> Result<Vec<AuditEntry>>;
    /// Audit rows with an id above `after`, oldest first, at most `limit`: how other server
    /// processes on the same database learn of committed changes.
    async fn audit_since(&self, after: i64, limit: i64) -> Result<Vec<AuditEntry>>;
    /// The values a batch row of the audit log (action `data_value.batch`) records, one entry
    /// per value as a small write's rows read (`data_value.insert|update|delete`, old and new
    /// as JSON), in the order written; empty for any other row.
    async fn audit_batch(&self, id: i64) -> Result<Vec<AuditEntry>>;
    /// The changes committed after audit row `after`, oldest first, reading at most `limit`
    /// rows of the log (a large write's batch row gives one change per value): how other
    /// server processes on the same database catch up. A row recording a change that cannot
    /// be read back is an error naming the row — never skipped.
    async fn changes_since(&self, after: i64, limit: i64) -> Result<Vec<Committed>>;
    /// The newest audit row's id (0 when the log is empty).
    async fn last_audit_id(&self) -> Result<i64>;
    /// Walk the audit log's hash chain from the first row and report the first row whose
    /// hash or link does not match (an edited, removed or inserted row).
    async fn verify_audit(&self) -> Result<AuditCheck>;
    /// The id and hash of the audit row `id` (the last row when `None`).
    async fn audit_hash_at(&self, id: Option<i64>) -> Result<Option<(i64, String)>>;
    async fn counts(&self) -> Result<Counts>;
    async fn meta(&self, key: &str) -> Result<Option<String>>;
    /// Close the connections, waiting for them (SQLite then folds its write-ahead log into the
    /// database file). Call before the process exits.
    async fn close(&self);
}

/// The audit log and the store's own facts: writes.
#[async_trait]
pub trait AuditWrites: AuditReads {
    /// Record an event that changes no table (a login, a failed login, a log-out) in the
    /// audit log.
    async fn log_event(
        &self,
        action: &str,
        entity: &str,
        detail: Option<&str>,
        actor: &Actor,
    ) -> Result<()>;
    async fn set_meta(&self, key: &str, value: &str) -> Result<()>;
    /// Set a meta key and record the change (old → new value, entity `key`) in the audit log
    /// under `action`, in one transaction. An unchanged value writes nothing (`false`).
    async fn set_meta_audited(
        &self,
        key: &str,
        value: &str,
        action: &str,
        actor: &Actor,
    ) -> Result<bool>;
}

/// Accounts, sessions and API tokens: reads.
#[async_trait]
pub trait AccountReads: Send + Sync {
    async fn user(&self, username: &str) -> Result<Option<UserRecord>>;
    async fn users(&self) -> Result<Vec<UserRecord>>;
    async fn session(&self, id_hash: &str) -> Result<Option<SessionRecord>>;
    async fn token_by_hash(&self, token_hash: &str) -> Result<Option<TokenRecord>>;
    /// A user name's failed logins by client address, of those whose last failure is at or
    /// after `since`.
    async fn login_failures(
        &self,
        username: &str,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<LoginFailures>>;
    async fn tokens(&self) -> Result<Vec<TokenRecord>>;
}

/// Accounts, sessions and API tokens: writes.
#[async_trait]
pub trait AccountWrites: AccountReads {
    /// Create an account (refused when the name is taken). The hash never reaches the audit log.
    async fn create_user(&self, user: &UserRecord, actor: &Actor) -> Result<()>;
    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
    ) -> Result<()>;
    async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<()>;
    /// Replace an account's role assignments; their units must exist.
    async fn set_assignments(
        &self,
        username: &str,
        assignments: &[Assignment],
        actor: &Actor,
    ) -> Result<()>;
    async fn create_session(&self, s: &SessionRecord) -> Result<()>;
    /// Record activity; sessions idle longer than allowed are ended by the caller.
    async fn touch_session(&self, id_hash: &str, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    async fn delete_session(&self, id_hash: &str) -> Result<()>;
    /// Count a failed login of a user name from an address (a count quiet for an hour starts
    /// again at 1); returns the count. Not audited here: refused logins are audited per minute.
    async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
        at: chrono::DateTime<chrono::Utc>,
    ) -> Result<u32>;
    /// Forget a user name's failed logins from an address (after a good login from it).
    async fn clear_login_failures(&self, username: &str, address: &str) -> Result<()>;
    /// End every session of an account ("log out everywhere"); returns how many.
    async fn delete_sessions_of(&self, username: &str) -> Result<u64>;
    /// Store a new API token (only its hash); audited.
    async fn create_token(&self, t: &TokenRecord, actor: &Actor) -> Result<()>;
    async fn touch_token(&self, id: &str, at: chrono::DateTime<chrono::Utc>) -> Result<()>;
    /// Revoke a token (refused when unknown); audited.
    async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<()>;
}

/// Data collection — data sets, rules, completions, approvals, exceptions, evidence: reads.
#[async_trait]
pub trait CollectionReads: Send + Sync {
    async fn data_sets(&self) -> Result<Vec<DataSet>>;
    async fn validation_rules(&self) -> Result<Vec<ValidationRule>>;
    /// Completions, filtered by data set and period when given.
    async fn completions(
        &self,
        data_set: Option<&Code>,
        period: Option<&Period>,
    ) -> Result<Vec<Completion>>;
    async fn approvals(
        &self,
        data_set: Option<&Code>,
        period: Option<&Period>,
    ) -> Result<Vec<Approval>>;
    async fn lock_exceptions(
        &self,
        data_set: Option<&Code>,
        period: Option<&Period>,
    ) -> Result<Vec<LockException>>;
    async fn evidence(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
    ) -> Result<Vec<Evidence>>;
    async fn evidence_file(&self, id: &str) -> Result<Option<(Evidence, Vec<u8>)>>;
}

/// Data collection: writes.
#[async_trait]
pub trait CollectionWrites: CollectionReads {
    /// Insert or update data sets (forms) with their elements and reporters.
    async fn upsert_data_sets(&self, sets: &[DataSet], actor: &Actor) -> Result<Changes>;
    async fn upsert_validation_rules(
        &self,
        rules: &[ValidationRule],
        actor: &Actor,
    ) -> Result<Changes>;
    /// Mark a report complete; false when it already was.
    async fn complete(&self, c: &Completion, actor: &Actor) -> Result<bool>;
    /// Take a report's completion back; refused once it has an approval.
    async fn uncomplete(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
        actor: &Actor,
    ) -> Result<bool>;
    /// Record the next approval step of a completed report (step = steps so far + 1); refused
    /// to the person who completed it.
    async fn approve(&self, a: &Approval, actor: &Actor) -> Result<()>;
    /// Remove the last approval step of a report, with the reason (kept in the audit log).
    async fn unapprove(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
        reason: &str,
        actor: &Actor,
    ) -> Result<u8>;
    async fn grant_lock_exception(&self, e: &LockException, actor: &Actor) -> Result<()>;
    /// Keep an evidence file (its record and its bytes); refused while the report is approved.
    async fn add_evidence(&self, e: &Evidence, content: &[u8], actor: &Actor) -> Result<()>;
    /// Remove an evidence file; refused while its report is approved.
    async fn delete_evidence(&self, id: &str, actor: &Actor) -> Result<bool>;
}

/// Plans, directives and registers: reads.
#[async_trait]
pub trait PlanReads: Send + Sync {
    async fn plan(&self, code: &Code) -> Result<Option<Plan>>;
    /// Plans, all or those of one unit and/or one year, by year then unit.
    async fn plans(&self, unit: Option<&Code>, year: Option<i32>) -> Result<Vec<Plan>>;
    async fn directives(&self) -> Result<Vec<Directive>>;
    /// Register entries, all or those of one kind, by kind then code.
    async fn register(&self, kind: Option<RegisterKind>) -> Result<Vec<RegisterEntry>>;
}

/// Plans, directives and registers: writes.
#[async_trait]
pub trait PlanWrites: PlanReads {
    /// Insert or update plans, each whole (its tasks are replaced by the given ones). A unit
    /// has at most one plan a year; every unit, target and indicator named must exist.
    /// Audited, all or nothing.
    async fn upsert_plans(&self, plans: &[Plan], actor: &Actor) -> Result<Changes>;
    /// Write plans as their units edit them, under row locks, all or nothing: a new plan is a
    /// draft; an existing one changes only while a draft or returned, and keeps its approval
    /// fields (status, submitter, decision, comments) whatever the input says.
    async fn edit_plans(&self, plans: &[Plan], actor: &Actor) -> Result<Changes>;
    /// Change one plan under a row lock — read, change, check, write and audit in one
    /// transaction — so concurrent changes (two progress reports, a report and an approval)
    /// never overwrite each other. Its code, unit and year cannot change. Returns the plan
    /// as written.
    async fn modify_plan(
        &self,
        code: &Code,
        change: &PlanChange<'_>,
        actor: &Actor,
    ) -> Result<Plan>;
    /// Insert or update directives; their assignees must exist. Audited, all or nothing.
    async fn upsert_directives(&self, directives: &[Directive], actor: &Actor) -> Result<Changes>;
    /// Change one directive under a row lock, like [`PlanWrites::modify_plan`].
    async fn modify_directive(
        &self,
        code: &Code,
        change: &DirectiveChange<'_>,
        actor: &Actor,
    ) -> Result<Directive>;
    /// Insert or update register entries (products, information systems, partners, dead
    /// zones); the units they name must exist. Audited, all or nothing.
    async fn upsert_register(&self, entries: &[RegisterEntry], actor: &Actor) -> Result<Changes>;
    /// Remove a register entry (absent: unchanged), with an audit row keeping what it was.
    async fn delete_register(
        &self,
        kind: RegisterKind,
        code: &Code,
        actor: &Actor,
    ) -> Result<Changes>;
}

/// Every read of the store: what a layer that must not write is given.
pub trait Reads:
    UnitReads
    + ElementReads
    + FrameworkReads
    + ValueReads
    + AuditReads
    + AccountReads
    + CollectionReads
    + PlanReads
    + P06Reads
    + GeoReads
    + Liveness
    + Send
    + Sync
    + 'static
{
}

impl<T> Reads for T where
    T: UnitReads
        + ElementReads
        + FrameworkReads
        + ValueReads
        + AuditReads
        + AccountReads
        + CollectionReads
        + PlanReads
        + P06Reads
        + GeoReads
        + Liveness
        + Send
        + Sync
        + 'static
        + ?Sized
{
}

/// The whole storage contract: every role's reads and writes.
pub trait Store:
    Reads
    + UnitWrites
    + ElementWrites
    + FrameworkWrites
    + ValueWrites
    + AuditWrites
    + AccountWrites
    + CollectionWrites
    + PlanWrites
    + P06Writes
    + GeoWrites
{
}

impl<T> Store for T where
    T: Reads
        + UnitWrites
        + ElementWrites
        + FrameworkWrites
        + ValueWrites
        + AuditWrites
        + AccountWrites
        + CollectionWrites
        + PlanWrites
        + P06Writes
        + GeoWrites
        + ?Sized
{
}

/// Open a store from a URL: `sqlite://PATH` (created when missing) or `postgres://…`.
/// Migrations run before it is returned.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url.starts_with("sqlite:") {
        Ok(Arc::new(SqliteStore::open(url).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url).await?))
    } else {
        Err(StoreError::BadUrl(format!(
            "'{url}': use sqlite://PATH or postgres://USER@HOST:PORT/DATABASE"
        )))
    }
}
