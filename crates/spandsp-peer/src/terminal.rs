//! The safe wrapper around one SpanDSP T.38 terminal (`t38_terminal_*` with its T.30 engine):
//! creation from a [`TerminalConfig`], IFPs in and out, the simulated clock, and what the call
//! reported (phase B/D/E events, T.30 frames, transfer statistics, the far end's ident,
//! captured log lines). Everything SpanDSP's callbacks write lives in a heap block whose
//! address SpanDSP holds as user data; the wrapper only reads it between calls into SpanDSP.

use std::ffi::{CStr, CString, c_int, c_void};
use std::fmt;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::ptr::{self, NonNull};

use crate::codes::t30_err::OK as T30_ERR_OK;
use crate::config::{Role, TerminalConfig};
use crate::ffi::{self, TransferStats};
use crate::log;
use crate::pair::{T38Endpoint, TransmittedIfp};

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
struct Shared {
    next_seq: u16,
    tx: Vec<TransmittedIfp>,
    now_samples: u64,
    phase_b: Vec<PhaseBEvent>,
    phase_d: Vec<PhaseDEvent>,
    phase_e: Option<PhaseE>,
    frames: Vec<T30Frame>,
    phase_b_refusal: Option<i32>,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.now_samples / 8
    }
}

/// One SpanDSP T.38 terminal (Debian libspandsp 0.0.6), driven by a simulated clock.
///
/// Feed it IFPs with [`receive_ifp`](Self::receive_ifp), advance its clock with
/// [`advance`](Self::advance) (160 samples per 20 ms), and collect what it sends with
/// [`take_transmitted`](Self::take_transmitted). It also implements [`T38Endpoint`].
pub struct SpandspTerminal {
    raw: NonNull<ffi::T38TerminalState>,
    t30: NonNull<ffi::T30State>,
    core: NonNull<ffi::T38CoreState>,
    shared: NonNull<Shared>,
    role: Role,
    t38_version: u8,
    finished: bool,
    last_rx_result: i32,
    rx_rejected: u64,
    log: Vec<String>,
    /// Strings whose pointers SpanDSP may keep (the log tag is kept, not copied).
    _keep: Vec<CString>,
}

// SAFETY: the terminal exclusively owns its SpanDSP state and callback block; SpanDSP keeps no
// thread affinity, and log capture happens on whichever thread makes a call and is drained by
// that same call. `&self` methods never call into SpanDSP in a way that runs callbacks, but
// the type is deliberately not `Sync`.
unsafe impl Send for SpandspTerminal {}

fn cstring(what: &'static str, bytes: &[u8], max_len: usize) -> Result<CString, SpandspError> {
    if bytes.len() > max_len {
        return Err(SpandspError::BadString { what, reason: format!("{} bytes, at most {max_len}", bytes.len()) });
    }
    CString::new(bytes).map_err(|_| SpandspError::BadString { what, reason: "contains NUL".into() })
}

fn path_cstring(what: &'static str, path: &Path) -> Result<CString, SpandspError> {
    // SpanDSP copies file names into 256-byte buffers.
    cstring(what, path.as_os_str().as_bytes(), 255)
}

fn check(call: &'static str, value: i64, rc: c_int) -> Result<(), SpandspError> {
    if rc < 0 { Err(SpandspError::Refused { call, value }) } else { Ok(()) }
}

