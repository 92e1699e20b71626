//! HTTPS (`tls.mode = "on"`): phones need a secure context for hardware
//! video decoding and for installing the web app, and that means HTTPS.
//! The certificate is the configured one (`tls.cert`, `tls.key`, re-read
//! when the files change) or, with none configured, one from the rig's own
//! certificate authority ([`authority`]), issued again by itself when the
//! machine's names or addresses change (checked every
//! [`RENEW_INTERVAL`]), so a rig that boots before its Wi-Fi is up gets
//! its address into the certificate a minute later.
//!
//! One port serves both HTTPS and plain HTTP: [`accept`] peeks at the first
//! byte of each connection, and a TLS handshake starts with 0x16. Plain
//! HTTP gets a 308 redirect to the same address over HTTPS ([`pages`]),
//! so old `http://rig:5000` bookmarks keep working, except for the pages a
//! phone needs before it trusts the authority: `/tls` (how to install it)
//! and `/ca.crt` (the authority itself). Requests that came over TLS carry
//! the [`Https`] extension (the session cookie is `Secure` then).

pub mod authority;
pub mod pages;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use time::OffsetDateTime;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::server::TlsStream;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use authority::{AuthorityCert, Names, Outcome, Paths};

use crate::config::{TlsConfig, TlsMode};
use crate::serve::Watchdog;

/// How often the machine's names and addresses (or the configured files)
/// are checked for a change.
pub const RENEW_INTERVAL: Duration = Duration::from_secs(30);

/// The first byte of a TLS connection (a handshake record).
const TLS_HANDSHAKE: u8 = 0x16;

/// Marks a request that came over TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Https;

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A file could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What failed.
        source: io::Error,
    },
    /// A file is there but unusable.
    #[error("{path}: {reason}")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A key or certificate could not be made.
    #[error("cannot make a certificate: {0}")]
    Generate(rcgen::Error),
    /// The system gave no random bytes.
    #[error("no random bytes for a certificate: {0}")]
    Random(getrandom::Error),
    /// A file could not be written.
    #[error(transparent)]
    File(#[from] crate::auth::files::FileError),
    /// rustls refused the certificate or key.
    #[error("cannot use the certificate: {0}")]
    Rustls(rustls::Error),
}

impl TlsError {
    fn invalid(path: &Path, reason: impl fmt::Display) -> Self {
        TlsError::Invalid {
            path: path.to_owned(),
            reason: reason.to_string(),
        }
    }
}

/// What the pages show about HTTPS, and whether it is on.
#[derive(Debug, Clone)]
pub struct Public {
    /// The local authority, when the certificate comes from it.
    pub authority: Option<AuthorityCert>,
}

/// HTTPS, set up: the acceptor for connections and what keeps the
/// certificate current.
pub struct Tls {
    acceptor: TlsAcceptor,
    public: Arc<Public>,
    renewer: Arc<Renewer>,
}

impl fmt::Debug for Tls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tls")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Tls {
    /// HTTPS as `config` says, or `None` when it is off. With no
    /// certificate configured, the local authority's files under
    /// `media_dir` are made or issued again for this machine's names (and
    /// `allowed_hosts`). Blocking file work.
    pub fn setup(
        config: &TlsConfig,
        media_dir: &Path,
        allowed_hosts: &[String],
    ) -> Result<Option<Tls>, TlsError> {
        if config.mode == TlsMode::Off {
            return Ok(None);
        }
        let source = match (&config.cert, &config.key) {
            (Some(cert), Some(key)) => Source::Files {
                cert: cert.clone(),
                key: key.clone(),
            },
            _ => {
                let hosts = allowed_hosts.to_vec();
                Source::Local {
                    paths: Paths::new(media_dir),
                    names: Box::new(move || Names::of_this_machine(&hosts)),
                }
            }
        };
        Tls::with_source(source).map(Some)
    }

    fn with_source(source: Source) -> Result<Tls, TlsError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let Loaded {
            key,
            seen: state,
            public,
            ..
        } = source.load(&provider, OffsetDateTime::now_utc())?;
        let resolver = Arc::new(Resolver(RwLock::new(Arc::new(key))));
        let mut config = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(TlsError::Rustls)?
            .with_no_client_auth()
            .with_cert_resolver(resolver.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            public: Arc::new(public),
            renewer: Arc::new(Renewer {
                source,
                provider,
                resolver,
                state: std::sync::Mutex::new(state),
            }),
        })
    }

    /// What the pages show.
    pub fn public(&self) -> Arc<Public> {
        self.public.clone()
    }

    /// The acceptor for connections.
    pub fn acceptor(&self) -> TlsAcceptor {
        self.acceptor.clone()
    }

    /// Checks every [`RENEW_INTERVAL`] whether the certificate must change
    /// and changes it, until `shutdown`.
    pub fn spawn_renewal(&self, tasks: &TaskTracker, shutdown: CancellationToken) {
        let renewer = self.renewer.clone();
        tasks.spawn(async move {
            let mut ticks = tokio::time::interval(RENEW_INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticks.tick().await;
            loop {
                tokio::select! {
                    _ = shutdown.cancelled() => break,
                    _ = ticks.tick() => {}
                }
                let renewer = renewer.clone();
                let now = OffsetDateTime::now_utc();
                let outcome = tokio::task::spawn_blocking(move || renewer.refresh(now)).await;
                match outcome {
                    Ok(Ok(Some(why))) => tracing::info!("new server certificate in use: {why}"),
                    Ok(Ok(None)) => {}
                    Ok(Err(err)) => tracing::warn!(
                        %err,
                        "cannot renew the server certificate; keeping the one in use"
                    ),
                    Err(err) => tracing::warn!(%err, "the certificate check failed"),
                }
            }
        });
    }

    /// Checks now whether the certificate must change (new names or
    /// addresses, near its end, new files) and changes it; says why when
    /// it did. Blocking file work.
    pub fn refresh(&self, now: OffsetDateTime) -> Result<Option<String>, TlsError> {
        self.renewer.refresh(now)
    }
}

