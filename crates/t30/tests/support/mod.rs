//! An ideal modem pair for T.30 tests: what one session transmits reaches the other after the
//! time it takes on a real line (V.21 preamble and 300 bit/s frames, training, data at the
//! bit rate), with a hook that may damage or drop what travels.

#![allow(dead_code, clippy::needless_range_loop)]

use std::collections::VecDeque;
use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_t30::{Event, ModemCommand, ModemEvent, SendPage, Session};

/// What travels from one side to the other, for a fault hook to see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    Control(Vec<Vec<u8>>),
    Tcf(Vec<u8>),
    Image(Vec<u8>),
    Ecm(Vec<Vec<u8>>),
}

/// Decides what happens to a signal: returns it (maybe changed) or None to lose it.
pub type Fault = Box<dyn FnMut(usize, Signal) -> Option<Signal>>;

pub struct Run {
    pub events: [Vec<Event>; 2],
    pub elapsed: Duration,
}

fn duration_of(cmd: &ModemCommand) -> Duration {
    let ms = match cmd {
        ModemCommand::SendTone { ms, .. } => *ms as u64,
        ModemCommand::SendControl(frames) => {
            1000 + frames.iter().map(|f| (f.len() as u64 + 4) * 8 * 1000 / 300).sum::<u64>()
        }
        ModemCommand::SendTcf { .. } => 75 + 1400 + 1500,
        ModemCommand::SendImage { modulation, data, .. } => {
            75 + 200 + data.len() as u64 * 8 * 1000 / modulation.bit_rate() as u64
        }
        ModemCommand::SendEcmFrames { modulation, frames, .. } => {
            75 + 400
                + frames.iter().map(|f| (f.len() as u64 + 4) * 8 * 1000 / modulation.bit_rate() as u64).sum::<u64>()
        }
        _ => 0,
    };
    Duration::from_millis(ms)
}

