//! HS256 access tokens with `iss`, `aud` and `exp` set and checked (and `nbf` when present).

use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, encode};
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::models::ids::UserId;
use crate::models::user::Role;

#[derive(Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user id, as a string (RFC 7519).
    pub sub: String,
    pub role: Role,
    pub iss: String,
    pub aud: String,
    pub iat: i64,
    pub exp: i64,
    /// The user's token generation when issued; a bumped generation voids the token.
    #[serde(default)]
    #[serde(rename = "gen")]
    pub generation: i32,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    pub ttl_secs: u64,
}

impl JwtKeys {
    pub fn from_config(config: &Config) -> Result<Self, String> {
        let secret = config.jwt_secret.as_bytes();
        let encoding = EncodingKey::from_secret(secret).map_err(|e| format!("JWT_SECRET: {e}"))?;
        let decoding = DecodingKey::from_secret(secret).map_err(|e| format!("JWT_SECRET: {e}"))?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.jwt_issuer]);
        validation.set_audience(&[&config.jwt_audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // A token that is not valid yet is refused like an expired one (same 5 s leeway).
        validation.validate_nbf = true;
        validation.leeway = 5;
        Ok(Self {
            encoding,
            decoding,
            validation,
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            ttl_secs: config.jwt_ttl_secs,
        })
    }

    pub fn issue(&self, user: UserId, role: Role, generation: i32) -> Result<String, String> {
        let now = Utc::now().timestamp();
        let claims = Claims {
            sub: user.to_string(),
            role,
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            iat: now,
            exp: now + self.ttl_secs as i64,
            generation,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).map_err(|e| e.to_string())
    }

    /// The user id and token generation of a valid token; any defect (algorithm, signature,
    /// expiry, claims) is an error.
    pub fn verify(&self, token: &str) -> Result<(UserId, i32), String> {
        let data =
            decode::<Claims>(token, &self.decoding, &self.validation).map_err(|e| e.to_string())?;
        let id = data
            .claims
            .sub
            .parse::<i64>()
            .map(UserId)
            .map_err(|_| "bad subject".to_owned())?;
        Ok((id, data.claims.generation))
    }
}
