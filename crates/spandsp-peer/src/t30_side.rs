//! What a SpanDSP terminal's T.30 engine is set up with and reports, whichever way it talks
//! to the line (T.38 in `terminal.rs`, audio in `audio_terminal.rs`): the T.30 settings of a
//! [`TerminalConfig`], the phase B/D/E and frame callbacks, and [`T30Side`], which reads what
//! they recorded (completion, frames, transfer statistics, the far end's ident, log lines).
//! Everything the callbacks write lives in a heap block whose address SpanDSP holds as user
//! data; it is only read between calls into SpanDSP.

use std::ffi::{CStr, CString, c_int, c_void};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::NonNull;

use crate::codes::t30_err::OK as T30_ERR_OK;
use crate::config::TerminalConfig;
use crate::ffi::{self, TransferStats};
use crate::log;
use crate::pair::TransmittedIfp;

/// Why a terminal could not be set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpandspError {
    /// `t38_terminal_init` returned NULL.
    Init,
    /// A string for SpanDSP holds a NUL or is too long.
    BadString { what: &'static str, reason: String },
    /// A SpanDSP setter refused its value.
    Refused { call: &'static str, value: i64 },
}

impl fmt::Display for SpandspError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpandspError::Init => write!(f, "t38_terminal_init failed"),
            SpandspError::BadString { what, reason } => write!(f, "{what}: {reason}"),
            SpandspError::Refused { call, value } => write!(f, "{call}({value}) refused"),
        }
    }
}

impl std::error::Error for SpandspError {}

/// The phase-B event SpanDSP reported: the FCF of the frame that started phase B (DIS at the
/// caller, DCS at the answerer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseBEvent {
    pub at_ms: u64,
    pub fcf: i32,
}

/// A phase-D event: the FCF SpanDSP reported (the post-page command at the receiver, the
/// response to it at the sender), the page counts so far, and the whole transfer statistics
/// at that moment (which describe the page just done; a receiver in ECM reports length 0 once
/// the call is over, so the last page's length is best read here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseDEvent {
    pub at_ms: u64,
    pub fcf: i32,
    pub pages_tx: i32,
    pub pages_rx: i32,
    pub stats: TransferStats,
}

/// The end of the call: the `T30_ERR_*` completion code and SpanDSP's text for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhaseE {
    pub at_ms: u64,
    pub code: i32,
    pub text: String,
}

/// A T.30 frame SpanDSP sent or received (address, control, FCF, FIF; no FCS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct T30Frame {
    pub at_ms: u64,
    pub incoming: bool,
    pub bytes: Vec<u8>,
}

impl T30Frame {
    /// The FCF octet, if the frame is long enough to have one.
    pub fn fcf(&self) -> Option<u8> {
        self.bytes.get(2).copied()
    }

    /// SpanDSP's name for the frame type (`DIS`, `DCS`, `MCF`, `DCN`, ...).
    pub fn name(&self) -> String {
        self.fcf().map(frame_name).unwrap_or_default()
    }
}

/// SpanDSP's name for a T.30 FCF (`t30_frametype`).
pub fn frame_name(fcf: u8) -> String {
    // SAFETY: a pure lookup returning a pointer to a static string (or NULL).
    let p = unsafe { ffi::t30_frametype(fcf) };
    static_str(p)
}

/// SpanDSP's text for a `T30_ERR_*` completion code (`t30_completion_code_to_str`).
pub fn completion_code_text(code: i32) -> String {
    // SAFETY: a pure lookup returning a pointer to a static string (or NULL).
    let p = unsafe { ffi::t30_completion_code_to_str(code) };
    static_str(p)
}

fn static_str(p: *const std::ffi::c_char) -> String {
    if p.is_null() {
        return String::new();
    }
    // SAFETY: non-null pointers from SpanDSP's lookups point at NUL-terminated static strings.
    unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned()
}

