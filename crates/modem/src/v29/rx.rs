//! stub
#[derive(Debug)]
pub struct V29Receiver;
