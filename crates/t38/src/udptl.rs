//! UDPTL framing (T.38 §9.1 and Annex C): the datagram that carries one IFP with its sequence
//! number and error-recovery data — older IFPs repeated (redundancy) or XOR parity (FEC).
//!
//! This module owns the datagram codec ([`UdptlPacket`], and [`UdptlView`] which borrows instead
//! of allocating); [`UdptlSender`] and [`UdptlReceiver`] keep the per-session sequence state and
//! apply the error-recovery schemes. Coding is aligned PER as SpanDSP's test code, Asterisk and
//! FreeSWITCH write it:
//!
//! ```text
//! seq (2 octets, big-endian) | primary IFP (length + octets) | 0x00 count secondaries... (newest first)
//!                                                            | 0x80 01 span count parity-entries...
//! ```
//!
//! A zero-length IFP is sent as the single octet `0x00` (X.691's rule for empty open types).
//! Lengths and counts above 16383 would need PER fragmentation, which UDPTL never uses: they are
//! refused when encoding and rejected when decoding.

#![warn(missing_docs)]

mod fec;
mod receiver;
mod sender;
#[cfg(test)]
mod tests;

use std::fmt;
use std::ops::Range;

pub use receiver::{DEFAULT_RESYNC_THRESHOLD, Received, ReceiverStats, UdptlReceiver};
pub use sender::{
    DEFAULT_MAX_DATAGRAM, ErrorCorrection, MAX_FEC_PACKETS, MAX_REDUNDANCY_DEPTH, MAX_SANE_DATAGRAM, UdptlSender,
};

use crate::per::{LengthError, MAX_LENGTH_DETERMINANT, length_len, put_length, read_length};

/// Longest IFP (or parity entry) one UDPTL packet can carry: one unfragmented length determinant.
pub const MAX_IFP_LEN: usize = MAX_LENGTH_DETERMINANT;

/// One UDPTL datagram (owned).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UdptlPacket {
    /// Sequence number of the primary IFP.
    pub seq: u16,
    /// The IFP this datagram is for.
    pub primary: Vec<u8>,
    /// Error-recovery data for earlier IFPs.
    pub recovery: Recovery,
}

/// The error-recovery part of a UDPTL datagram.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recovery {
    /// Copies of earlier IFPs, newest first: entry `i` is IFP `seq - 1 - i`.
    Redundancy(Vec<Vec<u8>>),
    /// Annex C parity: entry `m` is the XOR of the `span` IFPs `seq - span·E + m + k·E`
    /// (`k` in `0..span`, `E` = number of entries), shorter IFPs zero-extended.
    Fec {
        /// `fec-npackets`: how many IFPs each parity entry covers.
        span: u32,
        /// The parity entries.
        entries: Vec<Vec<u8>>,
    },
}

/// One UDPTL datagram, borrowed from its bytes and already validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdptlView<'a> {
    /// Sequence number of the primary IFP.
    pub seq: u16,
    /// The IFP this datagram is for.
    pub primary: &'a [u8],
    /// Error-recovery data for earlier IFPs.
    pub recovery: RecoveryView<'a>,
}

/// The error-recovery part of a [`UdptlView`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecoveryView<'a> {
    /// Copies of earlier IFPs, newest first.
    Redundancy(OpenTypes<'a>),
    /// Annex C parity (see [`Recovery::Fec`]).
    Fec {
        /// `fec-npackets`.
        span: u32,
        /// The parity entries.
        entries: OpenTypes<'a>,
    },
}

/// A validated run of length-prefixed octet strings (secondary IFPs or parity entries), yielded
/// in order without allocating.
#[derive(Clone, Copy)]
pub struct OpenTypes<'a> {
    buf: &'a [u8],
    /// Octet position of the next entry's length in `buf`.
    pos: usize,
    remaining: usize,
}

/// Which part of a UDPTL datagram an error is about. Entry numbers count from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The two-octet sequence number.
    SeqNumber,
    /// The primary IFP.
    Primary,
    /// The error-recovery choice octet.
    ErrorRecovery,
    /// The number of secondary IFPs.
    SecondaryCount,
    /// A secondary IFP.
    Secondary(usize),
    /// The FEC span (`fec-npackets`).
    FecSpan,
    /// The number of FEC parity entries.
    FecEntryCount,
    /// A FEC parity entry.
    FecEntry(usize),
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Part::SeqNumber => f.write_str("the sequence number"),
            Part::Primary => f.write_str("the primary IFP"),
            Part::ErrorRecovery => f.write_str("the error-recovery type"),
            Part::SecondaryCount => f.write_str("the secondary IFP count"),
            Part::Secondary(i) => write!(f, "secondary IFP {i}"),
            Part::FecSpan => f.write_str("the FEC span"),
            Part::FecEntryCount => f.write_str("the FEC entry count"),
            Part::FecEntry(i) => write!(f, "FEC entry {i}"),
        }
    }
}

