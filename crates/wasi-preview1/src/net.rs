//! The network grant: which addresses a guest may bind, connect and send
//! to with the sockets it opens itself (`sock_open`). Without a grant the
//! guest cannot open sockets or resolve names at all.

use crate::system::{AddrInfo, AddrInfoHints};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::ops::RangeInclusive;
use wasi_abi::Errno;
use wasi_abi::wasmedge::{AddressFamily, AiFlags, Protocol, SockType};

/// One allowed network: an address prefix and a port range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NetRule {
    addr: IpAddr,
    prefix: u8,
    ports: RangeInclusive<u16>,
}

/// A rule that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRule(pub String);

impl fmt::Display for BadRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "bad network rule {:?}: expected *, localhost, IP, IP/PREFIX or [IPV6/PREFIX], optionally with :PORT or :LOW-HIGH",
            self.0
        )
    }
}

impl std::error::Error for BadRule {}

/// IPv4-mapped IPv6 addresses are their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn prefix_match(a: IpAddr, b: IpAddr, prefix: u8) -> bool {
    match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => {
            let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - u32::from(prefix)) };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

impl NetRule {
    /// Whether `addr` is in this rule.
    #[must_use]
    pub fn allows(&self, addr: &SocketAddr) -> bool {
        self.ports.contains(&addr.port()) && prefix_match(canonical(addr.ip()), self.addr, self.prefix)
    }

    /// Parses one rule: `*` (anything), `localhost` (127.0.0.0/8 and ::1),
    /// `IP`, `IP/PREFIX`, `[IPV6]` or `[IPV6/PREFIX]`, each optionally
    /// followed by `:PORT` or `:LOW-HIGH`.
    ///
    /// # Errors
    /// [`BadRule`] naming the text.
    pub fn parse(text: &str) -> Result<Vec<NetRule>, BadRule> {
        let bad = || BadRule(text.to_owned());
        // Split off the port part.
        let (host, ports) = if let Some(rest) = text.strip_prefix('[') {
            let (inner, after) = rest.split_once(']').ok_or_else(bad)?;
            let ports = match after {
                "" => None,
                p => Some(p.strip_prefix(':').ok_or_else(bad)?),
            };
            (inner, ports)
        } else if text.matches(':').count() == 1 {
            let (h, p) = text.split_once(':').ok_or_else(bad)?;
            (h, Some(p))
        } else {
            (text, None)
        };
        let ports = match ports {
            None => 0..=u16::MAX,
            Some(p) => match p.split_once('-') {
                Some((lo, hi)) => lo.parse().map_err(|_| bad())?..=hi.parse().map_err(|_| bad())?,
                None => {
                    let port: u16 = p.parse().map_err(|_| bad())?;
                    port..=port
                }
            },
        };
        if ports.is_empty() {
            return Err(bad());
        }
        let rule = |addr: IpAddr, prefix: u8| NetRule { addr, prefix, ports: ports.clone() };
        Ok(match host {
            "*" => vec![rule(Ipv4Addr::UNSPECIFIED.into(), 0), rule(Ipv6Addr::UNSPECIFIED.into(), 0)],
            "localhost" => vec![rule(Ipv4Addr::new(127, 0, 0, 0).into(), 8), rule(Ipv6Addr::LOCALHOST.into(), 128)],
            _ => {
                let (addr, prefix) = match host.split_once('/') {
                    Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
                    None => (host, None),
                };
                let addr = canonical(addr.parse::<IpAddr>().map_err(|_| bad())?);
                let max = if addr.is_ipv4() { 32 } else { 128 };
                let prefix = prefix.unwrap_or(max);
                if prefix > max {
                    return Err(bad());
                }
                vec![rule(addr, prefix)]
            }
        })
    }
}

/// The addresses a guest may use. An empty policy allows opening sockets
/// and resolving names but no address.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NetPolicy {
    rules: Vec<NetRule>,
}

impl NetPolicy {
    /// Any address and port.
    #[must_use]
    pub fn allow_all() -> Self {
        NetPolicy { rules: NetRule::parse("*").unwrap_or_default() }
    }

