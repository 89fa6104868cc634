//! Helpers of this crate's tests.
#![allow(dead_code)]

pub mod ghostscript;
