//! The sending half of a UDPTL session: numbers IFPs, remembers the recent ones, and wraps each
//! in a datagram with redundancy or FEC that fits the far end's maximum datagram size.
//! Sans-IO: it produces datagrams, the caller sends them (SpanDSP-style repeats of one IFP are
//! the same datagram sent again, not another call to [`UdptlSender::send`]).

use super::fec::{self, History};
use super::{MAX_IFP_LEN, Part, UdptlError, fec_span_len, open_type_len, put_open_type};
use crate::per::{length_len, put_length};

/// Datagram size assumed when the far end's `T38FaxMaxDatagram` is absent or silly (Asterisk's
/// default).
pub const DEFAULT_MAX_DATAGRAM: usize = 400;

/// Largest believable `T38FaxMaxDatagram`; larger values (and 0) are replaced by
/// [`DEFAULT_MAX_DATAGRAM`], as Asterisk does.
pub const MAX_SANE_DATAGRAM: usize = 1400;

/// Deepest redundancy the sender keeps (deeper settings are reduced to this).
pub const MAX_REDUNDANCY_DEPTH: u8 = 16;

/// Most IFPs one FEC datagram may cover (`span × entries`); the receiver's repair history.
pub const MAX_FEC_PACKETS: usize = fec::HISTORY;

/// The error-recovery scheme a sender applies (negotiated in SDP as `T38FaxUdpEC`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCorrection {
    /// No recovery data: every datagram says "0 secondaries".
    None,
    /// Each datagram repeats up to `depth` earlier IFPs, newest first.
    Redundancy {
        /// How many earlier IFPs to repeat (at most [`MAX_REDUNDANCY_DEPTH`]).
        depth: u8,
    },
    /// Annex C parity: `entries` parity entries, each the XOR of `span` IFPs.
    Fec {
        /// IFPs per parity entry (at least 1).
        span: u8,
        /// Parity entries per datagram (at least 1; `span × entries` at most [`MAX_FEC_PACKETS`]).
        entries: u8,
    },
}

impl ErrorCorrection {
    /// The scheme with its numbers brought within the limits above.
    pub fn clamped(self) -> Self {
        match self {
            ErrorCorrection::None | ErrorCorrection::Redundancy { depth: 0 } => ErrorCorrection::None,
            ErrorCorrection::Redundancy { depth } => {
                ErrorCorrection::Redundancy { depth: depth.min(MAX_REDUNDANCY_DEPTH) }
            }
            ErrorCorrection::Fec { span, entries } => {
                let entries = entries.clamp(1, MAX_FEC_PACKETS as u8);
                let span = span.clamp(1, (MAX_FEC_PACKETS / entries as usize) as u8);
                ErrorCorrection::Fec { span, entries }
            }
        }
    }

    /// How many earlier IFPs the sender must remember.
    fn history(self) -> usize {
        match self {
            ErrorCorrection::None => 0,
            ErrorCorrection::Redundancy { depth } => depth as usize,
            ErrorCorrection::Fec { span, entries } => span as usize * entries as usize,
        }
    }
}

/// Builds the datagrams of one UDPTL session direction. Sequence numbers start at 0 and wrap
/// from 0xFFFF to 0.
#[derive(Debug)]
pub struct UdptlSender {
    scheme: ErrorCorrection,
    max_datagram: usize,
    next_seq: u16,
    /// IFPs sent so far (saturating); drives the ramp-up of redundancy and FEC.
    sent: usize,
    history: History,
    /// Reused parity buffers.
    parity: Vec<Vec<u8>>,
}

impl UdptlSender {
    /// A sender applying `scheme` (see [`ErrorCorrection::clamped`]) to datagrams for a far end
    /// that accepts `far_max_datagram` octets (0 or above [`MAX_SANE_DATAGRAM`]:
    /// [`DEFAULT_MAX_DATAGRAM`]).
    pub fn new(scheme: ErrorCorrection, far_max_datagram: usize) -> Self {
        let scheme = scheme.clamped();
        let max_datagram = if far_max_datagram == 0 || far_max_datagram > MAX_SANE_DATAGRAM {
            DEFAULT_MAX_DATAGRAM
        } else {
            far_max_datagram
        };
        UdptlSender {
            scheme,
            max_datagram,
            next_seq: 0,
            sent: 0,
            history: History::with_capacity(scheme.history()),
            parity: Vec::new(),
        }
    }

    /// Starts numbering at `seq` instead of 0 (for tests, or to continue a numbering).
    pub fn starting_at(mut self, seq: u16) -> Self {
        self.next_seq = seq;
        self
    }

    /// The scheme in use (after clamping).
    pub fn scheme(&self) -> ErrorCorrection {
        self.scheme
    }

