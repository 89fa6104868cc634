//! Fax modems over 8 kHz audio, sans-IO: samples in, samples out, time counted in samples;
//! no threads, no clock, no allocation per sample, and the same output for the same input.
//!
//! Modules: `g711` (μ-law and A-law), `level` (dBm0 and carrier detection), `oscillator`
//! (the phase-accumulator sine source every transmitter and mixer uses), `bits` (bit queues
//! in transmission order), `hdlc` (flags, zero insertion, FCS), `fsk` (V.21 channel 2) and
//! `tone` (CNG and CED), `filter` (root-raised-cosine pulses, FIR), `rx` (what every
//! receiver reports), `qam` (the blocks of the fast modems: modulator, front end, AGC,
//! timing, equaliser, carrier loop), `v27ter` and `v29` (the fast modems, transmitters and
//! receivers), `v17` (V.17: transmitter, receiver, trellis code and Viterbi decoder),
//! `fast` (the fast modems by T.30's names), `terminal` (the audio fax terminal: T.30's modem
//! over samples), `call` (a T.30 session and its audio terminal as one call), `recording` (a
//! fax read passively out of a recording), and `sim` (the line simulator for tests and
//! benchmarks).

pub mod bits;
pub mod call;
pub mod fast;
pub mod filter;
pub mod fsk;
pub mod g711;
pub mod hdlc;
pub mod level;
pub mod oscillator;
pub mod qam;
pub mod recording;
pub mod rx;
pub mod sim;
pub mod terminal;
pub mod tone;
pub mod v17;
pub mod v27ter;
pub mod v29;

pub use bits::{BitQueue, BitSource, OctetPacker};
pub use fsk::{FskReceiver, FskTransmitter};
pub use g711::Law;
pub use hdlc::{HdlcDecoder, HdlcEncoder, HdlcEvent};
pub use rx::RxEvent;
pub use tone::{ConnectTone, ToneDetector, ToneSender};
pub use v27ter::{V27terRate, V27terReceiver, V27terTransmitter};
pub use v29::{V29Rate, V29Receiver, V29Transmitter};
