//! The operator's login link, shown at start-up: a URL whose fragment
//! carries the key (`http://192.168.1.20:5000/login#key=...`; a fragment
//! never reaches a server log or a `Referer`), and the same URL as a QR
//! code drawn with half-block characters, so a phone's camera logs it in.

use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};

use qrcode::QrCode;
use qrcode::render::unicode::Dense1x2;

/// The address phones reach the server at: the listen address, or, when it
/// listens on every interface, the address of the interface that leads to
/// the local network (found by routing a UDP socket, which sends nothing);
/// loopback when there is none.
pub fn reachable_addr(listen: SocketAddr) -> SocketAddr {
    if !listen.ip().is_unspecified() {
        return listen;
    }
    let outward = UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|socket| {
            // A documentation address (TEST-NET-1): only the route is used.
            socket.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
            socket.local_addr()
        })
        .map(|local| local.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified());
    SocketAddr::new(
        outward.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        listen.port(),
    )
}

/// The login URL for `key` at `addr`, over `scheme` (`http` or `https`).
pub fn login_url(scheme: &str, addr: SocketAddr, key: &str) -> String {
    format!("{scheme}://{addr}/login#key={key}")
}

/// `text` as a QR code for a terminal (two rows of modules a line), or
/// `None` if it is too long for one.
pub fn qr_code(text: &str) -> Option<String> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_link_carries_the_key_in_its_fragment() {
        let addr: SocketAddr = "192.168.1.20:5000".parse().unwrap();
        assert_eq!(
            login_url("http", addr, "abc_-1"),
            "http://192.168.1.20:5000/login#key=abc_-1"
        );
        assert_eq!(reachable_addr(addr), addr);
        let any: SocketAddr = "0.0.0.0:5000".parse().unwrap();
        let reached = reachable_addr(any);
        assert_eq!(reached.port(), 5000);
        assert!(!reached.ip().is_unspecified());
    }

    #[test]
    fn a_login_link_fits_a_terminal_qr_code() {
        let url = login_url(
            "https",
            "192.168.100.200:5000".parse().unwrap(),
            &crate::auth::secret::generate().unwrap(),
        );
        let qr = qr_code(&url).unwrap();
        let lines: Vec<&str> = qr.lines().collect();
        // Version 5 or so: well under 60 columns and 30 lines.
        assert!(lines.len() < 30, "{} lines", lines.len());
        assert!(lines.iter().all(|l| l.chars().count() < 60));
        assert!(qr.contains('█') || qr.contains('▀') || qr.contains('▄'));
    }
}
