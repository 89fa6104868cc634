//! What a demodulator reports, the same for every modem: the carrier coming and going, the
//! result of a fast modem's training, and the bits it recovers.

/// A receiver's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RxEvent {
    /// Energy in the band: a signal has started.
    CarrierUp,
    /// A fast modem recognised the training sequence and is ready for data.
    TrainingSucceeded,
    /// A fast modem heard a signal but could not train on it (and listens again).
    TrainingFailed,
    /// A demodulated, descrambled data bit (first bit on the line first).
    Bit(bool),
    /// The signal ended.
    CarrierDown,
}