/// What the callbacks write. Reached from SpanDSP through the user-data pointer; the wrapper
/// creates references to it only while no call into SpanDSP is in progress.
#[derive(Debug, Default)]
pub(crate) struct Shared {
    pub(crate) next_seq: u16,
    pub(crate) tx: Vec<TransmittedIfp>,
    pub(crate) now_samples: u64,
    pub(crate) phase_b: Vec<PhaseBEvent>,
    pub(crate) phase_d: Vec<PhaseDEvent>,
    pub(crate) phase_e: Option<PhaseE>,
    pub(crate) frames: Vec<T30Frame>,
    pub(crate) phase_b_refusal: Option<i32>,
}

impl Shared {
    /// A block for a terminal whose phase-B handler answers `phase_b_refusal` (OK if None).
    pub(crate) fn new(phase_b_refusal: Option<i32>) -> Self {
        Shared { phase_b_refusal, ..Shared::default() }
    }

    pub(crate) fn now_ms(&self) -> u64 {
        self.now_samples / 8
    }
}

pub(crate) fn cstring(what: &'static str, bytes: &[u8], max_len: usize) -> Result<CString, SpandspError> {
    if bytes.len() > max_len {
        return Err(SpandspError::BadString { what, reason: format!("{} bytes, at most {max_len}", bytes.len()) });
    }
    CString::new(bytes).map_err(|_| SpandspError::BadString { what, reason: "contains NUL".into() })
}

pub(crate) fn path_cstring(what: &'static str, path: &Path) -> Result<CString, SpandspError> {
    // SpanDSP copies file names into 256-byte buffers.
    cstring(what, path.as_os_str().as_bytes(), 255)
}

pub(crate) fn check(call: &'static str, value: i64, rc: c_int) -> Result<(), SpandspError> {
    if rc < 0 { Err(SpandspError::Refused { call, value }) } else { Ok(()) }
}

/// Applies the T.30 settings of `c` to `t30` and points its handlers at `shared`.
///
/// # Safety
/// `t30` must be a live T.30 state; `shared` must be a live [`Shared`] block that outlives it;
/// `ident`, `tx_file` and `rx_file` must stay valid while the call runs (SpanDSP copies them).
pub(crate) unsafe fn configure_t30(
    t30: *mut ffi::T30State,
    c: &TerminalConfig,
    shared: *mut c_void,
    ident: Option<&CStr>,
    tx_file: Option<&CStr>,
    rx_file: Option<&CStr>,
) -> Result<(), SpandspError> {
    // SAFETY: per the function's contract; the handlers have the 0.0.6 signatures.
    unsafe {
        check("t30_set_ecm_capability", c.ecm.into(), ffi::t30_set_ecm_capability(t30, c_int::from(c.ecm)))?;
        if let Some(m) = c.modems {
            check("t30_set_supported_modems", m.bits().into(), ffi::t30_set_supported_modems(t30, m.bits() as c_int))?;
        }
        if let Some(x) = c.compressions {
            let rc = ffi::t30_set_supported_compressions(t30, x.bits() as c_int);
            check("t30_set_supported_compressions", x.bits().into(), rc)?;
        }
        if let Some(x) = c.resolutions {
            let rc = ffi::t30_set_supported_resolutions(t30, x.bits() as c_int);
            check("t30_set_supported_resolutions", x.bits().into(), rc)?;
        }
        if let Some(x) = c.image_sizes {
            let rc = ffi::t30_set_supported_image_sizes(t30, x.bits() as c_int);
            check("t30_set_supported_image_sizes", x.bits().into(), rc)?;
        }
        if let Some(ms) = c.min_scan_line_time_ms {
            let rc = ffi::t30_set_minimum_scan_line_time(t30, ms as c_int);
            check("t30_set_minimum_scan_line_time", ms.into(), rc)?;
        }
        if let Some(e) = c.rx_encoding {
            check("t30_set_rx_encoding", e as i64, ffi::t30_set_rx_encoding(t30, e as c_int))?;
        }
        if let Some(n) = c.receiver_not_ready {
            check("t30_set_receiver_not_ready", n.into(), ffi::t30_set_receiver_not_ready(t30, n as c_int))?;
        }
        if let Some(ident) = ident {
            check("t30_set_tx_ident", 0, ffi::t30_set_tx_ident(t30, ident.as_ptr()))?;
        }
        if let Some(f) = tx_file {
            ffi::t30_set_tx_file(t30, f.as_ptr(), -1, -1);
        }
        if let Some(f) = rx_file {
            ffi::t30_set_rx_file(t30, f.as_ptr(), -1);
        }
        ffi::t30_set_phase_b_handler(t30, Some(on_phase_b), shared);
        ffi::t30_set_phase_d_handler(t30, Some(on_phase_d), shared);
        ffi::t30_set_phase_e_handler(t30, Some(on_phase_e), shared);
        ffi::t30_set_real_time_frame_handler(t30, Some(on_frame), shared);
    }
    Ok(())
}

