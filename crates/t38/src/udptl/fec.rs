//! Annex C forward error correction as SpanDSP's test code and Asterisk implement it: which
//! earlier IFPs each parity entry covers, XOR of IFPs, rebuilding one missing IFP of a group,
//! and the small per-session history of recent IFPs both ends need for that.
//!
//! A datagram with sequence number `seq`, span `S` and `E` parity entries covers the `S·E` IFPs
//! before it: entry `m` is the XOR of IFPs `seq − S·E + m + k·E` for `k` in `0..S`, shorter
//! IFPs zero-extended. A rebuilt IFP therefore takes the length of the longest in its group and
//! may end in zero octets, which the IFP decoder tolerates.

use super::OpenTypes;

/// IFPs the receiver remembers for FEC repair; groups reaching further back are not repaired.
/// The sender caps `span × entries` at this.
pub(crate) const HISTORY: usize = 32;

/// The IFPs of recent sequence numbers, in a ring indexed by `seq % capacity` (capacity a
/// power of two, so the ring stays consistent across the 0xFFFF → 0 wrap). Buffers are reused.
#[derive(Debug, Default)]
pub(crate) struct History {
    slots: Vec<Slot>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Slot {
    seq: u16,
    valid: bool,
    data: Vec<u8>,
}

impl History {
    /// A history of at least `capacity` IFPs (0: remembers nothing). Slots are allocated on use.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        let capacity = if capacity == 0 { 0 } else { capacity.next_power_of_two().min(1 << 16) };
        History { slots: Vec::new(), capacity }
    }

    fn index(&self, seq: u16) -> usize {
        seq as usize & (self.capacity - 1)
    }

    /// The IFP remembered for `seq`, if it is still there.
    pub(crate) fn get(&self, seq: u16) -> Option<&[u8]> {
        if self.capacity == 0 {
            return None;
        }
        let slot = self.slots.get(self.index(seq))?;
        (slot.valid && slot.seq == seq).then_some(&slot.data[..])
    }

    /// Remembers `data` as the IFP of `seq`, evicting whatever shared its slot.
    pub(crate) fn put(&mut self, seq: u16, data: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        if self.slots.is_empty() {
            self.slots.resize_with(self.capacity, Slot::default);
        }
        let index = self.index(seq);
        let slot = &mut self.slots[index];
        slot.seq = seq;
        slot.valid = true;
        slot.data.clear();
        slot.data.extend_from_slice(data);
    }

    /// Forgets `seq` (it was lost, so its slot must not answer for it).
    pub(crate) fn forget(&mut self, seq: u16) {
        if self.capacity == 0 {
            return;
        }
        let index = self.index(seq);
        if let Some(slot) = self.slots.get_mut(index) {
            slot.valid = false;
        }
    }

    /// Forgets everything (keeps the buffers).
    pub(crate) fn clear(&mut self) {
        self.slots.iter_mut().for_each(|slot| slot.valid = false);
    }
}

/// XORs `data` into `acc`, zero-extending `acc` first if `data` is longer.
pub(crate) fn xor_into(acc: &mut Vec<u8>, data: &[u8]) {
    if acc.len() < data.len() {
        acc.resize(data.len(), 0);
    }
    acc.iter_mut().zip(data).for_each(|(a, b)| *a ^= b);
}

/// How far back (1 = the IFP just before `seq`) member `k` of parity entry `m` lies.
pub(crate) fn member_age(span: usize, entries: usize, m: usize, k: usize) -> usize {
    span * entries - m - k * entries
}

/// Builds parity entry `m` of a datagram `seq` into `out` from the sender's history. Returns
/// false (leaving `out` unspecified) if a member is not in the history.
pub(crate) fn build_parity(
    out: &mut Vec<u8>,
    history: &History,
    seq: u16,
    span: usize,
    entries: usize,
    m: usize,
) -> bool {
    out.clear();
    for k in 0..span {
        let age = member_age(span, entries, m, k);
        match history.get(seq.wrapping_sub(age as u16)) {
            Some(data) => xor_into(out, data),
            None => return false,
        }
    }
    true
}

/// Rebuilds the IFP `age` packets before datagram `seq` (span `span`, parity `entries`) into
/// `out`, if every other member of its group is in `history`. Groups reaching further back than
/// [`HISTORY`] are not attempted.
pub(crate) fn rebuild(
    out: &mut Vec<u8>,
    history: &History,
    seq: u16,
    age: usize,
    span: u32,
    mut entries: OpenTypes<'_>,
) -> bool {
    let e = entries.len();
    let s = span as usize;
    let Some(window) = s.checked_mul(e) else { return false };
    if e == 0 || s == 0 || window > HISTORY || age == 0 || age > window {
        return false;
    }
    let offset = window - age;
    let (m, own_k) = (offset % e, offset / e);
    let Some(parity) = entries.nth(m) else { return false };
    out.clear();
    out.extend_from_slice(parity);
    for k in (0..s).filter(|&k| k != own_k) {
        match history.get(seq.wrapping_sub(member_age(s, e, m, k) as u16)) {
            Some(data) => xor_into(out, data),
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_is_keyed_by_seq_across_the_wrap() {
        let mut h = History::with_capacity(3);
        h.put(0xFFFF, b"a");
        h.put(0, b"b");
        h.put(1, b"c");
        assert_eq!((h.get(0xFFFF), h.get(0), h.get(1)), (Some(&b"a"[..]), Some(&b"b"[..]), Some(&b"c"[..])));
        h.put(3, b"d"); // shares 0xFFFF's slot (capacity 4)
        assert_eq!(h.get(0xFFFF), None);
        h.forget(0);
        assert_eq!(h.get(0), None);
        h.clear();
        assert_eq!(h.get(1), None);
        let mut none = History::with_capacity(0);
        none.put(1, b"x");
        assert_eq!(none.get(1), None);
    }

    #[test]
    fn groups_cover_the_window_once() {
        let (span, entries) = (3, 2);
        let mut ages: Vec<usize> =
            (0..entries).flat_map(|m| (0..span).map(move |k| member_age(span, entries, m, k))).collect();
        ages.sort();
        assert_eq!(ages, (1..=6).collect::<Vec<_>>());
    }

    #[test]
    fn xor_zero_extends() {
        let mut acc = vec![0x0F];
        xor_into(&mut acc, &[0xF0, 0x01]);
        assert_eq!(acc, [0xFF, 0x01]);
    }
}