/// What can be wrong with a UDPTL datagram, or with a packet to be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UdptlError {
    /// The datagram ends before this part (or inside its length).
    #[error("UDPTL truncated: {0} is missing")]
    Truncated(Part),
    /// A part declares more octets than the datagram holds.
    #[error("UDPTL truncated: {part} declares {declared} octets, {remaining} remain")]
    Overrun {
        /// The part.
        part: Part,
        /// Its declared length.
        declared: usize,
        /// Octets left in the datagram.
        remaining: usize,
    },
    /// A length in PER fragments (`0xC0 | m`).
    #[error("{0} has a fragmented length (0xC0|m), which UDPTL packets never use")]
    Fragmented(Part),
    /// `fec-npackets` coded in 0 or more than 5 octets, or above 2³² − 1.
    #[error("the FEC span is coded in {0} octet(s) or does not fit 32 bits")]
    BadFecSpan(u8),
    /// Octets after the end of the packet.
    #[error("{0} unexpected octet(s) after the end of the UDPTL packet")]
    TrailingOctets(usize),
    /// (Encoding) an IFP or parity entry longer than [`MAX_IFP_LEN`].
    #[error("{part} is {len} octets long; at most 16383 fit in a UDPTL packet")]
    TooLong {
        /// The part.
        part: Part,
        /// Its length.
        len: usize,
    },
    /// (Encoding) more than 16383 secondary IFPs or parity entries.
    #[error("{0} entries in the error-recovery part; at most 16383 fit in a UDPTL packet")]
    TooManyEntries(usize),
}

impl UdptlPacket {
    /// Decodes one datagram (see [`UdptlView::decode`]).
    pub fn decode(datagram: &[u8]) -> Result<Self, UdptlError> {
        UdptlView::decode(datagram).map(|view| view.to_packet())
    }

    /// The datagram's octets.
    pub fn encode(&self) -> Result<Vec<u8>, UdptlError> {
        let mut out = Vec::new();
        self.encode_into(&mut out)?;
        Ok(out)
    }

    /// Appends the datagram's octets to `out`; on error nothing is appended.
    pub fn encode_into(&self, out: &mut Vec<u8>) -> Result<(), UdptlError> {
        check_open_type(&self.primary, Part::Primary)?;
        let (list, entry_part): (&[Vec<u8>], EntryPart) = match &self.recovery {
            Recovery::Redundancy(list) => (list, Part::Secondary),
            Recovery::Fec { entries, .. } => (entries, Part::FecEntry),
        };
        if list.len() > MAX_LENGTH_DETERMINANT {
            return Err(UdptlError::TooManyEntries(list.len()));
        }
        for (i, entry) in list.iter().enumerate() {
            check_open_type(entry, entry_part(i + 1))?;
        }
        out.extend_from_slice(&self.seq.to_be_bytes());
        put_open_type(out, &self.primary);
        match &self.recovery {
            Recovery::Redundancy(_) => out.push(0x00),
            Recovery::Fec { span, .. } => {
                out.push(0x80);
                put_fec_span(out, *span);
            }
        }
        put_length(out, list.len());
        list.iter().for_each(|entry| put_open_type(out, entry));
        Ok(())
    }
}

impl<'a> UdptlView<'a> {
    /// Decodes and validates one datagram without copying. Zero-length IFPs and entries are
    /// accepted; fragmented lengths, `fec-npackets` beyond 32 bits and trailing octets are
    /// rejected. Never panics, whatever the lengths and counts claim.
    pub fn decode(datagram: &'a [u8]) -> Result<Self, UdptlError> {
        let seq = datagram.get(..2).ok_or(UdptlError::Truncated(Part::SeqNumber))?;
        let seq = u16::from_be_bytes([seq[0], seq[1]]);
        let mut pos = 2;
        let primary = read_open_type(datagram, &mut pos, Part::Primary)?;
        let choice = *datagram.get(pos).ok_or(UdptlError::Truncated(Part::ErrorRecovery))?;
        pos += 1;
        let recovery = if choice & 0x80 == 0 {
            RecoveryView::Redundancy(read_open_types(datagram, &mut pos, Part::SecondaryCount, Part::Secondary)?)
        } else {
            let span = read_fec_span(datagram, &mut pos)?;
            let entries = read_open_types(datagram, &mut pos, Part::FecEntryCount, Part::FecEntry)?;
            RecoveryView::Fec { span, entries }
        };
        if pos != datagram.len() {
            return Err(UdptlError::TrailingOctets(datagram.len() - pos));
        }
        Ok(UdptlView { seq, primary, recovery })
    }

    /// The owned form.
    pub fn to_packet(&self) -> UdptlPacket {
        let recovery = match self.recovery {
            RecoveryView::Redundancy(list) => Recovery::Redundancy(list.map(<[u8]>::to_vec).collect()),
            RecoveryView::Fec { span, entries } => {
                Recovery::Fec { span, entries: entries.map(<[u8]>::to_vec).collect() }
            }
        };
        UdptlPacket { seq: self.seq, primary: self.primary.to_vec(), recovery }
    }
}