/// The strings a terminal's set-up needs as C strings: the log tag (kept by SpanDSP, so held
/// for the terminal's life), the local ident and the file names.
pub(crate) struct SetupStrings {
    pub tag: CString,
    pub ident: Option<CString>,
    pub tx_file: Option<CString>,
    pub rx_file: Option<CString>,
}

impl SetupStrings {
    pub(crate) fn new(config: &TerminalConfig) -> Result<Self, SpandspError> {
        Ok(SetupStrings {
            tag: cstring("log tag", config.log_tag.as_bytes(), 200)?,
            ident: config.local_ident.as_deref().map(|i| cstring("local ident", i.as_bytes(), 20)).transpose()?,
            tx_file: config.tx_file.as_deref().map(|p| path_cstring("tx file", p)).transpose()?,
            rx_file: config.rx_file.as_deref().map(|p| path_cstring("rx file", p)).transpose()?,
        })
    }
}

/// A terminal's T.30 engine and what its callbacks recorded.
pub struct T30Side {
    pub(crate) t30: NonNull<ffi::T30State>,
    pub(crate) shared: NonNull<Shared>,
    pub(crate) log: Vec<String>,
    /// Strings whose pointers SpanDSP may keep (the log tag is kept, not copied).
    pub(crate) keep: Vec<CString>,
}

impl T30Side {
    pub(crate) fn shared(&self) -> &Shared {
        // SAFETY: the block lives as long as the terminal owning this side; callbacks (the only
        // other users) run only inside the terminal's `&mut self` methods, so no `&mut Shared`
        // exists while this borrow lives.
        unsafe { self.shared.as_ref() }
    }

    pub(crate) fn shared_mut(&mut self) -> &mut Shared {
        // SAFETY: as in `shared`; `&mut self` rules out other borrows, and this is never called
        // while a call into SpanDSP is in progress.
        unsafe { self.shared.as_mut() }
    }

    /// Moves the log lines the last call produced into this terminal's list.
    pub(crate) fn collect_log(&mut self) {
        self.log.extend(log::drain());
    }

    /// The phase-E completion code and SpanDSP's text for it, once the call has ended.
    pub fn phase_e(&self) -> Option<(i32, String)> {
        self.shared().phase_e.as_ref().map(|e| (e.code, e.text.clone()))
    }

    /// The phase-E event with its time.
    pub fn phase_e_event(&self) -> Option<&PhaseE> {
        self.shared().phase_e.as_ref()
    }

    /// Whether the call ended with `T30_ERR_OK`.
    pub fn succeeded(&self) -> bool {
        self.shared().phase_e.as_ref().is_some_and(|e| e.code == T30_ERR_OK)
    }

    pub fn phase_b_events(&self) -> &[PhaseBEvent] {
        &self.shared().phase_b
    }

    pub fn phase_d_events(&self) -> &[PhaseDEvent] {
        &self.shared().phase_d
    }

    /// Every T.30 frame sent and received, in order.
    pub fn frames(&self) -> &[T30Frame] {
        &self.shared().frames
    }

