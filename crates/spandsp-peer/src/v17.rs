//! Safe wrappers over SpanDSP's V.17 modem, for testing ferrofax's V.17 against it: a
//! transmitter fed from a queue of bits, and a receiver that collects the bits it decodes,
//! the statuses it reports (with how many bits had arrived by then), and, on request, the
//! equalised constellation points it reports symbol by symbol.
//!
//! Bits are in line order (the first bit sent first); statuses are SpanDSP's `SIG_STATUS_*`
//! values (negative), listed in [`status`].

use std::collections::VecDeque;
use std::ffi::{c_int, c_void};

use crate::audio::{transmit_step, transmit_until_end};
use crate::v17_ffi as ffi;

/// SpanDSP's `SIG_STATUS_*` codes that the V.17 modem reports.
pub mod status {
    pub const CARRIER_DOWN: i32 = -1;
    pub const CARRIER_UP: i32 = -2;
    pub const TRAINING_IN_PROGRESS: i32 = -3;
    pub const TRAINING_SUCCEEDED: i32 = -4;
    pub const TRAINING_FAILED: i32 = -5;
    pub const END_OF_DATA: i32 = -7;
    pub const SHUTDOWN_COMPLETE: i32 = -10;
}

struct TxContext {
    bits: VecDeque<bool>,
    statuses: Vec<i32>,
}

unsafe extern "C" fn tx_get_bit(user_data: *mut c_void) -> c_int {
    // SAFETY: `user_data` is the boxed context, alive as long as the transmitter.
    let ctx = unsafe { &mut *user_data.cast::<TxContext>() };
    match ctx.bits.pop_front() {
        Some(b) => c_int::from(b),
        None => ffi::SIG_STATUS_END_OF_DATA,
    }
}

unsafe extern "C" fn tx_status(user_data: *mut c_void, status: c_int) {
    // SAFETY: `user_data` is the boxed context, alive as long as the transmitter.
    let ctx = unsafe { &mut *user_data.cast::<TxContext>() };
    ctx.statuses.push(status);
}

/// SpanDSP's V.17 transmitter: training, then the queued bits, then its shutdown tail.
pub struct SpanV17Transmitter {
    ctx: Box<TxContext>,
    tx: *mut ffi::V17TxState,
    done: bool,
}

impl SpanV17Transmitter {
    /// A long-trained burst at `bit_rate` (14400, 12000, 9600 or 7200), with or without TEP.
    pub fn new(bit_rate: u32, tep: bool, level_dbm0: f32) -> Self {
        let mut ctx = Box::new(TxContext { bits: VecDeque::new(), statuses: Vec::new() });
        let user: *mut c_void = std::ptr::addr_of_mut!(*ctx).cast();
        // SAFETY: null state = allocate; the context outlives the transmitter (both owned here).
        let tx = unsafe {
            ffi::v17_tx_init(std::ptr::null_mut(), bit_rate as c_int, c_int::from(tep), Some(tx_get_bit), user)
        };
        assert!(!tx.is_null(), "v17_tx_init failed");
        // SAFETY: the transmitter is live; the context outlives it.
        unsafe {
            ffi::v17_tx_power(tx, level_dbm0);
            ffi::v17_tx_set_modem_status_handler(tx, Some(tx_status), user);
        }
        SpanV17Transmitter { ctx, tx, done: false }
    }

    /// Starts a new burst (short training only after a long one at the same rate).
    pub fn restart(&mut self, bit_rate: u32, tep: bool, short_train: bool) {
        // SAFETY: the transmitter is live.
        let r = unsafe { ffi::v17_tx_restart(self.tx, bit_rate as c_int, c_int::from(tep), c_int::from(short_train)) };
        assert_eq!(r, 0, "v17_tx_restart refused {bit_rate}");
        self.done = false;
    }

    /// Queues bits to send after the training.
    pub fn push_bits(&mut self, bits: impl IntoIterator<Item = bool>) {
        self.ctx.bits.extend(bits);
    }

    /// The statuses the transmitter reported.
    pub fn statuses(&self) -> &[i32] {
        &self.ctx.statuses
    }

    /// The next `n` samples; fewer once the burst is over.
    pub fn transmit(&mut self, n: usize) -> Vec<i16> {
        let tx = self.tx;
        // SAFETY: the buffer holds `len` samples; the transmitter is live.
        transmit_step(&mut self.done, n, |out| unsafe { ffi::v17_tx(tx, out.as_mut_ptr(), out.len() as c_int) })
    }

    /// The rest of the burst (at most `limit` samples).
    pub fn transmit_all(&mut self, limit: usize) -> Vec<i16> {
        transmit_until_end(limit, |n| self.transmit(n))
    }
}

impl Drop for SpanV17Transmitter {
    fn drop(&mut self) {
        // SAFETY: allocated by v17_tx_init, freed once.
        unsafe { ffi::v17_tx_free(self.tx) };
    }
}

/// One symbol as SpanDSP's receiver reports it: the equalised point and the point it decided
/// on, in its own constellation units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QamReport {
    pub point: (f32, f32),
    pub target: (f32, f32),
    pub symbol: i32,
}

