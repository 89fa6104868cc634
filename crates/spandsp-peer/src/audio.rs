//! Safe wrappers over SpanDSP's audio parts, for testing ferrofax's modems against them:
//! its G.711 codec, its V.21 channel 2 transmitter fed by its HDLC framer, its V.21 receiver
//! feeding its HDLC deframer, and its connect-tone generator and detector.
//!
//! Frames are in ferrofax's notation (first bit on the line = an octet's MSB); SpanDSP's
//! own notation is the reverse, and the wrappers reverse each octet on the way in and out.

use std::collections::VecDeque;
use std::ffi::{c_int, c_void};

use crate::audio_ffi as ffi;

fn reversed(octets: &[u8]) -> Vec<u8> {
    octets.iter().map(|o| o.reverse_bits()).collect()
}

fn v21_spec() -> *const ffi::FskSpec {
    // SAFETY: `preset_fsk_specs` is an array in the library with more than FSK_V21CH2 entries;
    // only its address is taken here.
    unsafe { std::ptr::addr_of!(ffi::preset_fsk_specs).add(ffi::FSK_V21CH2) }
}

/// SpanDSP's G.711 codec.
pub struct SpanG711 {
    state: *mut ffi::G711State,
}

impl SpanG711 {
    /// `ulaw` true for μ-law, false for A-law.
    pub fn new(ulaw: bool) -> Self {
        // SAFETY: a null state asks the library to allocate one.
        let state = unsafe { ffi::g711_init(std::ptr::null_mut(), if ulaw { ffi::G711_ULAW } else { ffi::G711_ALAW }) };
        assert!(!state.is_null(), "g711_init failed");
        SpanG711 { state }
    }

    pub fn encode(&mut self, samples: &[i16]) -> Vec<u8> {
        let mut out = vec![0u8; samples.len()];
        // SAFETY: both buffers hold `len` items; the state is live.
        let n = unsafe { ffi::g711_encode(self.state, out.as_mut_ptr(), samples.as_ptr(), samples.len() as c_int) };
        out.truncate(n as usize);
        out
    }

    pub fn decode(&mut self, codes: &[u8]) -> Vec<i16> {
        let mut out = vec![0i16; codes.len()];
        // SAFETY: both buffers hold `len` items; the state is live.
        let n = unsafe { ffi::g711_decode(self.state, out.as_mut_ptr(), codes.as_ptr(), codes.len() as c_int) };
        out.truncate(n as usize);
        out
    }
}

impl Drop for SpanG711 {
    fn drop(&mut self) {
        // SAFETY: allocated by g711_init, freed once.
        unsafe { ffi::g711_free(self.state) };
    }
}

/// What the HDLC framer's callbacks share: the frames still to send.
struct HdlcTxContext {
    hdlc: *mut ffi::HdlcTxState,
    frames: VecDeque<Vec<u8>>,
    ended: bool,
}

unsafe extern "C" fn hdlc_underflow(user_data: *mut c_void) {
    // SAFETY: `user_data` is the boxed context, alive as long as the framer.
    let ctx = unsafe { &mut *user_data.cast::<HdlcTxContext>() };
    if let Some(f) = ctx.frames.front() {
        // SAFETY: the framer is live; SpanDSP copies the frame. It refuses (non-zero) while
        // another frame is still pending, and the frame then stays queued.
        if unsafe { ffi::hdlc_tx_frame(ctx.hdlc, f.as_ptr(), f.len()) } == 0 {
            ctx.frames.pop_front();
        }
    } else if !ctx.ended {
        // SAFETY: a null frame of length 0 asks the framer to end after its flags.
        ctx.ended = unsafe { ffi::hdlc_tx_frame(ctx.hdlc, std::ptr::null(), 0) } == 0;
    }
}

unsafe extern "C" fn hdlc_get_bit(user_data: *mut c_void) -> c_int {
    // SAFETY: `user_data` is the boxed context, alive as long as the transmitter.
    let ctx = unsafe { &mut *user_data.cast::<HdlcTxContext>() };
    // SAFETY: the framer is live.
    unsafe { ffi::hdlc_tx_get_bit(ctx.hdlc) }
}

/// SpanDSP's V.21 channel 2 transmitter sending HDLC frames from SpanDSP's framer.
pub struct SpanV21Sender {
    ctx: Box<HdlcTxContext>,
    fsk: *mut ffi::FskTxState,
    done: bool,
}

