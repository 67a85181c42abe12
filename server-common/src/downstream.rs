//! A real downstream call, the shared side of it: the flags (`--downstream URL` and its
//! pool, keep-alive and timeout), the clients built from them, how a failed call is told
//! apart and answered (`502` or `504`, with a short body), and the counts logged at
//! shutdown.
//!
//! Where the call is made stays in each server's `main.rs`, with the client its
//! architecture would use: the blocking call ([`BlockingDownstream::get`], ureq) on
//! sync-server's handler threads and inside async-blocking-server's async handler, the
//! awaited one (hyper-util's pooled client) written out in async-server.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use clap::Args;
use tracing::info;

/// The flags of the real downstream call. Without `--downstream`, `GET /` waits
/// `--delay-ms` instead (the simulated call), and the other flags are not used.
#[derive(Args, Debug, Clone)]
pub struct DownstreamArgs {
    /// Call this URL for every `GET /`, instead of the simulated wait (--delay-ms is then not
    /// used): one HTTP/1.1 GET, answered once the downstream's answer is read to the end.
    /// http:// only. A downstream that refuses or breaks the connection, or answers other than
    /// 2xx, gives 502; one that takes longer than --downstream-timeout-ms gives 504.
    #[arg(long, value_name = "URL", value_parser = parse_http_url)]
    pub downstream: Option<String>,

    /// Milliseconds a downstream call may take in all (connecting, sending, the whole answer)
    /// before it is given up with 504.
    #[arg(long, value_name = "MS", default_value_t = 2000, value_parser = clap::value_parser!(u64).range(1..))]
    pub downstream_timeout_ms: u64,

    /// Idle connections to the downstream kept for reuse (the keep-alive pool, one per
    /// process, shared by every handler); more are opened when more calls run at once, and
    /// those beyond this number are closed once idle. 0: a new connection for every call.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub downstream_pool: usize,

    /// Seconds an idle pooled connection is kept before it is closed: below the idle timeout
    /// of this project's servers (30 s), so the downstream never closes a connection the pool
    /// is about to reuse. 0: no keep-alive, a new connection for every call.
    #[arg(long, value_name = "SECS", default_value_t = 15)]
    pub downstream_keep_alive_secs: u64,
}

/// `--downstream` takes `http://HOST[:PORT][/PATH]`: checked when the flags are read, so a
/// mistyped URL is a clear error at start, not a 502 on every request.
fn parse_http_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url:?} is not an http:// URL (https is not supported)"))?;
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    if authority.is_empty() || authority.contains(char::is_whitespace) {
        return Err(format!("{url:?} has no host"));
    }
    Ok(url.to_owned())
}

impl DownstreamArgs {
    /// How long a call may take in all.
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.downstream_timeout_ms)
    }

    /// How many idle connections the pool keeps: none without keep-alive.
    pub fn pool(&self) -> usize {
        if self.downstream_keep_alive_secs == 0 {
            0
        } else {
            self.downstream_pool
        }
    }

    /// How long an idle pooled connection is kept.
    pub fn keep_alive(&self) -> Duration {
        Duration::from_secs(self.downstream_keep_alive_secs)
    }

    /// The blocking client: one ureq agent, whose pool every clone shares (clones are
    /// cheap). The timeout covers the whole call; statuses other than 2xx are answers to
    /// read, not errors (so their connection goes back to the pool); no redirect is followed
    /// and no proxy is taken from the environment: one GET to the URL, nothing else.
    #[cfg(feature = "blocking-client")]
    pub fn blocking_client(&self) -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout()))
            .max_idle_connections(self.pool())
            .max_idle_connections_per_host(self.pool())
            .max_idle_age(self.keep_alive())
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .proxy(None)
            .build()
            .new_agent()
    }

    /// The async client: hyper-util's pooled client on the runtime it is first used on
    /// (connections are tasks there). The handler puts the timeout around the whole call.
    #[cfg(feature = "async-client")]
    pub fn async_client(
        &self,
    ) -> hyper_util::client::legacy::Client<
        hyper_util::client::legacy::connect::HttpConnector,
        http_body_util::Empty<hyper::body::Bytes>,
    > {
        let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
        connector.set_nodelay(true);
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .pool_timer(hyper_util::rt::TokioTimer::new())
            .pool_idle_timeout(self.keep_alive())
            .pool_max_idle_per_host(self.pool())
            .build(connector)
    }
}

/// The real downstream for the blocking servers: the URL, the blocking client (one
/// keep-alive pool, shared by every thread that calls), and the count of outcomes.
#[cfg(feature = "blocking-client")]
pub struct BlockingDownstream {
    /// `--downstream URL`.
    pub url: String,
    client: ureq::Agent,
    /// Every call's outcome, logged at shutdown.
    pub counts: DownstreamCounts,
}

