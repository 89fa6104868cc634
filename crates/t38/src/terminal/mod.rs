//! The T.38 terminal: the fax modem T.30 talks to when the line is IP. It turns T.30's modem
//! commands into IFP packets paced at the modem's real rate (indicators, V.21 HDLC frames,
//! training and TCF, non-ECM page data, ECM frames), and turns received IFP packets back into
//! modem events (frames with their FCS verdict, image data, signal starts and ends), tolerating
//! repeats, loss and the quirks of other implementations.
//!
//! Sans-IO: time is passed in, packets are polled out.

mod rx;
#[cfg(test)]
mod tests;
mod tx;

use std::collections::VecDeque;
use std::time::Duration;

use ferrofax_t30::{Listen, ModemEvent, Modulation};

use crate::{DataType, Indicator};

/// How the training check travels (SDP `T38FaxRateManagement`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateManagement {
    /// TCF is sent over IP and judged by the receiving terminal (the usual method for UDPTL).
    TransferredTcf,
    /// TCF stays local: the sender sends only the training indicator and the receiving
    /// terminal stands in a good TCF for its T.30.
    LocalTcf,
}

/// How the terminal behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TerminalConfig {
    /// The T.38 version agreed in SDP (0–3): it decides how field types are coded.
    pub version: u8,
    pub rate_management: RateManagement,
    /// Remove fill bits from non-ECM page data (SDP `T38FaxFillBitRemoval` agreed).
    pub fill_bit_removal: bool,
    /// Copies of each indicator (same sequence number).
    pub indicator_copies: u32,
    /// Copies of each packet that ends a signal.
    pub end_copies: u32,
    /// Data is paced in pieces of this much air time.
    pub chunk: Duration,
}

impl Default for TerminalConfig {
    fn default() -> Self {
        TerminalConfig {
            version: 0,
            rate_management: RateManagement::TransferredTcf,
            fill_bit_removal: false,
            indicator_copies: 3,
            end_copies: 3,
            chunk: Duration::from_millis(30),
        }
    }
}

/// An IFP packet to send, and how many identical copies (same sequence number) to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingIfp {
    pub ifp: Vec<u8>,
    pub copies: u32,
}

/// One scheduled packet; `done` marks the end of a T.30 transmission.
#[derive(Debug, Clone)]
struct Scheduled {
    at: Duration,
    ifp: Option<OutgoingIfp>,
    done: bool,
}

/// What is being received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Control,
    Image(Option<Modulation>),
}

/// A T.38 terminal (one call).
#[derive(Debug)]
pub struct T38Terminal {
    cfg: TerminalConfig,
    schedule: VecDeque<Scheduled>,
    /// Where the next transmission may begin.
    cursor: Duration,
    outgoing: VecDeque<OutgoingIfp>,
    events: VecDeque<ModemEvent>,
    sent_anything: bool,
    hung_up: bool,
    listen: Listen,
    // Receiving.
    signal: Option<Signal>,
    hdlc: Vec<u8>,
    hdlc_type: Option<DataType>,
    hdlc_damaged: bool,
    /// The last indicator received (repeats with new sequence numbers are ignored).
    last_indicator: Option<Indicator>,
    /// LocalTCF: the signal being received is a training check to stand in for (its data, if
    /// the far end sends any, is ignored).
    tcf_stood_in: bool,
    /// Packets that did not decode.
    pub bad_packets: u64,
}

impl T38Terminal {
    pub fn new(cfg: TerminalConfig) -> T38Terminal {
        T38Terminal {
            cfg,
            schedule: VecDeque::new(),
            cursor: Duration::ZERO,
            outgoing: VecDeque::new(),
            events: VecDeque::new(),
            sent_anything: false,
            hung_up: false,
            listen: Listen::Control,
            signal: None,
            hdlc: Vec::new(),
            hdlc_type: None,
            hdlc_damaged: false,
            last_indicator: None,
            tcf_stood_in: false,
            bad_packets: 0,
        }
    }

    pub fn config(&self) -> &TerminalConfig {
        &self.cfg
    }

    /// The next packet to send.
    pub fn poll_ifp(&mut self) -> Option<OutgoingIfp> {
        self.outgoing.pop_front()
    }

