//! How a T.30 session is set up: the local station's identity and capabilities, the copy
//! quality it demands of received pages, and its timers and repeat counts.

use std::time::Duration;

use ferrofax_image::Coding;

use crate::{ModemFamilies, PageLength, WidthSupport};

/// Which end of the call this station is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallRole {
    /// Placed the call (sends CNG, waits for DIS).
    Calling,
    /// Answered the call (sends CED and DIS).
    Answering,
}

/// What the local station offers and accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalCapabilities {
    pub modems: ModemFamilies,
    /// Highest bit rate to use (e.g. the T.38 session's T38MaxBitRate).
    pub max_bit_rate: u32,
    pub fine: bool,
    pub superfine: bool,
    /// Codings offered and used, best first is chosen: MMR (with ECM), MR, MH. MH is always
    /// possible.
    pub mr: bool,
    pub mmr: bool,
    pub ecm: bool,
    /// ECM frame size this station sends: 256 or 64 octets.
    pub ecm_frame_size: u16,
    pub widths: WidthSupport,
    pub lengths: PageLength,
    /// As a receiver, the minimum time per coded line it needs (ms; 0 for none).
    pub min_scan_time_ms: u32,
    /// Announce T.38 (DIS bit 3).
    pub t38: bool,
}

impl Default for LocalCapabilities {
    fn default() -> Self {
        LocalCapabilities {
            modems: ModemFamilies::ALL,
            max_bit_rate: 14400,
            fine: true,
            superfine: true,
            mr: true,
            mmr: true,
            ecm: true,
            ecm_frame_size: 256,
            widths: WidthSupport::A4B4A3,
            lengths: PageLength::Unlimited,
            min_scan_time_ms: 0,
            t38: true,
        }
    }
}

impl LocalCapabilities {
    /// The best coding both stations share for the ECM setting chosen.
    pub(crate) fn coding_with(&self, remote: &crate::Capabilities, ecm: bool) -> Coding {
        if ecm && self.mmr && remote.mmr {
            Coding::Mmr
        } else if self.mr && remote.mr {
            Coding::Mr
        } else {
            Coding::Mh
        }
    }
}

/// When a received non-ECM page is good enough (T.30 leaves it to the receiver; these are the
/// TSB-85 figures SpanDSP also uses).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CopyQuality {
    /// Below this share of bad lines (percent) the page is confirmed with MCF.
    pub good_below_percent: f64,
    /// Below this share it is accepted but retraining is asked for (RTP); at or above it the
    /// page is refused (RTN).
    pub acceptable_below_percent: f64,
    /// A run of this many consecutive bad lines refuses the page whatever the share.
    pub max_consecutive_bad: u32,
}

impl Default for CopyQuality {
    fn default() -> Self {
        CopyQuality { good_below_percent: 5.0, acceptable_below_percent: 15.0, max_consecutive_bad: 64 }
    }
}

/// T.30 timers and repeat counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timers {
    /// T1: the two stations must identify each other within this time.
    pub t1: Duration,
    /// T2: a receiver waits this long for a command (or for page data).
    pub t2: Duration,
    /// T4: a transmitter waits this long for a response before repeating its command.
    pub t4: Duration,
    /// T5: the longest an ECM receiver may stay not ready.
    pub t5: Duration,
    /// Once a frame has begun arriving, how long it may take to complete.
    pub frame: Duration,
    /// How often a command is sent without a valid response before giving up.
    pub command_tries: u32,
    /// How often one page may be refused (RTN) and sent again.
    pub page_tries: u32,
    /// Partial page requests for one ECM block before CTC/EOR.
    pub ppr_before_ctc: u32,
}

impl Default for Timers {
    fn default() -> Self {
        Timers {
            t1: Duration::from_secs(35),
            t2: Duration::from_secs(7),
            t4: Duration::from_millis(3450),
            t5: Duration::from_secs(65),
            frame: Duration::from_secs(10),
            command_tries: 3,
            page_tries: 3,
            ppr_before_ctc: 4,
        }
    }
}

/// Everything a session needs besides the pages.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub role: CallRole,
    /// This station's identity (TSI when sending, CSI when receiving): up to 20 digits, `+`
    /// and spaces.
    pub ident: String,
    /// Non-standard facilities to send with DIS, if any.
    pub nsf: Option<Vec<u8>>,
    pub capabilities: LocalCapabilities,
    pub copy_quality: CopyQuality,
    pub timers: Timers,
    /// The longest page (in lines) a receiver keeps; longer pages are cut.
    pub max_page_lines: u32,
    /// How long the answer tone lasts (ms); 0 sends none.
    pub ced_ms: u32,
}

impl Config {
    pub fn new(role: CallRole, ident: &str) -> Config {
        Config {
            role,
            ident: ident.to_string(),
            nsf: None,
            capabilities: LocalCapabilities::default(),
            copy_quality: CopyQuality::default(),
            timers: Timers::default(),
            max_page_lines: 16_000,
            ced_ms: 3000,
        }
    }
}
