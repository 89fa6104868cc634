//! T.30 facsimile control field (FCF) values: which frame a frame is.
//!
//! Values are octets as they travel, first transmitted bit most significant (the order T.30
//! prints them in and T.38 carries them). The first bit of most FCFs is the "X" bit: 1 in frames
//! sent by the station that received a DIS. The DIS group (`0000 xxxx`) and the DTC group
//! (`1000 xxxx`) have no X bit, and neither do the ECM data frames FCD and RCP.

/// The frames of T.30 (and FCD/RCP of T.4 Annex A).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FrameType {
    /// Digital identification signal: the called station's capabilities.
    Dis,
    /// Called subscriber identification.
    Csi,
    /// Non-standard facilities.
    Nsf,
    /// Digital transmit command (polling): the caller's capabilities as a receiver.
    Dtc,
    /// Calling subscriber identification (polling).
    Cig,
    /// Non-standard facilities command (polling).
    Nsc,
    /// Password (polling).
    Pwd,
    /// Selective polling.
    Sep,
    /// Digital command signal: the mode the transmitter chose.
    Dcs,
    /// Transmitting subscriber identification.
    Tsi,
    /// Non-standard set-up.
    Nss,
    /// Sub-address.
    Sub,
    /// Sender identification.
    Sid,
    /// Continue to correct (ECM): go on at a new rate after four partial page requests.
    Ctc,
    /// Confirmation to receive: the training check was good.
    Cfr,
    /// Failure to train.
    Ftt,
    /// Response to CTC.
    Ctr,
    /// End of message: more pages follow after a return to phase B.
    Eom,
    /// Multipage signal: another page follows in the same mode.
    Mps,
    /// End of procedure: that was the last page.
    Eop,
    /// Procedure interrupt with EOM.
    PriEom,
    /// Procedure interrupt with MPS.
    PriMps,
    /// Procedure interrupt with EOP.
    PriEop,
    /// Partial page signal (ECM).
    Pps,
    /// End of retransmission (ECM).
    Eor,
    /// Receive ready? (ECM flow control).
    Rr,
    /// Message confirmation: the page (or block) was received well.
    Mcf,
    /// Retrain positive: page received, retrain before the next.
    Rtp,
    /// Retrain negative: page not received well, retrain and send it again.
    Rtn,
    /// Procedure interrupt positive.
    Pip,
    /// Procedure interrupt negative.
    Pin,
    /// Partial page request (ECM): frames to send again.
    Ppr,
    /// Receiver not ready (ECM).
    Rnr,
    /// Response to EOR.
    Err,
    /// Disconnect.
    Dcn,
    /// Command repeat: the last frame arrived damaged.
    Crp,
    /// Field not valid.
    Fnv,
    /// Facsimile coded data (ECM image frame).
    Fcd,
    /// Return to control for partial page (ends an ECM block).
    Rcp,
}

use FrameType::*;

/// Frames of the DIS and DTC groups, whose FCF has no X bit.
const FIXED: [(FrameType, u8); 10] = [
    (Dis, 0x01),
    (Csi, 0x02),
    (Nsf, 0x04),
    (Dtc, 0x81),
    (Cig, 0x82),
    (Nsc, 0x84),
    (Pwd, 0x83),
    (Sep, 0x85),
    (Fcd, 0x60),
    (Rcp, 0x61),
];

/// Frames whose FCF carries the X bit (shown here with X = 0).
const WITH_X: [(FrameType, u8); 29] = [
    (Dcs, 0x41),
    (Tsi, 0x42),
    (Nss, 0x44),
    (Sub, 0x43),
    (Sid, 0x45),
    (Ctc, 0x48),
    (Cfr, 0x21),
    (Ftt, 0x22),
    (Ctr, 0x23),
    (Eom, 0x71),
    (Mps, 0x72),
    (Eop, 0x74),
    (PriEom, 0x79),
    (PriMps, 0x7A),
    (PriEop, 0x7C),
    (Pps, 0x7D),
    (Eor, 0x73),
    (Rr, 0x76),
    (Mcf, 0x31),
    (Rtp, 0x33),
    (Rtn, 0x32),
    (Pip, 0x35),
    (Pin, 0x34),
    (Ppr, 0x3D),
    (Rnr, 0x37),
    (Err, 0x38),
    (Dcn, 0x5F),
    (Crp, 0x58),
    (Fnv, 0x53),
];

