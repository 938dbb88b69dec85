//! The client's address: the socket peer, or, when the peer is a trusted proxy, the nearest
//! untrusted address in `X-Forwarded-For`.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` is believed (from `TRUSTED_PROXIES`).
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client address for a request from `peer` carrying these `X-Forwarded-For` values.
    pub fn client(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> IpAddr {
        let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
        if !self.trusts(peer) {
            return peer;
        }
        // Right to left: each trusted proxy appended the address it got the request from.
        let hops: Vec<IpAddr> = forwarded_for
            .iter()
            .flat_map(|v| v.split(','))
            .filter_map(|s| parse_hop(s.trim()))
            .collect();
        let mut client = peer;
        for hop in hops.iter().rev() {
            client = *hop;
            if !self.trusts(*hop) {
                break;
            }
        }
        client
    }

    pub fn of_request(&self, req: &HttpRequest) -> IpAddr {
        let values: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .collect();
        self.client(req.peer_addr().map(|a| a.ip()), &values)
    }

    pub fn of_service_request(&self, req: &ServiceRequest) -> IpAddr {
        self.of_request(req.request())
    }
}

/// An address as proxies write it: `1.2.3.4`, `1.2.3.4:567`, `[::1]:567` or `::1`.
fn parse_hop(s: &str) -> Option<IpAddr> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Ok(sock) = s.parse::<std::net::SocketAddr>() {
        return Some(sock.ip());
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn untrusted_peers_are_the_client_whatever_they_claim() {
        let t = TrustedProxies::default();
        assert_eq!(t.client(Some(ip("9.9.9.9")), &["1.1.1.1"]), ip("9.9.9.9"));
    }

    #[test]
    fn trusted_proxies_pass_on_the_nearest_untrusted_hop() {
        let t = TrustedProxies(vec!["10.0.0.0/8".parse().unwrap()]);
        let peer = Some(ip("10.0.0.2"));
        assert_eq!(t.client(peer, &["203.0.113.7"]), ip("203.0.113.7"));
        // A client cannot spoof by prepending: the rightmost untrusted hop wins.
        assert_eq!(
            t.client(peer, &["6.6.6.6, 203.0.113.7, 10.0.0.9"]),
            ip("203.0.113.7")
        );
        assert_eq!(t.client(peer, &["203.0.113.7:5555"]), ip("203.0.113.7"));
        assert_eq!(t.client(peer, &["garbage"]), ip("10.0.0.2"));
        assert_eq!(t.client(peer, &[]), ip("10.0.0.2"));
    }
}
