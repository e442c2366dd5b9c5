//! Accounts: user names, roles scoped to a subtree of units, and passwords (argon2id, a
//! sensible policy, one-time passwords that must be changed at first login).

use crate::code::Code;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// What an account may do, within the subtree of units it is assigned to.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including accounts.
    SystemAdmin,
    /// Indicators, targets, scorecards and data sets.
    FrameworkAdmin,
    /// Approves the figures of the units below it.
    Approver,
    /// Enters and imports the figures of its units.
    DataEntry,
    /// Reads.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::SystemAdmin,
        Role::FrameworkAdmin,
        Role::Approver,
        Role::DataEntry,
        Role::Viewer,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SystemAdmin => "system_admin",
            Role::FrameworkAdmin => "framework_admin",
            Role::Approver => "approver",
            Role::DataEntry => "data_entry",
            Role::Viewer => "viewer",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// A role over a unit's subtree (all units when `unit` is None).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Assignment {
    pub role: Role,
    #[schema(value_type = Option<String>)]
    pub unit: Option<Code>,
}

/// A user name: 3 to 64 characters, lower-case ASCII letters, digits, '.', '_' or '-',
/// starting with a letter.
pub fn check_username(s: &str) -> Result<(), String> {
    let ok_len = (3..=64).contains(&s.len());
    let ok_start = s.chars().next().is_some_and(|c| c.is_ascii_lowercase());
    let ok_chars = s
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
    if ok_len && ok_start && ok_chars {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a user name: 3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter"
        ))
    }
}

/// Passwords people choose often (and their Vietnamese favourites); refused whatever else.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890",
    "12345678910",
    "123123123123",
    "111111111111",
    "000000000000",
    "password1234",
    "password123!",
    "passw0rd1234",
    "qwertyuiop12",
    "qwerty123456",
    "1q2w3e4r5t6y",
    "abc123456789",
    "iloveyou1234",
    "admin1234567",
    "administrator",
    "welcome12345",
    "letmein12345",
    "matkhau12345",
    "matkhau123456",
    "anhyeuem1234",
    "emyeuanh1234",
    "vietnam12345",
    "hanoi1234567",
    "saigon123456",
    "chiso1234567",
    "chuyendoiso1",
    "chuyendoiso123",
    "changeme1234",
    "p@ssw0rd1234",
];

/// The password policy: at least 12 characters, not the user name (nor containing it), not
/// one repeated character, not a common password. The reason for a refusal is written in
/// Vietnamese and English ("vi / en"); a page shows the one of its language.
pub fn check_password(username: &str, password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < 12 {
        return Err(
            "Mật khẩu phải có ít nhất 12 ký tự. / The password must have at least 12 characters."
                .into(),
        );
    }
    if chars > 256 {
        return Err(
            "Mật khẩu dài tối đa 256 ký tự. / The password may have at most 256 characters.".into(),
        );
    }
    let lower = password.to_lowercase();
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err("Mật khẩu không được chứa tên đăng nhập. / The password must not contain the user name.".into());
    }
    let first = password.chars().next();
    if password.chars().all(|c| Some(c) == first) {
        return Err("Mật khẩu không được chỉ là một ký tự lặp lại. / The password must not be one character repeated.".into());
    }
    if COMMON.iter().any(|c| lower == *c) {
        return Err("Mật khẩu này quá phổ biến; hãy chọn mật khẩu khác. / This password is too common; choose another.".into());
    }
    Ok(())
}

fn hasher() -> Argon2<'static> {
    // OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hash a password with argon2id and a random salt (PHC string format).
pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether a password matches a stored hash.
pub fn verify_password(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(h) => hasher().verify_password(password.as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A random one-time password: 20 characters from an alphabet without look-alikes
/// (no 0/O, 1/l/I), about 110 bits.
pub fn one_time_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut out = String::with_capacity(24);
    while out.len() < 20 {
        let mut b = [0u8; 1];
        OsRng.fill_bytes(&mut b);
        // Rejection sampling keeps every character equally likely.
        if (b[0] as usize) < 256 - 256 % ALPHABET.len() {
            out.push(ALPHABET[b[0] as usize % ALPHABET.len()] as char);
        }
    }
    out
}

/// A random secret of 32 bytes as hex (session ids, API tokens).
pub fn random_secret() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy() {
        assert!(check_password("nguyen.van.a", "short").is_err());
        assert!(check_password("nguyen.van.a", "xx-nguyen.van.a-xx")
            .unwrap_err()
            .contains("user name"));
        assert!(check_password("u", "aaaaaaaaaaaaaaa")
            .unwrap_err()
            .contains("repeated"));
        assert!(check_password("nguyen.van.a", "Matkhau123456")
            .unwrap_err()
            .contains("common"));
        assert!(check_password("nguyen.van.a", "Ninh-Thuan-2023-so").is_ok());
        assert!(check_password("x", &"ab".repeat(200)).is_err());
    }

    #[test]
    fn hashing_is_argon2id_salted_and_verifiable() {
        let h = hash_password("Ninh-Thuan-2023-so").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_ne!(
            h,
            hash_password("Ninh-Thuan-2023-so").unwrap(),
            "a fresh salt each time"
        );
        assert!(verify_password("Ninh-Thuan-2023-so", &h));
        assert!(!verify_password("Ninh-Thuan-2023-sO", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn one_time_passwords_pass_the_policy() {
        let a = one_time_password();
        assert_eq!(a.len(), 20);
        assert_ne!(a, one_time_password());
        assert!(check_password("admin", &a).is_ok());
        assert_eq!(random_secret().len(), 64);
    }

    #[test]
    fn user_names() {
        assert!(check_username("nguyen.van.a").is_ok());
        assert!(check_username("Admin").is_err());
        assert!(check_username("1abc").is_err());
        assert!(check_username("ab").is_err());
    }
}
