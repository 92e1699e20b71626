//! The rig's own certificate authority, kept in `<media.dir>/.camrig/tls/`:
//! `ca.key` and `ca.crt`, made once and valid for ten years, and
//! `server.key` and `server.crt`, a certificate it signs for the names and
//! addresses the machine answers to ([`Names::of_this_machine`]). A phone
//! installs the authority once; the server certificate is issued again
//! whenever the names or addresses change (a new Wi-Fi address, a renamed
//! machine) or it nears its end, without the phone noticing.
//!
//! The authority may only vouch for local names (`localhost`, `.local`,
//! `.lan`, `.home.arpa`, `.internal`, the machine's own name and
//! `server.allowed_hosts`) and private addresses, plus the public addresses
//! the machine had when the authority was made (X.509 name constraints), so
//! a phone that trusts it trusts nothing else to it: its key, which stays
//! on the rig, cannot forge a bank's certificate. A name outside them is
//! left out of the server certificate, with a warning. Keys are written
//! with mode 0600 in a folder of mode 0700, like the operator key.

use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use rcgen::{
    BasicConstraints, CertificateParams, CidrSubnet, DnType, ExtendedKeyUsagePurpose,
    GeneralSubtree, IsCa, Issuer, KeyPair, KeyUsagePurpose, NameConstraints, PublicKeyData,
    SanType, SerialNumber,
};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};

use super::TlsError;
use crate::auth::files;

/// How long the authority is valid.
const AUTHORITY_LIFE: Duration = Duration::days(3650);
/// How long a server certificate is valid: under the 398 days browsers
/// accept from any authority.
const SERVER_LIFE: Duration = Duration::days(397);
/// A server certificate this close to its end is issued again.
pub const RENEW_BEFORE: Duration = Duration::days(30);
/// Certificates start a day early, for phones whose clock is behind.
const BACKDATE: Duration = Duration::days(1);

/// Local DNS suffixes the authority may always vouch for.
const LOCAL_SUFFIXES: &[&str] = &["localhost", "local", "lan", "home.arpa", "internal"];

/// Where the authority and the server certificate are kept.
#[derive(Debug, Clone)]
pub struct Paths {
    /// The folder, `<media.dir>/.camrig/tls`.
    pub dir: PathBuf,
}

impl Paths {
    /// The files for the media folder `media_dir`.
    pub fn new(media_dir: &Path) -> Paths {
        Paths {
            dir: files::dir(media_dir).join("tls"),
        }
    }

    /// The authority's private key (PEM, 0600).
    pub fn ca_key(&self) -> PathBuf {
        self.dir.join("ca.key")
    }

    /// The authority's certificate (PEM): what phones install.
    pub fn ca_cert(&self) -> PathBuf {
        self.dir.join("ca.crt")
    }

    /// The server certificate's private key (PEM, 0600).
    pub fn server_key(&self) -> PathBuf {
        self.dir.join("server.key")
    }

    /// The server certificate (PEM).
    pub fn server_cert(&self) -> PathBuf {
        self.dir.join("server.crt")
    }
}

/// Host names and addresses a certificate is for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    /// DNS names, lower case.
    pub dns: BTreeSet<String>,
    /// IP addresses.
    pub ips: BTreeSet<IpAddr>,
}

impl Names {
    /// What this machine answers to now: `localhost`, its host name and
    /// `NAME.local`, the names in `extra` (`server.allowed_hosts`),
    /// 127.0.0.1, ::1 and every address of its network interfaces (IPv6
    /// link-local ones aside: browsers cannot open them).
    pub fn of_this_machine(extra: &[String]) -> Names {
        let host = rustix::system::uname()
            .nodename()
            .to_string_lossy()
            .into_owned();
        let interfaces = if_addrs::get_if_addrs()
            .map(|list| list.into_iter().map(|i| i.ip()).collect())
            .unwrap_or_else(|err| {
                tracing::warn!(
                    %err,
                    "cannot list the network interfaces; the certificate names loopback only"
                );
                Vec::new()
            });
        Names::from_parts(&host, extra, interfaces)
    }

