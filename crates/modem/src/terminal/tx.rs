//! What the audio terminal sends: a queue of segments (silences, tones, V.21 bursts, fast-modem
//! bursts), each T.30 transmission ending with a marker at which T.30 hears `TransmitDone`,
//! and, behind the queue, CNG's cadence going on while a caller waits to be answered.

use std::collections::VecDeque;

use crate::bits::BitQueue;
use crate::fast::FastTransmitter;
use crate::fsk::FskTransmitter;
use crate::tone::ToneSender;

/// One piece of a transmission.
#[derive(Debug)]
pub(super) enum Segment {
    Silence {
        samples: usize,
    },
    Tone(ToneSender),
    Control {
        modem: FskTransmitter,
        bits: BitQueue,
    },
    Fast {
        modem: Box<FastTransmitter>,
        bits: BitQueue,
    },
    /// The transmission T.30 asked for is complete.
    Done,
}

/// The transmit side.
#[derive(Debug, Default)]
pub(super) struct Sender {
    queue: VecDeque<Segment>,
    /// CNG's cadence while a caller waits for the far end (sent when the queue is empty).
    cadence: Option<ToneSender>,
}

impl Sender {
    pub(super) fn push(&mut self, segment: Segment) {
        self.queue.push_back(segment);
    }

    /// Whether a T.30 transmission is in progress (the background cadence does not count).
    pub(super) fn busy(&self) -> bool {
        !self.queue.is_empty()
    }

    pub(super) fn start_cadence(&mut self, tone: ToneSender) {
        self.cadence = Some(tone);
    }

    pub(super) fn stop_cadence(&mut self) {
        self.cadence = None;
    }

    pub(super) fn cadence_running(&self) -> bool {
        self.cadence.is_some()
    }

    /// Drops everything (the call is over).
    pub(super) fn clear(&mut self) {
        self.queue.clear();
        self.cadence = None;
    }

    /// Fills `out` with what is to be sent, silence when there is nothing; stops right after
    /// the end of a T.30 transmission. Returns the samples written and whether a transmission
    /// ended there.
    pub(super) fn transmit(&mut self, out: &mut [i16]) -> (usize, bool) {
        let mut at = 0;
        while at < out.len() {
            let Some(segment) = self.queue.front_mut() else {
                let rest = &mut out[at..];
                let n = self.cadence.as_mut().map_or(0, |c| c.transmit(rest));
                rest[n..].iter_mut().for_each(|s| *s = 0);
                if n < rest.len() {
                    self.cadence = None;
                }
                return (out.len(), false);
            };
            let rest = &mut out[at..];
            let (n, finished) = match segment {
                Segment::Silence { samples } => {
                    let n = (*samples).min(rest.len());
                    rest[..n].iter_mut().for_each(|s| *s = 0);
                    *samples -= n;
                    (n, *samples == 0)
                }
                Segment::Tone(tone) => {
                    let n = tone.transmit(rest);
                    (n, n < rest.len())
                }
                Segment::Control { modem, bits } => {
                    let n = modem.transmit(rest, bits);
                    (n, n < rest.len())
                }
                Segment::Fast { modem, bits } => {
                    let n = modem.transmit(rest, bits);
                    (n, n < rest.len())
                }
                Segment::Done => {
                    self.queue.pop_front();
                    return (at, true);
                }
            };
            at += n;
            if finished {
                self.queue.pop_front();
            }
        }
        // A transmission that ends exactly at the end of `out` is reported on the next call.
        if matches!(self.queue.front(), Some(Segment::Done)) {
            self.queue.pop_front();
            return (at, true);
        }
        (at, false)
    }
}