    /// The next event for T.30.
    pub fn poll_event(&mut self) -> Option<ModemEvent> {
        self.events.pop_front()
    }

    /// When the next scheduled packet is due.
    pub fn poll_timeout(&self) -> Option<Duration> {
        self.schedule.front().map(|s| s.at)
    }

    /// Releases every packet due by `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        while let Some(s) = self.schedule.front() {
            if s.at > now {
                break;
            }
            let s = self.schedule.pop_front().expect("front exists");
            if let Some(ifp) = s.ifp {
                self.outgoing.push_back(ifp);
            }
            if s.done {
                self.events.push_back(ModemEvent::TransmitDone);
            }
        }
    }

    /// Nothing left to send.
    pub fn is_idle(&self) -> bool {
        self.schedule.is_empty() && self.outgoing.is_empty()
    }

    /// Whether T.30 has released the line.
    pub fn is_hung_up(&self) -> bool {
        self.hung_up
    }
}

/// The modulation an IFP data type carries (None for V.21).
pub(crate) fn modulation_of(t: DataType) -> Option<Modulation> {
    Some(match t {
        DataType::V27_2400 => Modulation::V27ter2400,
        DataType::V27_4800 => Modulation::V27ter4800,
        DataType::V29_7200 => Modulation::V29_7200,
        DataType::V29_9600 => Modulation::V29_9600,
        DataType::V17_7200 => Modulation::V17_7200,
        DataType::V17_9600 => Modulation::V17_9600,
        DataType::V17_12000 => Modulation::V17_12000,
        DataType::V17_14400 => Modulation::V17_14400,
        _ => return None,
    })
}

/// The IFP data type for a modulation.
pub(crate) fn data_type_of(m: Modulation) -> DataType {
    match m {
        Modulation::V27ter2400 => DataType::V27_2400,
        Modulation::V27ter4800 => DataType::V27_4800,
        Modulation::V29_7200 => DataType::V29_7200,
        Modulation::V29_9600 => DataType::V29_9600,
        Modulation::V17_7200 => DataType::V17_7200,
        Modulation::V17_9600 => DataType::V17_9600,
        Modulation::V17_12000 => DataType::V17_12000,
        Modulation::V17_14400 => DataType::V17_14400,
    }
}

/// The training indicator for a modulation (V.17 has short and long training).
pub(crate) fn training_indicator(m: Modulation, long: bool) -> Indicator {
    match (m, long) {
        (Modulation::V27ter2400, _) => Indicator::V27_2400Training,
        (Modulation::V27ter4800, _) => Indicator::V27_4800Training,
        (Modulation::V29_7200, _) => Indicator::V29_7200Training,
        (Modulation::V29_9600, _) => Indicator::V29_9600Training,
        (Modulation::V17_7200, false) => Indicator::V17_7200ShortTraining,
        (Modulation::V17_7200, true) => Indicator::V17_7200LongTraining,
        (Modulation::V17_9600, false) => Indicator::V17_9600ShortTraining,
        (Modulation::V17_9600, true) => Indicator::V17_9600LongTraining,
        (Modulation::V17_12000, false) => Indicator::V17_12000ShortTraining,
        (Modulation::V17_12000, true) => Indicator::V17_12000LongTraining,
        (Modulation::V17_14400, false) => Indicator::V17_14400ShortTraining,
        (Modulation::V17_14400, true) => Indicator::V17_14400LongTraining,
    }
}

/// The modulation a training indicator announces.
pub(crate) fn trained_modulation(i: Indicator) -> Option<Modulation> {
    Some(match i {
        Indicator::V27_2400Training => Modulation::V27ter2400,
        Indicator::V27_4800Training => Modulation::V27ter4800,
        Indicator::V29_7200Training => Modulation::V29_7200,
        Indicator::V29_9600Training => Modulation::V29_9600,
        Indicator::V17_7200ShortTraining | Indicator::V17_7200LongTraining => Modulation::V17_7200,
        Indicator::V17_9600ShortTraining | Indicator::V17_9600LongTraining => Modulation::V17_9600,
        Indicator::V17_12000ShortTraining | Indicator::V17_12000LongTraining => Modulation::V17_12000,
        Indicator::V17_14400ShortTraining | Indicator::V17_14400LongTraining => Modulation::V17_14400,
        _ => return None,
    })
}
