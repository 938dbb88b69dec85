//! Sending one purge to one target: Varnish xkey, Fastly's API or a generic webhook.

use reqwest::{Client, Method};

use crate::config::PurgeKind;

/// Keys per request (Fastly takes 256 at most; Varnish's header limit is far above this).
pub const KEYS_PER_REQUEST: usize = 200;

/// Purges `keys` (or everything) at one target; the error says what went wrong.
pub async fn send(
    client: &Client,
    kind: PurgeKind,
    url: &url::Url,
    token: &str,
    keys: &[String],
    everything: bool,
) -> Result<(), String> {
    let request = match kind {
        PurgeKind::Xkey => {
            let method = Method::from_bytes(b"PURGE").map_err(|e| e.to_string())?;
            let what = if everything {
                crate::cache::surrogate::ALL.to_owned()
            } else {
                keys.join(" ")
            };
            client
                .request(method, url.clone())
                .header("xkey-purge", what)
        }
        PurgeKind::Fastly => {
            let base = url.as_str().trim_end_matches('/');
            let req = if everything {
                client.post(format!("{base}/purge_all"))
            } else {
                client
                    .post(format!("{base}/purge"))
                    .header("surrogate-key", keys.join(" "))
            };
            req.header("fastly-key", token)
                .header("accept", "application/json")
        }
        PurgeKind::Webhook => {
            let req = client
                .post(url.clone())
                .json(&serde_json::json!({ "keys": keys, "everything": everything }));
            if token.is_empty() {
                req
            } else {
                req.bearer_auth(token)
            }
        }
    };
    let res = request
        .send()
        .await
        .map_err(|e| format!("{} {url}: {e}", kind.name()))?;
    if res.status().is_success() {
        Ok(())
    } else {
        Err(format!("{} {url}: answered {}", kind.name(), res.status()))
    }
}
