//! Arbitrary bytes as an IFP under T.38 versions 0 and 3: decoding must return, never panic; the
//! borrowed and owned decoders must agree; whatever decodes and can be re-encoded must decode
//! again to the same value.
#![no_main]

use ferrofax_t38::{Ifp, IfpEncodeError, IfpRef};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for version in [0, 3] {
        let Ok(ifp) = Ifp::decode(data, version) else { continue };
        assert_eq!(IfpRef::decode(data, version).map(|r| r.to_ifp()), Ok(ifp.clone()));
        match ifp.to_bytes(version) {
            Ok(again) => assert_eq!(Ifp::decode(&again, version), Ok(ifp)),
            // Strict-PER packets with a data-less field before the last decode, but the encoder
            // refuses to write them (SpanDSP would read them differently).
            Err(e) => assert!(matches!(e, IfpEncodeError::EmptyFieldNotLast { .. }), "{e}"),
        }
    }
});
