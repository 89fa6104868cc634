//! Shared pieces of the interop tests: pages, ferrofax's side of a call, SpanDSP's side behind
//! UDPTL, and running the two over the in-memory link.

#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use ferrofax_image::{Bitmap, CodedPage, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_spandsp_peer::{SpandspOverUdptl, SpandspTerminal, TerminalConfig};
use ferrofax_t30::{CallRole, Completion, Config, Event, ReceivedPage, SendPage, Session};
use ferrofax_t38::sim::{LineModel, LinkOutcome, run_link};
use ferrofax_t38::udptl::ErrorCorrection;
use ferrofax_t38::{T38Call, T38Config};

pub const OUR_ID: &str = "+1 555 0100";
pub const SPANDSP_ID: &str = "+49 30 1234567";

/// A page of print-like marks, rules and a chequered block; `seed` varies it.
pub fn page(seed: u32, resolution: Resolution) -> Bitmap {
    let h = match resolution {
        Resolution::Standard => 1143,
        Resolution::Superfine => 4400,
        _ => 2286,
    };
    let mut b = Bitmap::new(1728, h);
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    let line_h = h / 60;
    for row in 0..55 {
        let y = 60 + row * line_h;
        let mut x = 120;
        while x < 1600 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let w = 4 + s % 22;
            if !s.is_multiple_of(5) {
                for yy in y..(y + line_h * 2 / 3).min(h) {
                    b.fill_run(yy, x, x + w);
                }
            }
            x += w + 3 + (s >> 8) % 9;
        }
    }
    for y in 20..24 {
        b.fill_run(y, 40, 1688);
    }
    for y in (h - 200)..(h - 100) {
        for x in (100..400).step_by(8) {
            if (x / 8 + y / 4) % 2 == 0 {
                b.fill_run(y, x, x + 4);
            }
        }
    }
    b
}

/// The pages as a TIFF SpanDSP can send (MMR strips).
pub fn write_pages(path: &Path, pages: &[SendPage]) {
    let coded: Vec<CodedPage> =
        pages.iter().map(|p| CodedPage::encode_mmr(&p.bitmap().unwrap(), p.resolution)).collect();
    std::fs::write(path, write_tiff(&coded, &FaxMetadata::default())).unwrap();
}

/// The pages SpanDSP wrote, decoded.
pub fn read_pages(path: &Path) -> Vec<Bitmap> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("SpanDSP wrote no TIFF at {}: {e}", path.display()));
    let tiff = read_tiff(&bytes, ReadLimits::default()).expect("SpanDSP's TIFF reads");
    (0..tiff.pages.len()).map(|i| tiff.decode_page(i).expect("page decodes")).collect()
}

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
