//! DIS/DTC (what a station can do) and DCS (the mode the transmitter chose): the bits of their
//! information fields that fax machines use, decoded into plain values and encoded back.
//!
//! Bit `n` of a FIF (numbered from 1 as T.30 does) is octet `(n-1)/8`, mask `0x80 >> ((n-1)%8)`
//! in transmission order. From octet 3 on, the last bit of each octet (24, 32, …) says another
//! octet follows. Missing octets read as zeros.

use ferrofax_image::{Coding, PageWidth, Resolution};

use crate::{ModemFamilies, Modulation};

/// A FIF as a bit field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Bits(Vec<u8>);

impl Bits {
    fn get(&self, n: usize) -> bool {
        let i = (n - 1) / 8;
        self.0.get(i).is_some_and(|b| b & (0x80 >> ((n - 1) % 8)) != 0)
    }

    fn set(&mut self, n: usize, on: bool) {
        if !on {
            return;
        }
        let i = (n - 1) / 8;
        if self.0.len() <= i {
            self.0.resize(i + 1, 0);
        }
        self.0[i] |= 0x80 >> ((n - 1) % 8);
    }

    /// Drops trailing empty octets (at least three stay) and sets the extend bits.
    fn finish(mut self) -> Vec<u8> {
        while self.0.len() > 3 && self.0.last() == Some(&0) {
            self.0.pop();
        }
        if self.0.len() < 3 {
            self.0.resize(3, 0);
        }
        let n = self.0.len();
        for i in 2..n {
            let extend_bit = 0x01;
            if i + 1 < n {
                self.0[i] |= extend_bit;
            } else {
                self.0[i] &= !extend_bit;
            }
        }
        self.0
    }
}

/// Page widths a receiver takes (DIS bits 17–18).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WidthSupport {
    /// 215 mm (A4/Letter) only.
    A4,
    /// 215 and 255 mm.
    A4B4,
    /// 215, 255 and 303 mm.
    A4B4A3,
}

impl WidthSupport {
    pub fn takes(self, w: PageWidth) -> bool {
        match w {
            PageWidth::A4 => true,
            PageWidth::B4 => self >= WidthSupport::A4B4,
            PageWidth::A3 => self == WidthSupport::A4B4A3,
        }
    }
}

/// Page lengths a receiver takes (DIS bits 19–20), and the length a DCS announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PageLength {
    /// Up to 297 mm.
    A4,
    /// Up to 364 mm.
    B4,
    /// Any length.
    Unlimited,
}

/// The shortest time a receiver needs per coded line (DIS/DCS bits 21–23).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScanTime {
    /// The three bits, bit 21 as the most significant.
    code: u8,
}

impl ScanTime {
    /// 0 ms: no fill needed.
    pub const ZERO: ScanTime = ScanTime { code: 0b111 };

    /// The DIS value for a receiver needing `ms` at every resolution.
    pub fn from_ms(ms: u32) -> ScanTime {
        ScanTime {
            code: match ms {
                0 => 0b111,
                1..=5 => 0b100,
                6..=10 => 0b010,
                11..=20 => 0b000,
                _ => 0b001,
            },
        }
    }

    /// Milliseconds per line at `resolution`. `half_at_superfine` is DIS bit 46.
    pub fn ms(self, resolution: Resolution, half_at_superfine: bool) -> u32 {
        let (standard, fine) = match self.code {
            0b000 => (20, 20),
            0b100 => (5, 5),
            0b010 => (10, 10),
            0b001 => (40, 40),
            0b110 => (20, 10),
            0b101 => (40, 20),
            0b011 => (10, 5),
            _ => (0, 0),
        };
        match resolution {
            Resolution::Standard => standard,
            Resolution::Fine => fine,
            // Half of 5 ms is 2.5 ms, which no DCS can say: round up to a time DCS can carry,
            // and pad to that.
            _ if half_at_superfine => match fine.div_ceil(2) {
                0 => 0,
                1..=5 => 5,
                6..=10 => 10,
                _ => 20,
            },
            _ => fine,
        }
    }
}

