//! Wire types of the ferrofax HTTP API (`/v1`), shared by `faxd` and the client library.
//!
//! The names follow the fax client object model (FaxServer, FaxDoc, FaxJob, FaxPort,
//! FaxStatus, FaxRoutingMethod) in snake_case. The rules that both sides can check without a
//! server (identifier syntax, fax number syntax, setting ranges) live in [`validate`], so a
//! client can refuse bad input early with the same words the server would use.

pub mod account;
pub mod document;
pub mod event;
pub mod job;
pub mod port;
pub mod problem;
pub mod settings;
pub mod validate;

pub use account::{
    CSRF_HEADER, Credentials, NewToken, NewUser, PasswordChange, SESSION_COOKIE, SessionView, SignIn, TokenCreated,
    TokenView, UserCreated, UserView,
};
pub use document::{DocumentFormat, PreviewPage, PreviewResponse};
pub use event::{Event, EventBody};
pub use job::{
    Attempt, CoverPageTemplate, FaxDocFields, InboxFax, JobCommand, JobId, JobList, JobState, JobType, JobView,
    Priority, Recipient, SubmitRequest, SubmitResponse,
};
pub use port::{DeviceStatus, FaxStatus, PortPatch, PortView, RoutingMethodPatch, RoutingMethodView};
pub use problem::{Problem, ProblemType};
pub use settings::{ServerSettings, SettingsPatch, VersionInfo};

/// The media type of a problem report (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The API generation this crate describes; the server reports it in [`VersionInfo::api`].
pub const API_VERSION: u32 = 1;
