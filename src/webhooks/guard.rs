//! Where deliveries may go: http(s) URLs without credentials, and (unless
//! `WEBHOOK_ALLOW_PRIVATE`) only to public addresses, checked when an endpoint is saved and again
//! on every send (by the HTTP client's resolver, so a DNS change cannot slip through).

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use url::{Host, Url};

/// How long a name may take to resolve.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether deliveries may go to this address when private addresses are refused.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
                || (a == 198 && (b == 18 || b == 19)) // benchmarking
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00 // unique local
                || (first & 0xffc0) == 0xfe80 // link local
                || (first & 0xffc0) == 0xfec0 // site local (deprecated)
                || first == 0x2001 && v6.segments()[1] == 0x0db8 // documentation
                || first == 0x0064 && v6.segments()[1] == 0xff9b) // NAT64
        }
    }
}

/// The URL if its form is acceptable: http(s), a host, no user name or password.
pub fn parse(raw: &str) -> Result<Url, String> {
    if raw.chars().count() > 2048 {
        return Err("must be at most 2048 characters long".into());
    }
    let url = Url::parse(raw).map_err(|_| "must be an absolute http(s) URL".to_owned())?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password".into());
    }
    if url.host().is_none() {
        return Err("must name a host".into());
    }
    Ok(url)
}

/// The addresses of `host`, refused when any is not public (unless `allow_private`).
pub async fn resolve(
    host: &str,
    port: u16,
    allow_private: bool,
) -> Result<Vec<SocketAddr>, String> {
    let lookup = tokio::net::lookup_host((host, port));
    let addrs: Vec<SocketAddr> = tokio::time::timeout(RESOLVE_TIMEOUT, lookup)
        .await
        .map_err(|_| format!("resolving `{host}` timed out"))?
        .map_err(|_| format!("host `{host}` does not resolve"))?
        .collect();
    if addrs.is_empty() {
        return Err(format!("host `{host}` does not resolve"));
    }
    if !allow_private && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(format!(
            "host `{host}` resolves to a private, loopback or link-local address"
        ));
    }
    Ok(addrs)
}

/// Checks a URL fully: its form, then where its host points.
pub async fn check(raw: &str, allow_private: bool) -> Result<Url, String> {
    let url = parse(raw)?;
    let port = url.port_or_known_default().unwrap_or(80);
    match url.host() {
        Some(Host::Ipv4(ip)) => literal(IpAddr::V4(ip), allow_private)?,
        Some(Host::Ipv6(ip)) => literal(IpAddr::V6(ip), allow_private)?,
        Some(Host::Domain(name)) => {
            resolve(name, port, allow_private).await?;
        }
        None => return Err("must name a host".into()),
    }
    Ok(url)
}

/// At send time: an IP-literal host must be allowed (the resolver sees only names).
pub fn literal_allowed(url: &Url, allow_private: bool) -> Result<(), String> {
    match url.host() {
        Some(Host::Ipv4(ip)) => literal(IpAddr::V4(ip), allow_private),
        Some(Host::Ipv6(ip)) => literal(IpAddr::V6(ip), allow_private),
        _ => Ok(()),
    }
}

fn literal(ip: IpAddr, allow_private: bool) -> Result<(), String> {
    if allow_private || is_public(ip) {
        Ok(())
    } else {
        Err("must not point to a private, loopback or link-local address".into())
    }
}

/// The HTTP client's resolver: refuses names that resolve to non-public addresses.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub allow_private: bool,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs = resolve(name.as_str(), 0, allow_private)
                .await
                .map_err(|e| -> Box<dyn std::error::Error + Send + Sync> { e.into() })?;
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn public_and_private() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "169.254.169.254",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "0.0.0.0",
            "100.64.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2606:2800:220:1::1", "1.1.1.1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[test]
    fn forms() {
        assert!(parse("https://example.com/hook").is_ok());
        assert!(parse("ftp://example.com/").is_err());
        assert!(parse("https://user:pw@example.com/").is_err());
        assert!(parse("not a url").is_err());
        assert!(parse("file:///etc/passwd").is_err());
    }

    #[tokio::test]
    async fn literals() {
        assert!(check("http://127.0.0.1:9/x", false).await.is_err());
        assert!(check("http://127.0.0.1:9/x", true).await.is_ok());
        assert!(check("http://[::1]/x", false).await.is_err());
    }
}
