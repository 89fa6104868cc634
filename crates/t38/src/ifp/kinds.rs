//! The vocabulary of IFP packets: T.30 indicators, data types (modulation and rate) and field
//! types, with their ASN.1 indices, names, and the fax facts tied to them (bit rates, which
//! training announces which modem).

use std::fmt;

/// A T.30 indicator: the start of a tone, a modem's training, or silence on the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Indicator {
    /// The line went quiet (`no-signal`).
    NoSignal = 0,
    /// Calling tone, 1100 Hz, sent by the calling fax (`cng`).
    Cng = 1,
    /// Called terminal identification, 2100 Hz answer tone (`ced`).
    Ced = 2,
    /// V.21 HDLC flags before a T.30 control frame (`v21-preamble`).
    V21Preamble = 3,
    /// V.27ter training at 2400 bit/s.
    V27_2400Training = 4,
    /// V.27ter training at 4800 bit/s.
    V27_4800Training = 5,
    /// V.29 training at 7200 bit/s.
    V29_7200Training = 6,
    /// V.29 training at 9600 bit/s.
    V29_9600Training = 7,
    /// V.17 short training (page after CFR) at 7200 bit/s.
    V17_7200ShortTraining = 8,
    /// V.17 long training (TCF, after CTC) at 7200 bit/s.
    V17_7200LongTraining = 9,
    /// V.17 short training at 9600 bit/s.
    V17_9600ShortTraining = 10,
    /// V.17 long training at 9600 bit/s.
    V17_9600LongTraining = 11,
    /// V.17 short training at 12000 bit/s.
    V17_12000ShortTraining = 12,
    /// V.17 long training at 12000 bit/s.
    V17_12000LongTraining = 13,
    /// V.17 short training at 14400 bit/s.
    V17_14400ShortTraining = 14,
    /// V.17 long training at 14400 bit/s.
    V17_14400LongTraining = 15,
    /// V.8 modified answer tone (ANSam); version ≥ 1 only.
    V8Ansam = 16,
    /// V.8 signalling (CM/JM exchange follows); version ≥ 1 only.
    V8Signal = 17,
    /// V.34 control channel at 1200 bit/s starts; version ≥ 1 only.
    V34ControlChannel1200 = 18,
    /// V.34 primary channel starts; version ≥ 1 only.
    V34PrimaryChannel = 19,
    /// V.34 control channel retrain; version ≥ 1 only.
    V34ControlChannelRetrain = 20,
    /// V.33 training at 12000 bit/s; version ≥ 1 only.
    V33_12000Training = 21,
    /// V.33 training at 14400 bit/s; version ≥ 1 only.
    V33_14400Training = 22,
}

/// The modulation and rate T.30 data travels at (the IFP's `t30-data` type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum DataType {
    /// V.21 channel 2, 300 bit/s: T.30 control frames.
    V21 = 0,
    /// V.27ter at 2400 bit/s.
    V27_2400 = 1,
    /// V.27ter at 4800 bit/s.
    V27_4800 = 2,
    /// V.29 at 7200 bit/s.
    V29_7200 = 3,
    /// V.29 at 9600 bit/s.
    V29_9600 = 4,
    /// V.17 at 7200 bit/s.
    V17_7200 = 5,
    /// V.17 at 9600 bit/s.
    V17_9600 = 6,
    /// V.17 at 12000 bit/s.
    V17_12000 = 7,
    /// V.17 at 14400 bit/s.
    V17_14400 = 8,
    /// V.8 negotiation (CM/JM/CI messages, V.21 modulation); version ≥ 1 only.
    V8 = 9,
    /// V.34 primary channel rate signalling; version ≥ 1 only.
    V34PrimaryRate = 10,
    /// V.34 control channel at 1200 bit/s; version ≥ 1 only.
    V34ControlChannel1200 = 11,
    /// V.34 primary channel (image data); version ≥ 1 only.
    V34PrimaryChannel = 12,
    /// V.33 at 12000 bit/s; version ≥ 1 only.
    V33_12000 = 13,
    /// V.33 at 14400 bit/s; version ≥ 1 only.
    V33_14400 = 14,
}

