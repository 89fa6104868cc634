//! stub
#[derive(Debug)]
pub struct V27terReceiver;