/// Where the certificate comes from.
enum Source {
    /// The rig's own authority, for the names `names` gives.
    Local {
        paths: Paths,
        names: Box<dyn Fn() -> Names + Send + Sync>,
    },
    /// Configured PEM files.
    Files { cert: PathBuf, key: PathBuf },
}

/// A certificate and key loaded (or made).
struct Loaded {
    key: CertifiedKey,
    seen: Seen,
    public: Public,
    /// Why the certificate differs from the one on disk before, if it does.
    changed: Option<String>,
}

/// What the last load saw, to tell whether anything changed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    /// The names asked for and when the certificate ends.
    Local {
        wanted: Names,
        not_after: OffsetDateTime,
    },
    /// The files' modification times.
    Files(Option<SystemTime>, Option<SystemTime>),
}

impl Source {
    /// Loads (making what is missing) the certificate and key.
    fn load(&self, provider: &CryptoProvider, now: OffsetDateTime) -> Result<Loaded, TlsError> {
        match self {
            Source::Local { paths, names } => {
                let wanted = names();
                let issued = authority::ensure(paths, &wanted, now)?;
                log_issued(paths, &issued);
                let key = CertifiedKey::from_der(
                    vec![CertificateDer::from(issued.server_der.clone())],
                    PrivateKeyDer::try_from(issued.server_key_der.clone())
                        .map_err(|e| TlsError::invalid(&paths.server_key(), e))?,
                    provider,
                )
                .map_err(TlsError::Rustls)?;
                let seen = Seen::Local {
                    wanted,
                    not_after: issued.not_after,
                };
                let public = Public {
                    authority: Some(issued.authority),
                };
                let changed = match issued.server_outcome {
                    Outcome::Kept => None,
                    Outcome::Made => Some("a new certificate was made".to_owned()),
                    Outcome::Renewed(why) => Some(why),
                };
                Ok(Loaded {
                    key,
                    seen,
                    public,
                    changed,
                })
            }
            Source::Files { cert, key } => {
                let seen = Seen::Files(modified(cert), modified(key));
                let chain = CertificateDer::pem_file_iter(cert)
                    .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                    .map_err(|e| TlsError::invalid(cert, e))?;
                if chain.is_empty() {
                    return Err(TlsError::invalid(cert, "no PEM certificate in it"));
                }
                let private =
                    PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::invalid(key, e))?;
                let certified = CertifiedKey::from_der(chain, private, provider).map_err(|e| {
                    TlsError::invalid(key, format!("{e} (does it belong to {}?)", cert.display()))
                })?;
                Ok(Loaded {
                    key: certified,
                    seen,
                    public: Public { authority: None },
                    changed: Some("the certificate files changed".to_owned()),
                })
            }
        }
    }

    /// Whether what `seen` describes is still current.
    fn current(&self, seen: &Seen, now: OffsetDateTime) -> bool {
        match (self, seen) {
            (Source::Local { names, .. }, Seen::Local { wanted, not_after }) => {
                names() == *wanted && *not_after - now >= authority::RENEW_BEFORE
            }
            (Source::Files { cert, key }, Seen::Files(c, k)) => {
                modified(cert) == *c && modified(key) == *k
            }
            _ => false,
        }
    }
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn log_issued(paths: &Paths, issued: &authority::Issued) {
    if issued.authority_outcome != Outcome::Kept {
        tracing::info!(
            file = %paths.ca_cert().display(),
            fingerprint = %issued.authority.fingerprint,
            "local certificate authority: {}", issued.authority_outcome
        );
    }
    if issued.server_outcome != Outcome::Kept {
        tracing::info!(
            names = %issued.names,
            until = %issued.not_after.date(),
            "server certificate: {}", issued.server_outcome
        );
    }
    if !issued.left_out.is_empty() {
        tracing::warn!(
            "the local certificate authority may not vouch for {}; they are left out of the \
             certificate (to include them, delete {} and {} for a new authority, which phones \
             must install again)",
            issued.left_out.join(", "),
            paths.ca_key().display(),
            paths.ca_cert().display()
        );
    }
}

