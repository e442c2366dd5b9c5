//! The hashes the store writes: of secrets (sessions, tokens) and of the audit chain.

/// SHA-256 of a secret, as hex (how session ids and API tokens are stored).
pub fn secret_hash(secret: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The hash of one audit row, chained to the previous row's hash. Every field is written
/// with its length first, so no two different rows hash the same text.
#[allow(clippy::too_many_arguments)]
pub fn audit_hash(
    prev: &str,
    at: chrono::DateTime<chrono::Utc>,
    actor: &str,
    via: &str,
    action: &str,
    entity: &str,
    old: Option<&str>,
    new: Option<&str>,
) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut field = |s: Option<&str>| match s {
        None => h.update(b"-;"),
        Some(s) => {
            h.update(itoa::Buffer::new().format(s.len()).as_bytes());
            h.update(b":");
            h.update(s.as_bytes());
            h.update(b";");
        }
    };
    field(Some(prev));
    field(Some(&at.timestamp_micros().to_string()));
    field(Some(actor));
    field(Some(via));
    field(Some(action));
    field(Some(entity));
    field(old);
    field(new);
    hex::encode(h.finalize())
}