    /// Exactly these rules.
    #[must_use]
    pub fn from_rules(rules: Vec<NetRule>) -> Self {
        NetPolicy { rules }
    }

    /// Parses a comma-separated list of rules (see [`NetRule::parse`]).
    ///
    /// # Errors
    /// [`BadRule`] for the first rule that does not parse.
    pub fn parse(list: &str) -> Result<Self, BadRule> {
        let mut rules = Vec::new();
        for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            rules.extend(NetRule::parse(part)?);
        }
        Ok(NetPolicy { rules })
    }

    /// Whether `addr` may be bound, connected or sent to.
    #[must_use]
    pub fn allows(&self, addr: &SocketAddr) -> bool {
        self.rules.iter().any(|r| r.allows(addr))
    }

    /// Whether a socket may be bound to `ip` with whatever port the kernel
    /// picks (an implicit bind: at `listen` or a first `send_to`).
    #[must_use]
    pub fn allows_any_port(&self, ip: IpAddr) -> bool {
        self.rules.iter().any(|r| r.ports == (0..=u16::MAX) && prefix_match(canonical(ip), r.addr, r.prefix))
    }
}

/// The grant, or `ENOTCAPABLE` when there is none: the first check of
/// every WasmEdge socket call, on every host.
pub(crate) fn grant(net: Option<&NetPolicy>) -> Result<&NetPolicy, Errno> {
    net.ok_or(Errno::NOTCAPABLE)
}

/// The grant, if it allows `addr` (`EACCES` otherwise).
pub(crate) fn allowed<'a>(net: Option<&'a NetPolicy>, addr: &SocketAddr) -> Result<&'a NetPolicy, Errno> {
    let policy = grant(net)?;
    if policy.allows(addr) { Ok(policy) } else { Err(Errno::ACCES) }
}

/// What `sock_open` makes, once granted: (IPv6, datagram). Unix-domain
/// sockets are `EAFNOSUPPORT` (they would name host paths outside the
/// sandbox); an unspecified family or type is `EINVAL`.
pub(crate) fn open_kind(net: Option<&NetPolicy>, family: AddressFamily, ty: SockType) -> Result<(bool, bool), Errno> {
    grant(net)?;
    let v6 = match family {
        AddressFamily::Inet4 => false,
        AddressFamily::Inet6 => true,
        AddressFamily::Unix => return Err(Errno::AFNOSUPPORT),
        AddressFamily::Unspec => return Err(Errno::INVAL),
    };
    let dgram = match ty {
        SockType::Stream => false,
        SockType::Dgram => true,
        SockType::Any => return Err(Errno::INVAL),
    };
    Ok((v6, dgram))
}

/// Before `sock_listen` on a socket bound to `local` (the family's
/// unspecified address and port 0 when unbound): a port-0 socket would be
/// bound by the host to that address with a port it picks (reachable from
/// anywhere if unbound), so under a grant whose rules do not allow that
/// address with any port, `EACCES` (bind it to an allowed address first).
pub(crate) fn may_listen(net: Option<&NetPolicy>, local: SocketAddr) -> Result<(), Errno> {
    match net {
        Some(policy) if local.port() == 0 && !policy.allows_any_port(local.ip()) => Err(Errno::ACCES),
        _ => Ok(()),
    }
}

/// Before a datagram is sent from a socket bound to `local` (unspecified
/// and port 0 when unbound): the host would bind an unbound socket to the
/// wildcard address, receiving from anyone. Unless the rules allow that,
/// the socket is to be bound to the local address that leads to the
/// destination (`source`, asked only then) with port 0, if the rules allow
/// that address with any port, or the send is refused (`EACCES`).
/// `Some(address)`: bind to it first.
pub(crate) fn bind_before_sending(
    policy: &NetPolicy,
    local: SocketAddr,
    source: impl FnOnce() -> Result<IpAddr, Errno>,
) -> Result<Option<SocketAddr>, Errno> {
    if local.port() != 0 || policy.allows_any_port(local.ip()) {
        return Ok(None);
    }
    let source = source()?;
    if !policy.allows_any_port(source) {
        return Err(Errno::ACCES);
    }
    Ok(Some(SocketAddr::new(source, 0)))
}

