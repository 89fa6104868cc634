//! Arbitrary text as an SDP body: parsing returns, never panics; what parses writes back to text
//! that parses to the same streams; the T.38 parameters of any stream read and answer cleanly.
#![no_main]

use ferrofax_sdp::{SessionDescription, T38Params};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(sdp) = SessionDescription::parse(text) else { return };
    let again = SessionDescription::parse(&sdp.to_string()).expect("our own output parses");
    assert_eq!(again.media, sdp.media);
    for m in &sdp.media {
        let p = T38Params::from_media(m);
        let a = T38Params::answer(&p, &T38Params::default());
        let _ = T38Params::call_config(&a, &p);
    }
});
