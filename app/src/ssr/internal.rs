//! A failure inside the server (the database, the session store, a
//! library) on its way to becoming the 503 a person sees. [`Internal`]
//! keeps its cause and what was being done; it is logged once, with the
//! whole chain of causes, where it turns into the [`ApiError`] the
//! response carries (which says only "try again", in words). The log
//! line sits in the request's span (method, route, request id).

use crate::error::ApiError;
use std::error::Error;

type Cause = Box<dyn Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
#[error("{doing}")]
pub struct Internal {
    /// What was being done: "the database", "the session store".
    doing: &'static str,
    #[source]
    cause: Cause,
}

impl Internal {
    pub fn new(doing: &'static str, cause: impl Into<Cause>) -> Self {
        Self {
            doing,
            cause: cause.into(),
        }
    }
}

/// `err` followed by each of its causes: "the database: error returned
/// from database: relation \"users\" does not exist".
pub fn chain(err: &(dyn Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(err) = cause {
        text.push_str(": ");
        text.push_str(&err.to_string());
        cause = err.source();
    }
    text
}

impl From<Internal> for ApiError {
    fn from(err: Internal) -> Self {
        tracing::error!(error = %chain(&err), "answering 503");
        ApiError::unavailable()
    }
}

/// For `map_err`: a database error, as the response it becomes.
pub fn database(err: sqlx::Error) -> ApiError {
    Internal::new("the database", err).into()
}

/// For `map_err`: a session-store error, as the response it becomes.
pub fn session_store(err: impl Into<Cause>) -> ApiError {
    Internal::new("the session store", err).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_keeps_every_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "connection refused");
        let err = Internal::new("the session store", io);
        assert_eq!(chain(&err), "the session store: connection refused");
        let answer: ApiError = err.into();
        assert_eq!(answer.code, crate::error::ErrorCode::Unavailable);
        assert!(!answer.message.contains("refused"), "no cause reaches the person");
    }
}