impl SpandspTerminal {
    /// Creates and configures a terminal.
    pub fn new(config: &TerminalConfig) -> Result<Self, SpandspError> {
        let tag = cstring("log tag", config.log_tag.as_bytes(), 200)?;
        let ident = config.local_ident.as_deref().map(|i| cstring("local ident", i.as_bytes(), 20)).transpose()?;
        let tx_file = config.tx_file.as_deref().map(|p| path_cstring("tx file", p)).transpose()?;
        let rx_file = config.rx_file.as_deref().map(|p| path_cstring("rx file", p)).transpose()?;

        log::install_default_handler();
        drop(log::drain());
        let shared = Box::into_raw(Box::new(Shared { phase_b_refusal: config.phase_b_refusal, ..Shared::default() }));
        let calling = c_int::from(config.role == Role::Calling);
        // SAFETY: NULL asks SpanDSP to allocate; `on_tx_packet` has the 0.0.6
        // `t38_tx_packet_handler_t` signature; `shared` is a live heap block that outlives the
        // terminal (freed in Drop after `t38_terminal_free`).
        let raw = unsafe { ffi::t38_terminal_init(ptr::null_mut(), calling, Some(on_tx_packet), shared.cast()) };
        let Some(raw) = NonNull::new(raw) else {
            // SAFETY: SpanDSP did not keep the pointer (init failed); we still own the block.
            drop(unsafe { Box::from_raw(shared) });
            return Err(SpandspError::Init);
        };
        // SAFETY: `raw` is a live terminal; these getters return pointers into it.
        let (t30, core) = unsafe {
            (ffi::t38_terminal_get_t30_state(raw.as_ptr()), ffi::t38_terminal_get_t38_core_state(raw.as_ptr()))
        };
        let (Some(t30), Some(core)) = (NonNull::new(t30), NonNull::new(core)) else {
            // SAFETY: `raw` came from t38_terminal_init and is freed once; then the block.
            unsafe {
                ffi::t38_terminal_free(raw.as_ptr());
                drop(Box::from_raw(shared));
            }
            return Err(SpandspError::Init);
        };
        let mut term = SpandspTerminal {
            raw,
            t30,
            core,
            // SAFETY: from Box::into_raw, so non-null.
            shared: unsafe { NonNull::new_unchecked(shared) },
            role: config.role,
            t38_version: config.t38_version,
            finished: false,
            last_rx_result: 0,
            rx_rejected: 0,
            log: Vec::new(),
            _keep: Vec::new(),
        };
        // From here on, Drop cleans up if configuration fails.
        let result = term.configure(config, &tag, ident.as_deref(), tx_file.as_deref(), rx_file.as_deref());
        term._keep.extend([Some(tag), ident, tx_file, rx_file].into_iter().flatten());
        term.log.extend(log::drain());
        result.map(|()| term)
    }

