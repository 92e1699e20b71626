//! HTTPS end to end against the real server, with a real TLS client that
//! trusts only the rig's own certificate authority (as a phone does once it
//! installed it): the certificate is valid for localhost, 127.0.0.1 and
//! every address of this machine, and for nothing else; plain HTTP on the
//! same port is redirected, except the pages a phone needs first; the
//! session cookie is Secure; the live picture arrives over `wss://`; `camrig
//! tls init`, run as the README shows it, makes the authority the server
//! then uses (with `--tls on`, the one switch); a configured
//! certificate is served instead; and with HTTPS off nothing changes.

use crate::common;

use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::common::{STEP, within};
use camrig::config::{TlsConfig, TlsMode};
use camrig::tls::{Names, Paths};
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use shared::FrameHeader;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{self, ClientConfig, RootCertStore};
use tokio_tungstenite::tungstenite::Message;

/// The rig's authority as a client's only trusted root.
fn trusting(ca_pem: &Path) -> TlsConnector {
    let mut roots = RootCertStore::empty();
    let ca = CertificateDer::from_pem_file(ca_pem).expect("no CA certificate");
    roots.add(ca).expect("bad CA certificate");
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("no TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

/// A TLS connection to `addr` that must prove it is `name`.
async fn connect(
    tls: &TlsConnector,
    addr: SocketAddr,
    name: &str,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from(name.to_owned()).expect("bad server name");
    within(STEP, "the TLS handshake", tls.connect(name, tcp)).await
}

/// An HTTP/1.1 response: status, headers, body.
struct Answer {
    status: u16,
    headers: hyper::HeaderMap,
    body: Bytes,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }
}

/// One request with hyper's client on `io`, with `Host: host`.
async fn request<I>(io: I, method: &str, host: &str, path: &str, body: &str) -> Answer
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(io))
        .await
        .expect("HTTP handshake failed");
    tokio::spawn(connection);
    let request = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", host)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_owned())))
        .expect("bad request");
    let response = within(STEP, path, sender.send_request(request))
        .await
        .expect("no response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = within(STEP, "the body", response.into_body().collect())
        .await
        .expect("body failed")
        .to_bytes();
    Answer {
        status,
        headers,
        body,
    }
}

/// `GET path` over HTTPS to the server at `addr`, as `name`.
async fn https_get(tls: &TlsConnector, addr: SocketAddr, name: &str, path: &str) -> Answer {
    let stream = connect(tls, addr, name)
        .await
        .unwrap_or_else(|e| panic!("no TLS connection as {name}: {e}"));
    request(stream, "GET", &host(name, addr), path, "").await
}

/// `GET path` over plain HTTP to the same port.
async fn http_get(addr: SocketAddr, path: &str) -> Answer {
    let tcp = TcpStream::connect(addr).await.expect("cannot connect");
    request(tcp, "GET", &addr.to_string(), path, "").await
}

/// A `Host` header for `name` at `addr`'s port.
fn host(name: &str, addr: SocketAddr) -> String {
    match name.parse::<std::net::IpAddr>() {
        Ok(ip) => SocketAddr::new(ip, addr.port()).to_string(),
        Err(_) => format!("{name}:{}", addr.port()),
    }
}

fn tls_on() -> TlsConfig {
    TlsConfig {
        mode: TlsMode::On,
        cert: None,
        key: None,
    }
}

/// The DER of the first certificate in a PEM file.
fn der_of(pem: &Path) -> Vec<u8> {
    CertificateDer::from_pem_file(pem)
        .expect("no certificate")
        .to_vec()
}

