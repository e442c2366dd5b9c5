//! Accounts, role assignments, sessions and API tokens.

use crate::audit::AuditBuffer;
use crate::common::*;
use crate::rows::*;
use crate::sql::{scalar, stmt, SqlBackend, Tx};
use crate::{Actor, FieldError, StoreError};
use chiso_core::account::Assignment;
use chrono::{DateTime, Utc};
use std::collections::HashSet;

/// A user name's failed logins from one client address: shared by every server of one
/// database. The table is bounded ([`MAX_LOGIN_FAILURE_ROWS`]): rows quiet for an hour are
/// forgotten first, then the oldest.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LoginFailures {
    pub address: String,
    pub failures: u32,
    pub last_failure_at: chrono::DateTime<chrono::Utc>,
}

/// The most (user name, address) pairs of failed logins kept at once.
pub const MAX_LOGIN_FAILURE_ROWS: i64 = 100_000;

pub(crate) async fn write_assignments<B: SqlBackend>(
    tx: &mut Tx<B>,
    username: &str,
    assignments: &[Assignment],
) -> Result<(), StoreError> {
    let mut seen = HashSet::new();
    for a in assignments {
        let unit = a.unit.as_ref().map(|u| u.to_string()).unwrap_or_default();
        if !seen.insert((a.role, unit.clone())) {
            continue;
        }
        stmt("INSERT INTO role_assignments (username, role, unit) VALUES ($1, $2, $3)")
            .bind(username)
            .bind(a.role.as_str())
            .bind(unit)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

pub(crate) async fn load_users<B: SqlBackend>(
    tx: &mut Tx<B>,
    only: Option<&str>,
) -> Result<Vec<crate::UserRecord>, StoreError> {
    let mut b = stmt(
        "SELECT username, display_name, password_hash, must_change_password, disabled, created_at FROM users",
    );
    if let Some(u) = only {
        b.push(" WHERE username = ").push_bind(u.to_string());
    }
    b.push(" ORDER BY username");
    let heads = b.fetch_all(&mut *tx).await?;
    let mut out = Vec::with_capacity(heads.len());
    for r in &heads {
        let username: String = r.get("username")?;
        let assignments =
            stmt("SELECT role, unit FROM role_assignments WHERE username = $1 ORDER BY role, unit")
                .bind(&username)
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(|a| {
                    let role: String = a.get("role")?;
                    let unit: String = a.get("unit")?;
                    Ok(Assignment {
                        role: chiso_core::account::Role::parse(&role)
                            .ok_or_else(|| StoreError::Corrupt(format!("role '{role}'")))?,
                        unit: opt_code(Some(unit))?,
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
        out.push(crate::UserRecord {
            username,
            display_name: r.get("display_name")?,
            password_hash: r.get("password_hash")?,
            must_change_password: r.get("must_change_password")?,
            disabled: r.get("disabled")?,
            created_at: r.get("created_at")?,
            assignments,
        });
    }
    Ok(out)
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::AccountReads for B {
    async fn user(&self, username: &str) -> Result<Option<crate::UserRecord>, StoreError> {
        let mut tx = self.begin_read().await?;
        Ok(load_users(&mut tx, Some(username))
            .await?
            .into_iter()
            .next())
    }

    async fn users(&self) -> Result<Vec<crate::UserRecord>, StoreError> {
        let mut tx = self.begin_read().await?;
        load_users(&mut tx, None).await
    }

    async fn session(&self, id_hash: &str) -> Result<Option<crate::SessionRecord>, StoreError> {
        let r = stmt("SELECT id_hash, username, csrf_token, created_at, last_seen_at, expires_at FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .fetch_optional(self)
            .await?;
        r.map(|r| {
            Ok(crate::SessionRecord {
                id_hash: r.get("id_hash")?,
                username: r.get("username")?,
                csrf_token: r.get("csrf_token")?,
                created_at: r.get("created_at")?,
                last_seen_at: r.get("last_seen_at")?,
                expires_at: r.get("expires_at")?,
            })
        })
        .transpose()
    }

    async fn token_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<crate::TokenRecord>, StoreError> {
        let r = stmt(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(self)
        .await?;
        r.as_ref().map(token_from_row).transpose()
    }

    async fn login_failures(
        &self,
        username: &str,
        since: DateTime<Utc>,
    ) -> Result<Vec<LoginFailures>, StoreError> {
        let rows = stmt(
            "SELECT address, failures, last_failure_at FROM login_failures \
             WHERE username = $1 AND last_failure_at >= $2 ORDER BY address",
        )
        .bind(username)
        .bind(since)
        .fetch_all(self)
        .await?;
        rows.iter()
            .map(|r| {
                let failures: i64 = r.get("failures")?;
                Ok(LoginFailures {
                    address: r.get("address")?,
                    failures: u32::try_from(failures).unwrap_or(u32::MAX),
                    last_failure_at: r.get("last_failure_at")?,
                })
            })
            .collect()
    }

    async fn tokens(&self) -> Result<Vec<crate::TokenRecord>, StoreError> {
        let rows = stmt(format!(
            "SELECT {TOKEN_COLS} FROM api_tokens ORDER BY username, created_at"
        ))
        .fetch_all(self)
        .await?;
        rows.iter().map(token_from_row).collect()
    }
}

#[async_trait::async_trait]
impl<B: SqlBackend> crate::AccountWrites for B {
    async fn create_user(&self, user: &crate::UserRecord, actor: &Actor) -> Result<(), StoreError> {
        if let Err(r) = chiso_core::account::check_username(&user.username) {
            return Err(StoreError::invalid(None, "username", r));
        }
        if user.display_name.trim().is_empty() {
            return Err(StoreError::invalid(
                None,
                "display_name",
                "the name is empty",
            ));
        }
        let mut tx = self.begin_write().await?;
        let exists: Option<String> = scalar(format!(
            "SELECT username FROM users WHERE username = $1{}",
            B::ROW_LOCK
        ))
        .bind(&user.username)
        .fetch_optional(&mut tx)
        .await?;
        if exists.is_some() {
            return Err(StoreError::invalid(
                None,
                "username",
                format!("the user {} already exists", user.username),
            ));
        }
        let mut errors = Vec::new();
        for (i, a) in user.assignments.iter().enumerate() {
            if let Some(u) = &a.unit {
                let found: Option<String> = scalar("SELECT code FROM units WHERE code = $1")
                    .bind(u.as_str())
                    .fetch_optional(&mut tx)
                    .await?;
                if found.is_none() {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "unit", format!("unknown unit {u}")),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        stmt(
            "INSERT INTO users (username, display_name, password_hash, must_change_password, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&user.username)
        .bind(&user.display_name)
        .bind(&user.password_hash)
        .bind(user.must_change_password)
        .bind(user.disabled)
        .bind(user.created_at)
        .execute(&mut tx)
        .await?;
        write_assignments(&mut tx, &user.username, &user.assignments).await?;
        let now = Utc::now();
        let mut audit = AuditBuffer::default();
        audit.push(
            "user.insert",
            &format!("user:{}", user.username),
            None,
            Some(user.audit_view()),
        );
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_password(
        &self,
        username: &str,
        password_hash: &str,
        must_change: bool,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = load_users(&mut tx, Some(username))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                StoreError::invalid(None, "username", format!("unknown user {username}"))
            })?;
        stmt("UPDATE users SET password_hash = $1, must_change_password = $2 WHERE username = $3")
            .bind(password_hash)
            .bind(must_change)
            .bind(username)
            .execute(&mut tx)
            .await?;
        let mut after = before.clone();
        after.must_change_password = must_change;
        let mut audit = AuditBuffer::default();
        audit.push(
            "user.password",
            &format!("user:{username}"),
            Some(before.audit_view()),
            Some(after.audit_view()),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_disabled(
        &self,
        username: &str,
        disabled: bool,
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = load_users(&mut tx, Some(username))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                StoreError::invalid(None, "username", format!("unknown user {username}"))
            })?;
        if before.disabled == disabled {
            return Ok(());
        }
        stmt("UPDATE users SET disabled = $1 WHERE username = $2")
            .bind(disabled)
            .bind(username)
            .execute(&mut tx)
            .await?;
        let mut after = before.clone();
        after.disabled = disabled;
        let mut audit = AuditBuffer::default();
        let action = if disabled {
            "user.disable"
        } else {
            "user.enable"
        };
        audit.push(
            action,
            &format!("user:{username}"),
            Some(before.audit_view()),
            Some(after.audit_view()),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn set_assignments(
        &self,
        username: &str,
        assignments: &[Assignment],
        actor: &Actor,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let before = load_users(&mut tx, Some(username))
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                StoreError::invalid(None, "username", format!("unknown user {username}"))
            })?;
        let mut errors = Vec::new();
        for (i, a) in assignments.iter().enumerate() {
            if let Some(u) = &a.unit {
                let found: Option<String> = scalar("SELECT code FROM units WHERE code = $1")
                    .bind(u.as_str())
                    .fetch_optional(&mut tx)
                    .await?;
                if found.is_none() {
                    push_error(
                        &mut errors,
                        FieldError::new(Some(i), "unit", format!("unknown unit {u}")),
                    );
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        if before.assignments == assignments {
            return Ok(());
        }
        stmt("DELETE FROM role_assignments WHERE username = $1")
            .bind(username)
            .execute(&mut tx)
            .await?;
        write_assignments(&mut tx, username, assignments).await?;
        let mut after = before.clone();
        after.assignments = assignments.to_vec();
        let mut audit = AuditBuffer::default();
        audit.push(
            "user.roles",
            &format!("user:{username}"),
            Some(before.audit_view()),
            Some(after.audit_view()),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_session(&self, s: &crate::SessionRecord) -> Result<(), StoreError> {
        stmt(
            "INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&s.id_hash)
        .bind(&s.username)
        .bind(&s.csrf_token)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .execute(self)
        .await?;
        Ok(())
    }

    async fn touch_session(&self, id_hash: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        stmt("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
            .bind(at)
            .bind(id_hash)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn delete_session(&self, id_hash: &str) -> Result<(), StoreError> {
        stmt("DELETE FROM sessions WHERE id_hash = $1")
            .bind(id_hash)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn record_login_failure(
        &self,
        username: &str,
        address: &str,
        at: DateTime<Utc>,
    ) -> Result<u32, StoreError> {
        let quiet = at - chrono::Duration::hours(1);
        let mut tx = self.begin_write().await?;
        let failures: i64 = scalar(
            "INSERT INTO login_failures (username, address, failures, last_failure_at) \
             VALUES ($1, $2, 1, $3) ON CONFLICT (username, address) DO UPDATE SET \
             failures = CASE WHEN login_failures.last_failure_at < $4 THEN 1 \
             ELSE login_failures.failures + 1 END, last_failure_at = $3 RETURNING failures",
        )
        .bind(username)
        .bind(address)
        .bind(at)
        .bind(quiet)
        .fetch_one(&mut tx)
        .await?;
        // Bounded: past the limit, forget the pairs quiet for an hour, then the older half.
        let rows: i64 = scalar("SELECT COUNT(*) FROM login_failures")
            .fetch_one(&mut tx)
            .await?;
        if rows > MAX_LOGIN_FAILURE_ROWS {
            stmt("DELETE FROM login_failures WHERE last_failure_at < $1")
                .bind(quiet)
                .execute(&mut tx)
                .await?;
            let left: i64 = scalar("SELECT COUNT(*) FROM login_failures")
                .fetch_one(&mut tx)
                .await?;
            if left > MAX_LOGIN_FAILURE_ROWS {
                let cut: Option<DateTime<Utc>> = scalar(
                    "SELECT last_failure_at FROM login_failures ORDER BY last_failure_at \
                     LIMIT 1 OFFSET $1",
                )
                .bind(left / 2)
                .fetch_optional(&mut tx)
                .await?;
                if let Some(cut) = cut {
                    stmt("DELETE FROM login_failures WHERE last_failure_at <= $1 AND NOT (username = $2 AND address = $3)")
                        .bind(cut)
                        .bind(username)
                        .bind(address)
                        .execute(&mut tx)
                        .await?;
                }
            }
        }
        tx.commit().await?;
        Ok(u32::try_from(failures).unwrap_or(u32::MAX))
    }

    async fn clear_login_failures(&self, username: &str, address: &str) -> Result<(), StoreError> {
        stmt("DELETE FROM login_failures WHERE username = $1 AND address = $2")
            .bind(username)
            .bind(address)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn delete_sessions_of(&self, username: &str) -> Result<u64, StoreError> {
        Ok(stmt("DELETE FROM sessions WHERE username = $1")
            .bind(username)
            .execute(self)
            .await?)
    }

    async fn create_token(&self, t: &crate::TokenRecord, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let user: Option<String> = scalar("SELECT username FROM users WHERE username = $1")
            .bind(&t.username)
            .fetch_optional(&mut tx)
            .await?;
        if user.is_none() {
            return Err(StoreError::invalid(
                None,
                "username",
                format!("unknown user {}", t.username),
            ));
        }
        if t.name.trim().is_empty() {
            return Err(StoreError::invalid(
                None,
                "name",
                "the token needs a name (which system uses it)",
            ));
        }
        stmt("INSERT INTO api_tokens (id, username, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(&t.id)
            .bind(&t.username)
            .bind(&t.name)
            .bind(&t.token_hash)
            .bind(t.created_at)
            .execute(&mut tx)
            .await?;
        let mut audit = AuditBuffer::default();
        audit.push(
            "token.create",
            &format!("token:{}", t.id),
            None,
            Some(json(t)),
        );
        audit.flush(&mut tx, Utc::now(), actor).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn touch_token(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        stmt("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id)
            .execute(self)
            .await?;
        Ok(())
    }

    async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let r = stmt(format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut tx)
            .await?;
        let Some(before) = r.as_ref().map(token_from_row).transpose()? else {
            return Err(StoreError::invalid(
                None,
                "id",
                format!("unknown token {id}"),
            ));
        };
        if before.revoked_at.is_some() {
            return Ok(());
        }
        let now = Utc::now();
        stmt("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&mut tx)
            .await?;
        let mut after = before.clone();
        after.revoked_at = Some(now);
        let mut audit = AuditBuffer::default();
        audit.push(
            "token.revoke",
            &format!("token:{id}"),
            Some(json(&before)),
            Some(json(&after)),
        );
        audit.flush(&mut tx, now, actor).await?;
        tx.commit().await?;
        Ok(())
    }
}
