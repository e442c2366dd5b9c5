//! Every write, one protocol: the store checks and commits (all or nothing, audited), then
//! the engine is brought up to date in commit order — values and reports applied to it, the
//! structure rebuilt, the derived figures of plans and registers recomputed.

use crate::App;
use chiso_core::account::Assignment;
use chiso_core::plan::{Directive, Plan, RegisterEntry, RegisterKind};
use chiso_core::{
    derived, Approval, Breakdown, Code, Completion, Constant, DataElement, DataSet, DataValueInput,
    Evidence, Framework, Indicator, LockException, Period, Scorecard, SuccessorLink, Unit,
    UnitGroup, ValidationRule,
};
use chiso_store::{
    Actor, Changes, DirectiveChange, PlanChange, SessionRecord, StoreError, TokenRecord,
    UserRecord, ValueKey,
};
use chrono::{DateTime, Datelike, Utc};
use std::collections::BTreeSet;

type Result<T> = std::result::Result<T, StoreError>;

impl App {
    /// A write of what the engine is built from: committed, then the engine rebuilt when it
    /// changed anything — under the write order, so no value write slips between.
    async fn structural<F>(&self, write: F) -> Result<Changes>
    where
        F: std::future::Future<Output = Result<Changes>>,
    {
        self.metrics
            .write("structure", async {
                let _w = self.live.writing().await;
                let changes = write.await?;
                if changes.changed() > 0 && self.live.updates() {
                    self.live.rebuild().await?;
                }
                Ok(changes)
            })
            .await
    }

    // ---- units and the framework of elements ---------------------------------------------

