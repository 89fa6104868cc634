//! T.38 fax over IP: IFP packets ([`ifp`]), UDPTL framing with redundancy and FEC ([`udptl`]),
//! the T.38 terminal that is T.30's modem over IFP ([`terminal`]), a whole fax call over UDPTL
//! ([`T38Call`]), and an in-memory link with a simulated clock for tests ([`sim`]).
//!
//! Everything here is sans-IO: bytes and time go in, bytes and events come out; no clocks,
//! sockets or threads.

pub mod call;
pub mod ifp;
mod per;
pub mod sim;
pub mod terminal;
pub mod udptl;

pub use call::{CallStats, T38Call, T38Config};
pub use ifp::{
    DataField, DataFieldRef, DataType, FieldType, Ifp, IfpEncodeError, IfpError, IfpRef, Indicator, encode_data,
    encode_indicator,
};
pub use per::MAX_LENGTH_DETERMINANT;
pub use terminal::{OutgoingIfp, RateManagement, T38Terminal, TerminalConfig};
pub use udptl::{
    ErrorCorrection, Received, ReceiverStats, Recovery, UdptlError, UdptlPacket, UdptlReceiver, UdptlSender, UdptlView,
};