impl<'a> OpenTypes<'a> {
    /// An empty run.
    pub(crate) const EMPTY: OpenTypes<'static> = OpenTypes { buf: &[], pos: 0, remaining: 0 };

    /// The octet range of the next entry within the datagram it was decoded from.
    pub(crate) fn next_range(&mut self) -> Option<Range<usize>> {
        if self.remaining == 0 {
            return None;
        }
        let mut pos = self.pos;
        // Validated at decode time; stop quietly should that ever not hold.
        let len = read_length(self.buf, &mut pos).ok()?;
        let range = pos..pos + len;
        self.buf.get(range.clone())?;
        self.pos = range.end;
        self.remaining -= 1;
        Some(range)
    }

    /// The datagram the ranges of [`Self::next_range`] index into.
    pub(crate) fn datagram(&self) -> &'a [u8] {
        self.buf
    }
}

impl<'a> Iterator for OpenTypes<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let range = self.next_range()?;
        self.buf.get(range)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl ExactSizeIterator for OpenTypes<'_> {}

impl PartialEq for OpenTypes<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && (*self).zip(*other).all(|(a, b)| a == b)
    }
}

impl Eq for OpenTypes<'_> {}

impl fmt::Debug for OpenTypes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(*self).finish()
    }
}

/// Names entry `i` (from 1) of a recovery list in errors.
type EntryPart = fn(usize) -> Part;

/// Octets an open type of `len` octets takes on the wire (an empty one is sent as `01 00`).
pub(crate) const fn open_type_len(len: usize) -> usize {
    let len = if len == 0 { 1 } else { len };
    length_len(len) + len
}

fn check_open_type(data: &[u8], part: Part) -> Result<(), UdptlError> {
    if data.len() > MAX_IFP_LEN { Err(UdptlError::TooLong { part, len: data.len() }) } else { Ok(()) }
}

/// Appends an open type (callers have checked the length).
pub(crate) fn put_open_type(out: &mut Vec<u8>, data: &[u8]) {
    if data.is_empty() {
        out.extend_from_slice(&[0x01, 0x00]);
    } else {
        put_length(out, data.len());
        out.extend_from_slice(data);
    }
}

fn read_length_of(buf: &[u8], pos: &mut usize, part: Part) -> Result<usize, UdptlError> {
    read_length(buf, pos).map_err(|e| match e {
        LengthError::Truncated => UdptlError::Truncated(part),
        LengthError::Fragmented => UdptlError::Fragmented(part),
    })
}

fn read_open_type<'a>(buf: &'a [u8], pos: &mut usize, part: Part) -> Result<&'a [u8], UdptlError> {
    let declared = read_length_of(buf, pos, part)?;
    let remaining = buf.len().saturating_sub(*pos);
    let data = buf.get(*pos..*pos + declared).ok_or(UdptlError::Overrun { part, declared, remaining })?;
    *pos += declared;
    Ok(data)
}

/// Reads a count and validates that many open types after it.
fn read_open_types<'a>(
    buf: &'a [u8],
    pos: &mut usize,
    count_part: Part,
    entry_part: EntryPart,
) -> Result<OpenTypes<'a>, UdptlError> {
    let count = read_length_of(buf, pos, count_part)?;
    let start = *pos;
    // Each entry takes at least one octet, so a huge count fails after at most buf.len() steps.
    for i in 1..=count {
        read_open_type(buf, pos, entry_part(i))?;
    }
    Ok(OpenTypes { buf, pos: start, remaining: count })
}

/// Octets of the minimal two's-complement coding of a non-negative `span` (1 to 5).
fn fec_span_octets(span: u32) -> usize {
    (1..5).find(|&n| u64::from(span) < 1u64 << (8 * n - 1)).unwrap_or(5)
}

fn put_fec_span(out: &mut Vec<u8>, span: u32) {
    let n = fec_span_octets(span);
    out.push(n as u8);
    out.extend_from_slice(&u64::from(span).to_be_bytes()[8 - n..]);
}

/// Octets the `fec-npackets` integer takes on the wire, with its length octet.
pub(crate) fn fec_span_len(span: u32) -> usize {
    1 + fec_span_octets(span)
}

/// Reads `fec-npackets`, an unconstrained INTEGER: a length octet, then that many octets. The
/// value is read as unsigned (Asterisk writes spans up to 255 in one octet).
fn read_fec_span(buf: &[u8], pos: &mut usize) -> Result<u32, UdptlError> {
    let n = *buf.get(*pos).ok_or(UdptlError::Truncated(Part::FecSpan))?;
    if n == 0 || n > 5 {
        return Err(UdptlError::BadFecSpan(n));
    }
    let octets = buf.get(*pos + 1..*pos + 1 + n as usize).ok_or(UdptlError::Truncated(Part::FecSpan))?;
    let value = octets.iter().fold(0u64, |acc, &b| acc << 8 | u64::from(b));
    let span = u32::try_from(value).map_err(|_| UdptlError::BadFecSpan(n))?;
    *pos += 1 + n as usize;
    Ok(span)
}
