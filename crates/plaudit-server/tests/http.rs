//! The real server on an ephemeral loopback port, spoken to over HTTP.

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Request, StatusCode};
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use plaudit_server::{Server, ServerConfig, ServerError};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

/// One request on a fresh connection.
async fn request(addr: SocketAddr, req: Request<Full<Bytes>>) -> (StatusCode, Value) {
    let stream = TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let response = sender.send_request(req).await.expect("response");
    let status = response.status();
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    let value = serde_json::from_slice(&bytes)
        .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into()));
    (status, value)
}

fn build(method: &str, path: &str, token: Option<&str>, body: &str) -> Request<Full<Bytes>> {
    let mut b = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "localhost");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(Full::new(Bytes::from(body.to_owned()))).unwrap()
}

async fn start(
    config: ServerConfig,
) -> (
    SocketAddr,
    oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), ServerError>>,
) {
    let server = Server::bind(config).await.expect("bind");
    let addr = server.local_addr();
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(server.run(async move {
        let _ = rx.await;
    }));
    (addr, tx, handle)
}

fn ephemeral() -> ServerConfig {
    let mut c = config();
    c.bind = "127.0.0.1:0".parse().unwrap();
    c
}

/// Waits (by polling `/metrics`, no clock) until `n` scoring requests hold a slot.
async fn wait_for_scoring_in_flight(addr: SocketAddr, token: Option<&str>, n: usize) {
    let line = format!("plaudit_scoring_in_flight {n}\n");
    loop {
        let (_, text) = request(addr, build("GET", "/metrics", token, "")).await;
        if text.as_str().is_some_and(|t| t.contains(&line)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serves_every_protocol_over_http_with_a_token() {
    let mut c = ephemeral();
    c.token = Some("tok".into());
    let (addr, stop, handle) = start(c).await;
    assert_ne!(addr.port(), 0);

    let (status, body) = request(addr, build("GET", "/health", None, "")).await;
    assert_eq!((status, body), (StatusCode::OK, json!({"status": "ok"})));
    let (status, _) = request(addr, build("GET", "/v1/specs", None, "")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let openrlhf =
        json!({"query": [format!("Q{GOOD}<|im_end|>")], "prompts": ["Q"], "labels": ["4"]})
            .to_string();
    let (status, body) = request(addr, build("POST", "/get_reward", Some("tok"), &openrlhf)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["rewards"], json!([1.2]));

    let native = json!({"samples": [{"response": "x", "reference": "x"}]}).to_string();
    let (status, body) =
        request(addr, build("POST", "/v1/score/exact", Some("tok"), &native)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scores"][0]["reward"], 1.0);

    let slime = json!({"prompt": "p", "response": GOOD, "label": "4"}).to_string();
    let (_, body) = request(addr, build("POST", "/reward", Some("tok"), &slime)).await;
    assert_eq!(body, json!(1.2));

    stop.send(()).unwrap();
    handle.await.unwrap().unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "the listener is closed after shutdown"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_drains_an_in_flight_request() {
    let (addr, stop, handle) = start(ephemeral()).await;
    let body = json!({"samples": [{"id": "s", "response": "x", "reference": "x"}]}).to_string();
    let (first, rest) = body.split_at(10);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST /v1/score/exact HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{first}",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // The request is admitted and waits for the rest of its body.
    wait_for_scoring_in_flight(addr, None, 1).await;

    stop.send(()).unwrap();
    // Shutdown has begun once new connections are refused.
    while let Ok(c) = TcpStream::connect(addr).await {
        drop(c);
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    assert!(
        !handle.is_finished(),
        "the server must wait for the in-flight request"
    );

    stream.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    assert!(answer.contains(r#""id":"s","reward":1.0"#), "{answer}");
    handle.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_gives_up_after_the_shutdown_timeout() {
    let mut c = ephemeral();
    c.shutdown_timeout = Duration::from_millis(20);
    let (addr, stop, handle) = start(c).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // A body that never comes.
    stream
        .write_all(b"POST /v1/score HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n\r\n{")
        .await
        .unwrap();
    wait_for_scoring_in_flight(addr, None, 1).await;
    stop.send(()).unwrap();
    handle.await.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunked_body_over_the_limit_is_413() {
    let mut c = ephemeral();
    c.max_body_bytes = 32;
    let (addr, stop, handle) = start(c).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let chunk = "x".repeat(40);
    let req = format!(
        "POST /reward HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    stream.write_all(req.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.ends_with(
            r#"{"error":"the request body is larger than the limit of 32 bytes (max_body_bytes)"}"#
        ),
        "{answer}"
    );
    stop.send(()).unwrap();
    handle.await.unwrap().unwrap();
}

#[tokio::test]
async fn refuses_a_public_address_without_a_token() {
    let mut c = config();
    c.bind = "0.0.0.0:0".parse().unwrap();
    let err = plaudit_server::serve(c, std::future::pending())
        .await
        .unwrap_err();
    assert!(matches!(err, ServerError::InsecureBind { .. }), "{err}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let mut config = ephemeral();
    config.header_read_timeout = Duration::from_millis(200);
    let (addr, tx, handle) = start(config).await;
    // A slowloris client: half a request line, then nothing.
    let mut slow = TcpStream::connect(addr).await.unwrap();
    slow.write_all(b"POST /v1/score HTTP/1.1\r\nHost: loc")
        .await
        .unwrap();
    let mut buf = Vec::new();
    // The server closes the connection (after a 408 or without a word); it
    // never waits for the rest. The outer timeout only keeps a broken
    // server from hanging the test.
    let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the connection was still open after 30 s");
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
    // Well-behaved clients are still served.
    let (status, _) = request(addr, build("GET", "/health", None, "")).await;
    assert_eq!(status, StatusCode::OK);
    let _ = tx.send(());
    handle.await.unwrap().unwrap();
}
