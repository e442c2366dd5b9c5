//! Credentials verified against the database, kept in memory for two uses:
//!
//! - **An API token just verified is taken again without asking the database** for
//!   [`FRESH_TOKEN`] (one second), unless accounts or tokens changed meanwhile
//!   ([`chiso_app::App::accounts_version`]): a token revoked, or an account disabled or given
//!   other roles, through this server is refused or re-read on its very next request; by
//!   another process (the command line, another server of the same database) once this
//!   server's follower has read the change, and at the latest a second later. Under load this
//!   spares every request the token's and the account's reads. Sessions are always checked.
//! - **While the database does not answer**, a credential verified within
//!   [`KEEP_VERIFIED`] is honoured from memory (see [`crate::outage`]).
//!
//! Beside them, when each token's use was last recorded: at most once a
//! [`crate::auth::TOKEN_USE_GRAIN`], however many requests carry it at once.

use crate::auth::{Credential, Who, TOKEN_USE_GRAIN};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a credential verified against the database is honoured while the database does
/// not answer.
pub const KEEP_VERIFIED: Duration = Duration::from_secs(5 * 60);
/// How long an API token verified against the database is taken again without asking it
/// (when no account or token changed meanwhile).
pub const FRESH_TOKEN: Duration = Duration::from_secs(1);
/// The most credentials remembered (the oldest are dropped first).
const MAX_VERIFIED: usize = 10_000;

/// Who a credential was, when it was verified, and the accounts' version read before it was.
struct Entry {
    who: Who,
    at: Instant,
    version: u64,
}

/// Credentials (API tokens and sessions, by the hash of their secret) verified against the
/// database, and the tokens' last recorded uses (see the module's description).
#[derive(Default)]
pub struct Verified {
    entries: Mutex<HashMap<String, Entry>>,
    uses: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl Verified {
    /// Remember who a credential is; `version` is the accounts' version read before the
    /// database was asked.
    pub(crate) fn remember(&self, key: String, who: &Who, version: u64) {
        let Ok(mut m) = self.entries.lock() else {
            return;
        };
        if m.len() >= MAX_VERIFIED && !m.contains_key(&key) {
            m.retain(|_, e| e.at.elapsed() < KEEP_VERIFIED);
            if m.len() >= MAX_VERIFIED {
                if let Some(oldest) = m.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| k.clone()) {
                    m.remove(&oldest);
                }
            }
        }
        let entry = Entry {
            who: who.clone(),
            at: Instant::now(),
            version,
        };
        m.insert(key, entry);
    }

    pub(crate) fn forget(&self, key: &str) {
        if let Ok(mut m) = self.entries.lock() {
            m.remove(key);
        }
    }

    /// Forget every credential of an account (its sessions ended everywhere, its password
    /// changed).
    pub(crate) fn forget_user(&self, username: &str) {
        if let Ok(mut m) = self.entries.lock() {
            m.retain(|_, e| !matches!(&e.who, Who::User(p) if p.username == username));
        }
    }

    /// Who a credential was, when it was verified within [`KEEP_VERIFIED`].
    pub(crate) fn recall(&self, key: &str) -> Option<Who> {
        let m = self.entries.lock().ok()?;
        m.get(key)
            .filter(|e| e.at.elapsed() < KEEP_VERIFIED)
            .map(|e| e.who.clone())
    }

    /// Who an API token is, when it was verified within [`FRESH_TOKEN`] and no account or
    /// token changed since (`version` is the accounts' version now).
    pub(crate) fn fresh_token(&self, key: &str, version: u64) -> Option<Who> {
        let m = self.entries.lock().ok()?;
        m.get(key)
            .filter(|e| {
                e.version == version
                    && e.at.elapsed() < FRESH_TOKEN
                    && matches!(
                        &e.who,
                        Who::User(p) if matches!(p.credential, Credential::Token { .. })
                    )
            })
            .map(|e| e.who.clone())
    }

    /// Whether the use of token `id` at `now` is to be recorded: its last use recorded (in
    /// the database, `stored`, or by this server) is a [`TOKEN_USE_GRAIN`] old or more. When
    /// it is, `now` counts as recorded from here on.
    pub(crate) fn token_use_due(
        &self,
        id: &str,
        stored: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> bool {
        let Ok(mut m) = self.uses.lock() else {
            return false;
        };
        let last = m.get(id).copied().max(stored);
        if last.is_some_and(|l| now - l < TOKEN_USE_GRAIN) {
            return false;
        }
        if m.len() >= MAX_VERIFIED {
            m.clear();
        }
        m.insert(id.to_string(), now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// However many requests carry a token at once, its use is recorded once a minute.
    #[test]
    fn a_token_use_is_recorded_once_a_minute() {
        let v = Verified::default();
        let t0 = Utc::now();
        let later = |s: i64| t0 + chrono::Duration::seconds(s);
        assert!(v.token_use_due("t", None, t0), "never recorded");
        assert!(!v.token_use_due("t", None, t0), "recorded a moment ago");
        assert!(!v.token_use_due("t", None, later(59)));
        assert!(v.token_use_due("t", None, later(60)), "a minute later");
        assert!(
            !v.token_use_due("t", Some(t0), later(61)),
            "recorded at 60 s"
        );
        // What the database holds counts too.
        assert!(!v.token_use_due("u", Some(later(30)), later(60)));
        assert!(v.token_use_due("u", Some(t0), later(60)));
    }
}
