//! A scripted stand-in for a remote LLM: a real HTTP server on an ephemeral
//! loopback port that speaks the OpenAI chat-completions protocol and
//! answers each request as the test's script says (a reply, an error
//! status, headers, a delay). It records every request and the most
//! requests it ever had in flight at once.

#![allow(dead_code)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use plaudit_core::{Aspect, BuildContext, Context, Registry};
use plaudit_testkit::ScriptedServer;
pub use plaudit_testkit::{Request, Scripted};

/// What a judge test reads from a chat-completions request.
pub trait ChatRequest {
    /// The user message.
    fn user(&self) -> &str;
    /// The text between `<tag>` and `</tag>` in the user message.
    fn fenced(&self, tag: &str) -> Option<&str>;
    /// `response_format.type`, when there is one.
    fn format(&self) -> Option<&str>;
}

impl ChatRequest for Request {
    fn user(&self) -> &str {
        self.body["messages"][1]["content"]
            .as_str()
            .unwrap_or_default()
    }

    fn fenced(&self, tag: &str) -> Option<&str> {
        let user = self.user();
        let open = format!("<{tag}>\n");
        let start = user.find(&open)? + open.len();
        let end = start + user[start..].find(&format!("\n</{tag}>"))?;
        Some(&user[start..end])
    }

    fn format(&self) -> Option<&str> {
        self.body["response_format"]["type"].as_str()
    }
}

/// The answers of a chat-completions server.
pub trait ChatScripts {
    /// A chat completion whose message is `content` (10 prompt tokens,
    /// 5 completion tokens).
    fn reply(content: &str) -> Scripted;
    /// A chat completion with token log-probabilities: `tokens` are the
    /// reply's tokens, each with its alternatives.
    fn reply_with_logprobs(tokens: &[(&str, &[(&str, f64)])]) -> Scripted;
    /// An error status with an OpenAI-style error body.
    fn status(status: u16) -> Scripted;
    /// An error status whose body is `body` as is (JSON).
    fn error(status: u16, body: &str) -> Scripted;
}

impl ChatScripts for Scripted {
    fn reply(content: &str) -> Scripted {
        Scripted::json(json!({
            "id": "chatcmpl-stub",
            "object": "chat.completion",
            "model": "stub-judge",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }))
    }

    fn reply_with_logprobs(tokens: &[(&str, &[(&str, f64)])]) -> Scripted {
        let content: String = tokens.iter().map(|t| t.0).collect();
        let logprobs: Vec<Value> = tokens
            .iter()
            .map(|(tok, top)| {
                json!({
                    "token": tok, "logprob": -0.01, "bytes": null,
                    "top_logprobs": top.iter().map(|(t, lp)| json!({"token": t, "logprob": lp, "bytes": null})).collect::<Vec<_>>(),
                })
            })
            .collect();
        Scripted::json(json!({
            "model": "stub-judge",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content},
                         "logprobs": {"content": logprobs}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": tokens.len()},
        }))
    }

    fn status(status: u16) -> Scripted {
        Scripted::json(json!({"error": {"message": format!("scripted {status}"), "type": "stub"}}))
            .with_status(status)
    }

    fn error(status: u16, body: &str) -> Scripted {
        Scripted::raw(body)
            .header("content-type", "application/json")
            .with_status(status)
    }
}

/// A chat-completions server; it stops when dropped.
pub struct Stub {
    /// `http://127.0.0.1:PORT/v1`.
    pub base_url: String,
    server: ScriptedServer,
}

impl Stub {
    /// Starts a server that answers every request with `script(request)`.
    pub fn start(script: impl Fn(&Request) -> Scripted + Send + Sync + 'static) -> Self {
        let server = ScriptedServer::start(&["/v1/chat/completions"], script);
        Self {
            base_url: format!("{}/v1", server.url()),
            server,
        }
    }

    /// A server that answers every request with the same reply.
    pub fn always(content: &str) -> Self {
        let content = content.to_owned();
        Self::start(move |_| Scripted::reply(&content))
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<Request> {
        self.server.requests()
    }

    /// The most requests the server had in flight at once.
    pub fn max_in_flight(&self) -> usize {
        self.server.max_in_flight()
    }
}

/// A judge aspect of `kind` pointed at `stub`, with fast retries; `params`
/// add to or override the defaults.
pub fn judge(kind: &str, stub: &Stub, params: Value) -> Box<dyn Aspect> {
    let mut registry = Registry::new();
    plaudit_judge::register(&mut registry);
    let mut all = json!({"base_url": stub.base_url, "model": "stub-judge", "retry_base_ms": 1});
    for (k, v) in params.as_object().unwrap() {
        all[k] = v.clone();
    }
    let entry = registry.get(kind).unwrap();
    (entry.build)(all.as_object().unwrap(), &BuildContext::default()).unwrap()
}

/// A generous deadline: tests that are not about the deadline never meet it.
pub fn cx() -> Context {
    Context::with_timeout(Duration::from_secs(60))
}

/// `t` as an IMF-fixdate (`Wed, 21 Oct 2015 07:28:00 GMT`), computed with
/// the civil-from-days algorithm (Hinnant), independently of the crate's
/// parser.
pub fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
    let (days, rem) = ((secs / 86_400) as i64, secs % 86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        // 1970-01-01 was a Thursday.
        WEEKDAYS[((days + 4) % 7) as usize],
        MONTHS[(month - 1) as usize],
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
    )
}