    fn configure(
        &mut self,
        c: &TerminalConfig,
        tag: &CStr,
        ident: Option<&CStr>,
        tx_file: Option<&CStr>,
        rx_file: Option<&CStr>,
    ) -> Result<(), SpandspError> {
        let (raw, t30, core) = (self.raw.as_ptr(), self.t30.as_ptr(), self.core.as_ptr());
        let shared: *mut c_void = self.shared.as_ptr().cast();
        // SAFETY: `raw`, `t30` and `core` are the live states of this terminal. The tag is kept
        // alive in `_keep` for the terminal's life (SpanDSP stores the pointer). Ident and file
        // names are copied by SpanDSP (and kept in `_keep` anyway). The handlers have the 0.0.6
        // signatures and get `shared`, which outlives the terminal. No callback that touches
        // `shared` can run while these calls are made except through the handlers themselves.
        unsafe {
            log::configure(ffi::t38_terminal_get_logging_state(raw), c.log_level, tag);
            log::configure(ffi::t30_get_logging_state(t30), c.log_level, tag);
            log::configure(ffi::t38_core_get_logging_state(core), c.ifp_log_level, tag);

            if let Some(options) = c.terminal_options {
                ffi::t38_terminal_set_config(raw, options.bits() as c_int);
            }
            ffi::t38_set_t38_version(core, c_int::from(c.t38_version));
            if let Some(method) = c.rate_management {
                ffi::t38_set_data_rate_management_method(core, method as c_int);
            }
            if let Some(remove) = c.fill_bit_removal {
                ffi::t38_terminal_set_fill_bit_removal(raw, c_int::from(remove));
                ffi::t38_set_fill_bit_removal(core, c_int::from(remove));
            }

            check("t30_set_ecm_capability", c.ecm.into(), ffi::t30_set_ecm_capability(t30, c_int::from(c.ecm)))?;
            if let Some(m) = c.modems {
                check(
                    "t30_set_supported_modems",
                    m.bits().into(),
                    ffi::t30_set_supported_modems(t30, m.bits() as c_int),
                )?;
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

    fn shared(&self) -> &Shared {
        // SAFETY: the block lives as long as `self`; callbacks (the only other users) run only
        // inside `&mut self` methods, so no `&mut Shared` exists while this borrow of `self`
        // lives.
        unsafe { self.shared.as_ref() }
    }

    fn shared_mut(&mut self) -> &mut Shared {
        // SAFETY: as in `shared`; `&mut self` rules out other borrows, and this is never called
        // while a call into SpanDSP is in progress.
        unsafe { self.shared.as_mut() }
    }

    /// Moves the log lines the last call produced into this terminal's list.
    fn collect_log(&mut self) {
        self.log.extend(log::drain());
    }

    /// Hands SpanDSP one received IFP (`t38_core_rx_ifp_packet`); returns its result (0 taken,
    /// negative if it could not decode the packet). Duplicates and late packets are dropped
    /// silently by SpanDSP.
    pub fn receive_ifp(&mut self, seq: u16, ifp: &[u8]) -> i32 {
        drop(log::drain());
        let core = self.core.as_ptr();
        // SAFETY: `core` is live; `ifp` is valid for `len` bytes during the call, which only
        // reads it. Callbacks triggered here reach `shared` through SpanDSP's user data while
        // the wrapper holds no reference into it.
        let rc = unsafe { ffi::t38_core_rx_ifp_packet(core, ifp.as_ptr(), ifp.len() as c_int, seq) };
        self.collect_log();
        self.last_rx_result = rc;
        if rc < 0 {
            self.rx_rejected += 1;
        }
        rc
    }

    /// Advances the terminal's clock by `samples` at 8 kHz (`t38_terminal_send_timeout`);
    /// returns true once SpanDSP reports the call finished (it stays true).
    pub fn advance(&mut self, samples: i32) -> bool {
        self.shared_mut().now_samples += samples.max(0) as u64;
        drop(log::drain());
        let (raw, t30, core) = (self.raw.as_ptr(), self.t30.as_ptr(), self.core.as_ptr());
        // SAFETY: the states are live; callbacks triggered here reach `shared` through SpanDSP's
        // user data while the wrapper holds no reference into it. The terminal does not move
        // the log clocks itself in 0.0.6, so the wrapper does (for SHOW_SAMPLE_TIME).
        let rc = unsafe {
            for state in [
                ffi::t38_terminal_get_logging_state(raw),
                ffi::t30_get_logging_state(t30),
                ffi::t38_core_get_logging_state(core),
            ] {
                if !state.is_null() {
                    ffi::span_log_bump_samples(state, samples);
                }
            }
            ffi::t38_terminal_send_timeout(raw, samples)
        };
        self.collect_log();
        self.finished |= rc != 0;
        self.finished
    }

    /// The IFPs SpanDSP sent since the last call, oldest first, with this terminal's own
    /// sequence numbers (from 0, one per IFP; copies share it).
    pub fn take_transmitted(&mut self) -> Vec<TransmittedIfp> {
        std::mem::take(&mut self.shared_mut().tx)
    }

    /// Whether SpanDSP reported the call finished.
    pub fn is_finished(&self) -> bool {
        self.finished
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

    /// Result of the last `t38_core_rx_ifp_packet`.
    pub fn last_rx_result(&self) -> i32 {
        self.last_rx_result
    }

    /// How many received IFPs SpanDSP rejected (negative result).
    pub fn rx_rejected(&self) -> u64 {
        self.rx_rejected
    }

    /// The terminal's simulated time, in milliseconds.
    pub fn elapsed_ms(&self) -> u64 {
        self.shared().now_ms()
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn t38_version(&self) -> u8 {
        self.t38_version
    }
}

impl Drop for SpandspTerminal {
    fn drop(&mut self) {
        // SAFETY: `raw` came from t38_terminal_init and is freed exactly once, here; after it no
        // callback can run, so the callback block is then freed (it came from Box::into_raw).
        unsafe {
            ffi::t38_terminal_free(self.raw.as_ptr());
            drop(Box::from_raw(self.shared.as_ptr()));
        }
        drop(log::drain());
    }
}

impl fmt::Debug for SpandspTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpandspTerminal")
            .field("role", &self.role)
            .field("t38_version", &self.t38_version)
            .field("elapsed_ms", &self.elapsed_ms())
            .field("finished", &self.finished)
            .field("phase_e", &self.shared().phase_e)
            .finish_non_exhaustive()
    }
}

impl T38Endpoint for SpandspTerminal {
    fn receive_ifp(&mut self, seq: u16, ifp: &[u8]) {
        SpandspTerminal::receive_ifp(self, seq, ifp);
    }
    fn advance(&mut self, samples: i32) -> bool {
        SpandspTerminal::advance(self, samples)
    }
    fn take_transmitted(&mut self) -> Vec<TransmittedIfp> {
        SpandspTerminal::take_transmitted(self)
    }
    fn finished(&self) -> bool {
        self.finished
    }
}

/// # Safety
/// `user_data` must be the terminal's `Shared` block with no other live reference to it, and
/// `buf` valid for `len` bytes; SpanDSP calls this synchronously from inside a wrapper call.
unsafe extern "C" fn on_tx_packet(
    _s: *mut ffi::T38CoreState,
    user_data: *mut c_void,
    buf: *const u8,
    len: c_int,
    count: c_int,
) -> c_int {
    // SAFETY: per the function's contract the block is live and unaliased during the call.
    let shared = unsafe { &mut *user_data.cast::<Shared>() };
    let ifp = if buf.is_null() || len <= 0 {
        Vec::new()
    } else {
        // SAFETY: SpanDSP passes its encoded packet, `len` bytes long, valid for this call.
        unsafe { std::slice::from_raw_parts(buf, len as usize) }.to_vec()
    };
    shared.tx.push(TransmittedIfp { seq: shared.next_seq, ifp, copies: count.max(1) as u32 });
    shared.next_seq = shared.next_seq.wrapping_add(1);
    0
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
