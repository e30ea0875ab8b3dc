//! `plaudit serve`: the HTTP reward service over one or more specs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use clap::Args;
use plaudit_engine::{Cache, Engine};
use plaudit_server::{Server, ServerConfig, shutdown_signal};

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// A reward spec to serve, as `PATH` (named by the spec's `name`) or
    /// `NAME=PATH`; repeat for several. The first is the default for
    /// requests that name none.
    #[arg(long, required = true, value_name = "[NAME=]PATH")]
    spec: Vec<String>,
    /// The address to listen on. Anything but loopback needs --token-file.
    #[arg(long, default_value = "127.0.0.1:8000")]
    bind: SocketAddr,
    /// A file holding the bearer token clients must send
    /// (`Authorization: Bearer TOKEN`); surrounding whitespace is ignored.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Scoring requests allowed at once; more get 503 with Retry-After.
    #[arg(long, default_value_t = 64)]
    max_in_flight: usize,
    /// Scoring requests handled on blocking threads at once (bodies over
    /// 32 KiB; every request of a spec with a result cache or group
    /// aspects); others wait their turn within their deadline [default:
    /// four per worker of the busiest spec, at most --max-in-flight].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    max_blocking: Option<u32>,
    /// The deadline of one request, in milliseconds (504 past it).
    #[arg(long, default_value_t = 60_000)]
    timeout_ms: u64,
    /// How long a client may take to send a request's headers, in
    /// milliseconds, before its connection is closed.
    #[arg(long, default_value_t = 30_000)]
    header_timeout_ms: u64,
    /// The largest request body accepted, in bytes (413 past it).
    #[arg(long, default_value_t = 64 << 20)]
    max_body_bytes: usize,
    /// Worker threads per spec for CPU aspects [default: the available
    /// parallelism].
    #[arg(long)]
    threads: Option<usize>,
    /// Threads of the async runtime, which read requests, parse small
    /// bodies and write answers [default: half the available parallelism,
    /// at least 1].
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    http_threads: Option<u16>,
    /// The result cache for expensive aspects (SQLite) [default: the user's
    /// cache folder, plaudit/cache.sqlite].
    #[arg(long, env = "PLAUDIT_CACHE", value_name = "PATH")]
    cache: Option<PathBuf>,
    /// Do not read or write the result cache.
    #[arg(long, conflicts_with = "cache")]
    no_cache: bool,
}

pub(crate) fn run(args: ServeArgs) -> anyhow::Result<()> {
    // First, while the main thread is the only one.
    crate::alloc::tune_for_server();
    let mut cache: Option<Arc<Cache>> = None;
    let mut specs = Vec::with_capacity(args.spec.len());
    for spec in &args.spec {
        let (name, path) = match spec.split_once('=') {
            Some((name, path)) if !name.is_empty() => (Some(name.to_owned()), Path::new(path)),
            _ => (None, Path::new(spec.as_str())),
        };
        let mut builder = Engine::builder();
        if let Some(t) = args.threads {
            builder = builder.threads(t);
        }
        let mut engine = crate::load_engine(path, builder)?;
        if engine.has_cached_aspects() && !args.no_cache {
            if cache.is_none()
                && let Some(path) = args.cache.clone().or_else(crate::score::default_cache_path)
            {
                cache = Some(Arc::new(Cache::open(&path)?));
            }
            if let Some(cache) = &cache {
                engine = engine.with_cache(Arc::clone(cache));
            }
        }
        let name = name.unwrap_or_else(|| engine.spec().name.clone());
        specs.push((name, Arc::new(engine)));
    }
    let mut config = ServerConfig::new(specs);
    config.bind = args.bind;
    config.max_in_flight = args.max_in_flight;
    config.max_blocking = args.max_blocking.map(|n| n as usize);
    config.request_timeout = Duration::from_millis(args.timeout_ms);
    config.header_read_timeout = Duration::from_millis(args.header_timeout_ms);
    config.max_body_bytes = args.max_body_bytes;
    if let Some(path) = &args.token_file {
        let token = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token file {}", path.display()))?;
        config.token = Some(token.trim().to_owned());
    }
    let drain = config.shutdown_timeout;
    let names: Vec<String> = config.specs.iter().map(|(n, _)| n.clone()).collect();

    // Half the cores by default: the engine's workers take the rest. On
    // two cores one runtime thread served about 10% more single-sample
    // requests than two (`bench/RESULTS.md`).
    let http_threads = args.http_threads.map_or_else(
        || {
            std::thread::available_parallelism()
                .map_or(1, |n| n.get() / 2)
                .max(1)
        },
        usize::from,
    );
    // Large requests run on blocking threads, at most max_in_flight at
    // once. Left at tokio's default cap (512), a saturated server starts a
    // new thread whenever the previous one has not yet gone back to the
    // idle list, and its memory grows with every thread it keeps.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(http_threads)
        .enable_all()
        .max_blocking_threads(config.max_in_flight.clamp(1, 512))
        .thread_name("plaudit-http")
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let server = Server::bind(config).await?;
        eprintln!(
            "plaudit serve: listening on http://{} (specs: {})",
            server.local_addr(),
            names.join(", ")
        );
        server.run(shutdown_signal()).await
    });
    // Scoring that outlived its request may still hold blocking threads;
    // do not let it keep the process alive past the drain period.
    runtime.shutdown_timeout(drain);
    result?;
    eprintln!("plaudit serve: stopped");
    Ok(())
}