/// What one data field carries: a piece of an HDLC frame, the end of one, or non-ECM image data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum FieldType {
    /// Octets of an HDLC frame (control frame or ECM frame), without flags or FCS.
    HdlcData = 0,
    /// The HDLC signal (carrier) ended.
    HdlcSigEnd = 1,
    /// The current HDLC frame ended with a good FCS.
    HdlcFcsOk = 2,
    /// The current HDLC frame ended with a bad FCS.
    HdlcFcsBad = 3,
    /// Frame ended with a good FCS, and so did the signal.
    HdlcFcsOkSigEnd = 4,
    /// Frame ended with a bad FCS, and so did the signal.
    HdlcFcsBadSigEnd = 5,
    /// Non-ECM image data or TCF octets.
    T4NonEcmData = 6,
    /// Non-ECM data ended (may carry the last octets).
    T4NonEcmSigEnd = 7,
    /// V.8 call menu message; version ≥ 1 only.
    CmMessage = 8,
    /// V.8 joint menu message; version ≥ 1 only.
    JmMessage = 9,
    /// V.8 call indicator message; version ≥ 1 only.
    CiMessage = 10,
    /// V.34 primary channel rate; version ≥ 1 only.
    V34Rate = 11,
}

impl Indicator {
    /// Every indicator, in ASN.1 (and SpanDSP) order: `ALL[i].code() == i`.
    pub const ALL: [Indicator; 23] = {
        use Indicator::*;
        [
            NoSignal,
            Cng,
            Ced,
            V21Preamble,
            V27_2400Training,
            V27_4800Training,
            V29_7200Training,
            V29_9600Training,
            V17_7200ShortTraining,
            V17_7200LongTraining,
            V17_9600ShortTraining,
            V17_9600LongTraining,
            V17_12000ShortTraining,
            V17_12000LongTraining,
            V17_14400ShortTraining,
            V17_14400LongTraining,
            V8Ansam,
            V8Signal,
            V34ControlChannel1200,
            V34PrimaryChannel,
            V34ControlChannelRetrain,
            V33_12000Training,
            V33_14400Training,
        ]
    };

    /// The ASN.1 index (SpanDSP's `T38_IND_*` value): 0–15 root, 16–22 extensions.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The indicator with ASN.1 index `code`, if there is one.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// True for the values after the ASN.1 extension marker (T.38 version ≥ 1 only).
    pub const fn is_extension(self) -> bool {
        self.code() >= 16
    }