/// What a station announces in DIS (or, polling, DTC).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Capabilities {
    /// Bit 3: real-time Internet fax (T.38).
    pub t38: bool,
    /// Bit 9: has a document to send (polling).
    pub ready_to_transmit: bool,
    /// Bit 10: can receive.
    pub ready_to_receive: bool,
    /// Bits 11–14.
    pub modems: ModemFamilies,
    /// Bit 15: 7.7 lines/mm.
    pub fine: bool,
    /// Bit 41: 15.4 lines/mm.
    pub superfine: bool,
    /// Bit 16: two-dimensional coding (MR).
    pub mr: bool,
    /// Bit 31: T.6 coding (MMR), only with ECM.
    pub mmr: bool,
    /// Bit 27: error correction mode.
    pub ecm: bool,
    pub widths: WidthSupport,
    pub lengths: PageLength,
    pub scan_time: ScanTime,
    /// Bit 46: the minimum scan time at 15.4 lines/mm is half that at 7.7.
    pub superfine_half_scan_time: bool,
    /// Bits 76 and 77: North American Letter and Legal.
    pub letter: bool,
    pub legal: bool,
}

impl Capabilities {
    /// Reads a DIS or DTC information field.
    pub fn decode(fif: &[u8]) -> Capabilities {
        let b = Bits(fif.to_vec());
        let v29 = b.get(11);
        let v27 = b.get(12);
        Capabilities {
            t38: b.get(3),
            ready_to_transmit: b.get(9),
            ready_to_receive: b.get(10),
            modems: ModemFamilies { v27ter: v27 || v29, v29, v17: b.get(14) && v29 && v27 },
            fine: b.get(15),
            superfine: b.get(41),
            mr: b.get(16),
            mmr: b.get(31) && b.get(27),
            ecm: b.get(27),
            widths: match (b.get(17), b.get(18)) {
                (false, false) => WidthSupport::A4,
                (true, false) => WidthSupport::A4B4,
                (_, true) => WidthSupport::A4B4A3,
            },
            lengths: match (b.get(19), b.get(20)) {
                (false, false) => PageLength::A4,
                (true, false) | (true, true) => PageLength::B4,
                (false, true) => PageLength::Unlimited,
            },
            scan_time: ScanTime { code: (b.get(21) as u8) << 2 | (b.get(22) as u8) << 1 | b.get(23) as u8 },
            superfine_half_scan_time: b.get(46),
            letter: b.get(76),
            legal: b.get(77),
        }
    }

    /// The information field of a DIS (or DTC) announcing these capabilities.
    pub fn encode(&self) -> Vec<u8> {
        let mut b = Bits::default();
        b.set(3, self.t38);
        b.set(9, self.ready_to_transmit);
        b.set(10, self.ready_to_receive);
        let m = self.modems;
        if m.v17 {
            [11, 12, 14].into_iter().for_each(|n| b.set(n, true));
        } else {
            b.set(11, m.v29);
            b.set(12, m.v27ter);
        }
        b.set(15, self.fine);
        b.set(16, self.mr);
        b.set(17, self.widths == WidthSupport::A4B4);
        b.set(18, self.widths == WidthSupport::A4B4A3);
        b.set(19, self.lengths == PageLength::B4);
        b.set(20, self.lengths == PageLength::Unlimited);
        b.set(21, self.scan_time.code & 4 != 0);
        b.set(22, self.scan_time.code & 2 != 0);
        b.set(23, self.scan_time.code & 1 != 0);
        b.set(27, self.ecm);
        b.set(31, self.mmr && self.ecm);
        b.set(41, self.superfine);
        b.set(45, true); // metric resolutions preferred
        b.set(46, self.superfine_half_scan_time);
        b.set(76, self.letter);
        b.set(77, self.legal);
        b.finish()
    }

    /// Whether pages at `r` can be sent to this station.
    pub fn takes_resolution(&self, r: Resolution) -> bool {
        match r {
            Resolution::Standard => true,
            Resolution::Fine => self.fine,
            Resolution::Superfine => self.superfine,
            _ => false,
        }
    }
}

