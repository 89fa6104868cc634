//! Bits in transmission order: a packed queue that transmitters read from and that the HDLC
//! encoder and the image senders write to. Octets are taken most significant bit first, as
//! ferrofax's T.30 writes them (the first bit on the line is the octet's MSB).

use std::collections::VecDeque;

/// Where a transmitter takes its bits from.
pub trait BitSource {
    /// The next bit to send, or `None` when there is no more.
    fn next_bit(&mut self) -> Option<bool>;
}

/// A FIFO of bits.
#[derive(Debug, Clone, Default)]
pub struct BitQueue {
    words: VecDeque<u8>,
    /// Bits used of the first octet (read side).
    head_used: u8,
    /// Bits filled in the last octet (write side); 8 when it is full or the queue is empty.
    tail_fill: u8,
    len: usize,
}

impl BitQueue {
    pub fn new() -> Self {
        BitQueue { words: VecDeque::new(), head_used: 0, tail_fill: 8, len: 0 }
    }

    /// Number of bits queued.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn clear(&mut self) {
        *self = BitQueue::new();
    }

    /// Appends one bit.
    #[inline]
    pub fn push(&mut self, bit: bool) {
        if self.tail_fill == 8 {
            self.words.push_back(0);
            self.tail_fill = 0;
        }
        if bit {
            let last = self.words.back_mut().expect("an octet was just pushed");
            *last |= 0x80 >> self.tail_fill;
        }
        self.tail_fill += 1;
        self.len += 1;
    }

    /// Appends the octets, each MSB first.
    pub fn push_octets(&mut self, octets: &[u8]) {
        if self.tail_fill == 8 {
            self.words.extend(octets.iter().copied());
            self.len += octets.len() * 8;
            return;
        }
        for &o in octets {
            for i in 0..8 {
                self.push(o & (0x80 >> i) != 0);
            }
        }
    }

    /// Appends `n` copies of `bit`.
    pub fn push_repeated(&mut self, bit: bool, n: usize) {
        for _ in 0..n {
            self.push(bit);
        }
    }

    /// Takes the first bit.
    #[inline]
    pub fn pop(&mut self) -> Option<bool> {
        if self.len == 0 {
            return None;
        }
        let first = *self.words.front().expect("a non-empty queue has an octet");
        let bit = first & (0x80 >> self.head_used) != 0;
        self.head_used += 1;
        self.len -= 1;
        if self.head_used == 8 || self.len == 0 {
            self.words.pop_front();
            self.head_used = 0;
            if self.len == 0 {
                self.words.clear();
                self.tail_fill = 8;
            }
        }
        Some(bit)
    }
}

impl BitSource for BitQueue {
    fn next_bit(&mut self) -> Option<bool> {
        self.pop()
    }
}

/// Packs received bits into octets, MSB first.
#[derive(Debug, Clone, Default)]
pub struct OctetPacker {
    current: u8,
    filled: u8,
}

impl OctetPacker {
    /// Adds a bit; returns the octet it completes.
    #[inline]
    pub fn push(&mut self, bit: bool) -> Option<u8> {
        self.current = (self.current << 1) | u8::from(bit);
        self.filled += 1;
        if self.filled == 8 {
            let o = self.current;
            self.current = 0;
            self.filled = 0;
            return Some(o);
        }
        None
    }

    /// Drops a partly filled octet.
    pub fn reset(&mut self) {
        *self = OctetPacker::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_is_fifo_across_octets() {
        let mut q = BitQueue::new();
        q.push(true);
        q.push_octets(&[0xA5, 0x0F]);
        q.push_repeated(false, 3);
        assert_eq!(q.len(), 20);
        let bits: Vec<u8> = std::iter::from_fn(|| q.pop()).map(u8::from).collect();
        assert_eq!(bits, [1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0]);
        assert!(q.is_empty());
        q.push_octets(&[0x80]);
        assert_eq!(q.pop(), Some(true));
    }

    #[test]
    fn packer_packs_msb_first() {
        let mut p = OctetPacker::default();
        let out: Vec<u8> = [0, 1, 0, 0, 0, 0, 0, 1].iter().filter_map(|&b| p.push(b == 1)).collect();
        assert_eq!(out, [0x41]);
    }
}
