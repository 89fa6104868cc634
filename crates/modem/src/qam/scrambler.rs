//! The self-synchronising scrambler 1 + x⁻¹⁸ + x⁻²³ of V.29 and V.17: each line bit is the
//! data bit XOR the line bits 18 and 23 places earlier; the descrambler XORs the same taps of
//! the received line bits, so it falls into step after 23 bits whatever its start.

/// A 23-bit scrambler or descrambler register (bit 0 = the latest line bit).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scrambler23 {
    reg: u32,
}

impl Scrambler23 {
    pub fn new(seed: u32) -> Self {
        Scrambler23 { reg: seed & 0x7F_FFFF }
    }

    /// A data bit in, the line bit out.
    #[inline]
    pub fn scramble(&mut self, bit: bool) -> bool {
        let out = bit ^ (self.reg >> 17 & 1 == 1) ^ (self.reg >> 22 & 1 == 1);
        self.reg = (self.reg << 1 | u32::from(out)) & 0x7F_FFFF;
        out
    }

    /// A line bit in, the data bit out.
    #[inline]
    pub fn descramble(&mut self, line: bool) -> bool {
        let out = line ^ (self.reg >> 17 & 1 == 1) ^ (self.reg >> 22 & 1 == 1);
        self.reg = (self.reg << 1 | u32::from(line)) & 0x7F_FFFF;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descrambler_falls_into_step() {
        let mut s = Scrambler23::new(0x2E_CDD5);
        let mut d = Scrambler23::new(0x12_3456);
        let mut r = 1u32;
        for i in 0..500 {
            r = r.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let bit = r >> 16 & 1 == 1;
            let back = d.descramble(s.scramble(bit));
            if i >= 23 {
                assert_eq!(back, bit, "bit {i}");
            }
        }
    }
}