/// Keeps the served certificate current.
struct Renewer {
    source: Source,
    provider: Arc<CryptoProvider>,
    resolver: Arc<Resolver>,
    state: std::sync::Mutex<Seen>,
}

impl Renewer {
    fn refresh(&self, now: OffsetDateTime) -> Result<Option<String>, TlsError> {
        let mut seen = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if self.source.current(&seen, now) {
            return Ok(None);
        }
        let loaded = self.source.load(&self.provider, now)?;
        *seen = loaded.seen;
        // New names the authority may not vouch for change nothing.
        if loaded.changed.is_some() {
            *self
                .resolver
                .0
                .write()
                .unwrap_or_else(PoisonError::into_inner) = Arc::new(loaded.key);
        }
        Ok(loaded.changed)
    }
}

/// Hands every handshake the certificate in force.
#[derive(Debug)]
struct Resolver(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.0
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        )
    }
}

/// A connection, sorted by its first byte.
pub enum Accepted {
    /// Plain HTTP (to be redirected).
    Plain(Watchdog<TcpStream>),
    /// A completed TLS handshake.
    Tls(Box<TlsStream<Watchdog<TcpStream>>>),
}

/// Waits (at most `idle`) for the connection's first byte; a TLS handshake
/// is completed (within `idle` too), anything else is plain HTTP.
pub async fn accept(
    acceptor: &TlsAcceptor,
    stream: TcpStream,
    idle: Duration,
) -> io::Result<Accepted> {
    let mut first = [0u8; 1];
    let peeked = tokio::time::timeout(idle, stream.peek(&mut first))
        .await
        .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "the client sent nothing"))??;
    let stream = Watchdog::new(stream, idle);
    if peeked == 0 || first[0] != TLS_HANDSHAKE {
        return Ok(Accepted::Plain(stream));
    }
    let tls = tokio::time::timeout(idle, acceptor.accept(stream))
        .await
        .map_err(|_| {
            io::Error::new(io::ErrorKind::TimedOut, "the TLS handshake took too long")
        })??;
    Ok(Accepted::Tls(Box::new(tls)))
}

/// What `camrig tls init` prints: the authority and the server certificate
/// made or kept under `media_dir`, for this machine's names.
pub fn init(media_dir: &Path, allowed_hosts: &[String]) -> Result<String, TlsError> {
    let paths = Paths::new(media_dir);
    let issued = authority::ensure(
        &paths,
        &Names::of_this_machine(allowed_hosts),
        OffsetDateTime::now_utc(),
    )?;
    let mut report = format!(
        "certificate authority ({}): {}\n  SHA-256 fingerprint {}\n\
         server certificate ({}): {}\n  for {}\n  valid until {}\n",
        issued.authority_outcome,
        paths.ca_cert().display(),
        issued.authority.fingerprint,
        issued.server_outcome,
        paths.server_cert().display(),
        issued.names,
        issued.not_after.date(),
    );
    if !issued.left_out.is_empty() {
        report.push_str(&format!(
            "  left out (the authority may not vouch for them): {}\n",
            issued.left_out.join(", ")
        ));
    }
    report.push_str(
        "Serve HTTPS with --tls on (or tls.mode = \"on\"); phones install the authority once \
         from the page /tls.",
    );
    Ok(report)
}

#[cfg(test)]
mod tests;
