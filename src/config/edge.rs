//! Settings of the edge tier (`EDGE_*`): which surrogate-key headers public responses carry, how
//! long an edge cache may keep them, and where purges go.

use clap::Args;

pub const DEFAULT_KEY_HEADERS: &str = "xkey,surrogate-key";
pub const DEFAULT_TTL_SECS: u64 = 86_400;
pub const DEFAULT_MAX_KEY_BYTES: usize = 2048;
pub const DEFAULT_REPURGE_SECS: f64 = 6.0;
pub const DEFAULT_POLL_MS: u64 = 100;
pub const DEFAULT_MAX_DELAY_SECS: f64 = 30.0;

#[derive(Debug, Clone, Args)]
pub struct EdgeConfig {
    /// Surrogate-key headers public responses carry, comma-separated, of `xkey` (Varnish
    /// xkey), `surrogate-key` (Fastly) and `cache-tag` (Cloudflare); empty for none.
    #[arg(long = "edge-key-headers", env = "EDGE_KEY_HEADERS", default_value = DEFAULT_KEY_HEADERS)]
    pub key_headers: String,

    /// Seconds an edge cache may keep a public response (`Surrogate-Control: max-age`): long,
    /// since purges drop what changed; shorter for what expires by itself.
    #[arg(long = "edge-ttl-secs", env = "EDGE_TTL_SECS", default_value_t = DEFAULT_TTL_SECS)]
    pub ttl_secs: u64,

    /// Longest surrogate-key header; past it, per-item keys are replaced by their group's key.
    #[arg(long = "edge-max-key-bytes", env = "EDGE_MAX_KEY_BYTES", default_value_t = DEFAULT_MAX_KEY_BYTES)]
    pub max_key_bytes: usize,

    /// Where purges go, comma-separated `kind=url`: `xkey=http://varnish:6081/` (PURGE with an
    /// `xkey-purge` header), `fastly=https://api.fastly.com/service/ID` (key purge with
    /// `Fastly-Key`), `webhook=https://…` (a JSON POST). Trusted: an operator's own edge.
    #[arg(long = "edge-purge-urls", env = "EDGE_PURGE_URLS", default_value = "")]
    pub purge_urls: String,

    /// Sent with purges: `Fastly-Key` for fastly, `Authorization: Bearer` for webhook.
    #[arg(
        long = "edge-purge-token",
        env = "EDGE_PURGE_TOKEN",
        default_value = "",
        hide_env_values = true
    )]
    pub purge_token: String,

    /// Every purge is sent again this many seconds later, for an edge that fetched the old
    /// version from an instance that had not heard of the write yet (0: once).
    #[arg(long = "edge-repurge-secs", env = "EDGE_REPURGE_SECS", default_value_t = DEFAULT_REPURGE_SECS)]
    pub repurge_secs: f64,

    /// How often pending purges are looked for (milliseconds).
    #[arg(long = "edge-purge-poll-ms", env = "EDGE_PURGE_POLL_MS", default_value_t = DEFAULT_POLL_MS)]
    pub poll_ms: u64,

    /// A purge not delivered within this many seconds is replaced by purging everything.
    #[arg(long = "edge-purge-max-delay-secs", env = "EDGE_PURGE_MAX_DELAY_SECS", default_value_t = DEFAULT_MAX_DELAY_SECS)]
    pub max_delay_secs: f64,
}

impl Default for EdgeConfig {
    fn default() -> Self {
        Self {
            key_headers: DEFAULT_KEY_HEADERS.into(),
            ttl_secs: DEFAULT_TTL_SECS,
            max_key_bytes: DEFAULT_MAX_KEY_BYTES,
            purge_urls: String::new(),
            purge_token: String::new(),
            repurge_secs: DEFAULT_REPURGE_SECS,
            poll_ms: DEFAULT_POLL_MS,
            max_delay_secs: DEFAULT_MAX_DELAY_SECS,
        }
    }
}

/// A surrogate-key header newsdesk can send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHeader {
    Xkey,
    SurrogateKey,
    CacheTag,
}

impl KeyHeader {
    pub fn name(self) -> &'static str {
        match self {
            Self::Xkey => "xkey",
            Self::SurrogateKey => "surrogate-key",
            Self::CacheTag => "cache-tag",
        }
    }
}

/// How a purge target wants to be told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PurgeKind {
    /// Varnish with varnish-modules' xkey: `PURGE` with `xkey-purge: k1 k2 …`.
    Xkey,
    /// Fastly's API: `POST {url}/purge` with `Surrogate-Key: k1 k2 …`, `POST {url}/purge_all`.
    Fastly,
    /// Anything else: `POST {url}` with `{"keys": […], "everything": false}`.
    Webhook,
}

impl PurgeKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::Xkey => "xkey",
            Self::Fastly => "fastly",
            Self::Webhook => "webhook",
        }
    }
}

impl EdgeConfig {
    /// `EDGE_PURGE_URLS` parsed.
    pub fn targets(&self) -> Result<Vec<(PurgeKind, url::Url)>, String> {
        let mut out = Vec::new();
        for entry in self
            .purge_urls
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let (kind, url) = entry.split_once('=').ok_or_else(|| {
                format!("EDGE_PURGE_URLS: {entry:?} is not kind=url (xkey=, fastly= or webhook=)")
            })?;
            let kind = match kind.trim() {
                "xkey" => PurgeKind::Xkey,
                "fastly" => PurgeKind::Fastly,
                "webhook" => PurgeKind::Webhook,
                other => {
                    return Err(format!(
                        "EDGE_PURGE_URLS: {other:?} is none of xkey, fastly, webhook"
                    ));
                }
            };
            let url = url::Url::parse(url.trim())
                .map_err(|e| format!("EDGE_PURGE_URLS: {url:?}: {e}"))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(format!("EDGE_PURGE_URLS: {url} is not http(s)"));
            }
            out.push((kind, url));
        }
        Ok(out)
    }

    /// `EDGE_KEY_HEADERS` parsed.
    pub fn headers(&self) -> Result<Vec<KeyHeader>, String> {
        let mut out = Vec::new();
        for name in self
            .key_headers
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            let h = match name.to_ascii_lowercase().as_str() {
                "xkey" => KeyHeader::Xkey,
                "surrogate-key" => KeyHeader::SurrogateKey,
                "cache-tag" => KeyHeader::CacheTag,
                other => {
                    return Err(format!(
                        "EDGE_KEY_HEADERS: {other:?} is none of xkey, surrogate-key, cache-tag"
                    ));
                }
            };
            if !out.contains(&h) {
                out.push(h);
            }
        }
        Ok(out)
    }

    pub fn validate(&self) -> Result<(), String> {
        self.headers()?;
        self.targets()?;
        if self.max_key_bytes < 64 {
            return Err("EDGE_MAX_KEY_BYTES must be at least 64".into());
        }
        if !(0.0..=3600.0).contains(&self.repurge_secs) {
            return Err("EDGE_REPURGE_SECS must be between 0 and 3600".into());
        }
        if !(10..=60_000).contains(&self.poll_ms) {
            return Err("EDGE_PURGE_POLL_MS must be between 10 and 60000".into());
        }
        if !(1.0..=86_400.0).contains(&self.max_delay_secs) {
            return Err("EDGE_PURGE_MAX_DELAY_SECS must be between 1 and 86400".into());
        }
        Ok(())
    }
}