    /// The names for a machine called `host` with `addresses`.
    pub fn from_parts(host: &str, extra: &[String], addresses: Vec<IpAddr>) -> Names {
        let mut dns = BTreeSet::from(["localhost".to_owned()]);
        let host = host.trim_end_matches('.').to_ascii_lowercase();
        if valid_dns_name(&host) {
            dns.insert(host.clone());
            if let Some(first) = host.split('.').next() {
                dns.insert(format!("{first}.local"));
            }
        }
        dns.extend(
            extra
                .iter()
                .map(|n| n.to_ascii_lowercase())
                .filter(|n| valid_dns_name(n)),
        );
        let mut ips = BTreeSet::from([
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
        ]);
        ips.extend(
            addresses
                .into_iter()
                .filter(|ip| !matches!(ip, IpAddr::V6(v6) if v6.is_unicast_link_local())),
        );
        Names { dns, ips }
    }

    /// The names as a list: DNS names first.
    pub fn list(&self) -> Vec<String> {
        self.dns
            .iter()
            .cloned()
            .chain(self.ips.iter().map(IpAddr::to_string))
            .collect()
    }
}

impl fmt::Display for Names {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.list().join(", "))
    }
}

/// Letters, digits, `-` and `.`, as a certificate's DNS name must be.
fn valid_dns_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .split('.')
            .all(|label| !label.is_empty() && label.len() <= 63)
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// What became of a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// There was none (or an unusable one); a new one was made.
    Made,
    /// The one on disk is still right.
    Kept,
    /// Issued again, for the reason given.
    Renewed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Made => f.write_str("new"),
            Outcome::Kept => f.write_str("kept"),
            Outcome::Renewed(why) => write!(f, "issued again: {why}"),
        }
    }
}

/// The authority's certificate, as phones download it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorityCert {
    /// DER, for `/ca.crt`.
    pub der: Vec<u8>,
    /// PEM, for `/ca.pem` and `curl --cacert`.
    pub pem: String,
    /// SHA-256 of the DER, as `AB:CD:...`: what phones show.
    pub fingerprint: String,
}

impl AuthorityCert {
    fn new(der: Vec<u8>, pem: String) -> Self {
        AuthorityCert {
            fingerprint: fingerprint(&der),
            der,
            pem,
        }
    }
}

/// The SHA-256 of `der` as colon-separated upper-case hex.
pub fn fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The authority and a server certificate, ready to serve.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The authority's certificate.
    pub authority: AuthorityCert,
    /// What became of the authority.
    pub authority_outcome: Outcome,
    /// What became of the server certificate.
    pub server_outcome: Outcome,
    /// The names the server certificate is for.
    pub names: Names,
    /// Wanted names the authority may not vouch for, left out.
    pub left_out: Vec<String>,
    /// The server certificate (DER).
    pub server_der: Vec<u8>,
    /// Its private key (PKCS#8 DER).
    pub server_key_der: Vec<u8>,
    /// When it ends.
    pub not_after: OffsetDateTime,
}

