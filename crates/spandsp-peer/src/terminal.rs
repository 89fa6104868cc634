//! The safe wrapper around one SpanDSP T.38 terminal (`t38_terminal_*` with its T.30 engine):
//! creation from a [`TerminalConfig`], IFPs in and out, and the simulated clock. What the call
//! reported (phase B/D/E events, T.30 frames, transfer statistics, the far end's ident,
//! captured log lines) is read through [`T30Side`], which the terminal dereferences to.

use std::ffi::{c_int, c_void};
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use crate::config::{Role, TerminalConfig};
use crate::ffi;
use crate::log;
use crate::pair::{T38Endpoint, TransmittedIfp};
use crate::t30_side::{SetupStrings, Shared, SpandspError, T30Side, configure_t30};

/// One SpanDSP T.38 terminal (Debian libspandsp 0.0.6), driven by a simulated clock.
///
/// Feed it IFPs with [`receive_ifp`](Self::receive_ifp), advance its clock with
/// [`advance`](Self::advance) (160 samples per 20 ms), and collect what it sends with
/// [`take_transmitted`](Self::take_transmitted). It also implements [`T38Endpoint`].
pub struct SpandspTerminal {
    raw: NonNull<ffi::T38TerminalState>,
    core: NonNull<ffi::T38CoreState>,
    side: T30Side,
    role: Role,
    t38_version: u8,
    finished: bool,
    last_rx_result: i32,
    rx_rejected: u64,
}

// SAFETY: the terminal exclusively owns its SpanDSP state and callback block; SpanDSP keeps no
// thread affinity, and log capture happens on whichever thread makes a call and is drained by
// that same call. `&self` methods never call into SpanDSP in a way that runs callbacks, but
// the type is deliberately not `Sync`.
unsafe impl Send for SpandspTerminal {}

impl SpandspTerminal {
    /// Creates and configures a terminal.
    pub fn new(config: &TerminalConfig) -> Result<Self, SpandspError> {
        let strings = SetupStrings::new(config)?;
        log::install_default_handler();
        drop(log::drain());
        let shared = Box::into_raw(Box::new(Shared::new(config.phase_b_refusal)));
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
            core,
            // SAFETY: from Box::into_raw, so non-null.
            side: T30Side { t30, shared: unsafe { NonNull::new_unchecked(shared) }, log: Vec::new(), keep: Vec::new() },
            role: config.role,
            t38_version: config.t38_version,
            finished: false,
            last_rx_result: 0,
            rx_rejected: 0,
        };
        // From here on, Drop cleans up if configuration fails.
        let result = term.configure(config, &strings);
        let SetupStrings { tag, ident, tx_file, rx_file } = strings;
        term.side.keep.extend([Some(tag), ident, tx_file, rx_file].into_iter().flatten());
        term.side.collect_log();
        result.map(|()| term)
    }

    fn configure(&mut self, c: &TerminalConfig, s: &SetupStrings) -> Result<(), SpandspError> {
        let (raw, t30, core) = (self.raw.as_ptr(), self.side.t30.as_ptr(), self.core.as_ptr());
        let shared: *mut c_void = self.side.shared.as_ptr().cast();
        // SAFETY: `raw`, `t30` and `core` are the live states of this terminal. The tag is kept
        // alive for the terminal's life (SpanDSP stores the pointer); ident and file names are
        // copied by SpanDSP. `shared` outlives the terminal.
        unsafe {
            log::configure(ffi::t38_terminal_get_logging_state(raw), c.log_level, &s.tag);
            log::configure(ffi::t30_get_logging_state(t30), c.log_level, &s.tag);
            log::configure(ffi::t38_core_get_logging_state(core), c.ifp_log_level, &s.tag);

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
            configure_t30(t30, c, shared, s.ident.as_deref(), s.tx_file.as_deref(), s.rx_file.as_deref())
        }
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
        self.side.collect_log();
        self.last_rx_result = rc;
        if rc < 0 {
            self.rx_rejected += 1;
        }
        rc
    }

    /// Advances the terminal's clock by `samples` at 8 kHz (`t38_terminal_send_timeout`);
    /// returns true once SpanDSP reports the call finished (it stays true).
    pub fn advance(&mut self, samples: i32) -> bool {
        self.side.shared_mut().now_samples += samples.max(0) as u64;
        drop(log::drain());
        let (raw, t30, core) = (self.raw.as_ptr(), self.side.t30.as_ptr(), self.core.as_ptr());
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
        self.side.collect_log();
        self.finished |= rc != 0;
        self.finished
    }

    /// The IFPs SpanDSP sent since the last call, oldest first, with this terminal's own
    /// sequence numbers (from 0, one per IFP; copies share it).
    pub fn take_transmitted(&mut self) -> Vec<TransmittedIfp> {
        std::mem::take(&mut self.side.shared_mut().tx)
    }

    /// Whether SpanDSP reported the call finished.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// Result of the last `t38_core_rx_ifp_packet`.
    pub fn last_rx_result(&self) -> i32 {
        self.last_rx_result
    }

    /// How many received IFPs SpanDSP rejected (negative result).
    pub fn rx_rejected(&self) -> u64 {
        self.rx_rejected
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
            drop(Box::from_raw(self.side.shared.as_ptr()));
        }
        drop(log::drain());
    }
}

impl fmt::Debug for SpandspTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpandspTerminal")
            .field("role", &self.role)
            .field("t38_version", &self.t38_version)
            .field("elapsed_ms", &self.side.elapsed_ms())
            .field("finished", &self.finished)
            .field("phase_e", &self.side.phase_e_event())
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

impl Deref for SpandspTerminal {
    type Target = T30Side;
    fn deref(&self) -> &T30Side {
        &self.side
    }
}

impl DerefMut for SpandspTerminal {
    fn deref_mut(&mut self) -> &mut T30Side {
        &mut self.side
    }
}
