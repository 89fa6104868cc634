//! The receiving half of a UDPTL session: turns datagrams back into IFPs delivered exactly once
//! per sequence number and in sequence order, recovering lost ones from redundancy or FEC
//! parity, and reporting the ones that could not be recovered.
//!
//! Delivery is immediate, as in SpanDSP and Asterisk: when a datagram arrives ahead of the next
//! expected sequence number, the gap is filled at once from that datagram's secondaries or
//! parity (and the history of recent IFPs), and whatever stays missing is reported lost. There is
//! no reordering buffer, so a T.38 terminal sees no added delay; reordering within the redundancy
//! depth is still recovered because the later datagram carries the earlier IFPs.
//!
//! Sequence numbers: the same number again (SpanDSP sends key packets 3× with one number) and
//! numbers up to the resync threshold behind are dropped as duplicates or late; a forward jump up
//! to the threshold is loss (so both the 0xFFFF → 0 and the 0xFFFF → 1 wrap work); anything
//! further is a restart of the far end's numbering ([`Received::Resync`]).
//!
//! Known limit: a far end that wraps 0xFFFF → 1 and sends redundancy makes IFP 0xFFFF appear
//! again as a secondary "for 0". A secondary for 0 that equals the IFP delivered as 0xFFFF is
//! therefore reported lost rather than delivered twice; FEC parity across such a wrap may
//! rebuild a wrong IFP 0 (the IFP decoder or the T.30 layer then rejects it).

use super::fec::{self, HISTORY, History};
use super::{OpenTypes, RecoveryView, UdptlError, UdptlView};

/// Default distance, in sequence numbers, beyond which a jump is a restart rather than loss (and
/// within which an older number is a late duplicate).
pub const DEFAULT_RESYNC_THRESHOLD: u16 = 32;

/// What a datagram delivered, in sequence order. `D` is `&[u8]` from
/// [`UdptlReceiver::receive_with`] and `Vec<u8>` from [`UdptlReceiver::receive`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Received<D = Vec<u8>> {
    /// The IFP with sequence number `seq` (primary, secondary or rebuilt from parity; a rebuilt
    /// IFP may end in zero octets).
    Ifp {
        /// Its sequence number.
        seq: u16,
        /// Its octets.
        data: D,
    },
    /// IFPs `first`, `first + 1`, … (`count` of them, wrapping) are lost for good.
    Lost {
        /// The first lost sequence number.
        first: u16,
        /// How many.
        count: u16,
    },
    /// The far end's numbering jumped from `expected` to around `seq`: an unknown number of IFPs
    /// in between are missing, and delivery continues from there.
    Resync {
        /// The sequence number that was expected.
        expected: u16,
        /// The sequence number that arrived.
        seq: u16,
    },
}

impl Received<&[u8]> {
    /// The owned form.
    pub fn into_owned(self) -> Received {
        match self {
            Received::Ifp { seq, data } => Received::Ifp { seq, data: data.to_vec() },
            Received::Lost { first, count } => Received::Lost { first, count },
            Received::Resync { expected, seq } => Received::Resync { expected, seq },
        }
    }
}

/// Counters for logs and call statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReceiverStats {
    /// Datagrams handed to the receiver.
    pub datagrams: u64,
    /// Datagrams that did not decode.
    pub malformed: u64,
    /// IFPs delivered (all sources).
    pub delivered: u64,
    /// IFPs delivered from a secondary copy.
    pub recovered_by_redundancy: u64,
    /// IFPs rebuilt from FEC parity.
    pub recovered_by_fec: u64,
    /// IFPs reported lost.
    pub lost: u64,
    /// Datagrams dropped as duplicates or late.
    pub duplicates: u64,
    /// Restarts of the far end's numbering.
    pub resyncs: u64,
}

/// Receives one UDPTL session direction.
#[derive(Debug)]
pub struct UdptlReceiver {
    /// Next sequence number to deliver; `None` before the first datagram.
    next: Option<u16>,
    threshold: u16,
    history: History,
    /// Reused: octet ranges of the current datagram's secondaries, newest first.
    secondaries: Vec<std::ops::Range<usize>>,
    /// Reused: the IFP being rebuilt from parity.
    rebuilt: Vec<u8>,
    stats: ReceiverStats,
}

impl Default for UdptlReceiver {
    fn default() -> Self {
        Self::new()
    }
}

/// A run of lost sequence numbers waiting to be reported as one [`Received::Lost`].
#[derive(Default)]
struct LostRun {
    first: u16,
    count: u16,
}

impl LostRun {
    fn add(&mut self, seq: u16, count: u16) {
        if self.count == 0 {
            self.first = seq;
        }
        self.count += count;
    }

    fn flush(&mut self, stats: &mut ReceiverStats, sink: &mut impl FnMut(Received<&[u8]>)) {
        if self.count > 0 {
            stats.lost += u64::from(self.count);
            sink(Received::Lost { first: self.first, count: self.count });
            self.count = 0;
        }
    }
}

