//! T.30 HDLC frames as T.30 hands them to a modem and gets them back: address `0xFF`, control
//! (final or not), FCF, then the information field (FIF). The FCS is the modem's business.
//! Also the 20-character identities (TSI, CSI, CIG) and the numbers and bit maps inside FIFs,
//! whose octets travel least significant bit first.

use crate::FrameType;

/// Control field of a frame that is not the last of its transmission.
pub const CONTROL_NON_FINAL: u8 = 0xC0;
/// Control field of the last frame of a transmission.
pub const CONTROL_FINAL: u8 = 0xC8;

/// A frame received from the modem, checked for shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The last frame of its transmission.
    pub final_frame: bool,
    /// The FCF as received (X bit included).
    pub fcf: u8,
    /// What the FCF names, when T.30 defines it.
    pub kind: Option<FrameType>,
    /// The information field.
    pub fif: Vec<u8>,
}

/// Why a received frame was not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("HDLC frame of {0} octets is too short for address, control and FCF")]
    TooShort(usize),
    #[error("HDLC frame starts with address {0:#04x}, not 0xff")]
    BadAddress(u8),
    #[error("HDLC frame has control field {0:#04x}, not 0xc0 or 0xc8")]
    BadControl(u8),
}

impl Frame {
    /// Checks and splits a frame (without FCS). Control `0x03`/`0x13` (bit order not reversed)
    /// is accepted too.
    pub fn parse(bytes: &[u8]) -> Result<Frame, FrameError> {
        if bytes.len() < 3 {
            return Err(FrameError::TooShort(bytes.len()));
        }
        if bytes[0] != 0xFF {
            return Err(FrameError::BadAddress(bytes[0]));
        }
        let final_frame = match bytes[1] {
            CONTROL_FINAL | 0x13 => true,
            CONTROL_NON_FINAL | 0x03 => false,
            c => return Err(FrameError::BadControl(c)),
        };
        Ok(Frame { final_frame, fcf: bytes[2], kind: FrameType::from_fcf(bytes[2]), fif: bytes[3..].to_vec() })
    }
}

/// Builds a frame: address, control, FCF (with the X bit when `x`), FIF.
pub fn build(kind: FrameType, x: bool, final_frame: bool, fif: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(3 + fif.len());
    f.push(0xFF);
    f.push(if final_frame { CONTROL_FINAL } else { CONTROL_NON_FINAL });
    f.push(kind.fcf(x));
    f.extend_from_slice(fif);
    f
}

/// The most characters an identity holds.
pub const IDENT_LEN: usize = 20;

/// The FIF of a TSI, CSI or CIG: the identity last character first, then spaces up to 20.
/// Characters other than digits, `+` and space are replaced by spaces (T.30 allows only those).
pub fn ident_fif(ident: &str) -> Vec<u8> {
    let mut chars: Vec<u8> = ident
        .chars()
        .take(IDENT_LEN)
        .map(|c| if c.is_ascii_digit() || c == '+' || c == ' ' { c as u8 } else { b' ' })
        .collect();
    chars.reverse();
    chars.resize(IDENT_LEN, b' ');
    chars.iter().map(|c| c.reverse_bits()).collect()
}

/// The identity in a TSI/CSI/CIG FIF. Printable ASCII is kept (some machines send letters),
/// anything else is dropped; leading and trailing spaces are trimmed.
pub fn parse_ident(fif: &[u8]) -> String {
    let s: String =
        fif.iter().rev().map(|b| b.reverse_bits()).filter(|c| (0x20..0x7F).contains(c)).map(char::from).collect();
    s.trim().to_string()
}

/// A number as it travels in a FIF (page, block and frame counts, frame numbers).
pub fn fif_number(n: u8) -> u8 {
    n.reverse_bits()
}

/// A 256-frame bit map (PPR): bit `i` set means frame `i`. As it travels, frame 0 is the first
/// bit of the first octet.
pub fn frame_map(frames: impl IntoIterator<Item = u8>) -> [u8; 32] {
    let mut map = [0u8; 32];
    for i in frames {
        map[i as usize / 8] |= 0x80 >> (i % 8);
    }
    map
}

/// The frames a PPR bit map names.
pub fn frames_in_map(map: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (byte, &b) in map.iter().take(32).enumerate() {
        for bit in 0..8 {
            if b & (0x80 >> bit) != 0 {
                out.push((byte * 8 + bit) as u8);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csi_as_seen_on_the_t38_wire() {
        // CSI "+1 555 0199" from SpanDSP (research notes §1.5).
        let f = build(FrameType::Csi, false, false, &ident_fif("+1 555 0199"));
        let want = [0xff, 0xc0, 0x02, 0x9c, 0x9c, 0x8c, 0x0c, 0x04, 0xac, 0xac, 0xac, 0x04, 0x8c, 0xd4];
        assert_eq!(&f[..want.len()], &want);
        assert!(f[want.len()..].iter().all(|&b| b == 0x04));
        assert_eq!(f.len(), 23);
        assert_eq!(parse_ident(&f[3..]), "+1 555 0199");
    }

    #[test]
    fn frames_parse_and_reject_bad_shapes() {
        let f = Frame::parse(&[0xff, 0xc8, 0xc1, 0x00, 0x47]).unwrap();
        assert!(f.final_frame);
        assert_eq!(f.kind, Some(FrameType::Dcs));
        assert_eq!(f.fif, vec![0x00, 0x47]);
        assert_eq!(Frame::parse(&[0xff, 0xc8]), Err(FrameError::TooShort(2)));
        assert_eq!(Frame::parse(&[0xfe, 0xc8, 0x31]), Err(FrameError::BadAddress(0xfe)));
        assert_eq!(Frame::parse(&[0xff, 0x00, 0x31]), Err(FrameError::BadControl(0)));
    }

    #[test]
    fn frame_maps_round_trip() {
        let frames = vec![0u8, 1, 7, 8, 100, 255];
        let map = frame_map(frames.clone());
        assert_eq!(map[0], 0b1100_0001);
        assert_eq!(frames_in_map(&map), frames);
        // PPS frame count 68 travels as 0x22 (research notes §1.8).
        assert_eq!(fif_number(0x44), 0x22);
    }
}
