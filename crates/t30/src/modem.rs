//! What T.30 says to a fax modem and hears back, in T.30's own terms. A T.38 terminal is one
//! such modem; an audio modem or a Class 1 modem would be others, and T.30 does not change.
//!
//! The modem is half duplex as T.30 sees it: T.30 gives one transmit command at a time and
//! waits for [`ModemEvent::TransmitDone`] before the next. Receiving needs no command: the modem
//! reports whatever it hears (a T.38 peer names the modulation of everything it sends), and
//! [`ModemCommand::Receive`] only tells a modem that must choose what to listen for.

use ferrofax_image::Coding;

use crate::Modulation;

/// A call-progress tone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// Calling tone (1100 Hz) of the caller.
    Cng,
    /// Called terminal identification, the answer tone (2100 Hz).
    Ced,
}

/// What to listen for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Listen {
    /// V.21 HDLC frames (T.30 control).
    Control,
    /// The training check (TCF) after DCS, at this modulation.
    TrainingCheck(Modulation),
    /// A non-ECM page at this modulation.
    Image(Modulation),
    /// ECM frames at this modulation.
    EcmImage(Modulation),
}

/// A request from T.30 to its modem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemCommand {
    /// Send a tone for `ms` milliseconds.
    SendTone { tone: Tone, ms: u32 },
    /// Send HDLC frames at V.21 as one transmission (all but the last are non-final). Frames
    /// are address, control, FCF and FIF; the modem adds flags and FCS.
    SendControl(Vec<Vec<u8>>),
    /// The training check: long training, then 1.5 s of zeros at `modulation`.
    SendTcf { modulation: Modulation },
    /// A non-ECM page: training (long when `long_training`), then the coded data, which
    /// includes fill and RTC. The modem may add trailing zeros, and may take the fill out
    /// (T.38 fill-bit removal), for which it needs the page's coding and width.
    SendImage { modulation: Modulation, long_training: bool, coding: Coding, width: u32, data: Vec<u8> },
    /// ECM frames (FCD, then RCP) as HDLC at `modulation`.
    SendEcmFrames { modulation: Modulation, long_training: bool, frames: Vec<Vec<u8>> },
    /// Listen for this kind of signal.
    Receive(Listen),
    /// The call is over: stop sending, release the line.
    Hangup,
}

/// A report from the modem to T.30.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModemEvent {
    /// The last transmit command has been sent completely.
    TransmitDone,
    /// A tone was heard.
    Tone(Tone),
    /// V.21 flags began (a frame is on its way).
    ControlStarted,
    /// A fast-modem signal began (training detected).
    ImageStarted(Modulation),
    /// An HDLC frame arrived, at V.21 (`modulation` None) or at a fast rate (ECM). `fcs_ok`
    /// false for a frame that arrived damaged.
    Frame { data: Vec<u8>, fcs_ok: bool, modulation: Option<Modulation> },
    /// Non-ECM image data (training check or page), in transmission order.
    ImageData(Vec<u8>),
    /// The signal being received ended.
    SignalEnded,
    /// The line is gone (far end hung up, the transport closed).
    LineLost,
}
