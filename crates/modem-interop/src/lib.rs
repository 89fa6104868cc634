//! Test-only crate: ferrofax's audio modems (`ferrofax-modem`) against SpanDSP's, through the
//! FFI of `ferrofax-spandsp-peer`. The tests are under `tests/` and need the `spandsp` feature;
//! the crate itself holds nothing, so that its tests build without the SpanDSP peer's heavier
//! test dependencies.
