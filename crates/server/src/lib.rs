//! faxd, the ferrofax fax server: configuration, store, queue and scheduler, lines, routing,
//! archive, delivery reports, events and the HTTP API. `startup::start` brings it up;
//! `http::router` serves it.

pub mod admin;
pub mod archive;
pub mod auth;
pub mod clock;
pub mod committer;
pub mod config;
pub mod conversion;
pub mod coverpage;
pub mod dispatch;
pub mod documents;
pub mod error;
pub mod events;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod lines;
pub mod pages;
pub mod ports;
pub mod queue;
pub mod reports;
pub mod routing;
pub mod scheduler;
pub mod service;
pub mod settings;
pub mod startup;
pub mod store;
pub mod submit;

pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use service::Core;
