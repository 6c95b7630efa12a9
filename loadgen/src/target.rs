//! Where the host is: the base URL taken apart, and the loopback rule (a load tool must not be
//! pointed at somebody else's machine by a typo).

use std::net::{IpAddr, SocketAddr};

use anyhow::{Context, bail};

/// The host's address, resolved once; every connection goes to `addr`, so what was checked is
/// what is used.
#[derive(Clone, Debug)]
pub struct Target {
    /// The URL as given, for the report.
    pub url: String,
    /// `host:port` for the `Host` header and the WebSocket URL.
    pub authority: String,
    /// A path prefix the host is mounted under, without a trailing `/` (usually empty).
    pub base_path: String,
    pub addr: SocketAddr,
}

/// The parts of an `http://host[:port][/prefix]` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BaseUrl {
    pub host: String,
    pub port: u16,
    pub base_path: String,
}

impl BaseUrl {
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

/// Takes an http base URL apart. Only `http`: the host is on this machine, TLS buys nothing.
pub fn parse_base(url: &str) -> anyhow::Result<BaseUrl> {
    let uri: hyper::Uri = url
        .parse()
        .with_context(|| format!("`{url}` is not a URL"))?;
    match uri.scheme_str() {
        Some("http") => {}
        Some(other) => bail!("`{url}`: only http:// is supported, not {other}://"),
        None => bail!("`{url}`: give the scheme, e.g. http://127.0.0.1:8080"),
    }
    if uri.query().is_some() {
        bail!("`{url}`: the base URL takes no query");
    }
    let host = uri.host().with_context(|| format!("`{url}` has no host"))?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri.port_u16().unwrap_or(80);
    let base_path = uri.path().trim_end_matches('/').to_owned();
    Ok(BaseUrl {
        host,
        port,
        base_path,
    })
}

/// The address to use when every address the name resolved to is loopback; otherwise why not.
pub fn pick_loopback(host: &str, addrs: &[SocketAddr]) -> anyhow::Result<SocketAddr> {
    let Some(first) = addrs.first() else {
        bail!("`{host}` resolved to no address");
    };
    if let Some(outside) = addrs.iter().find(|a| !is_loopback(a.ip())) {
        bail!(
            "`{host}` resolves to {}, which is not a loopback address: loadgen only drives a host on this machine",
            outside.ip()
        );
    }
    Ok(*first)
}

fn is_loopback(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback(),
        // ::ffff:127.0.0.1 is loopback too, though `Ipv6Addr::is_loopback` says no.
        IpAddr::V6(v6) => {
            v6.is_loopback() || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
    }
}

/// Parses, resolves and checks the base URL.
pub async fn resolve(url: &str) -> anyhow::Result<Target> {
    let base = parse_base(url)?;
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((base.host.as_str(), base.port))
        .await
        .with_context(|| format!("resolving `{}`", base.host))?
        .collect();
    let addr = pick_loopback(&base.host, &addrs)?;
    Ok(Target {
        url: url.to_owned(),
        authority: base.authority(),
        base_path: base.base_path,
        addr,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn base_urls_come_apart() {
        let b = parse_base("http://127.0.0.1:18080").unwrap();
        assert_eq!(
            b,
            BaseUrl {
                host: "127.0.0.1".into(),
                port: 18080,
                base_path: String::new()
            }
        );
        assert_eq!(b.authority(), "127.0.0.1:18080");
        let b = parse_base("http://[::1]:8080/fiscal/").unwrap();
        assert_eq!(
            (b.host.as_str(), b.port, b.base_path.as_str()),
            ("::1", 8080, "/fiscal")
        );
        assert_eq!(b.authority(), "[::1]:8080");
        assert_eq!(parse_base("http://localhost").unwrap().port, 80);
        assert!(parse_base("https://127.0.0.1:8080").is_err());
        assert!(parse_base("ws://127.0.0.1:8080").is_err());
        assert!(parse_base("127.0.0.1:8080").is_err());
        assert!(parse_base("http://127.0.0.1:8080/?x=1").is_err());
    }

    #[test]
    fn only_loopback_addresses_are_accepted() {
        assert_eq!(
            pick_loopback("h", &[sa("127.0.0.1:80")]).unwrap(),
            sa("127.0.0.1:80")
        );
        pick_loopback("h", &[sa("127.8.9.10:80"), sa("[::1]:80")]).unwrap();
        pick_loopback("h", &[sa("[::ffff:127.0.0.1]:80")]).unwrap();
        assert!(pick_loopback("h", &[]).is_err());
        assert!(pick_loopback("h", &[sa("10.0.0.1:80")]).is_err());
        assert!(pick_loopback("h", &[sa("0.0.0.0:80")]).is_err());
        // One public address among loopback ones is enough to refuse: which one a
        // connection would take is not ours to guess.
        let e = pick_loopback("h", &[sa("127.0.0.1:80"), sa("93.184.216.34:80")]).unwrap_err();
        assert!(e.to_string().contains("93.184.216.34"), "{e}");
        assert!(pick_loopback("h", &[sa("[2001:db8::1]:80")]).is_err());
    }

    #[tokio::test]
    async fn a_public_literal_is_refused_before_any_connection() {
        let e = resolve("http://192.0.2.1:8080").await.unwrap_err();
        assert!(e.to_string().contains("not a loopback"), "{e}");
        let t = resolve("http://127.0.0.1:9").await.unwrap();
        assert_eq!(t.addr, sa("127.0.0.1:9"));
    }
}
