//! Numeric codes SpanDSP reports, from Debian's 0.0.6 headers: the phase-E completion codes
//! (`T30_ERR_*`, `spandsp/t30.h`) and the FCF values the phase-B/D handlers and
//! [`T30Frame::fcf`](crate::T30Frame::fcf) carry (`spandsp/t30_fcf.h`; frames on the wire may
//! have the low "X" bit set as well).

/// `T30_ERR_*` completion codes, in the header's order.
pub mod t30_err {
    pub const OK: i32 = 0;
    pub const CEDTONE: i32 = 1;
    pub const T0_EXPIRED: i32 = 2;
    /// Timed out waiting for the first message.
    pub const T1_EXPIRED: i32 = 3;
    pub const T3_EXPIRED: i32 = 4;
    pub const HDLC_CARRIER: i32 = 5;
    pub const CANNOT_TRAIN: i32 = 6;
    pub const OPER_INT_FAIL: i32 = 7;
    pub const INCOMPATIBLE: i32 = 8;
    pub const RX_INCAPABLE: i32 = 9;
    pub const TX_INCAPABLE: i32 = 10;
    pub const NORESSUPPORT: i32 = 11;
    pub const NOSIZESUPPORT: i32 = 12;
    pub const UNEXPECTED: i32 = 13;
    pub const TX_BADDCS: i32 = 14;
    pub const TX_BADPG: i32 = 15;
    pub const TX_ECMPHD: i32 = 16;
    pub const TX_GOTDCN: i32 = 17;
    pub const TX_INVALRSP: i32 = 18;
    pub const TX_NODIS: i32 = 19;
    /// Received no response to DCS, training or TCF.
    pub const TX_PHBDEAD: i32 = 20;
    pub const TX_PHDDEAD: i32 = 21;
    pub const TX_T5EXP: i32 = 22;
    pub const RX_ECMPHD: i32 = 23;
    pub const RX_GOTDCS: i32 = 24;
    pub const RX_INVALCMD: i32 = 25;
    pub const RX_NOCARRIER: i32 = 26;
    pub const RX_NOEOL: i32 = 27;
    pub const RX_NOFAX: i32 = 28;
    pub const RX_T2EXPDCN: i32 = 29;
    pub const RX_T2EXPD: i32 = 30;
    pub const RX_T2EXPFAX: i32 = 31;
    pub const RX_T2EXPMPS: i32 = 32;
    pub const RX_T2EXPRR: i32 = 33;
    pub const RX_T2EXP: i32 = 34;
    pub const RX_DCNWHY: i32 = 35;
    pub const RX_DCNDATA: i32 = 36;
    pub const RX_DCNFAX: i32 = 37;
    pub const RX_DCNPHD: i32 = 38;
    pub const RX_DCNRRD: i32 = 39;
    pub const RX_DCNNORTN: i32 = 40;
    pub const FILEERROR: i32 = 41;
    pub const NOPAGE: i32 = 42;
    pub const BADTIFF: i32 = 43;
    pub const BADPAGE: i32 = 44;
    pub const BADTAG: i32 = 45;
    pub const BADTIFFHDR: i32 = 46;
    pub const NOMEM: i32 = 47;
    pub const RETRYDCN: i32 = 48;
    pub const CALLDROPPED: i32 = 49;
    pub const NOPOLL: i32 = 50;
    pub const IDENT_UNACCEPTABLE: i32 = 51;
    pub const SUB_UNACCEPTABLE: i32 = 52;
    pub const SEP_UNACCEPTABLE: i32 = 53;
    pub const PSA_UNACCEPTABLE: i32 = 54;
    pub const SID_UNACCEPTABLE: i32 = 55;
    pub const PWD_UNACCEPTABLE: i32 = 56;
    pub const TSA_UNACCEPTABLE: i32 = 57;
    pub const IRA_UNACCEPTABLE: i32 = 58;
    pub const CIA_UNACCEPTABLE: i32 = 59;
    pub const ISP_UNACCEPTABLE: i32 = 60;
    pub const CSA_UNACCEPTABLE: i32 = 61;
}

/// T.30 FCF values as SpanDSP numbers them (bit-reversed relative to the T.30 tables).
pub mod fcf {
    pub const DIS: u8 = 0x80;
    pub const CSI: u8 = 0x40;
    pub const NSF: u8 = 0x20;
    pub const DTC: u8 = 0x81;
    pub const DCS: u8 = 0x82;
    pub const TSI: u8 = 0x42;
    pub const CFR: u8 = 0x84;
    pub const FTT: u8 = 0x44;
    pub const EOM: u8 = 0x8E;
    pub const MPS: u8 = 0x4E;
    pub const EOP: u8 = 0x2E;
    pub const PPS: u8 = 0xBE;
    pub const EOR: u8 = 0xCE;
    pub const RR: u8 = 0x6E;
    pub const MCF: u8 = 0x8C;
    pub const RTP: u8 = 0xCC;
    pub const RTN: u8 = 0x4C;
    pub const PPR: u8 = 0xBC;
    pub const RNR: u8 = 0xEC;
    pub const ERR: u8 = 0x1C;
    pub const DCN: u8 = 0xFA;
    pub const CRP: u8 = 0x1A;
    /// ECM image frame (T.4 Annex A), seen only inside ECM blocks.
    pub const FCD: u8 = 0x06;
    /// ECM return to control for partial page.
    pub const RCP: u8 = 0x86;
}
