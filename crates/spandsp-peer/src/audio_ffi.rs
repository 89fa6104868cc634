//! Hand-written FFI declarations for SpanDSP 0.0.6's audio parts (Debian libspandsp-dev):
//! G.711, the FSK modem (V.21), HDLC, the modem connect tones, and the audio fax terminal
//! (`fax_*`). Checked against the installed headers
//! `/usr/include/spandsp/{g711,fsk,hdlc,modem_connect_tones,async,fax}.h`.
//!
//! Nothing outside `audio.rs` and `audio_terminal.rs` touches these items.

use std::ffi::{c_char, c_int, c_void};

opaque!(FaxState, G711State, FskTxState, FskRxState, HdlcRxState, HdlcTxState, ToneTxState, ToneRxState);

/// `fsk_spec_t`.
#[repr(C)]
pub(crate) struct FskSpec {
    pub name: *const c_char,
    pub freq_zero: c_int,
    pub freq_one: c_int,
    pub tx_level: c_int,
    pub min_level: c_int,
    pub baud_rate: c_int,
}

/// `FSK_V21CH2`: the index of V.21 channel 2 in `preset_fsk_specs`.
pub(crate) const FSK_V21CH2: usize = 1;
/// `FSK_FRAME_MODE_SYNC`: bits as they come, for HDLC.
pub(crate) const FSK_FRAME_MODE_SYNC: c_int = 1;
/// `G711_ALAW`, `G711_ULAW`.
pub(crate) const G711_ALAW: c_int = 0;
pub(crate) const G711_ULAW: c_int = 1;
/// `MODEM_CONNECT_TONES_*`.
pub(crate) const TONES_FAX_CNG: c_int = 1;
pub(crate) const TONES_ANS: c_int = 2;
pub(crate) const TONES_FAX_CED_OR_PREAMBLE: c_int = 7;

/// `get_bit_func_t`: returns a bit, or `SIG_STATUS_END_OF_DATA` to end.
pub(crate) type GetBit = unsafe extern "C" fn(user_data: *mut c_void) -> c_int;
/// `put_bit_func_t`: a bit, or a negative `SIG_STATUS_*` when no status handler is set.
pub(crate) type PutBit = unsafe extern "C" fn(user_data: *mut c_void, bit: c_int);
/// `modem_status_func_t`.
pub(crate) type ModemStatus = unsafe extern "C" fn(user_data: *mut c_void, status: c_int);
/// `SIG_STATUS_END_OF_DATA`: what a `get_bit` returns when there are no more bits.
pub(crate) const SIG_STATUS_END_OF_DATA: c_int = -7;
pub(crate) type HdlcFrameHandler = unsafe extern "C" fn(user_data: *mut c_void, pkt: *const u8, len: c_int, ok: c_int);
pub(crate) type ToneReport = unsafe extern "C" fn(user_data: *mut c_void, code: c_int, level: c_int, delay: c_int);