/// Makes sure `paths` hold an authority and a server certificate for
/// `wanted` that lasts beyond [`RENEW_BEFORE`] from `now`: keeps what is
/// right, makes or issues again what is not. Blocking file work.
pub fn ensure(paths: &Paths, wanted: &Names, now: OffsetDateTime) -> Result<Issued, TlsError> {
    let (ca_key, ca_der, ca_pem, authority_outcome) = authority(paths, wanted, now)?;
    let ca = parse(&ca_der, &paths.ca_cert())?;
    let constraints = Constraints::of(&ca);
    let (names, left_out) = constraints.split(wanted);
    let ca_key_id = subject_key_id(&ca);
    let current = read_server(paths);
    let verdict = match &current {
        Ok(Some((der, key))) => check_server(der, key, &ca_key_id, &names, now),
        Ok(None) => Err(None),
        Err(why) => Err(Some(why.clone())),
    };
    let authority = AuthorityCert::new(ca_der.clone(), ca_pem);
    if let (Ok(not_after), Ok(Some((der, key)))) = (&verdict, current) {
        return Ok(Issued {
            authority,
            authority_outcome,
            server_outcome: Outcome::Kept,
            names,
            left_out,
            server_der: der,
            server_key_der: key.serialize_der(),
            not_after: *not_after,
        });
    }
    let server_outcome = match verdict {
        Err(Some(why)) => Outcome::Renewed(why),
        _ => Outcome::Made,
    };
    let issuer = Issuer::from_ca_cert_der(&ca_der.as_slice().into(), ca_key)
        .map_err(|e| TlsError::invalid(&paths.ca_cert(), e))?;
    let key = KeyPair::generate().map_err(TlsError::Generate)?;
    let not_after = now + SERVER_LIFE;
    let params = server_params(&names, now, not_after)?;
    let cert = params
        .signed_by(&key, &issuer)
        .map_err(TlsError::Generate)?;
    files::write_private(&paths.server_key(), key.serialize_pem().as_bytes())?;
    files::write_private(&paths.server_cert(), cert.pem().as_bytes())?;
    Ok(Issued {
        authority,
        authority_outcome,
        server_outcome,
        names,
        left_out,
        server_der: cert.der().to_vec(),
        server_key_der: key.serialize_der(),
        not_after,
    })
}

/// The authority's key, certificate (DER and PEM) and what became of it.
fn authority(
    paths: &Paths,
    wanted: &Names,
    now: OffsetDateTime,
) -> Result<(KeyPair, Vec<u8>, String, Outcome), TlsError> {
    let key_text = read_optional(&paths.ca_key())?;
    let cert_text = read_optional(&paths.ca_cert())?;
    let renewed = match (key_text, cert_text) {
        (Some(key_text), Some(cert_text)) => {
            let key =
                KeyPair::from_pem(&key_text).map_err(|e| TlsError::invalid(&paths.ca_key(), e))?;
            let der = pem_der(&cert_text)
                .ok_or_else(|| TlsError::invalid(&paths.ca_cert(), "not a PEM certificate"))?;
            let cert = parse(&der, &paths.ca_cert())?;
            if cert.public_key().raw != key.subject_public_key_info().as_slice() {
                return Err(TlsError::invalid(
                    &paths.ca_cert(),
                    format!(
                        "it does not belong to the key in {}; delete both files to make a new \
                         authority (phones must then install it again)",
                        paths.ca_key().display()
                    ),
                ));
            }
            let not_after = cert.validity().not_after.timestamp();
            if not_after > now.unix_timestamp() {
                return Ok((key, der, cert_text, Outcome::Kept));
            }
            tracing::warn!(
                file = %paths.ca_cert().display(),
                "the local certificate authority has expired; making a new one \
                 (phones must install it again)"
            );
            Some("the authority had expired".to_owned())
        }
        (None, None) => None,
        (key, _) => {
            let (missing, present) = if key.is_none() {
                (paths.ca_key(), paths.ca_cert())
            } else {
                (paths.ca_cert(), paths.ca_key())
            };
            return Err(TlsError::invalid(
                &missing,
                format!(
                    "missing while {} is there; delete it too to make a new authority \
                     (phones must then install it again)",
                    present.display()
                ),
            ));
        }
    };
    let key = KeyPair::generate().map_err(TlsError::Generate)?;
    let params = authority_params(wanted, now)?;
    let cert = params.self_signed(&key).map_err(TlsError::Generate)?;
    files::write_private(&paths.ca_key(), key.serialize_pem().as_bytes())?;
    files::write_private(&paths.ca_cert(), cert.pem().as_bytes())?;
    let outcome = renewed.map_or(Outcome::Made, Outcome::Renewed);
    Ok((key, cert.der().to_vec(), cert.pem(), outcome))
}

