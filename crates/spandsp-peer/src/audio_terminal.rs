//! The safe wrapper around one SpanDSP audio fax terminal (`fax_*`: its V.21, V.27ter, V.29
//! and V.17 modems under its T.30 engine), driven sample by sample: 8 kHz audio out with
//! [`transmit`](SpandspAudioTerminal::transmit), audio in with
//! [`receive`](SpandspAudioTerminal::receive), a lost stretch of audio with
//! [`fill_in`](SpandspAudioTerminal::fill_in). The received audio is what drives SpanDSP's
//! T.30 timers, so time passes as samples are received. What the call reported is read
//! through [`T30Side`], which the terminal dereferences to.

use std::ffi::c_int;
use std::fmt;
use std::ops::{Deref, DerefMut};
use std::ptr::{self, NonNull};

use crate::audio_ffi as ffi;
use crate::config::{Role, TerminalConfig};
use crate::ffi::span_log_bump_samples;
use crate::log;
use crate::t30_side::{SetupStrings, Shared, SpandspError, T30Side, configure_t30};

/// One SpanDSP audio fax terminal (Debian libspandsp 0.0.6).
pub struct SpandspAudioTerminal {
    raw: NonNull<ffi::FaxState>,
    side: T30Side,
    role: Role,
}

// SAFETY: as for the T.38 terminal: the wrapper exclusively owns its SpanDSP state and
// callback block, SpanDSP keeps no thread affinity, and the type is not `Sync`.
unsafe impl Send for SpandspAudioTerminal {}

impl SpandspAudioTerminal {
    /// Creates and configures a terminal (the T.38 settings of `config` do not apply). It
    /// sends silence when it has nothing to send, as Asterisk and FreeSWITCH set it up.
    pub fn new(config: &TerminalConfig) -> Result<Self, SpandspError> {
        let strings = SetupStrings::new(config)?;
        log::install_default_handler();
        drop(log::drain());
        let calling = c_int::from(config.role == Role::Calling);
        // SAFETY: NULL asks SpanDSP to allocate.
        let raw = NonNull::new(unsafe { ffi::fax_init(ptr::null_mut(), calling) }).ok_or(SpandspError::Init)?;
        // SAFETY: `raw` is live; the getter returns a pointer into it.
        let Some(t30) = NonNull::new(unsafe { ffi::fax_get_t30_state(raw.as_ptr()) }) else {
            // SAFETY: `raw` came from fax_init and is freed once.
            unsafe { ffi::fax_free(raw.as_ptr()) };
            return Err(SpandspError::Init);
        };
        let shared = Box::into_raw(Box::new(Shared::new(config.phase_b_refusal)));
        let mut term = SpandspAudioTerminal {
            raw,
            // SAFETY: from Box::into_raw, so non-null.
            side: T30Side { t30, shared: unsafe { NonNull::new_unchecked(shared) }, log: Vec::new(), keep: Vec::new() },
            role: config.role,
        };
        // SAFETY: the states are live; the tag is kept for the terminal's life below (SpanDSP
        // stores the pointer); `shared` outlives the terminal (freed in Drop after it).
        let result = unsafe {
            ffi::fax_set_transmit_on_idle(raw.as_ptr(), 1);
            log::configure(ffi::fax_get_logging_state(raw.as_ptr()), config.log_level, &strings.tag);
            log::configure(crate::ffi::t30_get_logging_state(t30.as_ptr()), config.log_level, &strings.tag);
            configure_t30(
                t30.as_ptr(),
                config,
                shared.cast(),
                strings.ident.as_deref(),
                strings.tx_file.as_deref(),
                strings.rx_file.as_deref(),
            )
        };
        let SetupStrings { tag, ident, tx_file, rx_file } = strings;
        term.side.keep.extend([Some(tag), ident, tx_file, rx_file].into_iter().flatten());
        term.side.collect_log();
        result.map(|()| term)
    }

    /// Sends talker echo protection tone before fast-modem training (off by default).
    pub fn set_tep(&mut self, on: bool) {
        // SAFETY: the state is live.
        unsafe { ffi::fax_set_tep_mode(self.raw.as_ptr(), c_int::from(on)) };
    }

    /// The next `n` samples SpanDSP sends.
    pub fn transmit(&mut self, n: usize) -> Vec<i16> {
        let mut out = vec![0i16; n];
        drop(log::drain());
        // SAFETY: the buffer holds `n` samples; callbacks reach `shared` through SpanDSP's user
        // data while the wrapper holds no reference into it.
        let got = unsafe { ffi::fax_tx(self.raw.as_ptr(), out.as_mut_ptr(), n as c_int) }.max(0) as usize;
        self.side.collect_log();
        // Anything short is silence (it sends on idle, so this is only a safeguard).
        out[got.min(n)..].iter_mut().for_each(|s| *s = 0);
        out
    }

    /// Hands SpanDSP received audio (it changes its input, so it gets a copy); SpanDSP's time
    /// moves on by its length.
    pub fn receive(&mut self, samples: &[i16]) {
        let mut copy = samples.to_vec();
        self.advance_clock(samples.len());
        // SAFETY: the copy holds `len` samples; callbacks as in `transmit`.
        unsafe { ffi::fax_rx(self.raw.as_ptr(), copy.as_mut_ptr(), copy.len() as c_int) };
        self.side.collect_log();
    }

    /// Tells SpanDSP that `n` samples of audio were lost (`fax_rx_fillin`).
    pub fn fill_in(&mut self, n: usize) {
        self.advance_clock(n);
        // SAFETY: the state is live; callbacks as in `transmit`.
        unsafe { ffi::fax_rx_fillin(self.raw.as_ptr(), n as c_int) };
        self.side.collect_log();
    }

    fn advance_clock(&mut self, n: usize) {
        self.side.shared_mut().now_samples += n as u64;
        drop(log::drain());
        // SAFETY: the logging states are live; SpanDSP does not move their clocks itself.
        unsafe {
            for state in [
                ffi::fax_get_logging_state(self.raw.as_ptr()),
                crate::ffi::t30_get_logging_state(self.side.t30.as_ptr()),
            ] {
                if !state.is_null() {
                    span_log_bump_samples(state, n as c_int);
                }
            }
        }
    }

    /// Whether SpanDSP's T.30 reported the end of the call (phase E).
    pub fn is_finished(&self) -> bool {
        self.side.phase_e_event().is_some()
    }

    pub fn role(&self) -> Role {
        self.role
    }
}

impl Drop for SpandspAudioTerminal {
    fn drop(&mut self) {
        // SAFETY: `raw` came from fax_init and is freed exactly once, here; after it no callback
        // can run, so the callback block is then freed (it came from Box::into_raw).
        unsafe {
            ffi::fax_free(self.raw.as_ptr());
            drop(Box::from_raw(self.side.shared.as_ptr()));
        }
        drop(log::drain());
    }
}

impl Deref for SpandspAudioTerminal {
    type Target = T30Side;
    fn deref(&self) -> &T30Side {
        &self.side
    }
}

impl DerefMut for SpandspAudioTerminal {
    fn deref_mut(&mut self) -> &mut T30Side {
        &mut self.side
    }
}

impl fmt::Debug for SpandspAudioTerminal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpandspAudioTerminal")
            .field("role", &self.role)
            .field("elapsed_ms", &self.side.elapsed_ms())
            .field("phase_e", &self.side.phase_e_event())
            .finish_non_exhaustive()
    }
}
