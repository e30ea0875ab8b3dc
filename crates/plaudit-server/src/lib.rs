//! plaudit's HTTP reward service: one server that speaks plaudit's own API
//! and the reward protocols of the RL trainers people already run.
//!
//! | endpoint | protocol |
//! |---|---|
//! | `POST /v1/score`, `/v1/score/{spec}` | native: samples in, scores with every aspect's outcome out |
//! | `POST /get_reward`, `/{spec}/get_reward` | OpenRLHF `--remote_rm_url` |
//! | `POST /reward`, `/{spec}/reward` | slime `--rm-url` |
//! | `POST /verify`, `/{spec}/verify` | NeMo-Gym resource-server `verify` |
//! | `GET /health`, `/metrics`, `/v1/specs`, `/openapi.json` | operations |
//!
//! `docs/server.md` documents each with exact request and response bodies.
//!
//! # Why it is shaped so
//!
//! - **The async runtime never scores.** The engine's CPU pool evaluates
//!   the aspects. A small body (at most 32 KiB) is parsed and answered on
//!   the runtime, and the request waits for the pool without holding a
//!   thread ([`Engine::score_async`](plaudit_engine::Engine::score_async));
//!   a larger one is parsed, scored and answered on a blocking thread
//!   ([`tokio::task::spawn_blocking`]), as is every request of a server
//!   whose specs block (the result cache, group aspects). `/health` and
//!   unrelated requests are answered while a large batch is scored.
//! - **Bounded, not queued.** At most [`ServerConfig::max_in_flight`] scoring
//!   requests hold a slot; the next one gets `503` with `Retry-After` at once.
//!   Of those, at most [`ServerConfig::max_blocking`] are handled on
//!   blocking threads at once; the others wait their turn within their
//!   deadline, so that a burst of large batches is parsed and scored a few
//!   at a time with its data in the caches rather than all at once.
//!   A blocking request holds its slot until its work ends, even when the
//!   client or the [`request_timeout`](ServerConfig::request_timeout) gave
//!   up on it; a small request given up on cancels the samples not yet
//!   started, so that either way timeouts cannot pile unbounded work onto
//!   the machine.
//! - **No silent zero.** The native API reports a missing reward as `null`
//!   with its error. The trainers' protocols need numbers; they get
//!   [`missing_reward`](ServerConfig::missing_reward) and the error beside it
//!   (a list, an extra log, a header), never a bare 0.
//! - **Safe by default.** Loopback unless a bearer token is set; body size
//!   limit; every client error is `{"error": "..."}` naming what was wrong
//!   and where.
//!
//! ```no_run
//! # async fn example(engine: std::sync::Arc<plaudit_engine::Engine>) -> Result<(), plaudit_server::ServerError> {
//! let config = plaudit_server::ServerConfig::new(vec![("math".into(), engine)]);
//! let server = plaudit_server::Server::bind(config).await?;
//! eprintln!("listening on http://{}", server.local_addr());
//! server.run(plaudit_server::shutdown_signal()).await
//! # }
//! ```
#![deny(missing_docs)]

mod body;
mod config;
mod error;
mod limits;
mod metrics;
mod routes;
mod state;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;

pub use config::{DEFAULT_EOT_TOKENS, ServerConfig};
pub use error::ServerError;
pub use routes::router;
pub use state::AppState;

/// A server bound to its address, not yet serving.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    local_addr: SocketAddr,
    router: Router,
    shutdown_timeout: std::time::Duration,
    header_read_timeout: std::time::Duration,
}

impl Server {
    /// Validates `config` and binds [`ServerConfig::bind`]. Port 0 picks a
    /// free port: [`Server::local_addr`] tells which.
    pub async fn bind(config: ServerConfig) -> Result<Self, ServerError> {
        config.validate()?;
        let addr = config.bind;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServerError::Bind { addr, source })?;
        Self::from_listener(listener, config)
    }

    /// Serves on a listener the caller bound (socket activation, tests);
    /// [`ServerConfig::bind`] is ignored and the listener's address is the
    /// one validated.
    pub fn from_listener(listener: TcpListener, config: ServerConfig) -> Result<Self, ServerError> {
        let local_addr = listener.local_addr()?;
        config.validate_for(local_addr)?;
        let shutdown_timeout = config.shutdown_timeout;
        let header_read_timeout = config.header_read_timeout;
        Ok(Self {
            listener,
            local_addr,
            router: router(AppState::from_validated(config)),
            shutdown_timeout,
            header_read_timeout,
        })
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Serves until `shutdown` completes, then stops accepting connections
    /// and drains: requests in flight are answered (for at most
    /// [`ServerConfig::shutdown_timeout`]) and idle connections are closed.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServerError> {
        // HTTP/1.1 with a timer, so that a client that never finishes its
        // headers is cut off after `header_read_timeout` (hyper's timeouts
        // need one; `axum::serve` sets none).
        let mut http = hyper::server::conn::http1::Builder::new();
        http.timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout);
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                () = &mut shutdown => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                // Out of descriptors or a connection reset before it was
                // accepted: transient; back off a little and go on.
                Err(_) => {
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            let service = TowerToHyperService::new(self.router.clone());
            let connection = http.serve_connection(TokioIo::new(stream), service);
            let connection = graceful.watch(connection);
            tokio::spawn(async move {
                // A client that goes away or times out is its own affair.
                let _ = connection.await;
            });
        }
        // Stop accepting, then let requests in flight finish (idle
        // connections close at once), for at most `shutdown_timeout`.
        drop(self.listener);
        tokio::select! {
            () = graceful.shutdown() => {}
            () = tokio::time::sleep(self.shutdown_timeout) => {}
        }
        Ok(())
    }
}

/// Binds `config.bind` and serves until `shutdown` completes, draining
/// in-flight requests (see [`Server::run`]). Use [`Server::bind`] to learn
/// the bound address first.
pub async fn serve(
    config: ServerConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    Server::bind(config).await?.run(shutdown).await
}

/// Completes on SIGTERM or SIGINT (Ctrl-C): the `shutdown` future for
/// [`serve`] in a process that a supervisor or a user stops. Must be called
/// within a tokio runtime.
pub async fn shutdown_signal() {
    let interrupt = async {
        // When no handler can be installed, SIGINT keeps its default
        // action (ending the process): there is nothing to wait for.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
