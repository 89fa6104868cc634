//! Errors as `application/problem+json` (RFC 9457), with a stable `type` per kind of error.

use serde::{Deserialize, Serialize};

/// The kinds of error the API reports. The `type` URI of each is stable: clients match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProblemType {
    /// A field or setting has a value outside its rules.
    InvalidValue,
    /// The request body is not what the endpoint takes (bad JSON, unknown field, bad multipart).
    MalformedRequest,
    /// The document's format is not one the server converts.
    UnsupportedFormat,
    /// The document could not be read (corrupt, empty, truncated).
    BadDocument,
    /// The upload, page count or image size is above a configured limit.
    TooLarge,
    /// No or a bad bearer token or sign-in session, or a wrong user name or password.
    Unauthorized,
    /// The caller's role does not allow this.
    Forbidden,
    /// No such job, port, fax or page.
    NotFound,
    /// The command does not apply in the job's current state.
    InvalidState,
    /// An Idempotency-Key was reused with a different request.
    IdempotencyConflict,
    /// Too many attempts (failed sign-ins) in a short time; `Retry-After` says when to try again.
    TooManyRequests,
    /// Something failed inside the server; the log has the details.
    Internal,
}

impl ProblemType {
    pub const ALL: [ProblemType; 12] = [
        ProblemType::InvalidValue,
        ProblemType::MalformedRequest,
        ProblemType::UnsupportedFormat,
        ProblemType::BadDocument,
        ProblemType::TooLarge,
        ProblemType::Unauthorized,
        ProblemType::Forbidden,
        ProblemType::NotFound,
        ProblemType::InvalidState,
        ProblemType::IdempotencyConflict,
        ProblemType::TooManyRequests,
        ProblemType::Internal,
    ];

    /// The short name at the end of the `type` URI.
    pub fn slug(self) -> &'static str {
        match self {
            ProblemType::InvalidValue => "invalid-value",
            ProblemType::MalformedRequest => "malformed-request",
            ProblemType::UnsupportedFormat => "unsupported-format",
            ProblemType::BadDocument => "bad-document",
            ProblemType::TooLarge => "too-large",
            ProblemType::Unauthorized => "unauthorized",
            ProblemType::Forbidden => "forbidden",
            ProblemType::NotFound => "not-found",
            ProblemType::InvalidState => "invalid-state",
            ProblemType::IdempotencyConflict => "idempotency-conflict",
            ProblemType::TooManyRequests => "too-many-requests",
            ProblemType::Internal => "internal",
        }
    }

    /// The `type` URI.
    pub fn uri(self) -> String {
        format!("urn:ferrofax:problem:{}", self.slug())
    }

    /// The HTTP status that goes with it.
    pub fn status(self) -> u16 {
        match self {
            ProblemType::InvalidValue => 422,
            ProblemType::MalformedRequest => 400,
            ProblemType::UnsupportedFormat => 415,
            ProblemType::BadDocument => 422,
            ProblemType::TooLarge => 413,
            ProblemType::Unauthorized => 401,
            ProblemType::Forbidden => 403,
            ProblemType::NotFound => 404,
            ProblemType::InvalidState => 409,
            ProblemType::IdempotencyConflict => 409,
            ProblemType::TooManyRequests => 429,
            ProblemType::Internal => 500,
        }
    }

    /// A short title for people.
    pub fn title(self) -> &'static str {
        match self {
            ProblemType::InvalidValue => "Invalid value",
            ProblemType::MalformedRequest => "Malformed request",
            ProblemType::UnsupportedFormat => "Unsupported document format",
            ProblemType::BadDocument => "Unreadable document",
            ProblemType::TooLarge => "Above a configured limit",
            ProblemType::Unauthorized => "Not authenticated",
            ProblemType::Forbidden => "Not allowed",
            ProblemType::NotFound => "Not found",
            ProblemType::InvalidState => "Not possible in the current state",
            ProblemType::IdempotencyConflict => "Idempotency key reused",
            ProblemType::TooManyRequests => "Too many requests",
            ProblemType::Internal => "Internal error",
        }
    }

    pub fn from_uri(uri: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.uri() == uri)
    }
}

/// A problem report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[error("{title}: {detail}")]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The request field or setting at fault, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl Problem {
    pub fn new(kind: ProblemType, detail: impl Into<String>) -> Self {
        Problem {
            problem_type: kind.uri(),
            title: kind.title().to_string(),
            status: kind.status(),
            detail: detail.into(),
            field: None,
        }
    }

    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The kind, when the `type` is one of ours.
    pub fn kind(&self) -> Option<ProblemType> {
        ProblemType::from_uri(&self.problem_type)
    }
}
