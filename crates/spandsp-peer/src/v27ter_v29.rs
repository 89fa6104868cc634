//! Safe wrappers over SpanDSP's V.27ter and V.29 modems, for testing ferrofax's against them:
//! a transmitter sending a given list of bits after its training ([`SpanFastSender`]) and a
//! receiver collecting the bits and statuses it reports ([`SpanFastReceiver`]).
//!
//! Both run one modem chosen by [`SpanFastModem`]. Receivers listen down to −45.5 dBm0, as
//! SpanDSP's fax terminal sets them (standalone V.29 would listen only above −26 dBm0).

use std::ffi::{c_int, c_void};

use crate::audio::{transmit_step, transmit_until_end};
use crate::log;
use crate::v27ter_v29_ffi as ffi;

/// SpanDSP's `SPAN_LOG_FLOW`.
const FLOW: i32 = 5;
/// The tag on the receivers' log lines (SpanDSP keeps the pointer: a static).
const TAG: &std::ffi::CStr = c"rx";

/// Which SpanDSP modem, at which bit rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanFastModem {
    /// V.27ter at 4800 or 2400 bit/s.
    V27ter(u32),
    /// V.29 at 9600, 7200 or 4800 bit/s.
    V29(u32),
}

/// `SIG_STATUS_*` values as the receiver reports them.
pub mod status {
    pub const CARRIER_DOWN: i32 = -1;
    pub const CARRIER_UP: i32 = -2;
    pub const TRAINING_IN_PROGRESS: i32 = -3;
    pub const TRAINING_SUCCEEDED: i32 = -4;
    pub const TRAINING_FAILED: i32 = -5;
}

struct TxContext {
    bits: Vec<u8>,
    next: usize,
}

unsafe extern "C" fn tx_get_bit(user_data: *mut c_void) -> c_int {
    // SAFETY: `user_data` is the boxed context, alive as long as the transmitter.
    let ctx = unsafe { &mut *user_data.cast::<TxContext>() };
    match ctx.bits.get(ctx.next) {
        Some(&b) => {
            ctx.next += 1;
            c_int::from(b)
        }
        None => ffi::SIG_STATUS_END_OF_DATA,
    }
}

#[derive(Clone, Copy)]
enum TxState {
    V27ter(*mut ffi::V27terTxState),
    V29(*mut ffi::V29TxState),
}

/// SpanDSP's V.27ter or V.29 transmitter: training, then `bits`, then its closing symbols.
pub struct SpanFastSender {
    _ctx: Box<TxContext>,
    state: TxState,
    done: bool,
}

impl SpanFastSender {
    /// A transmitter of `bits` (each 0 or 1) at `level_dbm0`, with or without TEP.
    pub fn new(modem: SpanFastModem, tep: bool, level_dbm0: f32, bits: &[bool]) -> Self {
        let mut ctx = Box::new(TxContext { bits: bits.iter().map(|&b| u8::from(b)).collect(), next: 0 });
        let user: *mut c_void = std::ptr::addr_of_mut!(*ctx).cast();
        let state = match modem {
            SpanFastModem::V27ter(rate) => {
                // SAFETY: null state = allocate; the context outlives the transmitter.
                let s = unsafe {
                    ffi::v27ter_tx_init(std::ptr::null_mut(), rate as c_int, c_int::from(tep), Some(tx_get_bit), user)
                };
                assert!(!s.is_null(), "v27ter_tx_init failed");
                // SAFETY: the transmitter is live.
                unsafe { ffi::v27ter_tx_power(s, level_dbm0) };
                TxState::V27ter(s)
            }
            SpanFastModem::V29(rate) => {
                // SAFETY: as above.
                let s = unsafe {
                    ffi::v29_tx_init(std::ptr::null_mut(), rate as c_int, c_int::from(tep), Some(tx_get_bit), user)
                };
                assert!(!s.is_null(), "v29_tx_init failed");
                // SAFETY: the transmitter is live.
                unsafe { ffi::v29_tx_power(s, level_dbm0) };
                TxState::V29(s)
            }
        };
        SpanFastSender { _ctx: ctx, state, done: false }
    }

    /// The next `n` samples; fewer once the signal has ended.
    pub fn transmit(&mut self, n: usize) -> Vec<i16> {
        let state = self.state;
        // SAFETY: the buffer holds `len` samples; the transmitter is live.
        transmit_step(&mut self.done, n, |out| unsafe {
            match state {
                TxState::V27ter(s) => ffi::v27ter_tx(s, out.as_mut_ptr(), out.len() as c_int),
                TxState::V29(s) => ffi::v29_tx(s, out.as_mut_ptr(), out.len() as c_int),
            }
        })
    }

    /// The whole signal (at most `limit` samples).
    pub fn transmit_all(&mut self, limit: usize) -> Vec<i16> {
        transmit_until_end(limit, |n| self.transmit(n))
    }
}

impl Drop for SpanFastSender {
    fn drop(&mut self) {
        // SAFETY: allocated by its init function, freed once.
        unsafe {
            match self.state {
                TxState::V27ter(s) => ffi::v27ter_tx_free(s),
                TxState::V29(s) => ffi::v29_tx_free(s),
            };
        }
    }
}

