//! Capture of SpanDSP's log output. Debian's 0.0.6 message handler is a bare
//! `void (*)(int level, const char *text)` with no user data, so lines go into a thread-local
//! buffer; the terminal wrapper drains that buffer into its own list after each call into
//! SpanDSP (all of a terminal's callbacks run synchronously inside those calls, on the calling
//! thread, so whatever the buffer holds afterwards is that terminal's).

use std::cell::RefCell;
use std::ffi::{CStr, c_char, c_int};
use std::sync::Once;

use crate::ffi;

thread_local! {
    static CAPTURED: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

/// The handler SpanDSP calls with each formatted log line.
///
/// # Safety
/// `text` must be null or a NUL-terminated string valid for the duration of the call, as
/// SpanDSP's `span_log` passes it.
unsafe extern "C" fn capture(_level: c_int, text: *const c_char) {
    if text.is_null() {
        return;
    }
    // SAFETY: non-null, and SpanDSP passes a NUL-terminated buffer that lives for this call.
    let line = unsafe { CStr::from_ptr(text) }.to_string_lossy();
    let line = line.trim_end_matches(['\n', '\r']).to_owned();
    // During thread teardown the buffer may be gone; the line is then lost, which is fine.
    let _ = CAPTURED.try_with(|c| {
        if let Ok(mut c) = c.try_borrow_mut() {
            c.push(line);
        }
    });
}

/// Routes the library's default handler (copied into each logging state when it is
/// initialised) to the capture, once per process, so that lines logged while a terminal is
/// being set up are captured too instead of going to stderr.
pub(crate) fn install_default_handler() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: sets a process-wide function pointer inside libspandsp; `capture` has the
        // 0.0.6 `message_handler_func_t` signature and stays valid for the life of the process.
        // Done once, before any terminal of this crate is created.
        unsafe { ffi::span_set_message_handler(Some(capture)) };
    });
}

/// Points one SpanDSP logging state at the capture and sets its level and tag.
///
/// # Safety
/// `state` must be a live logging state, and `tag` must stay valid (SpanDSP keeps the pointer,
/// not a copy) for as long as the state logs.
pub(crate) unsafe fn configure(state: *mut ffi::LoggingState, level: i32, tag: &CStr) {
    if state.is_null() {
        return;
    }
    // SAFETY: `state` is live (caller's contract); the tag outliving the state is the caller's
    // contract too; `capture` matches the 0.0.6 handler signature.
    unsafe {
        ffi::span_log_set_level(state, level);
        ffi::span_log_set_tag(state, tag.as_ptr());
        ffi::span_log_set_message_handler(state, Some(capture));
    }
}

/// Takes whatever this thread's buffer holds.
pub(crate) fn drain() -> Vec<String> {
    CAPTURED.try_with(|c| std::mem::take(&mut *c.borrow_mut())).unwrap_or_default()
}