impl SpanV21Sender {
    /// A burst of `preamble_flags` flags, then `frames` (ferrofax notation, without FCS).
    pub fn new(preamble_flags: i32, frames: &[Vec<u8>], level_dbm0: f32) -> Self {
        let mut ctx = Box::new(HdlcTxContext {
            hdlc: std::ptr::null_mut(),
            frames: frames.iter().map(|f| reversed(f)).collect(),
            ended: false,
        });
        let user: *mut c_void = std::ptr::addr_of_mut!(*ctx).cast();
        // SAFETY: null state = allocate; the context outlives the framer (both owned here).
        ctx.hdlc = unsafe { ffi::hdlc_tx_init(std::ptr::null_mut(), 0, 2, 0, Some(hdlc_underflow), user) };
        assert!(!ctx.hdlc.is_null(), "hdlc_tx_init failed");
        // SAFETY: the framer is live.
        unsafe { ffi::hdlc_tx_flags(ctx.hdlc, preamble_flags) };
        // The first frame is queued now; the framer asks for each next one.
        // SAFETY: `user` is the context, as the framer's own calls pass it.
        unsafe { hdlc_underflow(user) };
        // SAFETY: the spec is the library's; the context outlives the transmitter.
        let fsk = unsafe { ffi::fsk_tx_init(std::ptr::null_mut(), v21_spec(), Some(hdlc_get_bit), user) };
        assert!(!fsk.is_null(), "fsk_tx_init failed");
        // SAFETY: the transmitter is live.
        unsafe { ffi::fsk_tx_power(fsk, level_dbm0) };
        SpanV21Sender { ctx, fsk, done: false }
    }

    /// The next `n` samples; fewer once the burst is over.
    pub fn transmit(&mut self, n: usize) -> Vec<i16> {
        let fsk = self.fsk;
        // SAFETY: the buffer holds `len` samples; the transmitter is live.
        transmit_step(&mut self.done, n, |out| unsafe { ffi::fsk_tx(fsk, out.as_mut_ptr(), out.len() as c_int) })
    }

    /// The whole burst (at most `limit` samples).
    pub fn transmit_all(&mut self, limit: usize) -> Vec<i16> {
        transmit_until_end(limit, |n| self.transmit(n))
    }
}

/// One step of a SpanDSP transmitter: up to `n` samples from `tx`, which fills the buffer it
/// is given and returns how many samples it wrote (SpanDSP's `*_tx`). `done` is set once it
/// writes fewer than asked; after that nothing more is asked of it.
pub(crate) fn transmit_step(done: &mut bool, n: usize, tx: impl FnOnce(&mut [i16]) -> c_int) -> Vec<i16> {
    if *done {
        return Vec::new();
    }
    let mut out = vec![0i16; n];
    let got = (tx(&mut out).max(0) as usize).min(n);
    *done = got < n;
    out.truncate(got);
    out
}

/// A transmitter's output in 20 ms steps until it ends or `limit` samples are collected.
pub(crate) fn transmit_until_end(limit: usize, mut step: impl FnMut(usize) -> Vec<i16>) -> Vec<i16> {
    let mut all = Vec::new();
    while all.len() < limit {
        let chunk = step(160);
        let short = chunk.len() < 160;
        all.extend(chunk);
        if short {
            break;
        }
    }
    all
}

impl Drop for SpanV21Sender {
    fn drop(&mut self) {
        // SAFETY: both allocated by their init functions, freed once, the transmitter first.
        unsafe {
            ffi::fsk_tx_free(self.fsk);
            ffi::hdlc_tx_free(self.ctx.hdlc);
        }
    }
}

/// What SpanDSP's V.21 receiver and HDLC deframer heard.
#[derive(Debug, Default)]
pub struct Heard {
    /// Frames in ferrofax notation without FCS, with whether the FCS was good.
    pub frames: Vec<(Vec<u8>, bool)>,
    /// Statuses reported (`SIG_STATUS_*`, negative).
    pub statuses: Vec<i32>,
}

struct HdlcRxContext {
    hdlc: *mut ffi::HdlcRxState,
    heard: Heard,
}

unsafe extern "C" fn hdlc_frame(user_data: *mut c_void, pkt: *const u8, len: c_int, ok: c_int) {
    // SAFETY: `user_data` is the boxed context, alive as long as the deframer.
    let ctx = unsafe { &mut *user_data.cast::<HdlcRxContext>() };
    if len < 0 || pkt.is_null() {
        ctx.heard.statuses.push(len);
        return;
    }
    // SAFETY: SpanDSP passes `len` valid octets for the duration of the call.
    let octets = unsafe { std::slice::from_raw_parts(pkt, len as usize) };
    ctx.heard.frames.push((reversed(octets), ok != 0));
}

unsafe extern "C" fn fsk_put_bit(user_data: *mut c_void, bit: c_int) {
    // SAFETY: `user_data` is the boxed context, alive as long as the receiver.
    let ctx = unsafe { &mut *user_data.cast::<HdlcRxContext>() };
    // SAFETY: the deframer is live; negative values are statuses it handles itself.
    unsafe { ffi::hdlc_rx_put_bit(ctx.hdlc, bit) };
}

/// SpanDSP's V.21 channel 2 receiver feeding its HDLC deframer, as its fax terminal sets them
/// up (carrier cutoff −45.5 dBm0, 8 flags before the first frame, damaged frames reported).
pub struct SpanV21Receiver {
    ctx: Box<HdlcRxContext>,
    fsk: *mut ffi::FskRxState,
}

impl Default for SpanV21Receiver {
    fn default() -> Self {
        Self::new()
    }
}