/// Runs two sessions against each other until both finish or `limit` of simulated time passes.
pub fn run(mut a: Session, mut b: Session, mut fault: Fault, limit: Duration) -> (Run, Session, Session) {
    let mut now = Duration::ZERO;
    a.start(now);
    b.start(now);
    let mut events: [Vec<Event>; 2] = [Vec::new(), Vec::new()];
    // Per side: transmission in progress (done at), and arrivals for the other side.
    let mut busy: [Option<Duration>; 2] = [None, None];
    let mut arrivals: VecDeque<(Duration, usize, ModemEvent)> = VecDeque::new();
    let mut pending: [VecDeque<ModemCommand>; 2] = [VecDeque::new(), VecDeque::new()];
    loop {
        // Drain commands and events.
        for side in 0..2 {
            let s = if side == 0 { &mut a } else { &mut b };
            while let Some(c) = s.poll_command() {
                pending[side].push_back(c);
            }
            while let Some(e) = s.poll_event() {
                events[side].push(e);
            }
        }
        for side in 0..2 {
            if busy[side].is_some() {
                continue;
            }
            while let Some(cmd) = pending[side].pop_front() {
                let d = duration_of(&cmd);
                let signal = match &cmd {
                    ModemCommand::SendControl(f) => Some(Signal::Control(f.clone())),
                    ModemCommand::SendTcf { modulation } => {
                        Some(Signal::Tcf(vec![0; ferrofax_t30::tcf::tcf_octets(modulation.bit_rate())]))
                    }
                    ModemCommand::SendImage { data, .. } => Some(Signal::Image(data.clone())),
                    ModemCommand::SendEcmFrames { frames, .. } => Some(Signal::Ecm(frames.clone())),
                    ModemCommand::SendTone { .. } => None,
                    _ => continue,
                };
                let other = 1 - side;
                let mut at = now + d;
                let modulation = match &cmd {
                    ModemCommand::SendEcmFrames { modulation, .. } => Some(*modulation),
                    _ => None,
                };
                if let Some(sig) = signal.and_then(|s| fault(side, s)) {
                    let start = now + Duration::from_millis(1);
                    // A page the fault shortened is on the line for less time.
                    if let (Signal::Image(data), ModemCommand::SendImage { modulation, .. }) = (&sig, &cmd) {
                        at = now
                            + duration_of(&ModemCommand::SendImage {
                                modulation: *modulation,
                                long_training: false,
                                coding: ferrofax_image::Coding::Mh,
                                width: 1728,
                                data: data.clone(),
                            });
                    }
                    match sig {
                        Signal::Control(frames) => {
                            arrivals.push_back((start, other, ModemEvent::ControlStarted));
                            for f in frames {
                                // A frame whose address was hit arrives with a bad FCS.
                                let fcs_ok = f.first() == Some(&0xFF);
                                arrivals.push_back((
                                    at,
                                    other,
                                    ModemEvent::Frame { data: f, fcs_ok, modulation: None },
                                ));
                            }
                        }
                        Signal::Tcf(d) | Signal::Image(d) => {
                            let m = match &cmd {
                                ModemCommand::SendTcf { modulation } | ModemCommand::SendImage { modulation, .. } => {
                                    *modulation
                                }
                                _ => unreachable!(),
                            };
                            arrivals.push_back((start, other, ModemEvent::ImageStarted(m)));
                            // Data streams in half-second pieces, as it does on a line.
                            let piece = (m.bit_rate() / 16) as usize;
                            let pieces = d.len().div_ceil(piece).max(1);
                            for (i, chunk) in d.chunks(piece).enumerate() {
                                let t = start + (at - start) * (i as u32 + 1) / pieces as u32;
                                arrivals.push_back((t, other, ModemEvent::ImageData(chunk.to_vec())));
                            }
                        }
                        Signal::Ecm(frames) => {
                            arrivals.push_back((start, other, ModemEvent::ImageStarted(modulation.unwrap())));
                            let n = frames.len().max(1) as u32;
                            for (i, f) in frames.into_iter().enumerate() {
                                let t = start + (at - start) * (i as u32 + 1) / n;
                                arrivals.push_back((t, other, ModemEvent::Frame { data: f, fcs_ok: true, modulation }));
                            }
                        }
                    }
                    arrivals.push_back((at, other, ModemEvent::SignalEnded));
                }
                busy[side] = Some(at);
                break;
            }
        }
        if a.is_finished() && b.is_finished() {
            break;
        }
        // Next moment: a transmission ends, an arrival, or a timeout.
        let mut next = now + Duration::from_secs(3600);
        for t in busy.iter().flatten() {
            next = next.min(*t);
        }
        if let Some(t) = arrivals.iter().map(|x| x.0).min() {
            next = next.min(t);
        }
        for t in [a.poll_timeout(), b.poll_timeout()].into_iter().flatten() {
            next = next.min(t);
        }
        now = next.max(now);
        if now > limit {
            break;
        }
        for side in 0..2 {
            if busy[side].is_some_and(|t| t <= now) {
                busy[side] = None;
                let s = if side == 0 { &mut a } else { &mut b };
                s.handle_modem(now, ModemEvent::TransmitDone);
            }
        }
        let mut keep = VecDeque::new();
        while let Some((t, side, ev)) = arrivals.pop_front() {
            if t <= now {
                let s = if side == 0 { &mut a } else { &mut b };
                s.handle_modem(now, ev);
            } else {
                keep.push_back((t, side, ev));
            }
        }
        arrivals = keep;
        a.handle_timeout(now);
        b.handle_timeout(now);
    }
    for side in 0..2 {
        let s = if side == 0 { &mut a } else { &mut b };
        while let Some(e) = s.poll_event() {
            events[side].push(e);
        }
    }
    (Run { events, elapsed: now }, a, b)
}

/// A page with some print on it.
pub fn page(seed: u32, resolution: Resolution) -> SendPage {
    let h = if resolution == Resolution::Standard { 1100 } else { 2200 };
    let mut b = Bitmap::new(1728, h);
    let mut s = seed.wrapping_mul(2654435761) | 1;
    for y in (40..h - 40).step_by(23) {
        for x in (100..1600).step_by(37) {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            if !s.is_multiple_of(3) {
                let w = 5 + s % 25;
                for yy in y..y + 12 {
                    b.fill_run(yy, x, x + w);
                }
            }
        }
    }
    SendPage::new(b, resolution)
}

pub fn no_fault() -> Fault {
    Box::new(|_, s| Some(s))
}
