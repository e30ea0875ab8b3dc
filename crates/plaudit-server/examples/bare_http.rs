//! A reference point for `bench/serve/run.py`: the same HTTP stack as
//! `plaudit serve` (tokio, hyper, axum) answering OpenRLHF `/get_reward`
//! requests with no reward at all. It parses the body and answers lists
//! of the right length, so it pays for HTTP and JSON and nothing else: no
//! scoring, no limits, no metrics. What it serves is as fast as this stack
//! goes on this machine.
//!
//!     cargo run --release -p plaudit-server --example bare_http -- 127.0.0.1:8001 [THREADS]

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
struct Request {
    query: Vec<String>,
    #[allow(dead_code)]
    prompts: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    labels: Option<Vec<serde_json::Value>>,
}

#[derive(Serialize)]
struct Reply {
    rewards: Vec<f64>,
    scores: Vec<f64>,
}

async fn get_reward(body: Bytes) -> Response {
    match serde_json::from_slice::<Request>(&body) {
        Ok(r) => {
            let n = r.query.len();
            let reply = Reply {
                rewards: vec![0.0; n],
                scores: vec![0.0; n],
            };
            let bytes = serde_json::to_vec(&reply).expect("serializes");
            ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
        }
        Err(e) => (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:8001".into());
    let threads: usize = args
        .next()
        .map_or(1, |t| t.parse().expect("THREADS is a number"));
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let app = Router::new()
            .route("/health", get(|| async { "ok" }))
            .route("/get_reward", post(get_reward));
        let listener = tokio::net::TcpListener::bind(&bind)
            .await
            .expect("the address binds");
        eprintln!("bare_http: listening on http://{bind}");
        axum::serve(listener, app).await.expect("serves");
    });
}
