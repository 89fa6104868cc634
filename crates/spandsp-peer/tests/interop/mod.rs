//! Shared pieces of the interop tests: pages, ferrofax's side of a call, SpanDSP's side behind
//! UDPTL, and running the two over the in-memory link.

#![allow(dead_code)]

use std::time::Duration;

use ferrofax_spandsp_peer::{SpandspOverUdptl, SpandspTerminal, TerminalConfig};
use ferrofax_t30::{CallRole, Completion, Config, Event, ReceivedPage, Session};
use ferrofax_t38::sim::{LineModel, LinkOutcome, run_link};
use ferrofax_t38::udptl::ErrorCorrection;
use ferrofax_t38::{T38Call, T38Config};

pub const OUR_ID: &str = "+1 555 0100";
pub const SPANDSP_ID: &str = "+49 30 1234567";

pub fn our_config(role: CallRole) -> Config {
    Config::new(role, OUR_ID)
}

pub fn t38(version: u8) -> T38Config {
    let mut c = T38Config::default();
    c.terminal.version = version;
    c
}

/// SpanDSP's terminal behind UDPTL with redundancy 3.
pub fn spandsp(cfg: &TerminalConfig) -> SpandspOverUdptl {
    let t = SpandspTerminal::new(cfg).expect("SpanDSP terminal");
    SpandspOverUdptl::new(t, ErrorCorrection::Redundancy { depth: 3 }, 1400)
}

pub struct CallResult {
    pub ours: Completion,
    pub received: Vec<ReceivedPage>,
    pub events: Vec<Event>,
    pub link: LinkOutcome,
}

/// Runs our call against SpanDSP until both finish (at most `limit_s` simulated seconds).
pub fn run(ours: Session, cfg: T38Config, peer: &mut SpandspOverUdptl, line: LineModel, limit_s: u64) -> CallResult {
    let mut call = T38Call::new(ours, cfg);
    let back = LineModel { seed: line.seed.wrapping_add(77), ..line };
    let link = run_link(&mut call, peer, line, back, Duration::from_secs(limit_s));
    let mut events = Vec::new();
    while let Some(e) = call.poll_event() {
        events.push(e);
    }
    let ours = call.session().completion().cloned().unwrap_or_else(|| {
        let log = peer.terminal.log_lines().join("\n");
        panic!("our session did not finish in {limit_s} s; events {events:?}\nSpanDSP log:\n{log}")
    });
    let received = events
        .iter()
        .filter_map(|e| match e {
            Event::PageReceived { received, .. } => Some((**received).clone()),
            _ => None,
        })
        .collect();
    CallResult { ours, received, events, link }
}

/// Panics with SpanDSP's log when `cond` fails.
pub fn check(cond: bool, what: &str, peer: &SpandspOverUdptl, result: &CallResult) {
    if !cond {
        let log = peer.terminal.log_lines().join("\n");
        panic!("{what}\nours: {:?}\nSpanDSP: {:?}\nSpanDSP log:\n{log}", result.ours, peer.terminal.phase_e());
    }
}
