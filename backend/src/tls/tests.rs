//! Tests of the local authority and the certificate in force, checked the
//! way a client checks them (rustls' WebPKI verifier, which also enforces
//! the authority's name constraints).

use std::net::IpAddr;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Mutex};

use rcgen::{CertificateParams, Issuer, KeyPair};
use time::{Duration, OffsetDateTime};
use tokio_rustls::rustls::client::WebPkiServerVerifier;
use tokio_rustls::rustls::client::danger::ServerCertVerifier;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use tokio_rustls::rustls::{self, RootCertStore};

use super::authority::{self, Outcome, Paths, cert_names, ensure};
use super::*;
use crate::config::{Layers, Origin};

fn temp(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "camrig-tls-{label}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

fn machine(addresses: &[&str]) -> Names {
    Names::from_parts(
        "scope",
        &["rig.example.org".to_owned()],
        addresses.iter().map(|a| ip(a)).collect(),
    )
}

/// A client's verdict on `cert` for `name`, trusting only `ca_der`.
fn verify(ca_der: &[u8], cert: &[u8], name: &str, at: OffsetDateTime) -> Result<(), rustls::Error> {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der.to_vec())).unwrap();
    let verifier = WebPkiServerVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .build()
    .unwrap();
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        at.unix_timestamp().try_into().unwrap(),
    ));
    verifier
        .verify_server_cert(
            &CertificateDer::from(cert.to_vec()),
            &[],
            &ServerName::try_from(name.to_owned()).unwrap(),
            &[],
            at,
        )
        .map(|_| ())
}

#[test]
fn a_new_authority_vouches_for_every_name_of_the_machine_and_nothing_else() {
    let media = temp("new");
    let paths = Paths::new(&media);
    let now = OffsetDateTime::now_utc();
    let wanted = machine(&["192.168.1.20", "fe80::1", "203.0.113.5"]);
    let issued = ensure(&paths, &wanted, now).unwrap();
    assert_eq!(issued.authority_outcome, Outcome::Made);
    assert_eq!(issued.server_outcome, Outcome::Made);
    assert!(issued.left_out.is_empty(), "{:?}", issued.left_out);
    for name in [
        "scope",
        "scope.local",
        "localhost",
        "rig.example.org",
        "192.168.1.20",
        "203.0.113.5",
        "127.0.0.1",
        "::1",
    ] {
        verify(&issued.authority.der, &issued.server_der, name, now)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // Link-local IPv6 cannot be opened in a browser: not in the certificate.
    for name in ["fe80::1", "other.example", "192.168.1.21"] {
        assert!(
            verify(&issued.authority.der, &issued.server_der, name, now).is_err(),
            "{name}"
        );
    }
    // Keys are the server user's only; the folder too.
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&paths.ca_key()), 0o600);
    assert_eq!(mode(&paths.server_key()), 0o600);
    assert_eq!(mode(&paths.dir), 0o700);
    assert_eq!(issued.authority.fingerprint.len(), 32 * 3 - 1);
    std::fs::remove_dir_all(media).unwrap();
}