/// A random positive serial number.
fn serial() -> Result<SerialNumber, TlsError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(TlsError::Random)?;
    bytes[0] = (bytes[0] & 0x7f) | 0x01;
    Ok(SerialNumber::from_slice(&bytes))
}

/// The machine's host name for certificate subjects.
fn subject_name(wanted: &Names) -> String {
    wanted
        .dns
        .iter()
        .find(|n| *n != "localhost" && !n.ends_with(".local"))
        .cloned()
        .unwrap_or_else(|| "localhost".to_owned())
}

fn authority_params(wanted: &Names, now: OffsetDateTime) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::default();
    params.distinguished_name.remove(DnType::CommonName);
    params.distinguished_name.push(
        DnType::CommonName,
        format!("camrig local authority ({})", subject_name(wanted)),
    );
    params
        .distinguished_name
        .push(DnType::OrganizationName, "camrig");
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    // Web servers only: no e-mail, code or client certificates, even on a
    // computer whose user trusts the authority for everything.
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.not_before = now - BACKDATE;
    params.not_after = now + AUTHORITY_LIFE;
    params.serial_number = Some(serial()?);
    params.name_constraints = Some(authority_constraints(wanted));
    Ok(params)
}

/// Local names, the machine's own names, private address ranges and the
/// machine's current public addresses.
fn authority_constraints(wanted: &Names) -> NameConstraints {
    let mut dns: BTreeSet<String> = LOCAL_SUFFIXES.iter().map(|s| (*s).to_owned()).collect();
    dns.extend(wanted.dns.iter().cloned());
    let mut ranges: Vec<(IpAddr, u8)> = PRIVATE_RANGES
        .iter()
        .map(|(ip, prefix)| (*ip, *prefix))
        .collect();
    for ip in &wanted.ips {
        if !PRIVATE_RANGES
            .iter()
            .any(|(net, p)| in_range(*ip, *net, *p))
        {
            let prefix = if ip.is_ipv4() { 32 } else { 128 };
            ranges.push((*ip, prefix));
        }
    }
    NameConstraints {
        permitted_subtrees: dns
            .into_iter()
            .map(GeneralSubtree::DnsName)
            .chain(ranges.into_iter().map(|(ip, prefix)| {
                GeneralSubtree::IpAddress(CidrSubnet::from_addr_prefix(ip, prefix))
            }))
            .collect(),
        excluded_subtrees: Vec::new(),
    }
}

/// Loopback, private (RFC 1918, unique local), shared (RFC 6598, as used by
/// VPNs such as Tailscale) and link-local ranges.
const PRIVATE_RANGES: &[(IpAddr, u8)] = &[
    (IpAddr::V4(Ipv4Addr::new(127, 0, 0, 0)), 8),
    (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 0)), 8),
    (IpAddr::V4(Ipv4Addr::new(172, 16, 0, 0)), 12),
    (IpAddr::V4(Ipv4Addr::new(192, 168, 0, 0)), 16),
    (IpAddr::V4(Ipv4Addr::new(100, 64, 0, 0)), 10),
    (IpAddr::V4(Ipv4Addr::new(169, 254, 0, 0)), 16),
    (IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
    (IpAddr::V6(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0)), 7),
    (IpAddr::V6(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0)), 10),
];