#[derive(Default)]
struct RxContext {
    bits: Vec<bool>,
    statuses: Vec<(i32, usize)>,
    reports: Option<Vec<QamReport>>,
}

unsafe extern "C" fn rx_put_bit(user_data: *mut c_void, bit: c_int) {
    // SAFETY: `user_data` is the boxed context, alive as long as the receiver.
    let ctx = unsafe { &mut *user_data.cast::<RxContext>() };
    if bit < 0 {
        ctx.statuses.push((bit, ctx.bits.len()));
    } else {
        ctx.bits.push(bit != 0);
    }
}

unsafe extern "C" fn rx_status(user_data: *mut c_void, status: c_int) {
    // SAFETY: `user_data` is the boxed context, alive as long as the receiver.
    let ctx = unsafe { &mut *user_data.cast::<RxContext>() };
    ctx.statuses.push((status, ctx.bits.len()));
}

unsafe extern "C" fn rx_qam_report(
    user_data: *mut c_void,
    constel: *const ffi::ComplexF,
    target: *const ffi::ComplexF,
    symbol: c_int,
) {
    // SAFETY: `user_data` is the boxed context, alive as long as the receiver.
    let ctx = unsafe { &mut *user_data.cast::<RxContext>() };
    if constel.is_null() {
        return;
    }
    // SAFETY: SpanDSP passes valid points for the duration of the call (target may be null).
    let (c, t) = unsafe { (*constel, target.as_ref().copied().unwrap_or(ffi::ComplexF { re: 0.0, im: 0.0 })) };
    if let Some(r) = ctx.reports.as_mut() {
        r.push(QamReport { point: (c.re, c.im), target: (t.re, t.im), symbol });
    }
}

/// SpanDSP's V.17 receiver, collecting bits and statuses.
pub struct SpanV17Receiver {
    ctx: Box<RxContext>,
    rx: *mut ffi::V17RxState,
}

impl SpanV17Receiver {
    /// A receiver expecting a long-trained burst at `bit_rate`.
    pub fn new(bit_rate: u32) -> Self {
        let mut ctx = Box::<RxContext>::default();
        let user: *mut c_void = std::ptr::addr_of_mut!(*ctx).cast();
        // SAFETY: null state = allocate; the context outlives the receiver.
        let rx = unsafe { ffi::v17_rx_init(std::ptr::null_mut(), bit_rate as c_int, Some(rx_put_bit), user) };
        assert!(!rx.is_null(), "v17_rx_init failed");
        // SAFETY: the receiver is live; the context outlives it.
        unsafe { ffi::v17_rx_set_modem_status_handler(rx, Some(rx_status), user) };
        SpanV17Receiver { ctx, rx }
    }

    /// Also records every symbol's equalised point ([`Self::reports`]).
    pub fn record_points(&mut self) {
        self.ctx.reports = Some(Vec::new());
        let user: *mut c_void = std::ptr::addr_of_mut!(*self.ctx).cast();
        // SAFETY: the receiver is live; the context outlives it.
        unsafe { ffi::v17_rx_set_qam_report_handler(self.rx, Some(rx_qam_report), user) };
    }

    /// Expects a new burst: `short_train` keeps what a long training at the same rate learnt.
    /// Bits, statuses and points collected so far are kept.
    pub fn restart(&mut self, bit_rate: u32, short_train: bool) {
        // SAFETY: the receiver is live.
        let r = unsafe { ffi::v17_rx_restart(self.rx, bit_rate as c_int, c_int::from(short_train)) };
        assert_eq!(r, 0, "v17_rx_restart refused {bit_rate}");
    }

    pub fn receive(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(160) {
            // SAFETY: the chunk holds `len` samples; the receiver is live.
            unsafe { ffi::v17_rx(self.rx, chunk.as_ptr(), chunk.len() as c_int) };
        }
    }

    /// The bits decoded so far.
    pub fn bits(&self) -> &[bool] {
        &self.ctx.bits
    }

    /// Forgets the bits decoded so far (statuses' bit counts restart from zero).
    pub fn take_bits(&mut self) -> Vec<bool> {
        self.ctx.statuses.clear();
        std::mem::take(&mut self.ctx.bits)
    }

    /// Each status reported, with the number of bits decoded before it.
    pub fn statuses(&self) -> &[(i32, usize)] {
        &self.ctx.statuses
    }

    /// The points recorded since [`Self::record_points`].
    pub fn reports(&self) -> &[QamReport] {
        self.ctx.reports.as_deref().unwrap_or(&[])
    }

    /// The received power, in dBm0.
    pub fn signal_power(&mut self) -> f32 {
        // SAFETY: the receiver is live.
        unsafe { ffi::v17_rx_signal_power(self.rx) }
    }

    /// The carrier frequency the receiver has locked to, in Hz.
    pub fn carrier_frequency(&mut self) -> f32 {
        // SAFETY: the receiver is live.
        unsafe { ffi::v17_rx_carrier_frequency(self.rx) }
    }
}

impl Drop for SpanV17Receiver {
    fn drop(&mut self) {
        // SAFETY: allocated by v17_rx_init, freed once.
        unsafe { ffi::v17_rx_free(self.rx) };
    }
}
