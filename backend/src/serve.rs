//! Accepts connections and serves the router on each, with the timeouts
//! that keep slow or idle clients from holding the server: a request's
//! headers must arrive within `server.idle_timeout_seconds` (so a client
//! that trickles them, as slowloris does, is cut off, and so is a
//! keep-alive connection left idle), and a client that takes no data for
//! that long (an MJPEG or WebSocket viewer that stopped reading) is dropped
//! by [`Watchdog`]. Each connection knows its peer's address
//! ([`ConnectInfo`]) for the login throttle. With HTTPS on, one port takes
//! both TLS and plain HTTP (see `tls`). On shutdown no new connection
//! is accepted and every open one is asked to finish; [`serve`] returns
//! when all have, or when the caller stops waiting.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower::ServiceExt;

use crate::tls::Accepted;

/// Serves `router` on `listener` until `shutdown`, then lets every open
/// connection finish (the caller bounds how long it waits). With `tls`,
/// each connection is HTTPS or plain HTTP by its first byte
/// ([`crate::tls::accept`]), and requests that came over TLS carry
/// [`crate::tls::Https`].
pub async fn serve(
    listener: TcpListener,
    router: Router,
    idle: Duration,
    tls: Option<TlsAcceptor>,
    shutdown: CancellationToken,
) {
    let connections = TaskTracker::new();
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(err) => {
                    // Out of file descriptors and the like: wait a moment
                    // rather than spin.
                    tracing::warn!(%err, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let tls = tls.clone();
        let shutdown = shutdown.clone();
        connections.spawn(async move {
            let Some(acceptor) = tls else {
                let io = Watchdog::new(stream, idle);
                return connection(io, router, peer, false, idle, shutdown).await;
            };
            let accepted = tokio::select! {
                accepted = crate::tls::accept(&acceptor, stream, idle) => accepted,
                _ = shutdown.cancelled() => return,
            };
            match accepted {
                Ok(Accepted::Plain(io)) => {
                    connection(io, router, peer, false, idle, shutdown).await
                }
                Ok(Accepted::Tls(io)) => connection(*io, router, peer, true, idle, shutdown).await,
                Err(err) => tracing::debug!(%peer, %err, "connection ended before a request"),
            }
        });
    }
    connections.close();
    connections.wait().await;
}

/// Serves HTTP/1.1 on one connection until it ends, or finishes it
/// gracefully at `shutdown`.
async fn connection<I>(
    io: I,
    router: Router,
    peer: SocketAddr,
    https: bool,
    idle: Duration,
    shutdown: CancellationToken,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = router.map_request(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        if https {
            request.extensions_mut().insert(crate::tls::Https);
        }
        request.map(Body::new)
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(idle)
        .serve_connection(TokioIo::new(io), TowerToHyperService::new(service))
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        result = connection.as_mut() => log_end(peer, result),
        _ = shutdown.cancelled() => {
            connection.as_mut().graceful_shutdown();
            log_end(peer, connection.await);
        }
    }
}

fn log_end(peer: SocketAddr, result: Result<(), hyper::Error>) {
    if let Err(err) = result {
        tracing::debug!(%peer, %err, "connection ended");
    }
}

/// A connection that fails its writes once the client has taken nothing
/// for `limit`: a reader that stopped reading cannot hold a task, a
/// socket and its buffers for ever.
pub struct Watchdog<T> {
    inner: T,
    limit: Duration,
    /// Armed while a write waits for the client.
    deadline: Option<Pin<Box<Sleep>>>,
}

impl<T> Watchdog<T> {
    /// Watches `inner`.
    pub fn new(inner: T, limit: Duration) -> Self {
        Watchdog {
            inner,
            limit,
            deadline: None,
        }
    }

    /// Called when a write could not proceed: arms the deadline, and fails
    /// once it has passed.
    fn stalled(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        let limit = self.limit;
        let deadline = self
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(Instant::now() + limit)));
        ready!(deadline.as_mut().poll(cx));
        Poll::Ready(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the client took no data for {limit:?}"),
        ))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watchdog<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watchdog<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write(cx, buf) {
            Poll::Pending => self.stalled(cx).map(Err),
            ready => {
                self.deadline = None;
                ready
            }
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match Pin::new(&mut self.inner).poll_flush(cx) {
            Poll::Pending => self.stalled(cx).map(Err),
            ready => {
                self.deadline = None;
                ready
            }
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match Pin::new(&mut self.inner).poll_write_vectored(cx, bufs) {
            Poll::Pending => self.stalled(cx).map(Err),
            ready => {
                self.deadline = None;
                ready
            }
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    #[tokio::test(start_paused = true)]
    async fn a_client_that_takes_nothing_is_cut_off_and_a_slow_one_is_not() {
        // A pipe with room for 1 KiB that nobody reads.
        let (client, server) = tokio::io::duplex(1024);
        let mut watched = Watchdog::new(server, Duration::from_secs(30));
        let started = Instant::now();
        let chunk = [0u8; 256];
        let err = loop {
            if let Err(err) = watched.write_all(&chunk).await {
                break err;
            }
        };
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        drop(client);

        // One that reads a little every 20 s keeps its connection.
        let (mut client, server) = tokio::io::duplex(1024);
        let mut watched = Watchdog::new(server, Duration::from_secs(30));
        let reader = tokio::spawn(async move {
            let mut buf = [0u8; 512];
            for _ in 0..10 {
                tokio::time::sleep(Duration::from_secs(20)).await;
                tokio::io::AsyncReadExt::read(&mut client, &mut buf)
                    .await
                    .unwrap();
            }
        });
        for _ in 0..12 {
            watched.write_all(&[1u8; 400]).await.unwrap();
        }
        drop(watched);
        reader.await.unwrap();
    }
}
