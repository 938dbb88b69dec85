//! Tokens built by hand, as an attacker would.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header, crypto, encode};
use serde_json::{Value, json};

pub const SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

pub fn key() -> EncodingKey {
    EncodingKey::from_secret(SECRET.as_bytes()).unwrap()
}

pub fn claims(sub: i64) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": sub.to_string(), "role": "admin", "iss": "newsdesk",
        "aud": "newsdesk-staff", "iat": now, "exp": now + 600,
    })
}

pub fn with(mut claims: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().unwrap() {
        if v.is_null() {
            claims.as_object_mut().unwrap().remove(k);
        } else {
            claims[k] = v.clone();
        }
    }
    claims
}

pub fn hs(alg: Algorithm, claims: &Value) -> String {
    encode(&Header::new(alg), claims, &key()).unwrap()
}

/// A token with any header, signed with HMAC-SHA256 and the real secret (so only the header
/// is wrong: key confusion, `alg: none` with a valid signature, ...).
pub fn with_header(header: Value, claims: &Value) -> String {
    let message = format!(
        "{}.{}",
        B64.encode(header.to_string()),
        B64.encode(claims.to_string())
    );
    let sig = crypto::sign(message.as_bytes(), &key(), Algorithm::HS256).unwrap();
    format!("{message}.{sig}")
}

pub fn unsigned(alg: &str, claims: &Value) -> String {
    format!(
        "{}.{}.",
        B64.encode(json!({ "alg": alg, "typ": "JWT" }).to_string()),
        B64.encode(claims.to_string())
    )
}

/// Replaces the payload of a signed token, keeping its signature.
pub fn swap_payload(token: &str, f: impl FnOnce(&mut Value)) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    let mut payload: Value = serde_json::from_slice(&B64.decode(parts[1]).unwrap()).unwrap();
    f(&mut payload);
    format!(
        "{}.{}.{}",
        parts[0],
        B64.encode(payload.to_string()),
        parts[2]
    )
}
