//! Arbitrary bytes as UDPTL: one datagram must decode or fail cleanly (and re-encode stably);
//! the same bytes split into a sequence of datagrams must drive a receiver that delivers every
//! sequence number at most once, in order, with gaps reported exactly.
#![no_main]

use ferrofax_t38::{Received, UdptlPacket, UdptlReceiver};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(packet) = UdptlPacket::decode(data) {
        // Zero-length IFPs come back as one zero octet, so compare the second round.
        let again = packet.encode().expect("a decoded packet re-encodes");
        assert_eq!(UdptlPacket::decode(&again).expect("re-encoded packet decodes").encode().unwrap(), again);
    }

    // Split: a length octet, then that many octets, repeatedly.
    let mut receiver = UdptlReceiver::new().with_resync_threshold(1 + data.first().copied().unwrap_or(0) as u16 % 64);
    let mut rest = data.get(1..).unwrap_or(&[]);
    let mut expect: Option<u16> = None;
    while let Some((&len, tail)) = rest.split_first() {
        let (datagram, tail) = tail.split_at((len as usize).min(tail.len()));
        rest = tail;
        let _ = receiver.receive_with(datagram, |r| match r {
            Received::Ifp { seq, .. } => {
                assert!(expect.is_none_or(|e| e == seq), "IFP {seq} out of order, expected {expect:?}");
                expect = Some(seq.wrapping_add(1));
            }
            Received::Lost { first, count } => {
                assert!(count > 0);
                assert!(expect.is_none_or(|e| e == first), "loss from {first}, expected {expect:?}");
                expect = Some(first.wrapping_add(count));
            }
            Received::Resync { .. } => expect = None,
        });
    }
});