#[cfg(feature = "blocking-client")]
impl BlockingDownstream {
    /// The downstream `flags` name, if they name one.
    pub fn from_args(flags: &DownstreamArgs) -> Option<Self> {
        flags.downstream.as_ref().map(|url| Self {
            url: url.clone(),
            client: flags.blocking_client(),
            counts: DownstreamCounts::default(),
        })
    }

    /// One blocking GET to the downstream, counted: the answer's head, then its body read to
    /// the end (so the connection goes back to the pool); the client's own timeout bounds
    /// the whole call. The calling thread does nothing else meanwhile.
    ///
    /// # Errors
    /// Why the call failed, as the client should hear it.
    pub fn get(&self) -> Result<(), DownstreamError> {
        self.counts.record(self.exchange())
    }

    fn exchange(&self) -> Result<(), DownstreamError> {
        let mut response = self
            .client
            .get(&self.url)
            .call()
            .map_err(|error| DownstreamError::from_ureq(&error))?;
        let mut body = response.body_mut().as_reader();
        std::io::copy(&mut body, &mut std::io::sink())
            .map_err(|error| DownstreamError::from_io(&error))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(DownstreamError::Status(status.as_u16()))
        }
    }
}

/// Why a downstream call failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownstreamError {
    /// No connection: refused (nobody listens there), or the connect failed otherwise.
    Refused,
    /// The call took longer than `--downstream-timeout-ms`.
    Timeout,
    /// The downstream answered with this status, not a 2xx.
    Status(u16),
    /// Connected, but the exchange broke: a reset, a malformed answer, a body cut short.
    Broken,
}

impl DownstreamError {
    /// The status the client gets: `504 Gateway Timeout` for a timeout, `502 Bad Gateway`
    /// for everything else.
    pub fn status(self) -> u16 {
        match self {
            Self::Timeout => 504,
            Self::Refused | Self::Status(_) | Self::Broken => 502,
        }
    }

    /// The short body the client gets.
    pub fn message(self) -> String {
        match self {
            Self::Refused => "Bad Gateway: the downstream refused the connection".to_owned(),
            Self::Timeout => "Gateway Timeout: the downstream did not answer in time".to_owned(),
            Self::Status(status) => format!("Bad Gateway: the downstream answered {status}"),
            Self::Broken => "Bad Gateway: the downstream connection broke".to_owned(),
        }
    }

    /// An I/O error during a call: a timeout, a refused connection, or a broken exchange.
    /// (ureq's body reader wraps its own errors, its timeout among them, in an I/O error.)
    pub fn from_io(error: &std::io::Error) -> Self {
        use std::io::ErrorKind;
        #[cfg(feature = "blocking-client")]
        if let Some(inner) = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<ureq::Error>())
        {
            return Self::from_ureq(inner);
        }
        match error.kind() {
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Self::Timeout,
            ErrorKind::ConnectionRefused => Self::Refused,
            _ => Self::Broken,
        }
    }

    /// What a failed ureq call means here.
    #[cfg(feature = "blocking-client")]
    pub fn from_ureq(error: &ureq::Error) -> Self {
        match error {
            ureq::Error::Timeout(_) => Self::Timeout,
            ureq::Error::StatusCode(status) => Self::Status(*status),
            ureq::Error::Io(error) => Self::from_io(error),
            ureq::Error::ConnectionFailed | ureq::Error::HostNotFound => Self::Refused,
            _ => Self::Broken,
        }
    }

    /// What a failed hyper-util client call means here (its timeout is the caller's).
    #[cfg(feature = "async-client")]
    pub fn from_hyper(error: &hyper_util::client::legacy::Error) -> Self {
        if error.is_connect() {
            Self::Refused
        } else {
            Self::Broken
        }
    }
}

/// The async servers' answer to a failed call: [`DownstreamError::status`] with
/// [`DownstreamError::message`].
#[cfg(feature = "async")]
impl axum::response::IntoResponse for DownstreamError {
    fn into_response(self) -> axum::response::Response {
        let status = axum::http::StatusCode::from_u16(self.status())
            .unwrap_or(axum::http::StatusCode::BAD_GATEWAY);
        (status, self.message()).into_response()
    }
}

/// Every downstream call's outcome, counted (one relaxed atomic add per call), and logged
/// once at shutdown: nothing is logged per request.
#[derive(Debug, Default)]
pub struct DownstreamCounts {
    answered: AtomicU64,
    refused: AtomicU64,
    timeout: AtomicU64,
    non_2xx: AtomicU64,
    broken: AtomicU64,
}