#[test]
fn the_authority_cannot_vouch_for_a_foreign_site() {
    let media = temp("foreign");
    let paths = Paths::new(&media);
    let now = OffsetDateTime::now_utc();
    let issued = ensure(&paths, &machine(&["10.0.0.7"]), now).unwrap();
    // Someone with the authority's key signs a bank's name and address.
    let ca_key = KeyPair::from_pem(&std::fs::read_to_string(paths.ca_key()).unwrap()).unwrap();
    let issuer = Issuer::from_ca_cert_der(&issued.authority.der.as_slice().into(), ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let forged = CertificateParams::new(vec!["bank.example".to_owned(), "8.8.8.8".to_owned()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    for name in ["bank.example", "8.8.8.8"] {
        let err = verify(&issued.authority.der, forged.der(), name, now).unwrap_err();
        assert!(
            format!("{err:?}").contains("NameConstraint"),
            "{name}: {err:?}"
        );
    }
    std::fs::remove_dir_all(media).unwrap();
}

#[test]
fn kept_while_right_issued_again_when_the_names_change_or_it_nears_its_end() {
    let media = temp("renew");
    let paths = Paths::new(&media);
    let now = OffsetDateTime::now_utc();
    let first = ensure(&paths, &machine(&["192.168.1.20"]), now).unwrap();

    let again = ensure(&paths, &machine(&["192.168.1.20"]), now).unwrap();
    assert_eq!(
        (&again.authority_outcome, &again.server_outcome),
        (&Outcome::Kept, &Outcome::Kept)
    );
    assert_eq!(again.server_der, first.server_der);

    // A new address from the Wi-Fi: a new server certificate, same authority.
    let moved = ensure(&paths, &machine(&["192.168.1.31"]), now).unwrap();
    assert_eq!(moved.authority_outcome, Outcome::Kept);
    assert_eq!(moved.authority.fingerprint, first.authority.fingerprint);
    let Outcome::Renewed(why) = &moved.server_outcome else {
        panic!("{:?}", moved.server_outcome)
    };
    assert!(
        why.contains("192.168.1.31") && why.contains("192.168.1.20"),
        "{why}"
    );
    verify(&moved.authority.der, &moved.server_der, "192.168.1.31", now).unwrap();

    // A public address the authority was not made for is left out.
    let public = ensure(&paths, &machine(&["192.168.1.31", "198.51.100.9"]), now).unwrap();
    assert_eq!(public.left_out, ["198.51.100.9"]);
    assert_eq!(public.server_outcome, Outcome::Kept);

    // Close to its end: issued again, still by the same authority.
    let later = now + Duration::days(380);
    let renewed = ensure(&paths, &machine(&["192.168.1.31"]), later).unwrap();
    assert!(
        matches!(&renewed.server_outcome, Outcome::Renewed(why) if why.contains("ends on")),
        "{:?}",
        renewed.server_outcome
    );
    assert_eq!(renewed.authority.fingerprint, first.authority.fingerprint);
    verify(
        &renewed.authority.der,
        &renewed.server_der,
        "scope.local",
        later,
    )
    .unwrap();
    std::fs::remove_dir_all(media).unwrap();
}

#[test]
fn a_lone_authority_file_is_refused_not_replaced() {
    let media = temp("lone");
    let paths = Paths::new(&media);
    ensure(&paths, &machine(&[]), OffsetDateTime::now_utc()).unwrap();
    std::fs::remove_file(paths.ca_key()).unwrap();
    let err = ensure(&paths, &machine(&[]), OffsetDateTime::now_utc())
        .unwrap_err()
        .to_string();
    assert!(err.contains("ca.key") && err.contains("missing"), "{err}");
    std::fs::remove_dir_all(media).unwrap();
}

#[test]
fn the_machines_names() {
    let names = Names::from_parts(
        "Scope.lab.example.edu",
        &["rig.example.org".to_owned(), "bad name".to_owned()],
        vec![ip("192.168.1.20"), ip("fe80::2"), ip("fd00::5")],
    );
    assert_eq!(
        names.list(),
        [
            "localhost",
            "rig.example.org",
            "scope.lab.example.edu",
            "scope.local",
            "127.0.0.1",
            "192.168.1.20",
            "::1",
            "fd00::5"
        ]
    );
    // A machine with no usable name still has localhost and loopback.
    let bare = Names::from_parts("", &[], Vec::new());
    assert_eq!(bare.list(), ["localhost", "127.0.0.1", "::1"]);
}

/// The names of the certificate the server hands out now.
fn served(tls: &Tls) -> Names {
    let key = tls
        .renewer
        .resolver
        .0
        .read()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let der = key.cert[0].to_vec();
    cert_names(&x509_parser::parse_x509_certificate(&der).unwrap().1)
}

#[test]
fn the_served_certificate_follows_the_machines_addresses() {
    let media = temp("follow");
    let current = Arc::new(Mutex::new(machine(&[])));
    let names = current.clone();
    let tls = Tls::with_source(Source::Local {
        paths: Paths::new(&media),
        names: Box::new(move || names.lock().unwrap().clone()),
    })
    .unwrap();
    let now = OffsetDateTime::now_utc();
    assert!(tls.public().authority.is_some());
    assert!(!served(&tls).ips.contains(&ip("192.168.1.40")));
    assert_eq!(tls.refresh(now).unwrap(), None);
    // The Wi-Fi comes up after the server started.
    *current.lock().unwrap() = machine(&["192.168.1.40"]);
    let why = tls.refresh(now).unwrap().unwrap();
    assert!(why.contains("192.168.1.40"), "{why}");
    assert!(served(&tls).ips.contains(&ip("192.168.1.40")));
    assert_eq!(tls.refresh(now).unwrap(), None);
    // A public address the authority may not vouch for changes nothing.
    *current.lock().unwrap() = machine(&["192.168.1.40", "198.51.100.7"]);
    assert_eq!(tls.refresh(now).unwrap(), None);
    assert!(!served(&tls).ips.contains(&ip("198.51.100.7")));
    // Near its end, it is issued again by itself.
    let why = tls.refresh(now + Duration::days(380)).unwrap().unwrap();
    assert!(why.contains("end"), "{why}");
    std::fs::remove_dir_all(media).unwrap();
}

#[test]
fn configured_files_are_served_and_read_again_when_they_change() {
    let media = temp("files");
    let paths = Paths::new(&media);
    let now = OffsetDateTime::now_utc();
    let issued = ensure(&paths, &machine(&["10.1.2.3"]), now).unwrap();
    let (cert, key) = (media.join("rig.crt"), media.join("rig.key"));
    std::fs::copy(paths.server_cert(), &cert).unwrap();
    std::fs::copy(paths.server_key(), &key).unwrap();
    let tls = Tls::with_source(Source::Files {
        cert: cert.clone(),
        key: key.clone(),
    })
    .unwrap();
    assert!(tls.public().authority.is_none());
    assert!(served(&tls).ips.contains(&ip("10.1.2.3")));
    assert_eq!(tls.refresh(now).unwrap(), None);
    // Renewed by another tool (certbot, say).
    ensure(&paths, &machine(&["10.9.9.9"]), now).unwrap();
    std::fs::copy(paths.server_cert(), &cert).unwrap();
    std::fs::copy(paths.server_key(), &key).unwrap();
    assert!(tls.refresh(now).unwrap().is_some());
    assert!(served(&tls).ips.contains(&ip("10.9.9.9")));
    // A key that does not belong to the certificate is refused at start.
    std::fs::write(&key, KeyPair::generate().unwrap().serialize_pem()).unwrap();
    let err = Tls::with_source(Source::Files { cert, key }).unwrap_err();
    assert!(err.to_string().contains("rig.key"), "{err}");
    drop(issued);
    std::fs::remove_dir_all(media).unwrap();
}

#[test]
fn a_certificate_without_its_key_is_a_configuration_error() {
    let mut layers = Layers::default();
    layers
        .toml_text(
            "[tls]\nmode = \"on\"\ncert = \"/etc/camrig/rig.crt\"\n",
            Origin::File("camrig.toml".into()),
        )
        .unwrap();
    let err = layers.build().unwrap_err().to_string();
    assert!(
        err.contains("`tls.cert`") && err.contains("tls.key set as well"),
        "{err}"
    );
    let mut layers = Layers::default();
    layers.flag("tls.mode", Some("yes".into()));
    let err = layers.build().unwrap_err().to_string();
    assert!(
        err.contains("flag --tls") && err.contains("one of off, on"),
        "{err}"
    );
    let mut layers = Layers::default();
    layers.flag("tls.mode", Some("on".into()));
    assert_eq!(layers.build().unwrap().tls.mode, TlsMode::On);
}

#[test]
fn authority_paths_live_in_the_hidden_folder() {
    let paths = authority::Paths::new(Path::new("/m"));
    assert_eq!(paths.ca_cert(), Path::new("/m/.camrig/tls/ca.crt"));
    assert_eq!(paths.server_key(), Path::new("/m/.camrig/tls/server.key"));
}
