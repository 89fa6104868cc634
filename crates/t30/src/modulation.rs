//! The fast modems T.30 chooses between for training and page data, and the order it falls
//! back through them when training fails.

/// A fast-modem modulation at one bit rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Modulation {
    V27ter2400,
    V27ter4800,
    V29_7200,
    V29_9600,
    V17_7200,
    V17_9600,
    V17_12000,
    V17_14400,
}

/// Which modem families a station has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ModemFamilies {
    pub v27ter: bool,
    pub v29: bool,
    pub v17: bool,
}

impl ModemFamilies {
    /// V.27ter, V.29 and V.17.
    pub const ALL: ModemFamilies = ModemFamilies { v27ter: true, v29: true, v17: true };

    /// Whether `m` belongs to one of these families.
    pub fn has(self, m: Modulation) -> bool {
        match m {
            Modulation::V27ter2400 => true, // every fax machine falls back to it
            Modulation::V27ter4800 => self.v27ter,
            Modulation::V29_7200 | Modulation::V29_9600 => self.v29,
            _ => self.v17,
        }
    }

    /// Families both stations have.
    pub fn common(self, other: ModemFamilies) -> ModemFamilies {
        ModemFamilies { v27ter: self.v27ter && other.v27ter, v29: self.v29 && other.v29, v17: self.v17 && other.v17 }
    }
}

/// The order of trial, fastest first, as T.30 transmitters fall back after FTT.
pub const FALLBACK_ORDER: [Modulation; 8] = [
    Modulation::V17_14400,
    Modulation::V17_12000,
    Modulation::V17_9600,
    Modulation::V29_9600,
    Modulation::V17_7200,
    Modulation::V29_7200,
    Modulation::V27ter4800,
    Modulation::V27ter2400,
];

impl Modulation {
    pub fn bit_rate(self) -> u32 {
        match self {
            Modulation::V27ter2400 => 2400,
            Modulation::V27ter4800 => 4800,
            Modulation::V29_7200 | Modulation::V17_7200 => 7200,
            Modulation::V29_9600 | Modulation::V17_9600 => 9600,
            Modulation::V17_12000 => 12000,
            Modulation::V17_14400 => 14400,
        }
    }

    /// V.17, which has short and long training.
    pub fn is_v17(self) -> bool {
        matches!(self, Modulation::V17_7200 | Modulation::V17_9600 | Modulation::V17_12000 | Modulation::V17_14400)
    }

    /// The fastest modulation in `families` at or below `max_rate`.
    pub fn best(families: ModemFamilies, max_rate: u32) -> Modulation {
        FALLBACK_ORDER
            .iter()
            .copied()
            .find(|m| families.has(*m) && m.bit_rate() <= max_rate)
            .unwrap_or(Modulation::V27ter2400)
    }

    /// The next slower modulation in `families`, if any.
    pub fn fallback(self, families: ModemFamilies) -> Option<Modulation> {
        let i = FALLBACK_ORDER.iter().position(|m| *m == self)?;
        FALLBACK_ORDER[i + 1..].iter().copied().find(|m| families.has(*m))
    }

    /// DCS bits 11–14 (bit 11 first).
    pub(crate) fn dcs_bits(self) -> [bool; 4] {
        match self {
            Modulation::V27ter2400 => [false, false, false, false],
            Modulation::V27ter4800 => [false, true, false, false],
            Modulation::V29_9600 => [true, false, false, false],
            Modulation::V29_7200 => [true, true, false, false],
            Modulation::V17_14400 => [false, false, false, true],
            Modulation::V17_12000 => [false, true, false, true],
            Modulation::V17_9600 => [true, false, false, true],
            Modulation::V17_7200 => [true, true, false, true],
        }
    }

    /// The modulation DCS bits 11–14 select.
    pub(crate) fn from_dcs_bits(bits: [bool; 4]) -> Option<Modulation> {
        FALLBACK_ORDER.iter().copied().find(|m| m.dcs_bits() == bits)
    }

    pub fn name(self) -> &'static str {
        match self {
            Modulation::V27ter2400 => "V.27ter 2400",
            Modulation::V27ter4800 => "V.27ter 4800",
            Modulation::V29_7200 => "V.29 7200",
            Modulation::V29_9600 => "V.29 9600",
            Modulation::V17_7200 => "V.17 7200",
            Modulation::V17_9600 => "V.17 9600",
            Modulation::V17_12000 => "V.17 12000",
            Modulation::V17_14400 => "V.17 14400",
        }
    }
}

impl std::fmt::Display for Modulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_walks_down_within_the_families() {
        let v29_only = ModemFamilies { v27ter: true, v29: true, v17: false };
        assert_eq!(Modulation::best(v29_only, 14400), Modulation::V29_9600);
        assert_eq!(Modulation::V29_9600.fallback(v29_only), Some(Modulation::V29_7200));
        assert_eq!(Modulation::V27ter2400.fallback(ModemFamilies::ALL), None);
        let mut m = Modulation::V17_14400;
        let mut seen = vec![m];
        while let Some(n) = m.fallback(ModemFamilies::ALL) {
            seen.push(n);
            m = n;
        }
        assert_eq!(seen, FALLBACK_ORDER);
    }

    #[test]
    fn dcs_bits_are_unique() {
        for m in FALLBACK_ORDER {
            assert_eq!(Modulation::from_dcs_bits(m.dcs_bits()), Some(m));
        }
    }
}
