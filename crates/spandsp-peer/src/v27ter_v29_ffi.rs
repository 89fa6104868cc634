//! Hand-written FFI declarations for SpanDSP 0.0.6's V.27ter and V.29 modems (Debian
//! libspandsp-dev), checked against the installed headers
//! `/usr/include/spandsp/{v27ter_tx,v27ter_rx,v29tx,v29rx,async}.h`.
//!
//! Nothing outside `v27ter_v29.rs` touches these items.

use std::ffi::{c_int, c_void};

pub(crate) use crate::audio_ffi::{GetBit, ModemStatus, PutBit, SIG_STATUS_END_OF_DATA};

pub(crate) use crate::ffi::LoggingState;

opaque!(V27terTxState, V27terRxState, V29TxState, V29RxState);

#[link(name = "spandsp")]
unsafe extern "C" {
    pub(crate) fn v27ter_tx_init(
        s: *mut V27terTxState,
        bit_rate: c_int,
        tep: c_int,
        get_bit: Option<GetBit>,
        user_data: *mut c_void,
    ) -> *mut V27terTxState;
    pub(crate) fn v27ter_tx(s: *mut V27terTxState, amp: *mut i16, len: c_int) -> c_int;
    pub(crate) fn v27ter_tx_power(s: *mut V27terTxState, power: f32);
    pub(crate) fn v27ter_tx_free(s: *mut V27terTxState) -> c_int;

    pub(crate) fn v27ter_rx_init(
        s: *mut V27terRxState,
        bit_rate: c_int,
        put_bit: Option<PutBit>,
        user_data: *mut c_void,
    ) -> *mut V27terRxState;
    pub(crate) fn v27ter_rx(s: *mut V27terRxState, amp: *const i16, len: c_int) -> c_int;
    pub(crate) fn v27ter_rx_fillin(s: *mut V27terRxState, len: c_int) -> c_int;
    pub(crate) fn v27ter_rx_set_modem_status_handler(
        s: *mut V27terRxState,
        handler: Option<ModemStatus>,
        user_data: *mut c_void,
    );
    pub(crate) fn v27ter_rx_signal_cutoff(s: *mut V27terRxState, cutoff: f32);
    pub(crate) fn v27ter_rx_free(s: *mut V27terRxState) -> c_int;
    pub(crate) fn v27ter_rx_get_logging_state(s: *mut V27terRxState) -> *mut LoggingState;

    pub(crate) fn v29_tx_init(
        s: *mut V29TxState,
        bit_rate: c_int,
        tep: c_int,
        get_bit: Option<GetBit>,
        user_data: *mut c_void,
    ) -> *mut V29TxState;
    pub(crate) fn v29_tx(s: *mut V29TxState, amp: *mut i16, len: c_int) -> c_int;
    pub(crate) fn v29_tx_power(s: *mut V29TxState, power: f32);
    pub(crate) fn v29_tx_free(s: *mut V29TxState) -> c_int;

    pub(crate) fn v29_rx_init(
        s: *mut V29RxState,
        bit_rate: c_int,
        put_bit: Option<PutBit>,
        user_data: *mut c_void,
    ) -> *mut V29RxState;
    pub(crate) fn v29_rx(s: *mut V29RxState, amp: *const i16, len: c_int) -> c_int;
    pub(crate) fn v29_rx_fillin(s: *mut V29RxState, len: c_int) -> c_int;
    pub(crate) fn v29_rx_set_modem_status_handler(
        s: *mut V29RxState,
        handler: Option<ModemStatus>,
        user_data: *mut c_void,
    );
    pub(crate) fn v29_rx_signal_cutoff(s: *mut V29RxState, cutoff: f32);
    pub(crate) fn v29_rx_free(s: *mut V29RxState) -> c_int;
    pub(crate) fn v29_rx_get_logging_state(s: *mut V29RxState) -> *mut LoggingState;
}