#[tokio::test]
async fn https_with_the_rigs_own_authority() {
    let mut config = common::test_config(320, 240, 15);
    config.tls = tls_on();
    let media = config.media.dir.clone();
    let server = common::start(config).await;
    let addr = server.addr;
    let paths = Paths::new(&media);
    let tls = trusting(&paths.ca_cert());

    // The certificate holds for every name and address of this machine.
    for name in Names::of_this_machine(&[]).list() {
        let answer = https_get(&tls, addr, &name, "/healthz").await;
        assert_eq!(answer.status, 200, "as {name}");
    }
    // And for nothing else.
    let err = connect(&tls, addr, "evil.example").await.err();
    assert!(
        err.as_ref()
            .is_some_and(|e| e.to_string().contains("certificate")),
        "{err:?}"
    );

    // Plain HTTP on the same port: sent to HTTPS, path and query kept, not
    // cached (so turning HTTPS off later strands no browser).
    let plain = http_get(addr, "/gallery?kind=photo").await;
    assert_eq!(plain.status, 308);
    assert_eq!(
        plain.header("location"),
        format!("https://{addr}/gallery?kind=photo")
    );
    assert_eq!(plain.header("cache-control"), "no-store");
    assert_eq!(http_get(addr, "/api/state").await.status, 308);
    // A key sent in clear is refused, not echoed back in a redirect.
    let leaked = http_get(addr, "/reboot?key=an-operator-key-in-clear").await;
    assert_eq!(leaked.status, 400);
    assert!(!leaked.headers.contains_key("location"));

    // What a phone needs before it trusts the rig answers over plain HTTP.
    let ca = http_get(addr, "/ca.crt").await;
    assert_eq!(ca.status, 200);
    assert_eq!(ca.header("content-type"), "application/x-x509-ca-cert");
    assert_eq!(ca.body.as_ref(), der_of(&paths.ca_cert()).as_slice());
    let page = http_get(addr, "/tls").await;
    assert_eq!(page.status, 200);
    assert!(page.header("content-type").starts_with("text/html"));
    assert!(
        page.header("content-security-policy")
            .contains("default-src 'self'")
    );
    let text = String::from_utf8_lossy(&page.body);
    let fingerprint = camrig::tls::authority::fingerprint(&der_of(&paths.ca_cert()));
    for needed in [
        fingerprint.as_str(),
        "Android",
        "iPhone",
        "Certificate Trust Settings",
        "href=\"/ca.crt\"",
        &format!("https://{addr}/"),
    ] {
        assert!(text.contains(needed), "the page lacks {needed:?}");
    }
    assert!(!text.contains("<script"));
    // The same certificate over HTTPS, and as PEM.
    let ca_tls = https_get(&tls, addr, "localhost", "/ca.crt").await;
    assert_eq!(ca_tls.body, ca.body);
    let pem = https_get(&tls, addr, "127.0.0.1", "/ca.pem").await;
    assert_eq!(
        String::from_utf8_lossy(&pem.body),
        std::fs::read_to_string(paths.ca_cert()).expect("no ca.crt")
    );

    // Logging in over HTTPS gives a Secure session cookie.
    let stream = connect(&tls, addr, "127.0.0.1").await.expect("no TLS");
    let key = format!("{{\"key\":\"{}\"}}", common::OPERATOR_KEY);
    let login = request(stream, "POST", &addr.to_string(), "/api/login", &key).await;
    assert_eq!(login.status, 200);
    let cookie = login.header("set-cookie");
    assert!(
        cookie.contains("camrig_session=") && cookie.ends_with("; Secure"),
        "{cookie}"
    );

    // The live picture over wss://.
    let stream = connect(&tls, addr, "localhost").await.expect("no TLS");
    let url = format!("wss://localhost:{}/ws", addr.port());
    let (mut ws, _) = within(
        STEP,
        "the WebSocket handshake",
        tokio_tungstenite::client_async(url, stream),
    )
    .await
    .expect("WebSocket over TLS refused");
    let frame = within(STEP, "a frame over wss", async {
        loop {
            match ws.next().await {
                Some(Ok(Message::Binary(bytes))) => return bytes,
                Some(Ok(_)) => {}
                other => panic!("WebSocket ended: {other:?}"),
            }
        }
    })
    .await;
    let (_, offset) = FrameHeader::decode(&frame).expect("bad frame header");
    assert_eq!(common::jpeg_size(&frame[offset..]), (320, 240));
    drop(ws);
    server.stop().await;
}

