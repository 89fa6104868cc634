//! V.17's scrambler, 1 + x⁻¹⁸ + x⁻²³ (self-synchronising), and its descrambler.
//!
//! The register holds the last 23 line bits, the most recent in bit 0; a line bit is the data
//! bit XOR the line bits 18 and 23 bits back. The transmitter seeds the register with
//! 0x2ECDD5 at the start of training segment 2 and lets it run through segments 2–4 into
//! the data; receivers that train against a locally generated segment 2 (SpanDSP's do)
//! expect exactly that seed.

/// The register at the start of training segment 2.
pub const TRAINING_SEED: u32 = 0x2E_CDD5;

const MASK: u32 = (1 << 23) - 1;

/// Scrambles data bits into line bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scrambler {
    register: u32,
}

impl Scrambler {
    pub fn new(seed: u32) -> Self {
        Scrambler { register: seed & MASK }
    }

    pub fn register(&self) -> u32 {
        self.register
    }

    /// The line bit for a data bit.
    #[inline]
    pub fn scramble(&mut self, bit: bool) -> bool {
        let out = bit ^ ((self.register >> 17) & 1 == 1) ^ ((self.register >> 22) & 1 == 1);
        self.register = ((self.register << 1) | u32::from(out)) & MASK;
        out
    }
}

/// Recovers data bits from line bits; in step with the scrambler after 23 bits, whatever its
/// starting state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Descrambler {
    register: u32,
}

impl Descrambler {
    pub fn new(seed: u32) -> Self {
        Descrambler { register: seed & MASK }
    }

    /// The data bit for a line bit.
    #[inline]
    pub fn descramble(&mut self, line_bit: bool) -> bool {
        let out = line_bit ^ ((self.register >> 17) & 1 == 1) ^ ((self.register >> 22) & 1 == 1);
        self.register = ((self.register << 1) | u32::from(line_bit)) & MASK;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_ones_start_as_the_golden_vector_says() {
        // Segment 2: two scrambled ones a symbol, (first, second) 00→C 01→D 10→B 11→A; the
        // notes' golden vector (measured on SpanDSP) is CDCDCDCDCDCDBDBDBDBDBABB.
        let mut s = Scrambler::new(TRAINING_SEED);
        let symbols: String = (0..24)
            .map(|_| match (s.scramble(true), s.scramble(true)) {
                (false, false) => 'C',
                (false, true) => 'D',
                (true, false) => 'B',
                (true, true) => 'A',
            })
            .collect();
        assert_eq!(symbols, "CDCDCDCDCDCDBDBDBDBDBABB");
    }

    #[test]
    fn descrambler_locks_on_after_23_bits() {
        let mut s = Scrambler::new(TRAINING_SEED);
        let mut d = Descrambler::new(0);
        let mut lcg = 99u32;
        for i in 0..2000 {
            lcg = lcg.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let bit = (lcg >> 30) & 1 == 1;
            let back = d.descramble(s.scramble(bit));
            if i >= 23 {
                assert_eq!(back, bit, "bit {i}");
            }
        }
    }

    #[test]
    fn scrambled_ones_are_not_constant() {
        // The 2²³−1 sequence: a run of ones comes out balanced.
        let mut s = Scrambler::new(TRAINING_SEED);
        let ones = (0..100_000).filter(|_| s.scramble(true)).count();
        assert!((ones as i64 - 50_000).abs() < 1000, "{ones}");
    }
}
