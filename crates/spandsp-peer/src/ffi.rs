//! Hand-written FFI declarations for the part of Debian's libspandsp 0.0.6 (`libspandsp.so.2`,
//! package libspandsp-dev, release 20110122) that the T.38 terminal wrapper uses, and the
//! numeric constants it needs. Every declaration was checked against the installed headers
//! (`/usr/include/spandsp/{t38_core,t38_terminal,t30,t30_api,t30_logging,t4_rx,logging}.h`);
//! the newer FreeSWITCH "3.0" API (handlers without the `t30_state_t *` argument, log handlers
//! with user data) differs and must not be used here.
//!
//! Nothing outside `terminal.rs` and `log.rs` touches these items.

use std::ffi::{c_char, c_int, c_void};
use std::marker::{PhantomData, PhantomPinned};

/// `t38_terminal_state_t` (opaque in 0.0.6 unless `SPANDSP_EXPOSE_INTERNAL_STRUCTURES`).
#[repr(C)]
pub(crate) struct T38TerminalState {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `t38_core_state_t` (opaque).
#[repr(C)]
pub(crate) struct T38CoreState {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `t30_state_t` (opaque).
#[repr(C)]
pub(crate) struct T30State {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `logging_state_t` (opaque).
#[repr(C)]
pub(crate) struct LoggingState {
    _opaque: [u8; 0],
    _marker: PhantomData<(*mut u8, PhantomPinned)>,
}

/// `t30_stats_t`, field for field as declared in `/usr/include/spandsp/t30.h` of Debian's
/// libspandsp-dev 0.0.6 (fifteen `int`s; the header's `rtp_events`/`rtn_events` are inside
/// `#if 0` and not part of the struct). Newer SpanDSP versions add fields, so this must follow
/// the installed header, not a git checkout.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferStats {
    /// The current bit rate for image transfer.
    pub bit_rate: c_int,
    /// TRUE if error correcting mode is used.
    pub error_correcting_mode: c_int,
    /// The number of pages sent so far.
    pub pages_tx: c_int,
    /// The number of pages received so far.
    pub pages_rx: c_int,
    /// The number of pages in the file (<0 if not known).
    pub pages_in_file: c_int,
    /// Horizontal resolution of the most recent page, pixels per metre (R8 = 8031).
    pub x_resolution: c_int,
    /// Vertical resolution of the most recent page, pixels per metre (fine = 7700).
    pub y_resolution: c_int,
    /// Horizontal pixels in the most recent page.
    pub width: c_int,
    /// Vertical pixels (rows) in the most recent page.
    pub length: c_int,
    /// Size of the image, in bytes.
    pub image_size: c_int,
    /// Compression used between the machines: a `T4_COMPRESSION_ITU_*` value (1 T.4 1-D,
    /// 2 T.4 2-D, 3 T.6).
    pub encoding: c_int,
    /// Bad pixel rows in the most recent page.
    pub bad_rows: c_int,
    /// Largest number of bad pixel rows in a block in the most recent page.
    pub longest_bad_row_run: c_int,
    /// HDLC frame retries, if ECM is used.
    pub error_correcting_mode_retries: c_int,
    /// Current status (a `T30_ERR_*` code).
    pub current_status: c_int,
}

const _: () = assert!(std::mem::size_of::<TransferStats>() == 15 * std::mem::size_of::<c_int>());

/// `t38_tx_packet_handler_t`: called once per IFP; `count` is how many copies to send.
pub(crate) type TxPacketHandler = unsafe extern "C" fn(
    s: *mut T38CoreState,
    user_data: *mut c_void,
    buf: *const u8,
    len: c_int,
    count: c_int,
) -> c_int;
/// `t30_phase_b_handler_t` (and `t30_phase_d_handler_t`, same shape): `result` is the FCF.
pub(crate) type PhaseHandler = unsafe extern "C" fn(s: *mut T30State, user_data: *mut c_void, result: c_int) -> c_int;
/// `t30_phase_e_handler_t`.
pub(crate) type PhaseEHandler = unsafe extern "C" fn(s: *mut T30State, user_data: *mut c_void, completion_code: c_int);
/// `t30_real_time_frame_handler_t`: `direction` is TRUE for incoming.
pub(crate) type RealTimeFrameHandler =
    unsafe extern "C" fn(s: *mut T30State, user_data: *mut c_void, direction: c_int, msg: *const u8, len: c_int);
/// `message_handler_func_t` in the 0.0.6 form: no user data.
pub(crate) type MessageHandler = unsafe extern "C" fn(level: c_int, text: *const c_char);

#[link(name = "spandsp")]
unsafe extern "C" {
    // t38_terminal.h
    pub(crate) fn t38_terminal_init(
        s: *mut T38TerminalState,
        calling_party: c_int,
        tx_packet_handler: Option<TxPacketHandler>,
        tx_packet_user_data: *mut c_void,
    ) -> *mut T38TerminalState;
    pub(crate) fn t38_terminal_free(s: *mut T38TerminalState) -> c_int;
    pub(crate) fn t38_terminal_send_timeout(s: *mut T38TerminalState, samples: c_int) -> c_int;
    pub(crate) fn t38_terminal_set_config(s: *mut T38TerminalState, config: c_int);
    pub(crate) fn t38_terminal_set_fill_bit_removal(s: *mut T38TerminalState, remove: c_int);
    pub(crate) fn t38_terminal_get_t30_state(s: *mut T38TerminalState) -> *mut T30State;
    pub(crate) fn t38_terminal_get_t38_core_state(s: *mut T38TerminalState) -> *mut T38CoreState;
    pub(crate) fn t38_terminal_get_logging_state(s: *mut T38TerminalState) -> *mut LoggingState;

    // t38_core.h
    pub(crate) fn t38_core_rx_ifp_packet(s: *mut T38CoreState, buf: *const u8, len: c_int, seq_no: u16) -> c_int;
    pub(crate) fn t38_set_t38_version(s: *mut T38CoreState, t38_version: c_int);
    pub(crate) fn t38_set_data_rate_management_method(s: *mut T38CoreState, method: c_int);
    pub(crate) fn t38_set_fill_bit_removal(s: *mut T38CoreState, fill_bit_removal: c_int);
    pub(crate) fn t38_core_get_logging_state(s: *mut T38CoreState) -> *mut LoggingState;

    // t30_api.h
    pub(crate) fn t30_set_tx_ident(s: *mut T30State, id: *const c_char) -> c_int;
    pub(crate) fn t30_get_rx_ident(s: *mut T30State) -> *const c_char;
    pub(crate) fn t30_set_rx_file(s: *mut T30State, file: *const c_char, stop_page: c_int);
    pub(crate) fn t30_set_tx_file(s: *mut T30State, file: *const c_char, start_page: c_int, stop_page: c_int);
    pub(crate) fn t30_set_ecm_capability(s: *mut T30State, enabled: c_int) -> c_int;
    pub(crate) fn t30_set_rx_encoding(s: *mut T30State, encoding: c_int) -> c_int;
    pub(crate) fn t30_set_minimum_scan_line_time(s: *mut T30State, min_time: c_int) -> c_int;
    pub(crate) fn t30_set_supported_modems(s: *mut T30State, supported_modems: c_int) -> c_int;
    pub(crate) fn t30_set_supported_compressions(s: *mut T30State, supported_compressions: c_int) -> c_int;
    pub(crate) fn t30_set_supported_resolutions(s: *mut T30State, supported_resolutions: c_int) -> c_int;
    pub(crate) fn t30_set_supported_image_sizes(s: *mut T30State, supported_image_sizes: c_int) -> c_int;
    pub(crate) fn t30_set_receiver_not_ready(s: *mut T30State, count: c_int) -> c_int;
    pub(crate) fn t30_set_phase_b_handler(s: *mut T30State, handler: Option<PhaseHandler>, user_data: *mut c_void);
    pub(crate) fn t30_set_phase_d_handler(s: *mut T30State, handler: Option<PhaseHandler>, user_data: *mut c_void);
    pub(crate) fn t30_set_phase_e_handler(s: *mut T30State, handler: Option<PhaseEHandler>, user_data: *mut c_void);
    pub(crate) fn t30_set_real_time_frame_handler(
        s: *mut T30State,
        handler: Option<RealTimeFrameHandler>,
        user_data: *mut c_void,
    );
    pub(crate) fn t30_get_logging_state(s: *mut T30State) -> *mut LoggingState;

    // t30.h
    pub(crate) fn t30_get_transfer_statistics(s: *mut T30State, t: *mut TransferStats);

    // t30_logging.h
    pub(crate) fn t30_completion_code_to_str(result: c_int) -> *const c_char;
    pub(crate) fn t30_frametype(x: u8) -> *const c_char;

    // logging.h (0.0.6 form)
    pub(crate) fn span_log_set_level(s: *mut LoggingState, level: c_int) -> c_int;
    pub(crate) fn span_log_set_tag(s: *mut LoggingState, tag: *const c_char) -> c_int;
    pub(crate) fn span_log_bump_samples(s: *mut LoggingState, samples: c_int) -> c_int;
    pub(crate) fn span_log_set_message_handler(s: *mut LoggingState, func: Option<MessageHandler>);
    pub(crate) fn span_set_message_handler(func: Option<MessageHandler>);
}