    /// The ASN.1 name (`"v17-14400-long-training"`), as SpanDSP and Wireshark print it.
    pub const fn name(self) -> &'static str {
        use Indicator::*;
        match self {
            NoSignal => "no-signal",
            Cng => "cng",
            Ced => "ced",
            V21Preamble => "v21-preamble",
            V27_2400Training => "v27-2400-training",
            V27_4800Training => "v27-4800-training",
            V29_7200Training => "v29-7200-training",
            V29_9600Training => "v29-9600-training",
            V17_7200ShortTraining => "v17-7200-short-training",
            V17_7200LongTraining => "v17-7200-long-training",
            V17_9600ShortTraining => "v17-9600-short-training",
            V17_9600LongTraining => "v17-9600-long-training",
            V17_12000ShortTraining => "v17-12000-short-training",
            V17_12000LongTraining => "v17-12000-long-training",
            V17_14400ShortTraining => "v17-14400-short-training",
            V17_14400LongTraining => "v17-14400-long-training",
            V8Ansam => "v8-ansam",
            V8Signal => "v8-signal",
            V34ControlChannel1200 => "v34-cntl-channel-1200",
            V34PrimaryChannel => "v34-pri-channel",
            V34ControlChannelRetrain => "v34-CC-retrain",
            V33_12000Training => "v33-12000-training",
            V33_14400Training => "v33-14400-training",
        }
    }

    /// The indicator that announces data of `data_type`: the V.21 preamble for V.21, the
    /// modem's training otherwise (`long` picks V.17's long training, used for TCF and after CTC;
    /// other modems have one training). `None` for V.8, which is announced by its tones.
    pub const fn training_for(data_type: DataType, long: bool) -> Option<Self> {
        use Indicator::*;
        Some(match (data_type, long) {
            (DataType::V21, _) => V21Preamble,
            (DataType::V27_2400, _) => V27_2400Training,
            (DataType::V27_4800, _) => V27_4800Training,
            (DataType::V29_7200, _) => V29_7200Training,
            (DataType::V29_9600, _) => V29_9600Training,
            (DataType::V17_7200, false) => V17_7200ShortTraining,
            (DataType::V17_7200, true) => V17_7200LongTraining,
            (DataType::V17_9600, false) => V17_9600ShortTraining,
            (DataType::V17_9600, true) => V17_9600LongTraining,
            (DataType::V17_12000, false) => V17_12000ShortTraining,
            (DataType::V17_12000, true) => V17_12000LongTraining,
            (DataType::V17_14400, false) => V17_14400ShortTraining,
            (DataType::V17_14400, true) => V17_14400LongTraining,
            (DataType::V8, _) => return None,
            (DataType::V34ControlChannel1200, _) => V34ControlChannel1200,
            (DataType::V34PrimaryRate | DataType::V34PrimaryChannel, _) => V34PrimaryChannel,
            (DataType::V33_12000, _) => V33_12000Training,
            (DataType::V33_14400, _) => V33_14400Training,
        })
    }

    /// The data type whose modem this indicator starts (the inverse of [`Self::training_for`]);
    /// `None` for tones and silence.
    pub const fn data_type(self) -> Option<DataType> {
        use Indicator::*;
        Some(match self {
            NoSignal | Cng | Ced | V8Ansam | V8Signal | V34ControlChannelRetrain => return None,
            V21Preamble => DataType::V21,
            V27_2400Training => DataType::V27_2400,
            V27_4800Training => DataType::V27_4800,
            V29_7200Training => DataType::V29_7200,
            V29_9600Training => DataType::V29_9600,
            V17_7200ShortTraining | V17_7200LongTraining => DataType::V17_7200,
            V17_9600ShortTraining | V17_9600LongTraining => DataType::V17_9600,
            V17_12000ShortTraining | V17_12000LongTraining => DataType::V17_12000,
            V17_14400ShortTraining | V17_14400LongTraining => DataType::V17_14400,
            V34ControlChannel1200 => DataType::V34ControlChannel1200,
            V34PrimaryChannel => DataType::V34PrimaryChannel,
            V33_12000Training => DataType::V33_12000,
            V33_14400Training => DataType::V33_14400,
        })
    }
}

impl DataType {
    /// Every data type, in ASN.1 order: `ALL[i].code() == i`.
    pub const ALL: [DataType; 15] = {
        use DataType::*;
        [
            V21,
            V27_2400,
            V27_4800,
            V29_7200,
            V29_9600,
            V17_7200,
            V17_9600,
            V17_12000,
            V17_14400,
            V8,
            V34PrimaryRate,
            V34ControlChannel1200,
            V34PrimaryChannel,
            V33_12000,
            V33_14400,
        ]
    };

    /// The ASN.1 index (SpanDSP's `T38_DATA_*` value): 0–8 root, 9–14 extensions.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The data type with ASN.1 index `code`, if there is one.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// True for the values after the ASN.1 extension marker (T.38 version ≥ 1 only).
    pub const fn is_extension(self) -> bool {
        self.code() >= 9
    }

