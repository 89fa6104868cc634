//! V.17's scrambler is the shared 1 + x⁻¹⁸ + x⁻²³ one ([`Scrambler23`]); what is V.17's own is
//! its seed: the transmitter loads 0x2ECDD5 at the start of training segment 2 and lets the
//! register run through segments 2–4 into the data. Receivers that train against a locally
//! generated segment 2 (SpanDSP's do) expect exactly that seed.

pub use crate::qam::scrambler::Scrambler23;

/// The register at the start of training segment 2.
pub const TRAINING_SEED: u32 = 0x2E_CDD5;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn training_ones_start_as_the_golden_vector_says() {
        // Segment 2: two scrambled ones a symbol, (first, second) 00→C 01→D 10→B 11→A; the
        // notes' golden vector (measured on SpanDSP) is CDCDCDCDCDCDBDBDBDBDBABB.
        let mut s = Scrambler23::new(TRAINING_SEED);
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
    fn scrambled_ones_are_balanced() {
        let mut s = Scrambler23::new(TRAINING_SEED);
        let ones = (0..100_000).filter(|_| s.scramble(true)).count();
        assert!((ones as i64 - 50_000).abs() < 1000, "{ones}");
    }
}