#[tokio::test]
async fn camrig_tls_init_makes_the_authority_the_server_then_uses() {
    let bin = env!("CARGO_BIN_EXE_camrig");
    // As the README shows it, where the media folder is `media/`.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md"))
        .expect("cannot read the README");
    assert!(readme.contains("`camrig tls init`"));
    let cwd = common::unique_temp_dir("tls-init");
    let media = cwd.join("media");
    let init = || {
        std::process::Command::new(bin)
            .args(["tls", "init"])
            .current_dir(&cwd)
            .env("RUST_LOG", "warn")
            .output()
            .expect("cannot run camrig tls init")
    };
    let first = init();
    let out = String::from_utf8_lossy(&first.stdout).into_owned();
    assert!(
        first.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let paths = Paths::new(&media);
    let fingerprint = camrig::tls::authority::fingerprint(&der_of(&paths.ca_cert()));
    assert!(out.contains("certificate authority (new)"), "{out}");
    assert!(out.contains(&fingerprint), "{out}");
    assert!(
        out.contains("localhost") && out.contains("127.0.0.1"),
        "{out}"
    );
    let mode = |p: &Path| {
        std::fs::metadata(p)
            .expect("missing file")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&paths.ca_key()), 0o600);
    assert_eq!(mode(&paths.server_key()), 0o600);
    // Again: nothing to do.
    let again = String::from_utf8_lossy(&init().stdout).into_owned();
    assert!(
        again.contains("certificate authority (kept)")
            && again.contains("server certificate (kept)"),
        "{again}"
    );

    // The real server with the one switch uses that authority.
    let (mut child, mut lines) =
        common::start_camrig(bin, &media, (320, 240, 10), &["--tls", "on"]);
    let (addr, said): (SocketAddr, String) = within(Duration::from_secs(20), "the server", async {
        let mut addr = None;
        loop {
            let line = lines
                .next_line()
                .await
                .expect("cannot read stdout")
                .expect("server exited");
            if let Some(url) = line.strip_prefix("listening on https://") {
                addr = Some(url.parse().expect("bad address"));
            } else if let (Some(addr), true) = (addr, line.starts_with("HTTPS")) {
                return (addr, line);
            }
        }
    })
    .await;
    assert!(
        said.contains(&fingerprint) && said.contains("/tls"),
        "{said}"
    );
    let tls = trusting(&paths.ca_cert());
    assert_eq!(
        https_get(&tls, addr, "localhost", "/healthz").await.status,
        200
    );
    assert_eq!(http_get(addr, "/healthz").await.status, 308);
    let _ = child.kill().await;
    let _ = std::fs::remove_dir_all(cwd);
}

#[tokio::test]
async fn a_configured_certificate_is_served_instead() {
    // Files from elsewhere: here, another rig's authority.
    let elsewhere = common::unique_temp_dir("tls-elsewhere");
    let other = Paths::new(&elsewhere);
    camrig::tls::init(&elsewhere, &[]).expect("cannot make the files");
    let mut config = common::test_config(320, 240, 10);
    config.tls = TlsConfig {
        mode: TlsMode::On,
        cert: Some(other.server_cert()),
        key: Some(other.server_key()),
    };
    let media = config.media.dir.clone();
    let server = common::start(config).await;
    let tls = trusting(&other.ca_cert());
    let answer = https_get(&tls, server.addr, "127.0.0.1", "/healthz").await;
    assert_eq!(answer.status, 200);
    // No authority of its own to install, and none made.
    let ca = http_get(server.addr, "/ca.crt").await;
    assert_eq!(ca.status, 404);
    assert!(String::from_utf8_lossy(&ca.body).contains("tls.cert"));
    assert!(!Paths::new(&media).ca_cert().exists());
    assert_eq!(http_get(server.addr, "/").await.status, 308);
    server.stop().await;
    let _ = std::fs::remove_dir_all(elsewhere);
}

#[tokio::test]
async fn with_https_off_plain_http_is_served_as_before() {
    let config = common::test_config(320, 240, 10);
    let media = config.media.dir.clone();
    let server = common::start(config).await;
    assert_eq!(http_get(server.addr, "/healthz").await.status, 200);
    let ca = http_get(server.addr, "/ca.crt").await;
    assert_eq!(ca.status, 404);
    assert!(String::from_utf8_lossy(&ca.body).contains("HTTPS is off"));
    let page = http_get(server.addr, "/tls").await;
    assert_eq!(page.status, 200);
    assert!(String::from_utf8_lossy(&page.body).contains("HTTPS is off"));
    assert!(!Paths::new(&media).dir.exists());
    server.stop().await;
}
