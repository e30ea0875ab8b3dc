//! The crate's errors: [`ServerError`] for starting and running the server,
//! and the answer a client gets when its request is wrong.

use std::net::SocketAddr;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Why the server could not start or stopped with an error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A non-loopback address without a bearer token.
    #[error(
        "refusing to bind {addr} without a token: anyone who can reach this address could \
         use the reward service; set a bearer token or bind a loopback address such as 127.0.0.1"
    )]
    InsecureBind {
        /// The address that was asked for.
        addr: SocketAddr,
    },
    /// A setting that cannot work.
    #[error("invalid server setting `{field}`: {message}")]
    Invalid {
        /// The [`ServerConfig`](crate::ServerConfig) field.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The address could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The listener failed while serving.
    #[error("the server failed: {0}")]
    Io(#[from] std::io::Error),
}

/// A request that cannot be answered with a result. Client errors say what
/// was wrong and where; server errors say little (there is nothing the
/// client can fix).
#[derive(Debug)]
pub(crate) struct ApiError {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
    /// Seconds for a `Retry-After` header.
    pub(crate) retry_after: Option<u64>,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400: the body is not what the endpoint takes.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    /// 404: no such spec or route.
    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// The same error, its message prefixed with where in the request it
    /// arose (`samples[3]: …`).
    pub(crate) fn at(mut self, path: &str) -> Self {
        self.message = format!("{path}: {}", self.message);
        self
    }

    /// 500, for what only a bug in plaudit can cause.
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error while scoring; this is a bug in plaudit",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({ "error": self.message });
        let mut response = (self.status, crate::routes::json_bytes(&body)).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}
