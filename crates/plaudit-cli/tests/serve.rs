//! The real `plaudit serve` binary on an ephemeral loopback port, spoken to
//! over plain HTTP/1.1: it answers every protocol, enforces its token, and
//! stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::{Value, json};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A running server, killed if a test fails before stopping it.
struct Served {
    child: Child,
    addr: SocketAddr,
    stderr: BufReader<std::process::ChildStderr>,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(extra: &[&str]) -> Served {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plaudit"))
        .current_dir(root())
        .args([
            "serve",
            "--spec",
            "examples/math-grpo.toml",
            "--bind",
            "127.0.0.1:0",
            "--no-cache",
        ])
        .args(extra)
        .env_remove("MIMALLOC_ALLOW_THP")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .parse()
        .unwrap();
    Served {
        child,
        addr,
        stderr,
    }
}

/// One request on its own connection: (status, body).
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: &str,
) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response[9..12].parse().unwrap();
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serves_every_protocol_and_stops_on_sigterm() {
    let mut served = serve(&[]);
    let addr = served.addr;
    assert_eq!(
        request(addr, "GET", "/health", None, ""),
        (200, "{\"status\":\"ok\"}".to_owned())
    );

    let good = "<think>2 and 2</think>\n<answer>4</answer>";
    let (status, body) = request(
        addr,
        "POST",
        "/get_reward",
        None,
        &json!({"query": [format!("What is 2+2? {good}<|im_end|>")], "prompts": ["What is 2+2? "], "labels": ["4"]}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["rewards"], json!([1.2]));
    assert_eq!(v["extra_logs"]["correct"], json!([1.0]));

    let (status, body) = request(
        addr,
        "POST",
        "/reward",
        None,
        &json!({"prompt": "p", "response": good, "label": "4"}).to_string(),
    );
    assert_eq!((status, body.as_str()), (200, "1.2"));

    let (status, body) = request(
        addr,
        "POST",
        "/v1/score",
        None,
        &json!({"samples": [{"id": "a", "response": good, "reference": "4.0"}]}).to_string(),
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["scores"][0]["aspects"]["correct"]["details"]["method"],
        "answer_tag"
    );

    let (status, body) = request(addr, "POST", "/v1/score", None, "{\"samples\": [");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("line 1"), "{body}");

    let pid = served.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = served.child.wait().unwrap();
    assert!(status.success(), "{status}");
    let mut rest = String::new();
    served.stderr.read_to_string(&mut rest).unwrap();
    assert!(rest.contains("stopped"), "{rest}");
}

/// Transparent huge pages made a saturated server's resident memory grow
/// in 2 MiB steps without an allocation (see `alloc::tune_for_server`).
#[cfg(target_os = "linux")]
#[test]
fn the_server_runs_without_transparent_huge_pages() {
    let served = serve(&[]);
    let status = std::fs::read_to_string(format!("/proc/{}/status", served.child.id())).unwrap();
    // Kernels before 5.0 do not show the line; nothing to check there.
    if let Some(line) = status.lines().find(|l| l.starts_with("THP_enabled:")) {
        assert_eq!(line.split_whitespace().nth(1), Some("0"), "{line}");
    }
    assert_eq!(request(served.addr, "GET", "/health", None, "").0, 200);
}

#[test]
fn a_token_file_guards_everything_but_health() {
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "s3cret\n").unwrap();
    let served = serve(&[
        "--token-file",
        token.to_str().unwrap(),
        "--http-threads",
        "3",
    ]);
    assert_eq!(request(served.addr, "GET", "/health", None, "").0, 200);
    assert_eq!(request(served.addr, "GET", "/v1/specs", None, "").0, 401);
    assert_eq!(
        request(served.addr, "GET", "/v1/specs", Some("wrong"), "").0,
        401
    );
    let (status, body) = request(served.addr, "GET", "/v1/specs", Some("s3cret"), "");
    assert_eq!(status, 200, "{body}");
}

#[test]
fn binding_beyond_loopback_needs_a_token() {
    let o = Command::new(env!("CARGO_BIN_EXE_plaudit"))
        .current_dir(root())
        .args([
            "serve",
            "--spec",
            "examples/math-grpo.toml",
            "--bind",
            "0.0.0.0:0",
            "--no-cache",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("token"), "{err}");
}
