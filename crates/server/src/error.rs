//! The service's errors, typed and with their sources. A refusal (a bad value, a missing job, a
//! command that does not apply) carries its stable kind and the words a user sees; a failure
//! inside the server keeps its cause as its source and says, in fax terms, what could not be
//! done. Only the HTTP edge turns them into `application/problem+json` (`http::Http`); a job's
//! detail takes [`ServiceError::user_words`], which never shows an internal cause.

use ferrofax_api::ProblemType;

use crate::store::StoreError;

/// What an operation of the service could not do.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Refused: a stable kind (invalid value, not found, forbidden, invalid state, …), why in
    /// words, and the request field at fault when there is one.
    #[error("{detail}")]
    Refused { kind: ProblemType, detail: String, field: Option<String> },
    /// The store failed.
    #[error("the database failed")]
    Store(#[from] StoreError),
    /// A step inside the server failed: what could not be done, and why.
    #[error("{what}")]
    Internal {
        what: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn refused(kind: ProblemType, detail: impl Into<String>) -> ServiceError {
        ServiceError::Refused { kind, detail: detail.into(), field: None }
    }

    /// A value outside its rules, naming its field.
    pub fn invalid(field: &str, detail: impl Into<String>) -> ServiceError {
        ServiceError::Refused { kind: ProblemType::InvalidValue, detail: detail.into(), field: Some(field.into()) }
    }

    /// `what` does not exist (or the caller may not know of it).
    pub fn not_found(what: &str) -> ServiceError {
        ServiceError::refused(ProblemType::NotFound, format!("{what} does not exist"))
    }

    pub fn forbidden(detail: impl Into<String>) -> ServiceError {
        ServiceError::refused(ProblemType::Forbidden, detail)
    }

    /// The thing is in no state for this.
    pub fn state(detail: impl Into<String>) -> ServiceError {
        ServiceError::refused(ProblemType::InvalidState, detail)
    }

    /// An internal step that failed: `what`, in fax terms; `source`, the cause for the log.
    pub fn internal(what: impl Into<String>, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        ServiceError::Internal { what: what.into(), source: source.into() }
    }

    /// Names the field at fault of a refusal.
    pub fn with_field(mut self, name: &str) -> ServiceError {
        if let ServiceError::Refused { field, .. } = &mut self {
            *field = Some(name.into());
        }
        self
    }

    /// The kind of problem this is on the wire.
    pub fn kind(&self) -> ProblemType {
        match self {
            ServiceError::Refused { kind, .. } => *kind,
            _ => ProblemType::Internal,
        }
    }

    /// What a user may read of it (in a job's detail): a refusal's words, or what failed
    /// inside the server without its cause.
    pub fn user_words(&self) -> String {
        match self {
            ServiceError::Refused { detail, .. } => detail.clone(),
            ServiceError::Store(_) => "the server's database could not be used".into(),
            ServiceError::Internal { what, .. } => what.clone(),
        }
    }

    /// The whole chain of causes, for the log.
    pub fn chain(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(c) = cause {
            text.push_str(": ");
            text.push_str(&c.to_string());
            cause = c.source();
        }
        text
    }
}

/// A blocking task that did not finish (it panicked or was cancelled).
impl From<tokio::task::JoinError> for ServiceError {
    fn from(e: tokio::task::JoinError) -> Self {
        ServiceError::internal("a worker task failed", e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_words_never_show_an_internal_cause() {
        let io = std::io::Error::other("EIO at sector 1234");
        let e = ServiceError::internal("the page file could not be read", io);
        assert_eq!(e.user_words(), "the page file could not be read");
        assert_eq!(e.chain(), "the page file could not be read: EIO at sector 1234");
        assert_eq!(e.kind(), ProblemType::Internal);
        let e = ServiceError::invalid("tsid", "too long");
        assert_eq!((e.user_words(), e.kind()), ("too long".to_string(), ProblemType::InvalidValue));
        let e = ServiceError::Store(StoreError::Conflict);
        assert!(!e.user_words().contains("changed"), "{}", e.user_words());
    }
}