/// Whether `ip` is in `net`/`prefix`.
fn in_range(ip: IpAddr, net: IpAddr, prefix: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

fn server_params(
    names: &Names,
    now: OffsetDateTime,
    not_after: OffsetDateTime,
) -> Result<CertificateParams, TlsError> {
    let mut params = CertificateParams::default();
    params.distinguished_name.remove(DnType::CommonName);
    params
        .distinguished_name
        .push(DnType::CommonName, subject_name(names));
    params
        .distinguished_name
        .push(DnType::OrganizationName, "camrig");
    let mut sans = Vec::new();
    for name in &names.dns {
        let name = name
            .as_str()
            .try_into()
            .map_err(|e: rcgen::Error| TlsError::Generate(e))?;
        sans.push(SanType::DnsName(name));
    }
    sans.extend(names.ips.iter().map(|ip| SanType::IpAddress(*ip)));
    params.subject_alt_names = sans;
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    params.not_before = now - BACKDATE;
    params.not_after = not_after;
    params.serial_number = Some(serial()?);
    Ok(params)
}

/// The names an authority may vouch for, read from its certificate.
struct Constraints {
    dns: Vec<String>,
    ranges: Vec<(IpAddr, u8)>,
    /// No name constraints at all (an authority made elsewhere).
    open: bool,
}

impl Constraints {
    fn of(ca: &X509Certificate<'_>) -> Constraints {
        let subtrees = match ca.name_constraints() {
            Ok(Some(ext)) => ext.value.permitted_subtrees.clone().unwrap_or_default(),
            _ => {
                return Constraints {
                    dns: Vec::new(),
                    ranges: Vec::new(),
                    open: true,
                };
            }
        };
        let mut dns = Vec::new();
        let mut ranges = Vec::new();
        for subtree in subtrees {
            match subtree.base {
                GeneralName::DNSName(name) => {
                    dns.push(name.trim_start_matches('.').to_ascii_lowercase())
                }
                GeneralName::IPAddress(bytes) => {
                    if let Some(range) = cidr(bytes) {
                        ranges.push(range);
                    }
                }
                _ => {}
            }
        }
        Constraints {
            dns,
            ranges,
            open: false,
        }
    }

    fn permits_dns(&self, name: &str) -> bool {
        self.open
            || self
                .dns
                .iter()
                .any(|c| name == c || name.ends_with(&format!(".{c}")))
    }

    fn permits_ip(&self, ip: IpAddr) -> bool {
        self.open
            || self
                .ranges
                .iter()
                .any(|(net, prefix)| in_range(ip, *net, *prefix))
    }

    /// `wanted` split into what this authority may vouch for and the rest.
    fn split(&self, wanted: &Names) -> (Names, Vec<String>) {
        let mut names = Names::default();
        let mut left_out = Vec::new();
        for name in &wanted.dns {
            if self.permits_dns(name) {
                names.dns.insert(name.clone());
            } else {
                left_out.push(name.clone());
            }
        }
        for ip in &wanted.ips {
            if self.permits_ip(*ip) {
                names.ips.insert(*ip);
            } else {
                left_out.push(ip.to_string());
            }
        }
        (names, left_out)
    }
}

/// An address and mask (as in a name constraint) as address and prefix.
fn cidr(bytes: &[u8]) -> Option<(IpAddr, u8)> {
    match bytes.len() {
        8 => {
            let addr: [u8; 4] = bytes[..4].try_into().ok()?;
            let mask: [u8; 4] = bytes[4..].try_into().ok()?;
            let prefix = u32::from_be_bytes(mask).leading_ones() as u8;
            Some((IpAddr::from(addr), prefix))
        }
        32 => {
            let addr: [u8; 16] = bytes[..16].try_into().ok()?;
            let mask: [u8; 16] = bytes[16..].try_into().ok()?;
            let prefix = u128::from_be_bytes(mask).leading_ones() as u8;
            Some((IpAddr::from(addr), prefix))
        }
        _ => None,
    }
}

/// The stored server certificate (DER) and key; `None` if there is none,
/// the reason if they are unusable.
fn read_server(paths: &Paths) -> Result<Option<(Vec<u8>, KeyPair)>, String> {
    let read = |path: &Path| read_optional(path).map_err(|e| e.to_string());
    match (read(&paths.server_cert())?, read(&paths.server_key())?) {
        (Some(cert), Some(key)) => {
            let der = pem_der(&cert).ok_or("the stored certificate is not PEM")?;
            let key = KeyPair::from_pem(&key).map_err(|e| format!("the stored key: {e}"))?;
            Ok(Some((der, key)))
        }
        _ => Ok(None),
    }
}

/// When the stored server certificate ends, if it is still right: its key,
/// its issuer, its names, and a life beyond [`RENEW_BEFORE`]; else why not.
fn check_server(
    der: &[u8],
    key: &KeyPair,
    ca_key_id: &Option<Vec<u8>>,
    names: &Names,
    now: OffsetDateTime,
) -> Result<OffsetDateTime, Option<String>> {
    let cert = x509_parser::parse_x509_certificate(der)
        .map_err(|e| Some(format!("the stored certificate is unreadable: {e}")))?
        .1;
    if cert.public_key().raw != key.subject_public_key_info().as_slice() {
        return Err(Some("the stored key does not match the certificate".into()));
    }
    if authority_key_id(&cert) != *ca_key_id || ca_key_id.is_none() {
        return Err(Some("it was issued by another authority".into()));
    }
    let had = cert_names(&cert);
    if had != *names {
        let added: Vec<String> = names
            .list()
            .into_iter()
            .filter(|n| !had.list().contains(n))
            .collect();
        let removed: Vec<String> = had
            .list()
            .into_iter()
            .filter(|n| !names.list().contains(n))
            .collect();
        let mut why = "names changed".to_owned();
        if !added.is_empty() {
            why.push_str(&format!(", now also {}", added.join(", ")));
        }
        if !removed.is_empty() {
            why.push_str(&format!(", no longer {}", removed.join(", ")));
        }
        return Err(Some(why));
    }
    let not_after = OffsetDateTime::from_unix_timestamp(cert.validity().not_after.timestamp())
        .map_err(|e| Some(format!("the stored certificate's end date: {e}")))?;
    if not_after - now < RENEW_BEFORE {
        return Err(Some(format!("it ends on {}", not_after.date())));
    }
    Ok(not_after)
}

/// The DNS names and addresses of a certificate.
pub fn cert_names(cert: &X509Certificate<'_>) -> Names {
    let mut names = Names::default();
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(dns) => {
                    names.dns.insert(dns.to_ascii_lowercase());
                }
                GeneralName::IPAddress(bytes) => {
                    let ip = match bytes.len() {
                        4 => <[u8; 4]>::try_from(*bytes).ok().map(IpAddr::from),
                        16 => <[u8; 16]>::try_from(*bytes).ok().map(IpAddr::from),
                        _ => None,
                    };
                    names.ips.extend(ip);
                }
                _ => {}
            }
        }
    }
    names
}

fn subject_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        })
}

fn authority_key_id(cert: &X509Certificate<'_>) -> Option<Vec<u8>> {
    cert.extensions()
        .iter()
        .find_map(|ext| match ext.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => {
                aki.key_identifier.as_ref().map(|id| id.0.to_vec())
            }
            _ => None,
        })
}

fn parse<'a>(der: &'a [u8], path: &Path) -> Result<X509Certificate<'a>, TlsError> {
    x509_parser::parse_x509_certificate(der)
        .map(|(_, cert)| cert)
        .map_err(|e| TlsError::invalid(path, e))
}

/// The DER of the first PEM certificate in `text`.
fn pem_der(text: &str) -> Option<Vec<u8>> {
    use tokio_rustls::rustls::pki_types::CertificateDer;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_slice(text.as_bytes())
        .ok()
        .map(|c| c.to_vec())
}

/// The file's text, or `None` if it does not exist.
fn read_optional(path: &Path) -> Result<Option<String>, TlsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TlsError::Io {
            path: path.to_owned(),
            source,
        }),
    }
}