    /// Nominal bit rate in bit/s: 300 for V.21 (and V.8, which uses V.21 modulation), the
    /// modem rate otherwise. V.34's primary channel rate is negotiated (2400–33600) and
    /// reported by the `v34rate` field; for it this returns the ceiling, 33600.
    pub const fn bit_rate(self) -> u32 {
        use DataType::*;
        match self {
            V21 | V8 => 300,
            V34ControlChannel1200 => 1200,
            V27_2400 => 2400,
            V27_4800 => 4800,
            V29_7200 | V17_7200 => 7200,
            V29_9600 | V17_9600 => 9600,
            V17_12000 | V33_12000 => 12000,
            V17_14400 | V33_14400 => 14400,
            V34PrimaryRate | V34PrimaryChannel => 33600,
        }
    }

    /// The ASN.1 name (`"v17-14400"`).
    pub const fn name(self) -> &'static str {
        use DataType::*;
        match self {
            V21 => "v21",
            V27_2400 => "v27-2400",
            V27_4800 => "v27-4800",
            V29_7200 => "v29-7200",
            V29_9600 => "v29-9600",
            V17_7200 => "v17-7200",
            V17_9600 => "v17-9600",
            V17_12000 => "v17-12000",
            V17_14400 => "v17-14400",
            V8 => "v8",
            V34PrimaryRate => "v34-pri-rate",
            V34ControlChannel1200 => "v34-CC-1200",
            V34PrimaryChannel => "v34-pri-ch",
            V33_12000 => "v33-12000",
            V33_14400 => "v33-14400",
        }
    }
}

impl FieldType {
    /// Every field type, in ASN.1 order: `ALL[i].code() == i`.
    pub const ALL: [FieldType; 12] = {
        use FieldType::*;
        [
            HdlcData,
            HdlcSigEnd,
            HdlcFcsOk,
            HdlcFcsBad,
            HdlcFcsOkSigEnd,
            HdlcFcsBadSigEnd,
            T4NonEcmData,
            T4NonEcmSigEnd,
            CmMessage,
            JmMessage,
            CiMessage,
            V34Rate,
        ]
    };

    /// The ASN.1 index (SpanDSP's `T38_FIELD_*` value): 0–7 root, 8–11 extensions.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The field type with ASN.1 index `code`, if there is one.
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(code as usize).copied()
    }

    /// True for the values after the ASN.1 extension marker (T.38 version ≥ 1 only).
    pub const fn is_extension(self) -> bool {
        self.code() >= 8
    }

    /// True for the types that end an HDLC frame (`hdlc-fcs-*`).
    pub const fn ends_hdlc_frame(self) -> bool {
        matches!(self, Self::HdlcFcsOk | Self::HdlcFcsBad | Self::HdlcFcsOkSigEnd | Self::HdlcFcsBadSigEnd)
    }

    /// True for the types that end the signal (`*-sig-end`).
    pub const fn ends_signal(self) -> bool {
        matches!(self, Self::HdlcSigEnd | Self::HdlcFcsOkSigEnd | Self::HdlcFcsBadSigEnd | Self::T4NonEcmSigEnd)
    }

    /// The ASN.1 name (`"hdlc-fcs-OK-sig-end"`).
    pub const fn name(self) -> &'static str {
        use FieldType::*;
        match self {
            HdlcData => "hdlc-data",
            HdlcSigEnd => "hdlc-sig-end",
            HdlcFcsOk => "hdlc-fcs-OK",
            HdlcFcsBad => "hdlc-fcs-BAD",
            HdlcFcsOkSigEnd => "hdlc-fcs-OK-sig-end",
            HdlcFcsBadSigEnd => "hdlc-fcs-BAD-sig-end",
            T4NonEcmData => "t4-non-ecm-data",
            T4NonEcmSigEnd => "t4-non-ecm-sig-end",
            CmMessage => "cm-message",
            JmMessage => "jm-message",
            CiMessage => "ci-message",
            V34Rate => "v34rate",
        }
    }
}

macro_rules! display_by_name {
    ($($t:ty),*) => {$(
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    )*};
}
display_by_name!(Indicator, DataType, FieldType);