    pub async fn upsert_units(&self, units: &[Unit], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_units(units, actor))
            .await
    }

    pub async fn upsert_groups(&self, groups: &[UnitGroup], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_groups(groups, actor))
            .await
    }

    pub async fn upsert_successors(
        &self,
        links: &[SuccessorLink],
        actor: &Actor,
    ) -> Result<Changes> {
        self.structural(self.store().upsert_successors(links, actor))
            .await
    }

    pub async fn upsert_breakdowns(&self, b: &[Breakdown], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_breakdowns(b, actor))
            .await
    }

    pub async fn upsert_elements(&self, e: &[DataElement], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_elements(e, actor))
            .await
    }

    pub async fn upsert_indicators(&self, i: &[Indicator], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_indicators(i, actor))
            .await
    }

    pub async fn upsert_constants(&self, c: &[Constant], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_constants(c, actor))
            .await
    }

    pub async fn upsert_frameworks(&self, f: &[Framework], actor: &Actor) -> Result<Changes> {
        self.store().upsert_frameworks(f, actor).await
    }

    pub async fn upsert_scorecards(&self, s: &[Scorecard], actor: &Actor) -> Result<Changes> {
        self.store().upsert_scorecards(s, actor).await
    }

    // ---- values ------------------------------------------------------------------------

    /// Check and write values, all or nothing, then into the engine.
    pub async fn write_values(&self, values: &[DataValueInput], actor: &Actor) -> Result<Changes> {
        let write = self.live.write_values(values, actor);
        self.metrics.write("values", write).await
    }

    /// Delete some values and write others in one transaction; with `dry_run`, count what
    /// would change and write nothing.
    pub async fn apply_values(
        &self,
        values: &[DataValueInput],
        deletes: &[ValueKey],
        actor: &Actor,
        dry_run: bool,
    ) -> Result<Changes> {
        let write = self.live.apply_values(values, deletes, actor, dry_run);
        self.metrics.write("values", write).await
    }

    pub async fn delete_values(&self, keys: &[ValueKey], actor: &Actor) -> Result<Changes> {
        let write = self.live.delete_values(keys, actor);
        self.metrics.write("delete", write).await
    }

    // ---- data collection ---------------------------------------------------------------

    pub async fn upsert_data_sets(&self, sets: &[DataSet], actor: &Actor) -> Result<Changes> {
        self.structural(self.store().upsert_data_sets(sets, actor))
            .await
    }

    /// Validation rules: the blocking ones decide which values the official view keeps, so
    /// the engine is rebuilt when they change.
    pub async fn upsert_validation_rules(
        &self,
        rules: &[ValidationRule],
        actor: &Actor,
    ) -> Result<Changes> {
        self.structural(self.store().upsert_validation_rules(rules, actor))
            .await
    }

    /// Record a report as received (`received`) or taken back; the engine's reporting rates
    /// follow.
    pub async fn set_completion(
        &self,
        completion: &Completion,
        received: bool,
        actor: &Actor,
    ) -> Result<bool> {
        let write = self.live.set_completion(completion, received, actor);
        self.metrics.write("completion", write).await
    }

    /// Approve a report at the next level; at the last level its values become official.
    pub async fn approve(&self, a: &Approval, actor: &Actor) -> Result<()> {
        let write = self.live.approve(a, actor);
        self.metrics.write("approval", write).await
    }

    pub async fn unapprove(
        &self,
        data_set: &Code,
        unit: &Code,
        period: &Period,
        reason: &str,
        actor: &Actor,
    ) -> Result<u8> {
        let write = self.live.unapprove(data_set, unit, period, reason, actor);
        self.metrics.write("approval", write).await
    }

    pub async fn grant_lock_exception(&self, e: &LockException, actor: &Actor) -> Result<()> {
        self.store().grant_lock_exception(e, actor).await
    }

    pub async fn add_evidence(&self, e: &Evidence, content: &[u8], actor: &Actor) -> Result<()> {
        self.store().add_evidence(e, content, actor).await
    }

    pub async fn delete_evidence(&self, id: &str, actor: &Actor) -> Result<bool> {
        self.store().delete_evidence(id, actor).await
    }

    // ---- plans, directives and registers (their figures recomputed) --------------------

    pub async fn upsert_plans(&self, plans: &[Plan], actor: &Actor) -> Result<Changes> {
        let changes = self.store().upsert_plans(plans, actor).await?;
        let years = plans.iter().map(|p| p.year).collect();
        self.refresh_figures(years, &actor.who, &[]).await?;
        Ok(changes)
    }

    /// Write plans as their units edit them (drafts; see [`chiso_store::PlanWrites`]).
    pub async fn edit_plans(&self, plans: &[Plan], actor: &Actor) -> Result<Changes> {
        let changes = self.store().edit_plans(plans, actor).await?;
        let years = plans.iter().map(|p| p.year).collect();
        self.refresh_figures(years, &actor.who, &[]).await?;
        Ok(changes)
    }

    /// Change one plan under the store's row lock.
    pub async fn modify_plan(
        &self,
        code: &Code,
        change: &PlanChange<'_>,
        actor: &Actor,
    ) -> Result<Plan> {
        let plan = self.store().modify_plan(code, change, actor).await?;
        self.refresh_figures(BTreeSet::from([plan.year]), &actor.who, &[])
            .await?;
        Ok(plan)
    }

    /// Insert or update directives; the figures of the years they fall due in (and fell due
    /// in before) are recomputed.
    pub async fn upsert_directives(&self, ds: &[Directive], actor: &Actor) -> Result<Changes> {
        let stored = self.store().directives().await?;
        let mut years: BTreeSet<i32> = ds.iter().map(|d| d.due.year()).collect();
        for d in ds {
            if let Some(old) = stored.iter().find(|o| o.code == d.code) {
                years.insert(old.due.year());
            }
        }
        let changes = self.store().upsert_directives(ds, actor).await?;
        self.refresh_figures(years, &actor.who, &[]).await?;
        Ok(changes)
    }

    /// Change one directive under the store's row lock.
    pub async fn modify_directive(
        &self,
        code: &Code,
        change: &DirectiveChange<'_>,
        actor: &Actor,
    ) -> Result<Directive> {
        let d = self.store().modify_directive(code, change, actor).await?;
        self.refresh_figures(BTreeSet::from([d.due.year()]), &actor.who, &[])
            .await?;
        Ok(d)
    }

    /// Insert or update register entries; the figures of every year they (and what they
    /// replace) touch are recomputed, for every unit they named before and name now.
    pub async fn upsert_register(
        &self,
        entries: &[RegisterEntry],
        actor: &Actor,
    ) -> Result<Changes> {
        let old = self.store().register(None).await?;
        let mut dates = Vec::new();
        let mut touched: Vec<Code> = Vec::new();
        for e in entries {
            dates.extend(e.dates());
            if let Some(o) = old
                .iter()
                .find(|o| o.kind() == e.kind() && o.code() == e.code())
            {
                dates.extend(o.dates());
                touched.extend(o.units().into_iter().cloned());
            }
        }
        let changes = self.store().upsert_register(entries, actor).await?;
        let today = self.as_of_day().await?;
        self.refresh_figures(derived::years_of_dates(&dates, today), &actor.who, &touched)
            .await?;
        Ok(changes)
    }

    /// Remove a register entry (absent: unchanged); its figures are recomputed.
    pub async fn delete_register(
        &self,
        kind: RegisterKind,
        code: &Code,
        actor: &Actor,
    ) -> Result<Changes> {
        let old = self
            .store()
            .register(Some(kind))
            .await?
            .into_iter()
            .find(|e| e.code() == code);
        let changes = self.store().delete_register(kind, code, actor).await?;
        if let Some(old) = old {
            let today = self.as_of_day().await?;
            let touched: Vec<Code> = old.units().into_iter().cloned().collect();
            self.refresh_figures(
                derived::years_of_dates(&old.dates(), today),
                &actor.who,
                &touched,
            )
            .await?;
        }
        Ok(changes)
    }

    // ---- accounts, sessions, tokens, events --------------------------------------------

    /// Count a change of accounts or tokens (after the store's answer, whatever it was): the
    /// credentials the web layer keeps verified are checked again (see
    /// [`App::accounts_version`]).
    fn accounts_changed<T>(&self, r: Result<T>) -> Result<T> {
        self.live.accounts_changed();
        r
    }

    /// A number that changes whenever an account or token may have changed: by this process
    /// (at once, after the store's answer) or by another one, once the engine's follower has
    /// read its audit row ([`App::sync`]).
    pub fn accounts_version(&self) -> u64 {
        self.live.accounts_version()
    }

    /// A number that changes whenever what the engine is built from changed (units,
    /// elements, indicators, data sets…): the engine was rebuilt, after a write of this
    /// process or once the follower read another's. What is read from the store alongside
    /// (the elements' names) may be kept while it stays.
    pub fn structure_version(&self) -> u64 {
        self.live.structure_version()
    }

    pub async fn create_user(&self, user: &UserRecord, actor: &Actor) -> Result<()> {
        self.accounts_changed(self.store().create_user(user, actor).await)
    }

    pub async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
    ) -> Result<()> {
        self.accounts_changed(
            self.store()
                .set_password(username, password_hash, must_change, actor)
                .await,
        )
    }

    pub async fn set_disabled(&self, username: &str, disabled: bool, actor: &Actor) -> Result<()> {
        self.accounts_changed(self.store().set_disabled(username, disabled, actor).await)
    }

    pub async fn set_assignments(
        &self,
        username: &str,
        assignments: &[Assignment],
        actor: &Actor,
    ) -> Result<()> {
        self.accounts_changed(
            self.store()
                .set_assignments(username, assignments, actor)
                .await,
        )
    }

    pub async fn create_session(&self, s: &SessionRecord) -> Result<()> {
        self.store().create_session(s).await
    }

    pub async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<()> {
        self.store().touch_session(id_hash, at).await
    }

    pub async fn delete_session(&self, id_hash: &str) -> Result<()> {
        self.store().delete_session(id_hash).await
    }

    /// Count a failed login of a name from an address; the count (see the store).
    pub async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
        at: DateTime<Utc>,
    ) -> Result<u32> {
        self.store()
            .record_login_failure(username, address, at)
            .await
    }

    pub async fn clear_login_failures(&self, username: &str, address: &str) -> Result<()> {
        self.store().clear_login_failures(username, address).await
    }

    pub async fn delete_sessions_of(&self, username: &str) -> Result<u64> {
        self.store().delete_sessions_of(username).await
    }

    pub async fn create_token(&self, t: &TokenRecord, actor: &Actor) -> Result<()> {
        self.store().create_token(t, actor).await
    }

    pub async fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<()> {
        self.store().touch_token(id, at).await
    }

    pub async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<()> {
        self.accounts_changed(self.store().revoke_token(id, actor).await)
    }

    /// Record an event that changes no table (a login, a log-out) in the audit log.
    pub async fn log_event(
        &self,
        action: &str,
        entity: &str,
        detail: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        self.store().log_event(action, entity, detail, actor).await
    }

    pub async fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.store().set_meta(key, value).await
    }

    /// Close the store's connections (before the process exits).
    pub async fn close(&self) {
        self.store().close().await;
    }
}
