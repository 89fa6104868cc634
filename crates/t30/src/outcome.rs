//! What a session tells its application: phase changes, pages, and how the call ended, with a
//! precise failure code when it did not end well.

use ferrofax_image::{Bitmap, Coding, LineReport, Resolution};

use crate::{Capabilities, Modulation};

/// The phases of a T.30 call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Call set-up (tones).
    A,
    /// Pre-message procedure: identification, capabilities, training.
    B,
    /// Message transmission: the page.
    C,
    /// Post-message procedure: end-of-page signals and confirmations.
    D,
    /// Release.
    E,
}

/// How a page was answered by the receiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PageResponse {
    /// MCF: received well.
    Confirmed,
    /// RTP: received, but retrain before the next page.
    ConfirmedRetrain,
    /// RTN: not received well.
    Rejected,
}

/// The mode a session agreed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Negotiated {
    pub modulation: Modulation,
    pub coding: Coding,
    pub resolution: Resolution,
    pub width: u32,
    pub ecm: bool,
}

impl From<&crate::Dcs> for Negotiated {
    fn from(dcs: &crate::Dcs) -> Negotiated {
        Negotiated {
            modulation: dcs.modulation,
            coding: dcs.coding,
            resolution: dcs.resolution,
            width: dcs.width.pixels(),
            ecm: dcs.ecm,
        }
    }
}

/// In words, as a port's status shows it: `V.17 14400 bit/s, 204×196 dpi, MMR, ECM`.
impl std::fmt::Display for Negotiated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} bit/s, {}×{} dpi, {}{}",
            self.modulation,
            self.resolution.x_dpi(),
            self.resolution.y_dpi(),
            self.coding.name(),
            if self.ecm { ", ECM" } else { "" }
        )
    }
}

/// A page as the receiver decoded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedPage {
    pub bitmap: Bitmap,
    pub resolution: Resolution,
    /// How the page was coded on the line.
    pub coding: Coding,
    /// Damaged lines (replaced by the line above).
    pub quality: LineReport,
    /// The page's data as it arrived (in `coding`), kept so that a clean MMR page can be
    /// stored without coding it again.
    pub data: Vec<u8>,
}

/// Why a session failed. Grouped as SpanDSP's phase-E codes are, so logs on both ends read alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// T1 ran out: the other end never identified itself as a fax station.
    T1Expired,
    /// The other end disconnected (DCN) before a valid DIS.
    DcnBeforeDis,
    /// No valid response to DCS and the training check after every try.
    NoResponseToDcs,
    /// The training check failed at every rate.
    CannotTrain,
    /// The other end answered DCS with something that makes no sense there.
    BadDcsResponse,
    /// No response to the end-of-page command after every try.
    NoResponseAfterPage,
    /// The response to an end-of-page command makes no sense there.
    InvalidResponse,
    /// The other end disconnected after a page instead of confirming it.
    DcnAfterPage,
    /// A page was refused (RTN) more times than allowed.
    PageRefused,
    /// The ECM receiver stayed not ready for longer than T5.
    T5Expired,
    /// The ECM exchange went wrong (e.g. the receiver kept asking for frames after EOR).
    EcmProtocol,
    /// ECM: frames of a page were still missing after every retransmission at the lowest
    /// rate, so the sender gave up on them (EOR): the receiver holds the page with gaps.
    PageIncomplete,
    /// The two stations share no mode in which this document can be sent or received.
    Incompatible,
    /// The other end has no document to send or cannot receive.
    RemoteCannotReceive,
    /// Receiver: no command came within T2.
    NoCommand,
    /// Receiver: the page's data stopped coming and nothing followed.
    NoPageData,
    /// Receiver: the other end disconnected before the end of the document.
    UnexpectedDcn,
    /// Receiver: the DCS chose a mode this station did not offer.
    InvalidDcs,
    /// The other end asked to poll this station, which has nothing to send.
    PollingNotSupported,
    /// The line went away mid-call.
    CallDropped,
    /// A page of the document to send could not be decoded.
    DocumentUnreadable,
    /// The local user cancelled the fax ([`crate::Session::abort`]); the call was ended with
    /// DCN if it had begun.
    Cancelled,
}

impl Failure {
    /// A sentence a user can read.
    pub fn description(self) -> &'static str {
        match self {
            Failure::T1Expired => "timed out waiting for the other fax machine to identify itself (T1)",
            Failure::DcnBeforeDis => "the other end disconnected before sending its capabilities",
            Failure::NoResponseToDcs => "no response to the mode and training check after every try",
            Failure::CannotTrain => "the training check failed at every speed",
            Failure::BadDcsResponse => "invalid response to the chosen mode",
            Failure::NoResponseAfterPage => "no response after sending a page",
            Failure::InvalidResponse => "invalid response after sending a page",
            Failure::DcnAfterPage => "the other end disconnected instead of confirming a page",
            Failure::PageRefused => "the receiver refused a page more times than allowed",
            Failure::T5Expired => "the receiver was not ready for too long (T5)",
            Failure::EcmProtocol => "the error correction exchange failed",
            Failure::PageIncomplete => "part of a page could not be corrected and arrived with gaps",
            Failure::Incompatible => "the two fax machines share no mode for this document",
            Failure::RemoteCannotReceive => "the other fax machine cannot receive",
            Failure::NoCommand => "timed out waiting for a command (T2)",
            Failure::NoPageData => "page data stopped arriving",
            Failure::UnexpectedDcn => "the other end disconnected before the end of the document",
            Failure::InvalidDcs => "the other end chose a mode this station did not offer",
            Failure::PollingNotSupported => "the other end asked to poll, and there is nothing to send",
            Failure::CallDropped => "the call was dropped",
            Failure::DocumentUnreadable => "a page of the document could not be read",
            Failure::Cancelled => "the fax was cancelled by the local user",
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.description())
    }
}

/// How a session ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Ok, or why not.
    pub result: Result<(), Failure>,
    /// Pages the receiver confirmed (sending).
    pub pages_sent: u32,
    /// Pages accepted (receiving).
    pub pages_received: u32,
    /// The last mode agreed on, if any.
    pub negotiated: Option<Negotiated>,
    /// The other end's identity (CSI when sending, TSI when receiving).
    pub remote_ident: Option<String>,
}

/// What a session reports, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Phase(Phase),
    /// The other end's capabilities (DIS) and identity.
    RemoteCapabilities {
        capabilities: Capabilities,
        ident: Option<String>,
    },
    /// The far end named itself: its CSI (sending) or TSI (receiving), as soon as it comes,
    /// and again only if it changes.
    RemoteIdentified {
        ident: String,
    },
    /// A mode was agreed (training check passed).
    Negotiated(Negotiated),
    /// A page begins to go out (sending) or arrive (receiving); `page` counts from 0 in the
    /// document given to the session, or in the pages received.
    PageStarted {
        page: u32,
    },
    /// The receiver answered an end-of-page command for `page` (sending).
    PageAnswered {
        page: u32,
        response: PageResponse,
    },
    /// A page was received and accepted (receiving). Given before the answer goes out, so a
    /// page the sender sees confirmed has always been given to the application first.
    PageReceived {
        page: u32,
        received: Box<ReceivedPage>,
        /// The sender ended the fax with this page (EOP or PRI-EOP followed it).
        last: bool,
    },
    /// The session is over.
    Finished(Completion),
}
