//! The training check (TCF): 1.5 s of zeros the transmitter sends after DCS, and the
//! receiver's judgement of it.

/// Seconds of zeros a transmitter sends, as a fraction: 3/2.
pub const TCF_SECONDS_NUM: u32 = 3;
pub const TCF_SECONDS_DEN: u32 = 2;

/// Octets of zeros for a training check at `bit_rate`.
pub fn tcf_octets(bit_rate: u32) -> usize {
    (bit_rate * TCF_SECONDS_NUM / TCF_SECONDS_DEN / 8) as usize
}

/// Judges a training check as SpanDSP does: good if its longest run of zero bits lasts at
/// least one second at `bit_rate`. Leading ones (some machines send some) do not matter.
pub fn tcf_is_good(data: &[u8], bit_rate: u32) -> bool {
    let mut longest = 0u32;
    let mut run = 0u32;
    for &b in data {
        if b == 0 {
            run += 8;
            continue;
        }
        // Zeros before the first one bit of this octet end the run; zeros after the last
        // one bit start the next.
        run += b.leading_zeros();
        longest = longest.max(run);
        run = b.trailing_zeros();
        // A zero run wholly inside the octet is too short to matter.
    }
    longest.max(run) >= bit_rate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn judgement() {
        let good = vec![0u8; tcf_octets(14400)];
        assert!(tcf_is_good(&good, 14400));
        assert!(!tcf_is_good(&good[..1700], 14400));
        let mut leading_ones = vec![0xffu8; 100];
        leading_ones.extend_from_slice(&good);
        assert!(tcf_is_good(&leading_ones, 14400));
        let mut broken = good.clone();
        broken[900] = 0x10;
        assert!(!tcf_is_good(&broken, 14400));
        assert!(tcf_is_good(&broken, 7200));
    }
}