/// `sock_getaddrinfo`, through the host resolver. The service must be a
/// port number (or empty for 0); with `AI_CANONNAME` the canonical name
/// reported is the node as given.
pub(crate) fn getaddrinfo(
    net: Option<&NetPolicy>,
    node: &str,
    service: &str,
    hints: &AddrInfoHints,
) -> Result<Vec<AddrInfo>, Errno> {
    grant(net)?;
    if node.is_empty() && service.is_empty() {
        return Err(Errno::INVAL);
    }
    let port: u16 = if service.is_empty() { 0 } else { service.parse().map_err(|_| Errno::INVAL)? };
    let addrs: Vec<SocketAddr> = if node.is_empty() {
        let (v4, v6) = if hints.flags.contains(AiFlags::PASSIVE) {
            (Ipv4Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED)
        } else {
            (Ipv4Addr::LOCALHOST, Ipv6Addr::LOCALHOST)
        };
        vec![SocketAddr::new(IpAddr::V4(v4), port), SocketAddr::new(IpAddr::V6(v6), port)]
    } else if let Ok(ip) = node.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else if hints.flags.contains(AiFlags::NUMERICHOST) {
        return Err(Errno::INVAL);
    } else {
        (node, port).to_socket_addrs().map_err(|_| Errno::NOENT)?.collect()
    };
    let (socktype, protocol) = match (hints.socktype, hints.protocol) {
        (SockType::Dgram, _) | (_, Protocol::Udp) => (SockType::Dgram, Protocol::Udp),
        _ => (SockType::Stream, Protocol::Tcp),
    };
    let mut out: Vec<AddrInfo> = Vec::new();
    for addr in addrs {
        let keep = match hints.family {
            AddressFamily::Inet4 => addr.is_ipv4(),
            AddressFamily::Inet6 => addr.is_ipv6(),
            _ => true,
        };
        if keep && !out.iter().any(|a| a.addr == addr) {
            let canonname = hints.flags.contains(AiFlags::CANONNAME).then(|| node.to_owned());
            out.push(AddrInfo { socktype, protocol, addr, canonname });
        }
    }
    if out.is_empty() { Err(Errno::NOENT) } else { Ok(out) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn rules() {
        let p = NetPolicy::parse("127.0.0.1:8080, 10.0.0.0/8:1000-2000, [::1], localhost:9").unwrap();
        assert!(p.allows(&sa("127.0.0.1:8080")));
        assert!(!p.allows(&sa("127.0.0.1:8081")));
        assert!(p.allows(&sa("10.1.2.3:1500")));
        assert!(!p.allows(&sa("10.1.2.3:999")));
        assert!(!p.allows(&sa("11.0.0.1:1500")));
        assert!(p.allows(&sa("[::1]:1")));
        assert!(p.allows(&sa("127.9.9.9:9")));
        assert!(p.allows(&sa("[::ffff:127.0.0.1]:8080")), "v4-mapped is v4");
        assert!(!p.allows(&sa("0.0.0.0:8080")));
        assert!(NetPolicy::allow_all().allows(&sa("[2001:db8::1]:443")));
        assert!(!NetPolicy::default().allows(&sa("127.0.0.1:1")));
        assert!(p.allows_any_port("::1".parse().unwrap()));
        assert!(!p.allows_any_port("127.0.0.1".parse().unwrap()), "only ports 8080 and 9");
        assert!(!p.allows_any_port(Ipv4Addr::UNSPECIFIED.into()));
        assert!(NetPolicy::allow_all().allows_any_port(Ipv6Addr::UNSPECIFIED.into()));
        for bad in ["1.2.3.4/33", "nope", "[::1", "1.2.3.4:x", "1.2.3.4:9-1", "[::1]x"] {
            assert!(NetPolicy::parse(bad).is_err(), "{bad}");
        }
    }
}