    /// The datagram size the sender keeps to (after replacing silly values).
    pub fn max_datagram(&self) -> usize {
        self.max_datagram
    }

    /// The sequence number the next IFP will get.
    pub fn next_seq(&self) -> u16 {
        self.next_seq
    }

    /// The largest IFP worth producing so that the recovery data still fits, by Asterisk's rule:
    /// redundancy `(max − 8) / (depth + 1)`, lowering the depth while that is below 80 (never to
    /// zero); FEC `(max − 10) / 2`; no recovery `max − 6`; then 5 % off. A hint for chunk sizes:
    /// [`Self::send`] accepts longer IFPs and sheds recovery data to fit.
    pub fn max_ifp_len(&self) -> usize {
        let max = self.max_datagram;
        let raw = match self.scheme {
            ErrorCorrection::None => max.saturating_sub(6),
            ErrorCorrection::Redundancy { depth } => {
                let mut depth = depth as usize;
                while depth > 1 && max.saturating_sub(8) / (depth + 1) < 80 {
                    depth -= 1;
                }
                max.saturating_sub(8) / (depth + 1)
            }
            ErrorCorrection::Fec { .. } => max.saturating_sub(10) / 2,
        };
        raw - raw / 20
    }

    /// Numbers `ifp` and returns its sequence number and datagram. Secondaries (or parity
    /// entries) are dropped, oldest first, until the datagram fits the far end's maximum; the
    /// primary is always sent. Fails only for an IFP longer than [`MAX_IFP_LEN`], without using
    /// a sequence number.
    pub fn send(&mut self, ifp: &[u8]) -> Result<(u16, Vec<u8>), UdptlError> {
        let mut out = Vec::new();
        let seq = self.send_into(ifp, &mut out)?;
        Ok((seq, out))
    }

    /// Like [`Self::send`], writing the datagram into `out` (its previous contents are
    /// replaced), so a caller can reuse one buffer.
    pub fn send_into(&mut self, ifp: &[u8], out: &mut Vec<u8>) -> Result<u16, UdptlError> {
        if ifp.len() > MAX_IFP_LEN {
            return Err(UdptlError::TooLong { part: Part::Primary, len: ifp.len() });
        }
        let seq = self.next_seq;
        out.clear();
        out.extend_from_slice(&seq.to_be_bytes());
        put_open_type(out, ifp);
        match self.scheme {
            ErrorCorrection::None => out.extend_from_slice(&[0x00, 0x00]),
            ErrorCorrection::Redundancy { depth } => self.put_redundancy(out, seq, depth as usize),
            ErrorCorrection::Fec { span, entries } => self.put_fec(out, seq, span as usize, entries as usize),
        }
        self.history.put(seq, ifp);
        self.next_seq = seq.wrapping_add(1);
        self.sent = self.sent.saturating_add(1);
        Ok(seq)
    }

    fn put_redundancy(&self, out: &mut Vec<u8>, seq: u16, depth: usize) {
        let secondary = |age: usize| self.history.get(seq.wrapping_sub(age as u16)).unwrap_or(&[]);
        let mut count = depth.min(self.sent);
        let mut size = out.len()
            + 1
            + length_len(count)
            + (1..=count).map(|age| open_type_len(secondary(age).len())).sum::<usize>();
        while count > 0 && size > self.max_datagram {
            size -= open_type_len(secondary(count).len()) + length_len(count) - length_len(count - 1);
            count -= 1;
        }
        out.push(0x00);
        put_length(out, count);
        (1..=count).for_each(|age| put_open_type(out, secondary(age)));
    }

    fn put_fec(&mut self, out: &mut Vec<u8>, seq: u16, span: usize, entries: usize) {
        // Wind up smoothly at the start, as Asterisk does: cover only IFPs that exist.
        let (span, mut entries) = match self.sent {
            n if n < span => (0, 0),
            n if n < span * entries => (span, n / span),
            _ => (span, entries),
        };
        if self.parity.len() < entries {
            self.parity.resize_with(entries, Vec::new);
        }
        loop {
            let mut size = out.len() + 1 + fec_span_len(span as u32) + length_len(entries);
            let mut complete = true;
            for m in 0..entries {
                complete &= fec::build_parity(&mut self.parity[m], &self.history, seq, span, entries, m);
                size += open_type_len(self.parity[m].len());
            }
            if !complete {
                // Cannot happen (the history holds span × entries IFPs); send no parity rather than wrong parity.
                entries = 0;
            }
            if size <= self.max_datagram || entries == 0 {
                break;
            }
            entries -= 1;
        }
        out.push(0x80);
        super::put_fec_span(out, span as u32);
        put_length(out, entries);
        self.parity[..entries].iter().for_each(|entry| put_open_type(out, entry));
    }
}
