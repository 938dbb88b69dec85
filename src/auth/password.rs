//! argon2id password hashes (OWASP parameters: m=19 MiB, t=2, p=1, the crate's defaults).

use argon2::{Argon2, PasswordHasher, PasswordVerifier};

/// Shortest password accepted.
pub const MIN_LEN: usize = 10;
/// Longest password accepted (argon2's cost grows with its input).
pub const MAX_BYTES: usize = 1024;

/// The password rules: 10 characters or more, at most 1 KiB, not the email.
pub fn check_rules(email: &str, password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_LEN {
        return Err(format!("must be at least {MIN_LEN} characters"));
    }
    if password.len() > MAX_BYTES {
        return Err(format!("must be at most {MAX_BYTES} bytes"));
    }
    if password.trim().eq_ignore_ascii_case(email.trim()) {
        return Err("must not equal the email".into());
    }
    Ok(())
}

/// Hashes a password into a PHC string. CPU-heavy: call from a blocking thread.
pub fn hash(password: &str) -> Result<String, String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| format!("cannot hash password: {e}"))
}

/// Whether `password` matches the PHC string. CPU-heavy: call from a blocking thread.
pub fn verify(password: &str, phc: &str) -> bool {
    Argon2::default()
        .verify_password(password.as_bytes(), phc)
        .is_ok()
}

/// `hash` on a blocking thread, for request handlers.
pub async fn hash_off_thread(password: String) -> Result<String, crate::error::ApiError> {
    actix_web::web::block(move || hash(&password))
        .await?
        .map_err(crate::error::ApiError::internal)
}

/// `verify` on a blocking thread, for request handlers.
pub async fn verify_off_thread(
    password: String,
    phc: String,
) -> Result<bool, crate::error::ApiError> {
    Ok(actix_web::web::block(move || verify(&password, &phc)).await?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    #[test]
    fn hash_and_verify() {
        let h = super::hash("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", &h));
        assert!(!super::verify("wrong", &h));
        assert!(!super::verify("x", "not a hash"));
    }
}