/// The mode a transmitter chose, as DCS carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dcs {
    pub modulation: Modulation,
    pub resolution: Resolution,
    pub coding: Coding,
    pub width: PageWidth,
    pub length: PageLength,
    /// Minimum time per coded line the transmitter keeps to, in ms (0 in ECM).
    pub scan_time_ms: u32,
    pub ecm: bool,
    /// ECM frame size: 256 or 64 octets.
    pub ecm_frame_size: u16,
}

/// Why a DCS could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DcsError {
    #[error("DCS is too short to select a mode")]
    TooShort,
    #[error("DCS selects an unknown modulation (bits 11-14 = {0:?})")]
    UnknownModulation([bool; 4]),
    #[error("DCS selects a resolution this station does not know")]
    UnknownResolution,
    #[error("DCS selects T.6 coding without error correction")]
    MmrWithoutEcm,
    #[error("DCS selects an invalid page width")]
    BadWidth,
}

impl Dcs {
    pub fn decode(fif: &[u8]) -> Result<Dcs, DcsError> {
        let b = Bits(fif.to_vec());
        // Bit 10 ("receive") should be set; like SpanDSP, do not hold it against a sender.
        if fif.len() < 2 {
            return Err(DcsError::TooShort);
        }
        let bits = [b.get(11), b.get(12), b.get(13), b.get(14)];
        let modulation = Modulation::from_dcs_bits(bits).ok_or(DcsError::UnknownModulation(bits))?;
        let resolution = match (b.get(15), b.get(41), b.get(42), b.get(43)) {
            (false, false, false, false) => Resolution::Standard,
            (true, false, false, false) => Resolution::Fine,
            (_, true, false, false) => Resolution::Superfine,
            (_, false, true, false) => Resolution::R300,
            (_, false, false, true) => Resolution::R400,
            _ => return Err(DcsError::UnknownResolution),
        };
        let ecm = b.get(27);
        let coding = if b.get(31) {
            if !ecm {
                return Err(DcsError::MmrWithoutEcm);
            }
            Coding::Mmr
        } else if b.get(16) {
            Coding::Mr
        } else {
            Coding::Mh
        };
        let width = match (b.get(17), b.get(18)) {
            (false, false) => PageWidth::A4,
            (true, false) => PageWidth::B4,
            (false, true) => PageWidth::A3,
            (true, true) => return Err(DcsError::BadWidth),
        };
        let length = match (b.get(19), b.get(20)) {
            (false, false) => PageLength::A4,
            (true, false) | (true, true) => PageLength::B4,
            (false, true) => PageLength::Unlimited,
        };
        let scan = ScanTime { code: (b.get(21) as u8) << 2 | (b.get(22) as u8) << 1 | b.get(23) as u8 };
        Ok(Dcs {
            modulation,
            resolution,
            coding,
            width,
            length,
            // In a DCS the value is the time at the chosen resolution.
            scan_time_ms: if ecm { 0 } else { scan.ms(Resolution::Standard, false) },
            ecm,
            ecm_frame_size: if ecm && b.get(28) { 64 } else { 256 },
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut b = Bits::default();
        b.set(10, true);
        for (i, on) in self.modulation.dcs_bits().into_iter().enumerate() {
            b.set(11 + i, on);
        }
        match self.resolution {
            Resolution::Standard => {}
            Resolution::Fine => b.set(15, true),
            Resolution::Superfine => b.set(41, true),
            Resolution::R300 => {
                b.set(42, true);
                b.set(44, true);
            }
            Resolution::R400 => {
                b.set(43, true);
                b.set(44, true);
            }
        }
        b.set(16, self.coding == Coding::Mr);
        b.set(17, self.width == PageWidth::B4);
        b.set(18, self.width == PageWidth::A3);
        b.set(19, self.length == PageLength::B4);
        b.set(20, self.length == PageLength::Unlimited);
        let scan = if self.ecm { ScanTime::ZERO } else { ScanTime::from_ms(self.scan_time_ms) };
        b.set(21, scan.code & 4 != 0);
        b.set(22, scan.code & 2 != 0);
        b.set(23, scan.code & 1 != 0);
        b.set(27, self.ecm);
        b.set(28, self.ecm && self.ecm_frame_size == 64);
        b.set(31, self.coding == Coding::Mmr);
        b.finish()
    }

    /// The minimum bits per coded line the transmitter pads to.
    pub fn min_line_bits(&self) -> u32 {
        self.modulation.bit_rate() * self.scan_time_ms / 1000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spandsp_dis_decodes() {
        // SpanDSP's default DIS, ECM off (research notes §1.4).
        let fif = [0x20, 0x77, 0x1f, 0x01, 0x01, 0x89, 0x01, 0x01, 0x01, 0x18];
        let c = Capabilities::decode(&fif);
        assert!(c.t38 && c.ready_to_receive && !c.ready_to_transmit);
        assert_eq!(c.modems, ModemFamilies::ALL);
        assert!(c.fine && c.superfine && c.mr && !c.ecm && !c.mmr);
        assert_eq!(c.widths, WidthSupport::A4);
        assert_eq!(c.lengths, PageLength::Unlimited);
        assert_eq!(c.scan_time, ScanTime::ZERO);
        assert!(c.letter && c.legal);
        assert_eq!(c.encode(), fif.to_vec());
        let ecm = Capabilities::decode(&[0x20, 0x77, 0x1f, 0x23, 0x01, 0x89, 0x01, 0x01, 0x01, 0x18]);
        assert!(ecm.ecm && ecm.mmr);
    }

    #[test]
    fn spandsp_dcs_decodes_and_encodes() {
        let d = Dcs::decode(&[0x00, 0x47, 0x1e]).unwrap();
        assert_eq!(d.modulation, Modulation::V17_14400);
        assert_eq!(d.resolution, Resolution::Fine);
        assert_eq!(d.coding, Coding::Mr);
        assert_eq!((d.width, d.length, d.scan_time_ms, d.ecm), (PageWidth::A4, PageLength::Unlimited, 0, false));
        assert_eq!(d.encode(), vec![0x00, 0x47, 0x1e]);
        let e = Dcs::decode(&[0x00, 0x46, 0x1f, 0x22]).unwrap();
        assert_eq!((e.coding, e.ecm, e.ecm_frame_size), (Coding::Mmr, true, 256));
        assert_eq!(e.encode(), vec![0x00, 0x46, 0x1f, 0x22]);
    }

    #[test]
    fn dcs_round_trips_every_mode() {
        for modulation in crate::modulation::FALLBACK_ORDER {
            for resolution in [Resolution::Standard, Resolution::Fine, Resolution::Superfine, Resolution::R300] {
                for (coding, ecm) in [(Coding::Mh, false), (Coding::Mr, false), (Coding::Mr, true), (Coding::Mmr, true)]
                {
                    for scan_time_ms in [0, 5, 10, 20, 40] {
                        let d = Dcs {
                            modulation,
                            resolution,
                            coding,
                            width: PageWidth::B4,
                            length: PageLength::A4,
                            scan_time_ms: if ecm { 0 } else { scan_time_ms },
                            ecm,
                            ecm_frame_size: if ecm { 64 } else { 256 },
                        };
                        assert_eq!(Dcs::decode(&d.encode()), Ok(d));
                    }
                }
            }
        }
        assert_eq!(Dcs::decode(&[0, 0, 0]).unwrap().modulation, Modulation::V27ter2400);
        assert_eq!(Dcs::decode(&[0x00]), Err(DcsError::TooShort));
    }

    #[test]
    fn scan_times_follow_resolution() {
        let half = ScanTime { code: 0b110 };
        assert_eq!(half.ms(Resolution::Standard, false), 20);
        assert_eq!(half.ms(Resolution::Fine, false), 10);
        assert_eq!(half.ms(Resolution::Superfine, true), 5);
        assert_eq!(ScanTime::from_ms(20).ms(Resolution::Fine, true), 20);
    }
}