#[link(name = "spandsp")]
unsafe extern "C" {
    // fax.h
    pub(crate) fn fax_init(s: *mut FaxState, calling_party: c_int) -> *mut FaxState;
    pub(crate) fn fax_free(s: *mut FaxState) -> c_int;
    pub(crate) fn fax_rx(s: *mut FaxState, amp: *mut i16, len: c_int) -> c_int;
    pub(crate) fn fax_rx_fillin(s: *mut FaxState, len: c_int) -> c_int;
    pub(crate) fn fax_tx(s: *mut FaxState, amp: *mut i16, max_len: c_int) -> c_int;
    pub(crate) fn fax_set_transmit_on_idle(s: *mut FaxState, transmit_on_idle: c_int);
    pub(crate) fn fax_set_tep_mode(s: *mut FaxState, use_tep: c_int);
    pub(crate) fn fax_get_t30_state(s: *mut FaxState) -> *mut crate::ffi::T30State;
    pub(crate) fn fax_get_logging_state(s: *mut FaxState) -> *mut crate::ffi::LoggingState;

    pub(crate) static preset_fsk_specs: FskSpec;

    pub(crate) fn g711_init(s: *mut G711State, mode: c_int) -> *mut G711State;
    pub(crate) fn g711_free(s: *mut G711State) -> c_int;
    pub(crate) fn g711_encode(s: *mut G711State, g711_data: *mut u8, amp: *const i16, len: c_int) -> c_int;
    pub(crate) fn g711_decode(s: *mut G711State, amp: *mut i16, g711_data: *const u8, g711_bytes: c_int) -> c_int;

    pub(crate) fn fsk_tx_init(
        s: *mut FskTxState,
        spec: *const FskSpec,
        get_bit: Option<GetBit>,
        user_data: *mut c_void,
    ) -> *mut FskTxState;
    pub(crate) fn fsk_tx(s: *mut FskTxState, amp: *mut i16, len: c_int) -> c_int;
    pub(crate) fn fsk_tx_power(s: *mut FskTxState, power: f32);
    pub(crate) fn fsk_tx_free(s: *mut FskTxState) -> c_int;

    pub(crate) fn fsk_rx_init(
        s: *mut FskRxState,
        spec: *const FskSpec,
        framing_mode: c_int,
        put_bit: Option<PutBit>,
        user_data: *mut c_void,
    ) -> *mut FskRxState;
    pub(crate) fn fsk_rx(s: *mut FskRxState, amp: *const i16, len: c_int) -> c_int;
    pub(crate) fn fsk_rx_signal_cutoff(s: *mut FskRxState, cutoff: f32);
    pub(crate) fn fsk_rx_free(s: *mut FskRxState) -> c_int;

    pub(crate) fn hdlc_rx_init(
        s: *mut HdlcRxState,
        crc32: c_int,
        report_bad_frames: c_int,
        framing_ok_threshold: c_int,
        handler: Option<HdlcFrameHandler>,
        user_data: *mut c_void,
    ) -> *mut HdlcRxState;
    pub(crate) fn hdlc_rx_put_bit(s: *mut HdlcRxState, new_bit: c_int);
    pub(crate) fn hdlc_rx_free(s: *mut HdlcRxState) -> c_int;

    pub(crate) fn hdlc_tx_init(
        s: *mut HdlcTxState,
        crc32: c_int,
        inter_frame_flags: c_int,
        progressive: c_int,
        handler: Option<unsafe extern "C" fn(user_data: *mut c_void)>,
        user_data: *mut c_void,
    ) -> *mut HdlcTxState;
    pub(crate) fn hdlc_tx_frame(s: *mut HdlcTxState, frame: *const u8, len: usize) -> c_int;
    pub(crate) fn hdlc_tx_flags(s: *mut HdlcTxState, len: c_int) -> c_int;
    pub(crate) fn hdlc_tx_get_bit(s: *mut HdlcTxState) -> c_int;
    pub(crate) fn hdlc_tx_free(s: *mut HdlcTxState) -> c_int;

    pub(crate) fn modem_connect_tones_tx_init(s: *mut ToneTxState, tone_type: c_int) -> *mut ToneTxState;
    pub(crate) fn modem_connect_tones_tx(s: *mut ToneTxState, amp: *mut i16, len: c_int) -> c_int;
    pub(crate) fn modem_connect_tones_tx_free(s: *mut ToneTxState) -> c_int;
    pub(crate) fn modem_connect_tones_rx_init(
        s: *mut ToneRxState,
        tone_type: c_int,
        callback: Option<ToneReport>,
        user_data: *mut c_void,
    ) -> *mut ToneRxState;
    pub(crate) fn modem_connect_tones_rx(s: *mut ToneRxState, amp: *const i16, len: c_int) -> c_int;
    pub(crate) fn modem_connect_tones_rx_free(s: *mut ToneRxState) -> c_int;
}