impl UdptlReceiver {
    /// A receiver with the [`DEFAULT_RESYNC_THRESHOLD`].
    pub fn new() -> Self {
        UdptlReceiver {
            next: None,
            threshold: DEFAULT_RESYNC_THRESHOLD,
            history: History::with_capacity(HISTORY),
            secondaries: Vec::new(),
            rebuilt: Vec::new(),
            stats: ReceiverStats::default(),
        }
    }

    /// Sets the resync threshold (clamped to 1..=0x7FFF): forward jumps up to it are loss, older
    /// numbers within it are late, anything else restarts the numbering.
    pub fn with_resync_threshold(mut self, threshold: u16) -> Self {
        self.threshold = threshold.clamp(1, 0x7FFF);
        self
    }

    /// The next sequence number to be delivered (`None` before the first datagram).
    pub fn expected(&self) -> Option<u16> {
        self.next
    }

    /// Counters so far.
    pub fn stats(&self) -> ReceiverStats {
        self.stats
    }

    /// Forgets the session state (not the statistics), e.g. when the far end starts a new stream.
    pub fn reset(&mut self) {
        self.next = None;
        self.history.clear();
    }

    /// Handles one datagram and returns what it delivered, owned. See [`Self::receive_with`].
    pub fn receive(&mut self, datagram: &[u8]) -> Result<Vec<Received>, UdptlError> {
        let mut delivered = Vec::new();
        self.receive_with(datagram, |r| delivered.push(r.into_owned()))?;
        Ok(delivered)
    }

    /// Handles one datagram, passing what it delivers to `sink` in sequence order without
    /// allocating. A malformed datagram is an error and changes nothing; a duplicate or late one
    /// delivers nothing.
    pub fn receive_with<F>(&mut self, datagram: &[u8], mut sink: F) -> Result<(), UdptlError>
    where
        F: FnMut(Received<&[u8]>),
    {
        self.stats.datagrams += 1;
        let packet = UdptlView::decode(datagram).inspect_err(|_| self.stats.malformed += 1)?;
        let seq = packet.seq;
        let (secondaries, fec) = match packet.recovery {
            RecoveryView::Redundancy(list) => (list, None),
            RecoveryView::Fec { span, entries } => (OpenTypes::EMPTY, Some((span, entries))),
        };
        let start = |threshold: u16| seq.wrapping_sub(secondaries.len().min(threshold as usize) as u16);
        let next = match self.next {
            None => start(self.threshold),
            Some(next) if seq.wrapping_sub(next) <= self.threshold => next,
            Some(next) if next.wrapping_sub(seq) <= self.threshold => {
                self.stats.duplicates += 1;
                return Ok(());
            }
            Some(expected) => {
                self.stats.resyncs += 1;
                self.history.clear();
                sink(Received::Resync { expected, seq });
                start(self.threshold)
            }
        };

        // Sequence numbers next..seq are missing; `reach` of them (the newest) might be recovered.
        let gap = seq.wrapping_sub(next) as usize;
        let by_redundancy = secondaries.len().min(gap);
        let by_fec = fec.map_or(0, |(span, entries)| (span as usize).saturating_mul(entries.len()).min(HISTORY));
        let reach = by_redundancy.max(by_fec).min(gap);
        let mut lost = LostRun::default();
        if gap > reach {
            let count = (gap - reach) as u16;
            lost.add(next, count);
            if count as usize >= HISTORY {
                self.history.clear();
            } else {
                (0..count).for_each(|i| self.history.forget(next.wrapping_add(i)));
            }
        }
        self.secondaries.clear();
        let mut list = secondaries;
        self.secondaries.extend((0..by_redundancy).map_while(|_| list.next_range()));

        for age in (1..=reach).rev() {
            let q = seq.wrapping_sub(age as u16);
            let data = if let Some(range) = self.secondaries.get(age - 1) {
                let data = &secondaries.datagram()[range.clone()];
                // A far end wrapping 0xFFFF -> 1 sends IFP 0xFFFF as the secondary "for 0".
                let wrap_echo = q == 0 && self.history.get(0xFFFF) == Some(data);
                (!wrap_echo).then(|| {
                    self.stats.recovered_by_redundancy += 1;
                    data
                })
            } else if let Some((span, entries)) = fec
                && fec::rebuild(&mut self.rebuilt, &self.history, seq, age, span, entries)
            {
                self.stats.recovered_by_fec += 1;
                Some(&self.rebuilt[..])
            } else {
                None
            };
            match data {
                Some(data) => {
                    lost.flush(&mut self.stats, &mut sink);
                    self.history.put(q, data);
                    self.stats.delivered += 1;
                    sink(Received::Ifp { seq: q, data });
                }
                None => {
                    self.history.forget(q);
                    lost.add(q, 1);
                }
            }
        }
        lost.flush(&mut self.stats, &mut sink);
        self.history.put(seq, packet.primary);
        self.stats.delivered += 1;
        sink(Received::Ifp { seq, data: packet.primary });
        self.next = Some(seq.wrapping_add(1));
        Ok(())
    }
}
