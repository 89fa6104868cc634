//! The fast modems as T.30 names them ([`Modulation`]): one transmitter type and one receiver
//! type over V.27ter, V.29 and V.17, so that the audio terminal and the recording decoder can
//! pick a modem by the modulation DCS agreed.

use ferrofax_t30::Modulation;

use crate::bits::BitQueue;
use crate::rx::RxEvent;
use crate::v17::{V17Rate, V17Receiver, V17Transmitter};
use crate::v27ter::{V27terRate, V27terReceiver, V27terTransmitter};
use crate::v29::{V29Rate, V29Receiver, V29Transmitter};

/// A fast-modem transmitter for one burst (training, data, shutdown).
#[derive(Debug)]
pub enum FastTransmitter {
    V27ter(V27terTransmitter),
    V29(V29Transmitter),
    V17(V17Transmitter),
}

impl FastTransmitter {
    /// A transmitter for `modulation`; `long_training` matters to V.17 only (the others have
    /// one training sequence).
    pub fn new(modulation: Modulation, long_training: bool, level_dbm0: f32, tep: bool) -> Self {
        let bps = modulation.bit_rate();
        match Family::of(modulation) {
            Family::V27ter => Self::V27ter(V27terTransmitter::new(v27ter_rate(bps), level_dbm0, tep)),
            Family::V29 => Self::V29(V29Transmitter::new(v29_rate(bps), level_dbm0, tep)),
            Family::V17 => Self::V17(V17Transmitter::new(v17_rate(bps), long_training, level_dbm0, tep)),
        }
    }

    /// Fills `out`; fewer samples than asked once the burst is over.
    pub fn transmit(&mut self, out: &mut [i16], bits: &mut BitQueue) -> usize {
        match self {
            Self::V27ter(m) => m.transmit(out, bits),
            Self::V29(m) => m.transmit(out, bits),
            Self::V17(m) => m.transmit(out, bits),
        }
    }
}

/// A fast-modem receiver, kept across bursts at one modulation.
#[derive(Debug)]
pub enum FastReceiver {
    V27ter(V27terReceiver),
    V29(V29Receiver),
    V17(Box<V17Receiver>),
}

impl FastReceiver {
    pub fn new(modulation: Modulation) -> Self {
        let bps = modulation.bit_rate();
        match Family::of(modulation) {
            Family::V27ter => Self::V27ter(V27terReceiver::new(v27ter_rate(bps))),
            Family::V29 => Self::V29(V29Receiver::new(v29_rate(bps))),
            Family::V17 => Self::V17(Box::new(V17Receiver::new(v17_rate(bps)))),
        }
    }

    /// Listens for a new burst; `short_training` (V.17) when what training taught is kept.
    pub fn restart(&mut self, short_training: bool) {
        match self {
            Self::V27ter(m) => m.reset(),
            Self::V29(m) => m.reset(),
            Self::V17(m) => {
                let rate = m.rate();
                m.restart(rate, short_training);
            }
        }
    }

    pub fn receive(&mut self, samples: &[i16], on_event: &mut dyn FnMut(RxEvent)) {
        match self {
            Self::V27ter(m) => m.receive(samples, on_event),
            Self::V29(m) => m.receive(samples, on_event),
            Self::V17(m) => m.receive(samples, on_event),
        }
    }

    pub fn fill_in(&mut self, samples: usize) {
        match self {
            Self::V27ter(m) => m.fill_in(samples),
            Self::V29(m) => m.fill_in(samples),
            Self::V17(m) => m.fill_in(samples),
        }
    }
}

/// The three fast-modem families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    V27ter,
    V29,
    V17,
}

impl Family {
    fn of(m: Modulation) -> Family {
        match m {
            Modulation::V27ter2400 | Modulation::V27ter4800 => Family::V27ter,
            Modulation::V29_7200 | Modulation::V29_9600 => Family::V29,
            Modulation::V17_7200 | Modulation::V17_9600 | Modulation::V17_12000 | Modulation::V17_14400 => Family::V17,
        }
    }
}

// Every T.30 modulation's rate is one its modem has.
fn v27ter_rate(bps: u32) -> V27terRate {
    V27terRate::from_bps(bps).expect("a V.27ter rate")
}

fn v29_rate(bps: u32) -> V29Rate {
    V29Rate::from_bps(bps).expect("a V.29 rate")
}

fn v17_rate(bps: u32) -> V17Rate {
    V17Rate::ALL.into_iter().find(|r| r.bit_rate() == bps).expect("a V.17 rate")
}
