//! Hand-written FFI declarations for SpanDSP 0.0.6's V.17 modem (Debian libspandsp-dev),
//! checked against the installed headers `/usr/include/spandsp/{v17tx,v17rx,v29rx,async}.h`.
//!
//! Nothing outside `v17.rs` touches these items.

use std::ffi::{c_int, c_void};

pub(crate) use crate::audio_ffi::{GetBit, ModemStatus, PutBit, SIG_STATUS_END_OF_DATA};

opaque!(V17TxState, V17RxState);

/// `complexf_t`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub(crate) struct ComplexF {
    pub re: f32,
    pub im: f32,
}

pub(crate) type QamReport =
    unsafe extern "C" fn(user_data: *mut c_void, constel: *const ComplexF, target: *const ComplexF, symbol: c_int);

#[link(name = "spandsp")]
unsafe extern "C" {
    pub(crate) fn v17_tx_init(
        s: *mut V17TxState,
        bit_rate: c_int,
        tep: c_int,
        get_bit: Option<GetBit>,
        user_data: *mut c_void,
    ) -> *mut V17TxState;
    pub(crate) fn v17_tx_restart(s: *mut V17TxState, bit_rate: c_int, tep: c_int, short_train: c_int) -> c_int;
    pub(crate) fn v17_tx(s: *mut V17TxState, amp: *mut i16, len: c_int) -> c_int;
    pub(crate) fn v17_tx_power(s: *mut V17TxState, power: f32);
    pub(crate) fn v17_tx_set_modem_status_handler(
        s: *mut V17TxState,
        handler: Option<ModemStatus>,
        user_data: *mut c_void,
    );
    pub(crate) fn v17_tx_free(s: *mut V17TxState) -> c_int;

    pub(crate) fn v17_rx_init(
        s: *mut V17RxState,
        bit_rate: c_int,
        put_bit: Option<PutBit>,
        user_data: *mut c_void,
    ) -> *mut V17RxState;
    pub(crate) fn v17_rx_restart(s: *mut V17RxState, bit_rate: c_int, short_train: c_int) -> c_int;
    pub(crate) fn v17_rx(s: *mut V17RxState, amp: *const i16, len: c_int) -> c_int;
    pub(crate) fn v17_rx_set_modem_status_handler(
        s: *mut V17RxState,
        handler: Option<ModemStatus>,
        user_data: *mut c_void,
    );
    pub(crate) fn v17_rx_set_qam_report_handler(s: *mut V17RxState, handler: Option<QamReport>, user_data: *mut c_void);
    pub(crate) fn v17_rx_signal_power(s: *mut V17RxState) -> f32;
    pub(crate) fn v17_rx_carrier_frequency(s: *mut V17RxState) -> f32;
    pub(crate) fn v17_rx_free(s: *mut V17RxState) -> c_int;
}