impl DownstreamCounts {
    /// Counts `outcome` and hands it back.
    ///
    /// # Errors
    /// `outcome`'s error, unchanged.
    pub fn record(&self, outcome: Result<(), DownstreamError>) -> Result<(), DownstreamError> {
        let counter = match outcome {
            Ok(()) => &self.answered,
            Err(DownstreamError::Refused) => &self.refused,
            Err(DownstreamError::Timeout) => &self.timeout,
            Err(DownstreamError::Status(_)) => &self.non_2xx,
            Err(DownstreamError::Broken) => &self.broken,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        outcome
    }

    /// The totals: (answered, refused, timeout, non-2xx, broken).
    pub fn totals(&self) -> (u64, u64, u64, u64, u64) {
        let read = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        (
            read(&self.answered),
            read(&self.refused),
            read(&self.timeout),
            read(&self.non_2xx),
            read(&self.broken),
        )
    }

    /// One line at info with the totals, for the run's log: `downstream calls url=...
    /// answered=N refused=N timeout=N non_2xx=N broken=N`.
    pub fn log_totals(&self, url: &str) {
        let (answered, refused, timeout, non_2xx, broken) = self.totals();
        info!(
            url,
            answered, refused, timeout, non_2xx, broken, "downstream calls"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_http_urls_with_a_host_are_taken() {
        for good in [
            "http://127.0.0.1:9001/",
            "http://localhost:9001",
            "http://[::1]:9001/x?y",
        ] {
            assert_eq!(parse_http_url(good).as_deref(), Ok(good));
        }
        for bad in [
            "https://127.0.0.1/",
            "127.0.0.1:9001",
            "http://",
            "http:///x",
            "",
        ] {
            assert!(parse_http_url(bad).is_err(), "{bad:?} was taken");
        }
    }

    #[test]
    fn a_timeout_is_504_and_every_other_failure_502() {
        let cases = [
            (DownstreamError::Refused, 502),
            (DownstreamError::Timeout, 504),
            (DownstreamError::Status(404), 502),
            (DownstreamError::Status(500), 502),
            (DownstreamError::Broken, 502),
        ];
        for (error, status) in cases {
            assert_eq!(error.status(), status, "{error:?}");
            assert!(!error.message().is_empty());
        }
        assert!(DownstreamError::Status(404).message().contains("404"));
    }

    #[test]
    fn io_errors_are_told_apart() {
        use std::io::{Error, ErrorKind};
        let cases = [
            (ErrorKind::TimedOut, DownstreamError::Timeout),
            (ErrorKind::WouldBlock, DownstreamError::Timeout),
            (ErrorKind::ConnectionRefused, DownstreamError::Refused),
            (ErrorKind::ConnectionReset, DownstreamError::Broken),
            (ErrorKind::UnexpectedEof, DownstreamError::Broken),
        ];
        for (kind, expected) in cases {
            assert_eq!(DownstreamError::from_io(&Error::from(kind)), expected);
        }
    }

    #[cfg(feature = "blocking-client")]
    #[test]
    fn ureq_errors_are_told_apart_also_inside_its_body_reader() {
        use std::io::{Error, ErrorKind};
        let timeout = || ureq::Error::Timeout(ureq::Timeout::Global);
        let cases = [
            (timeout(), DownstreamError::Timeout),
            (ureq::Error::StatusCode(503), DownstreamError::Status(503)),
            (
                ureq::Error::Io(Error::from(ErrorKind::ConnectionRefused)),
                DownstreamError::Refused,
            ),
            (ureq::Error::ConnectionFailed, DownstreamError::Refused),
            (ureq::Error::HostNotFound, DownstreamError::Refused),
            (
                ureq::Error::Io(Error::from(ErrorKind::ConnectionReset)),
                DownstreamError::Broken,
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(DownstreamError::from_ureq(&error), expected, "{error}");
            // What the body reader gives for the same error.
            assert_eq!(DownstreamError::from_io(&error.into_io()), expected);
        }
    }

    #[test]
    fn each_outcome_is_counted_under_its_kind() {
        let counts = DownstreamCounts::default();
        let outcomes = [
            Ok(()),
            Ok(()),
            Err(DownstreamError::Refused),
            Err(DownstreamError::Timeout),
            Err(DownstreamError::Status(404)),
            Err(DownstreamError::Status(503)),
            Err(DownstreamError::Broken),
        ];
        for outcome in outcomes {
            assert_eq!(counts.record(outcome), outcome);
        }
        assert_eq!(counts.totals(), (2, 1, 1, 2, 1));
    }

    #[test]
    fn without_keep_alive_the_pool_keeps_nothing() {
        use clap::Parser;
        #[derive(Parser)]
        struct Flags {
            #[command(flatten)]
            downstream: DownstreamArgs,
        }
        let defaults = Flags::parse_from(["x"]).downstream;
        assert_eq!(defaults.downstream, None);
        assert_eq!(defaults.timeout(), Duration::from_secs(2));
        assert_eq!(
            (defaults.pool(), defaults.keep_alive()),
            (1024, Duration::from_secs(15))
        );
        let no_keep_alive =
            Flags::parse_from(["x", "--downstream-keep-alive-secs", "0"]).downstream;
        assert_eq!(no_keep_alive.pool(), 0);
        assert!(Flags::try_parse_from(["x", "--downstream", "https://x/"]).is_err());
        assert!(Flags::try_parse_from(["x", "--downstream-timeout-ms", "0"]).is_err());
    }
}