    /// SpanDSP's transfer statistics now (`t30_get_transfer_statistics`).
    pub fn stats(&self) -> TransferStats {
        let mut t = TransferStats::default();
        // SAFETY: `t30` is live; `t` is a valid, writable `t30_stats_t` of the 0.0.6 layout.
        // The call only fills `t` and runs no callbacks.
        unsafe { ffi::t30_get_transfer_statistics(self.t30.as_ptr(), &mut t) };
        t
    }

    /// The far end's ident (TSI or CSI), if one was received (`t30_get_rx_ident`).
    pub fn remote_ident(&self) -> Option<String> {
        // SAFETY: `t30` is live; the result points into it (a NUL-terminated buffer) and is
        // copied before returning.
        let p = unsafe { ffi::t30_get_rx_ident(self.t30.as_ptr()) };
        Some(static_str(p)).filter(|s| !s.is_empty())
    }

    /// The log lines SpanDSP produced for this terminal so far.
    pub fn log_lines(&self) -> &[String] {
        &self.log
    }

    /// Takes the log lines collected so far.
    pub fn take_log_lines(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    /// The terminal's simulated time, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.shared().now_ms()
    }
}

/// # Safety
/// As for `on_tx_packet`: `user_data` is the live, unaliased `Shared` block.
unsafe extern "C" fn on_phase_b(_s: *mut ffi::T30State, user_data: *mut c_void, result: c_int) -> c_int {
    // SAFETY: per the function's contract.
    let shared = unsafe { &mut *user_data.cast::<Shared>() };
    shared.phase_b.push(PhaseBEvent { at_ms: shared.now_ms(), fcf: result });
    shared.phase_b_refusal.unwrap_or(T30_ERR_OK)
}

/// # Safety
/// As for `on_tx_packet`; `s` is the live T.30 state that called.
unsafe extern "C" fn on_phase_d(s: *mut ffi::T30State, user_data: *mut c_void, result: c_int) -> c_int {
    let mut t = TransferStats::default();
    // SAFETY: `s` is the calling T.30 state; the getter only fills `t` and runs no callbacks.
    unsafe { ffi::t30_get_transfer_statistics(s, &mut t) };
    // SAFETY: per the function's contract.
    let shared = unsafe { &mut *user_data.cast::<Shared>() };
    shared.phase_d.push(PhaseDEvent {
        at_ms: shared.now_ms(),
        fcf: result,
        pages_tx: t.pages_tx,
        pages_rx: t.pages_rx,
        stats: t,
    });
    T30_ERR_OK
}

/// # Safety
/// As for `on_tx_packet`.
unsafe extern "C" fn on_phase_e(_s: *mut ffi::T30State, user_data: *mut c_void, completion_code: c_int) {
    let text = completion_code_text(completion_code);
    // SAFETY: per the function's contract.
    let shared = unsafe { &mut *user_data.cast::<Shared>() };
    shared.phase_e = Some(PhaseE { at_ms: shared.now_ms(), code: completion_code, text });
}

/// # Safety
/// As for `on_tx_packet`; `msg` valid for `len` bytes.
unsafe extern "C" fn on_frame(
    _s: *mut ffi::T30State,
    user_data: *mut c_void,
    direction: c_int,
    msg: *const u8,
    len: c_int,
) {
    let bytes = if msg.is_null() || len <= 0 {
        Vec::new()
    } else {
        // SAFETY: SpanDSP passes the frame, `len` bytes long, valid for this call.
        unsafe { std::slice::from_raw_parts(msg, len as usize) }.to_vec()
    };
    // SAFETY: per the function's contract.
    let shared = unsafe { &mut *user_data.cast::<Shared>() };
    shared.frames.push(T30Frame { at_ms: shared.now_ms(), incoming: direction != 0, bytes });
}

impl TransferStats {
    /// Whether ECM was used.
    pub fn ecm(&self) -> bool {
        self.error_correcting_mode != 0
    }
}
