//! One login attempt at a time per user name and client address, on this server: the count
//! of failures is read, the password checked and a failure recorded before the next attempt
//! of the same pair begins — so that many attempts sent at once cannot all pass the check
//! against the count before any failure is recorded (the lock after
//! [`crate::auth::FREE_TRIES`] failures holds however many are sent together).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Pairs remembered at most; past it, those no attempt holds are forgotten.
const MAX_PAIRS: usize = 10_000;

/// A user name and a client address.
type Pair = (String, String);

#[derive(Default)]
pub(crate) struct LoginGate(Mutex<HashMap<Pair, Arc<tokio::sync::Mutex<()>>>>);

impl LoginGate {
    /// Wait for the attempts of this pair before this one; the guard lets the next one in
    /// when dropped.
    pub(crate) async fn enter(
        &self,
        username: &str,
        address: &str,
    ) -> tokio::sync::OwnedMutexGuard<()> {
        let gate = {
            let mut m = match self.0.lock() {
                Ok(m) => m,
                Err(poisoned) => poisoned.into_inner(),
            };
            if m.len() >= MAX_PAIRS {
                m.retain(|_, g| Arc::strong_count(g) > 1);
            }
            m.entry((username.to_string(), address.to_string()))
                .or_default()
                .clone()
        };
        gate.lock_owned().await
    }
}
