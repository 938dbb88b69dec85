DROP TABLE audit_log;
DROP TABLE api_keys;
DROP TABLE login_throttle;
DROP TABLE refresh_tokens;
ALTER TABLE users DROP COLUMN token_generation;
