//! The configuration of a SpanDSP T.38 terminal: role, T.38 version, T.30 capabilities, files,
//! test knobs (receiver-not-ready, phase-B refusal) and logging. Bit values are those of
//! Debian's 0.0.6 headers (`spandsp/t30.h`, `t4_rx.h`, `t38_core.h`, `t38_terminal.h`,
//! `logging.h`). Anything left `None` keeps SpanDSP's own default.

use std::ops::BitOr;
use std::path::PathBuf;

macro_rules! bit_set {
    ($(#[$doc:meta])* $name:ident { $($(#[$cdoc:meta])* $c:ident = $v:expr),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub u32);

        impl $name {
            $($(#[$cdoc])* pub const $c: $name = $name($v);)*

            /// The raw bits, as SpanDSP takes them.
            pub fn bits(self) -> u32 {
                self.0
            }

            /// Whether every bit of `other` is set here.
            pub fn contains(self, other: $name) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl BitOr for $name {
            type Output = $name;
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }
    };
}

bit_set! {
    /// Modems offered for image transfer (`T30_SUPPORT_*` modem bits).
    Modems {
        V27TER = 0x01,
        V29 = 0x02,
        V17 = 0x04,
        /// Internet-aware fax; the T.38 terminal's default set includes it.
        IAF = 0x10,
    }
}

impl Modems {
    /// What `t38_terminal_init` configures: V.27ter, V.29, V.17 and IAF.
    pub const T38_TERMINAL_DEFAULT: Modems = Modems(0x01 | 0x02 | 0x04 | 0x10);
}

bit_set! {
    /// Page compressions offered (`T30_SUPPORT_*_COMPRESSION`). SpanDSP offers T.6 only when
    /// ECM is on.
    Compressions {
        T4_1D = 0x02,
        T4_2D = 0x04,
        T6 = 0x08,
    }
}

bit_set! {
    /// Resolutions offered (`T30_SUPPORT_*_RESOLUTION`).
    Resolutions {
        STANDARD = 0x01,
        FINE = 0x02,
        SUPERFINE = 0x04,
        R4 = 0x10000,
        R8 = 0x20000,
        R16 = 0x40000,
        R300_300 = 0x100000,
        R400_400 = 0x200000,
    }
}

bit_set! {
    /// Page widths and lengths offered (`T30_SUPPORT_*_WIDTH` / `_LENGTH`).
    ImageSizes {
        WIDTH_215MM = 0x01,
        WIDTH_255MM = 0x02,
        WIDTH_303MM = 0x04,
        UNLIMITED_LENGTH = 0x10000,
        A4_LENGTH = 0x20000,
        B4_LENGTH = 0x40000,
        US_LETTER_LENGTH = 0x80000,
        US_LEGAL_LENGTH = 0x100000,
    }
}

bit_set! {
    /// `t38_terminal_set_config` options (`T38_TERMINAL_OPTION_*`). The empty set is SpanDSP's
    /// default: paced output as over UDP (30 ms chunks, indicators and end-of-data sent 3×).
    TerminalOptions {
        /// Stream without pacing (TCP/TPKT use).
        NO_PACING = 0x01,
        /// Repeat indicators regularly while idle.
        REGULAR_INDICATORS = 0x02,
        /// Repeat indicators for the first 2 s of idle periods.
        REPEATING_INDICATORS_2S = 0x04,
        /// Send no indicators (TCP/TPKT use).
        NO_INDICATORS = 0x08,
    }
}

/// Which side of the call the terminal is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Caller (originates; the usual fax sender).
    Calling,
    /// Answerer (sends CSI/DIS first; the usual fax receiver).
    Answering,
}

/// Coding of the TIFF the receiver writes (`t30_set_rx_encoding`, `T4_COMPRESSION_ITU_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxEncoding {
    /// T.4 1-D (MH), `T4_COMPRESSION_ITU_T4_1D`.
    Mh = 1,
    /// T.4 2-D (MR), `T4_COMPRESSION_ITU_T4_2D`: SpanDSP's default.
    Mr = 2,
    /// T.6 (MMR), `T4_COMPRESSION_ITU_T6`.
    Mmr = 3,
}

/// T.38 data-rate management (`t38_set_data_rate_management_method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateManagement {
    /// Method 1: TCF generated locally by the gateways.
    LocalTcf = 1,
    /// Method 2: TCF transferred end to end (SpanDSP's default; the one T.38 over UDP uses).
    TransferredTcf = 2,
}

/// SpanDSP log levels and display flags (`logging.h`): a severity, optionally or-ed with
/// display flags.
pub mod log_level {
    pub const NONE: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const WARNING: i32 = 2;
    pub const PROTOCOL_ERROR: i32 = 3;
    pub const PROTOCOL_WARNING: i32 = 4;
    /// T.30 state changes and every T.30 frame sent or received.
    pub const FLOW: i32 = 5;
    pub const FLOW_2: i32 = 6;
    pub const FLOW_3: i32 = 7;
    pub const DEBUG: i32 = 8;
    pub const DEBUG_2: i32 = 9;
    pub const DEBUG_3: i32 = 10;
    pub const SHOW_DATE: i32 = 0x0100;
    /// Prefix the terminal's own sample clock (`hh:mm:ss.mmm`).
    pub const SHOW_SAMPLE_TIME: i32 = 0x0200;
    pub const SHOW_SEVERITY: i32 = 0x0400;
    pub const SHOW_PROTOCOL: i32 = 0x0800;
    /// Prefix the terminal's tag.
    pub const SHOW_TAG: i32 = 0x2000;
}

/// How to set up one SpanDSP T.38 terminal. Start from [`TerminalConfig::new`] and change
/// fields; `None` keeps SpanDSP's default.
#[derive(Debug, Clone)]
pub struct TerminalConfig {
    pub role: Role,
    /// T.38 version to encode and decode with. Always applied: SpanDSP's core defaults to 0.
    pub t38_version: u8,
    /// ECM capability (SpanDSP's default is off).
    pub ecm: bool,
    pub modems: Option<Modems>,
    /// Add [`Compressions::T6`] together with `ecm` to get T.6 pages.
    pub compressions: Option<Compressions>,
    pub resolutions: Option<Resolutions>,
    pub image_sizes: Option<ImageSizes>,
    /// TSI (calling) or CSI (answering), at most 20 characters.
    pub local_ident: Option<String>,
    /// TIFF to send, all pages.
    pub tx_file: Option<PathBuf>,
    /// TIFF to write received pages into.
    pub rx_file: Option<PathBuf>,
    /// Minimum scan-line time the receiver asks for, in ms (0, 5, 10, 20 or 40).
    pub min_scan_line_time_ms: Option<u32>,
    /// Answer RR/post-page commands with RNR this many times (ECM flow-control tests).
    pub receiver_not_ready: Option<u32>,
    /// Coding of the TIFF the receiver writes.
    pub rx_encoding: Option<RxEncoding>,
    /// When set, the phase-B handler returns this code instead of `T30_ERR_OK`, refusing the
    /// call at phase B (SpanDSP then disconnects).
    pub phase_b_refusal: Option<i32>,
    pub rate_management: Option<RateManagement>,
    /// Remove non-ECM fill bits when sending (`t38_terminal_set_fill_bit_removal`, which is
    /// what changes the terminal's output; the core's flag is set to match).
    pub fill_bit_removal: Option<bool>,
    /// `t38_terminal_set_config`; `None` keeps the paced default.
    pub terminal_options: Option<TerminalOptions>,
    /// Level for the terminal's and T.30's logging states (see [`log_level`]).
    pub log_level: i32,
    /// Level for the T.38 core's logging state, which at `FLOW` logs every IFP.
    pub ifp_log_level: i32,
    /// Tag shown in log lines (with [`log_level::SHOW_TAG`]).
    pub log_tag: String,
}

impl TerminalConfig {
    /// A terminal with SpanDSP's defaults for everything but the role and the T.38 version;
    /// logging at flow level (T.30 states and frames), IFPs only on warnings.
    pub fn new(role: Role, t38_version: u8) -> Self {
        TerminalConfig {
            role,
            t38_version,
            ecm: false,
            modems: None,
            compressions: None,
            resolutions: None,
            image_sizes: None,
            local_ident: None,
            tx_file: None,
            rx_file: None,
            min_scan_line_time_ms: None,
            receiver_not_ready: None,
            rx_encoding: None,
            phase_b_refusal: None,
            rate_management: None,
            fill_bit_removal: None,
            terminal_options: None,
            log_level: log_level::FLOW | log_level::SHOW_TAG | log_level::SHOW_SAMPLE_TIME,
            ifp_log_level: log_level::WARNING | log_level::SHOW_TAG | log_level::SHOW_SAMPLE_TIME,
            log_tag: match role {
                Role::Calling => "spandsp-caller".into(),
                Role::Answering => "spandsp-answerer".into(),
            },
        }
    }
}
