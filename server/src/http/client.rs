//! The client's address: the TCP peer, or behind `TRUSTED_PROXIES` what
//! `X-Forwarded-For` says, always canonical.

use axum::{extract::Request, middleware::Next, response::Response};
use std::sync::Arc;

/// The reverse proxies in front (`TRUSTED_PROXIES`).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(pub Arc<Vec<ipnet::IpNet>>);

impl TrustedProxies {
    fn trusts(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }

    /// The client's address: the TCP peer, unless the peer is a trusted
    /// proxy; then the right-most `X-Forwarded-For` address that is not
    /// itself trusted (the left-most when all are). Each proxy appends the
    /// address it received from, so only the part of the list written by
    /// trusted proxies can be believed: what a client wrote itself sits
    /// further left and is never reached.
    ///
    /// Always canonical: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what
    /// a dual-stack socket reports for an IPv4 peer) is its IPv4 address,
    /// so one client is one key for the throttle and one entry in the logs.
    pub fn client_ip(&self, peer: std::net::IpAddr, headers: &axum::http::HeaderMap) -> std::net::IpAddr {
        let peer = peer.to_canonical();
        if !self.trusts(&peer) {
            return peer;
        }
        let forwarded: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in forwarded.iter().rev() {
            // Something that is no address ends the walk: the hop to its
            // right (a trusted proxy) is as far as anything can be believed.
            let Some(ip) = forwarded_ip(entry) else {
                break;
            };
            client = ip;
            if !self.trusts(&ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry as proxies write it: a bare address
/// (`198.51.100.7`, `2001:db8::1`), with a port (`198.51.100.7:4711`,
/// `[2001:db8::1]:4711`) or in brackets (`[2001:db8::1]`); canonical (see
/// [`TrustedProxies::client_ip`]). `None` for anything else (`unknown`, a
/// name, an obfuscated identifier).
fn forwarded_ip(entry: &str) -> Option<std::net::IpAddr> {
    use std::net::{IpAddr, Ipv6Addr, SocketAddr};
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
        .or_else(|| {
            let inner = entry.strip_prefix('[')?.strip_suffix(']')?;
            inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6)
        })
        .map(|ip| ip.to_canonical())
}

/// Works out the client's address once per request ([`TrustedProxies::client_ip`])
/// and leaves it in the request for the throttle, the sessions page and the
/// security log. (Nothing here needs `X-Forwarded-Proto`: links are built
/// from `APP_BASE_URL`, and production cookies are always `Secure`.)
pub async fn client_address(
    axum::extract::State(proxies): axum::extract::State<TrustedProxies>,
    mut req: Request,
    next: Next,
) -> Response {
    use axum::extract::ConnectInfo;
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        // Canonical before anything looks at it: a dual-stack listener
        // reports IPv4 peers as `::ffff:a.b.c.d`.
        .map(|ConnectInfo(addr)| addr.ip().to_canonical());
    if let Some(peer) = peer {
        let ip = proxies.client_ip(peer, req.headers());
        req.extensions_mut().insert(app::ssr::ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_headers as headers;
    use axum::http::HeaderMap;

    fn ip(text: &str) -> std::net::IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_forwarded_address() {
        let proxies = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("10.0.0.0/8, 127.0.0.1").unwrap()));
        let xff = |v: &str| headers(&[("x-forwarded-for", v)]);
        // A client's own header is ignored from an untrusted peer.
        assert_eq!(proxies.client_ip(ip("203.0.113.9"), &xff("1.2.3.4")), ip("203.0.113.9"));
        // Through one proxy.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("198.51.100.7")), ip("198.51.100.7"));
        // A forged entry on the left is never reached.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("6.6.6.6, 198.51.100.7")), ip("198.51.100.7"));
        // Two proxies.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("198.51.100.7, 10.1.1.1")), ip("198.51.100.7"));
        // All trusted: the left-most.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("10.2.2.2, 10.1.1.1")), ip("10.2.2.2"));
        // No header, or garbage: the peer, or the last believable hop.
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &HeaderMap::new()), ip("127.0.0.1"));
        assert_eq!(proxies.client_ip(ip("127.0.0.1"), &xff("junk, 10.1.1.1")), ip("10.1.1.1"));
    }

    #[test]
    fn forwarded_entries_may_carry_ports_and_brackets() {
        let proxies = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("127.0.0.1, 10.0.0.0/8").unwrap()));
        let xff = |v: &str| headers(&[("x-forwarded-for", v)]);
        let from_proxy = |v: &str| proxies.client_ip(ip("127.0.0.1"), &xff(v));
        for (entry, client) in [
            ("198.51.100.7", "198.51.100.7"),
            ("198.51.100.7:4711", "198.51.100.7"),
            ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            // IPv4-mapped: the IPv4 address, bare, bracketed or with a port.
            ("::ffff:198.51.100.7", "198.51.100.7"),
            ("[::ffff:198.51.100.7]", "198.51.100.7"),
            ("[::ffff:198.51.100.7]:4711", "198.51.100.7"),
        ] {
            let got = from_proxy(&format!("6.6.6.6, {entry}"));
            assert_eq!(got, ip(client), "{entry}");
            assert!(got == got.to_canonical(), "{entry}");
        }
        // A trusted proxy written with a port or mapped is still trusted
        // and skipped.
        assert_eq!(from_proxy("198.51.100.7, 10.1.1.1:80"), ip("198.51.100.7"));
        assert_eq!(from_proxy("198.51.100.7, [::ffff:10.1.1.1]:80"), ip("198.51.100.7"));
        // Not addresses: the walk stops at the last believable hop.
        for junk in ["[198.51.100.7]", "198.51.100.7:99999", "[2001:db8::1", "2001:db8::1]:80", "unknown", "[::1]x"] {
            assert_eq!(from_proxy(&format!("{junk}, 10.1.1.1")), ip("10.1.1.1"), "{junk}");
        }
    }

    #[test]
    fn an_ipv4_mapped_peer_is_its_ipv4_address() {
        let proxies = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("127.0.0.1").unwrap()));
        // An untrusted mapped peer: its IPv4 address.
        assert_eq!(proxies.client_ip(ip("::ffff:203.0.113.9"), &HeaderMap::new()), ip("203.0.113.9"));
        // A mapped peer matches a trusted IPv4 proxy, so its header is believed.
        let xff = headers(&[("x-forwarded-for", "198.51.100.7")]);
        assert_eq!(proxies.client_ip(ip("::ffff:127.0.0.1"), &xff), ip("198.51.100.7"));
        // A proxy listed as mapped trusts the plain IPv4 peer.
        let mapped = TrustedProxies(Arc::new(crate::config::parse_trusted_proxies("::ffff:10.0.0.0/104").unwrap()));
        assert_eq!(mapped.client_ip(ip("10.9.9.9"), &xff), ip("198.51.100.7"));
        assert_eq!(mapped.client_ip(ip("::ffff:10.9.9.9"), &xff), ip("198.51.100.7"));
        assert_eq!(mapped.client_ip(ip("11.0.0.1"), &xff), ip("11.0.0.1"));
    }
}