/// What SpanDSP's receiver reported.
#[derive(Debug, Default, Clone)]
pub struct FastHeard {
    /// Data bits, in order.
    pub bits: Vec<bool>,
    /// Statuses (`status::*`), in order.
    pub statuses: Vec<i32>,
    /// How many bits had been received when each status came.
    pub status_at: Vec<usize>,
    /// The receiver's log lines (level FLOW), e.g. why training failed.
    pub log: Vec<String>,
}

impl FastHeard {
    /// Whether training succeeded at least once.
    pub fn trained(&self) -> bool {
        self.statuses.contains(&status::TRAINING_SUCCEEDED)
    }

    /// The bits after the last successful training.
    pub fn bits_after_training(&self) -> &[bool] {
        let at = self
            .statuses
            .iter()
            .rposition(|&s| s == status::TRAINING_SUCCEEDED)
            .map_or(self.bits.len(), |i| self.status_at[i]);
        &self.bits[at..]
    }
}

unsafe extern "C" fn rx_put_bit(user_data: *mut c_void, bit: c_int) {
    // SAFETY: `user_data` is the boxed record, alive as long as the receiver.
    let heard = unsafe { &mut *user_data.cast::<FastHeard>() };
    if bit < 0 {
        heard.statuses.push(bit);
        heard.status_at.push(heard.bits.len());
    } else {
        heard.bits.push(bit != 0);
    }
}

unsafe extern "C" fn rx_status(user_data: *mut c_void, status: c_int) {
    // SAFETY: as in `rx_put_bit`; statuses are always negative.
    unsafe { rx_put_bit(user_data, status.min(-1)) };
}

enum RxState {
    V27ter(*mut ffi::V27terRxState),
    V29(*mut ffi::V29RxState),
}

/// SpanDSP's V.27ter or V.29 receiver.
pub struct SpanFastReceiver {
    heard: Box<FastHeard>,
    state: RxState,
}

impl SpanFastReceiver {
    pub fn new(modem: SpanFastModem) -> Self {
        log::install_default_handler();
        let mut heard = Box::<FastHeard>::default();
        let user: *mut c_void = std::ptr::addr_of_mut!(*heard).cast();
        let state = match modem {
            SpanFastModem::V27ter(rate) => {
                // SAFETY: null state = allocate; the record outlives the receiver.
                let s = unsafe { ffi::v27ter_rx_init(std::ptr::null_mut(), rate as c_int, Some(rx_put_bit), user) };
                assert!(!s.is_null(), "v27ter_rx_init failed");
                // SAFETY: the receiver is live.
                unsafe {
                    ffi::v27ter_rx_set_modem_status_handler(s, Some(rx_status), user);
                    ffi::v27ter_rx_signal_cutoff(s, -45.5);
                    log::configure(ffi::v27ter_rx_get_logging_state(s), FLOW, TAG);
                }
                RxState::V27ter(s)
            }
            SpanFastModem::V29(rate) => {
                // SAFETY: as above.
                let s = unsafe { ffi::v29_rx_init(std::ptr::null_mut(), rate as c_int, Some(rx_put_bit), user) };
                assert!(!s.is_null(), "v29_rx_init failed");
                // SAFETY: the receiver is live.
                unsafe {
                    ffi::v29_rx_set_modem_status_handler(s, Some(rx_status), user);
                    ffi::v29_rx_signal_cutoff(s, -45.5);
                    log::configure(ffi::v29_rx_get_logging_state(s), FLOW, TAG);
                }
                RxState::V29(s)
            }
        };
        SpanFastReceiver { heard, state }
    }

    /// Demodulates `samples` (in 160-sample blocks, as a 20 ms packet clock would).
    pub fn receive(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(160) {
            // SAFETY: the chunk holds `len` samples; the receiver is live.
            unsafe {
                match self.state {
                    RxState::V27ter(s) => ffi::v27ter_rx(s, chunk.as_ptr(), chunk.len() as c_int),
                    RxState::V29(s) => ffi::v29_rx(s, chunk.as_ptr(), chunk.len() as c_int),
                };
            }
        }
        self.heard.log.extend(log::drain());
    }

    /// `samples` of lost audio: the receiver advances without them.
    pub fn fill_in(&mut self, samples: usize) {
        // SAFETY: the receiver is live.
        unsafe {
            match self.state {
                RxState::V27ter(s) => ffi::v27ter_rx_fillin(s, samples as c_int),
                RxState::V29(s) => ffi::v29_rx_fillin(s, samples as c_int),
            };
        }
    }

    pub fn heard(&self) -> &FastHeard {
        &self.heard
    }
}

impl Drop for SpanFastReceiver {
    fn drop(&mut self) {
        // SAFETY: allocated by its init function, freed once.
        unsafe {
            match self.state {
                RxState::V27ter(s) => ffi::v27ter_rx_free(s),
                RxState::V29(s) => ffi::v29_rx_free(s),
            };
        }
    }
}