impl FrameType {
    /// The frame an FCF names, the X bit ignored. None for FCFs T.30 does not define.
    pub fn from_fcf(fcf: u8) -> Option<FrameType> {
        if fcf & 0x70 == 0 {
            return FIXED.iter().find(|(_, v)| *v == fcf).map(|(t, _)| *t);
        }
        let bare = fcf & 0x7F;
        FIXED[8..].iter().chain(WITH_X.iter()).find(|(_, v)| *v == bare).map(|(t, _)| *t)
    }

    /// The FCF of this frame; `x` sets the X bit where the frame has one.
    pub fn fcf(self, x: bool) -> u8 {
        if let Some((_, v)) = FIXED.iter().find(|(t, _)| *t == self) {
            return *v;
        }
        let v = WITH_X.iter().find(|(t, _)| *t == self).map(|(_, v)| *v).unwrap_or(0);
        if x { v | 0x80 } else { v }
    }

    /// The name T.30 gives the frame.
    pub fn name(self) -> &'static str {
        match self {
            Dis => "DIS",
            Csi => "CSI",
            Nsf => "NSF",
            Dtc => "DTC",
            Cig => "CIG",
            Nsc => "NSC",
            Pwd => "PWD",
            Sep => "SEP",
            Dcs => "DCS",
            Tsi => "TSI",
            Nss => "NSS",
            Sub => "SUB",
            Sid => "SID",
            Ctc => "CTC",
            Cfr => "CFR",
            Ftt => "FTT",
            Ctr => "CTR",
            Eom => "EOM",
            Mps => "MPS",
            Eop => "EOP",
            PriEom => "PRI-EOM",
            PriMps => "PRI-MPS",
            PriEop => "PRI-EOP",
            Pps => "PPS",
            Eor => "EOR",
            Rr => "RR",
            Mcf => "MCF",
            Rtp => "RTP",
            Rtn => "RTN",
            Pip => "PIP",
            Pin => "PIN",
            Ppr => "PPR",
            Rnr => "RNR",
            Err => "ERR",
            Dcn => "DCN",
            Crp => "CRP",
            Fnv => "FNV",
            Fcd => "FCD",
            Rcp => "RCP",
        }
    }
}

impl std::fmt::Display for FrameType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_seen_from_spandsp() {
        // Observed on the T.38 wire from SpanDSP (research notes §1.3).
        assert_eq!(Dcs.fcf(true), 0xC1);
        assert_eq!(Tsi.fcf(true), 0xC2);
        assert_eq!(Cfr.fcf(false), 0x21);
        assert_eq!(Mcf.fcf(false), 0x31);
        assert_eq!(Mps.fcf(true), 0xF2);
        assert_eq!(Eop.fcf(true), 0xF4);
        assert_eq!(Pps.fcf(true), 0xFD);
        assert_eq!(Dcn.fcf(true), 0xDF);
        assert_eq!(Fcd.fcf(true), 0x60);
        assert_eq!(Rcp.fcf(false), 0x61);
        assert_eq!(Dis.fcf(true), 0x01);
    }

    #[test]
    fn every_frame_round_trips_with_and_without_x() {
        for (t, _) in FIXED.iter().chain(WITH_X.iter()) {
            for x in [false, true] {
                assert_eq!(FrameType::from_fcf(t.fcf(x)), Some(*t), "{t}");
            }
        }
        assert_eq!(FrameType::from_fcf(0x00), None);
        assert_eq!(FrameType::from_fcf(0xFF), None);
    }
}