impl SpanV21Receiver {
    pub fn new() -> Self {
        let mut ctx = Box::new(HdlcRxContext { hdlc: std::ptr::null_mut(), heard: Heard::default() });
        let user: *mut c_void = std::ptr::addr_of_mut!(*ctx).cast();
        // SAFETY: null state = allocate; the context outlives the deframer.
        ctx.hdlc = unsafe { ffi::hdlc_rx_init(std::ptr::null_mut(), 0, 1, 8, Some(hdlc_frame), user) };
        assert!(!ctx.hdlc.is_null(), "hdlc_rx_init failed");
        // SAFETY: as above.
        let fsk = unsafe {
            ffi::fsk_rx_init(std::ptr::null_mut(), v21_spec(), ffi::FSK_FRAME_MODE_SYNC, Some(fsk_put_bit), user)
        };
        assert!(!fsk.is_null(), "fsk_rx_init failed");
        // SAFETY: the receiver is live.
        unsafe { ffi::fsk_rx_signal_cutoff(fsk, -45.5) };
        SpanV21Receiver { ctx, fsk }
    }

    pub fn receive(&mut self, samples: &[i16]) {
        for chunk in samples.chunks(160) {
            // SAFETY: the chunk holds `len` samples; the receiver is live.
            unsafe { ffi::fsk_rx(self.fsk, chunk.as_ptr(), chunk.len() as c_int) };
        }
    }

    pub fn heard(&self) -> &Heard {
        &self.ctx.heard
    }
}

impl Drop for SpanV21Receiver {
    fn drop(&mut self) {
        // SAFETY: both allocated by their init functions, freed once.
        unsafe {
            ffi::fsk_rx_free(self.fsk);
            ffi::hdlc_rx_free(self.ctx.hdlc);
        }
    }
}

/// A connect tone as SpanDSP names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpanTone {
    /// `MODEM_CONNECT_TONES_FAX_CNG`.
    Cng,
    /// `MODEM_CONNECT_TONES_ANS` (= fax CED).
    Ced,
    /// `MODEM_CONNECT_TONES_FAX_CED_OR_PREAMBLE` (receive only): CED or V.21 flags.
    CedOrPreamble,
}

impl SpanTone {
    fn code(self) -> c_int {
        match self {
            SpanTone::Cng => ffi::TONES_FAX_CNG,
            SpanTone::Ced => ffi::TONES_ANS,
            SpanTone::CedOrPreamble => ffi::TONES_FAX_CED_OR_PREAMBLE,
        }
    }
}

/// SpanDSP's connect-tone generator (CNG cadence, or CED of 2.6 s after 200 ms of silence).
pub fn span_tone(tone: SpanTone, samples: usize) -> Vec<i16> {
    // SAFETY: null state = allocate.
    let s = unsafe { ffi::modem_connect_tones_tx_init(std::ptr::null_mut(), tone.code()) };
    assert!(!s.is_null(), "modem_connect_tones_tx_init failed");
    let mut out = vec![0i16; samples];
    let mut at = 0;
    while at < samples {
        let n = (samples - at).min(160);
        // SAFETY: the slice holds `n` samples; the state is live.
        let got = unsafe { ffi::modem_connect_tones_tx(s, out[at..].as_mut_ptr(), n as c_int) } as usize;
        at += got;
        if got < n {
            break;
        }
    }
    out.truncate(at);
    // SAFETY: allocated above, freed once.
    unsafe { ffi::modem_connect_tones_tx_free(s) };
    out
}

unsafe extern "C" fn tone_report(user_data: *mut c_void, code: c_int, _level: c_int, _delay: c_int) {
    // SAFETY: `user_data` is the boxed list, alive as long as the detector.
    let heard = unsafe { &mut *user_data.cast::<Vec<(i32, usize)>>() };
    heard.push((code, 0));
}

/// What SpanDSP's connect-tone detector reports for `samples`: each report's tone code
/// (`MODEM_CONNECT_TONES_*`, 0 = the tone ended) and the sample count at the end of the
/// 160-sample block it came in.
pub fn span_tones_heard(tone: SpanTone, samples: &[i16]) -> Vec<(i32, usize)> {
    let mut heard: Box<Vec<(i32, usize)>> = Box::default();
    let user: *mut c_void = std::ptr::addr_of_mut!(*heard).cast();
    // SAFETY: null state = allocate; the list outlives the detector.
    let s = unsafe { ffi::modem_connect_tones_rx_init(std::ptr::null_mut(), tone.code(), Some(tone_report), user) };
    assert!(!s.is_null(), "modem_connect_tones_rx_init failed");
    let mut at = 0;
    for chunk in samples.chunks(160) {
        // SAFETY: the chunk holds `len` samples; the state is live.
        unsafe { ffi::modem_connect_tones_rx(s, chunk.as_ptr(), chunk.len() as c_int) };
        at += chunk.len();
        for h in heard.iter_mut().filter(|h| h.1 == 0) {
            h.1 = at;
        }
    }
    // SAFETY: allocated above, freed once.
    unsafe { ffi::modem_connect_tones_rx_free(s) };
    *heard
}
