//! The terminal's HDLC path on its own: how ECM frames are cut into packets, and what the
//! receiving side makes of them when a packet goes missing.

use std::time::Duration;

use ferrofax_t30::ecm::fcd;
use ferrofax_t30::{ModemCommand, ModemEvent, Modulation};

use super::{T38Terminal, TerminalConfig};
use crate::{FieldType, IfpRef};

/// Three 64-octet ECM frames (68 octets with address, control, FCF and frame number).
fn frames() -> Vec<Vec<u8>> {
    (0..3u8).map(|n| fcd(n, &[n.wrapping_mul(37) ^ 0x5A; 64])).collect()
}

/// Everything the terminal sends for `cmd`, with the moment each packet leaves.
fn transmit(cmd: ModemCommand) -> Vec<(Duration, Vec<u8>)> {
    let mut t = T38Terminal::new(TerminalConfig::default());
    t.handle_command(Duration::ZERO, cmd);
    let mut out = Vec::new();
    while let Some(at) = t.poll_timeout() {
        t.handle_timeout(at);
        while let Some(p) = t.poll_ifp() {
            out.push((at, p.ifp));
        }
    }
    out
}

fn field_types(ifp: &[u8]) -> Vec<FieldType> {
    match IfpRef::decode(ifp, 0).expect("decodes") {
        IfpRef::Indicator(_) => Vec::new(),
        IfpRef::Data { fields, .. } => fields.map(|f| f.field_type).collect(),
    }
}

fn received_frames(rx: &mut T38Terminal) -> Vec<(Vec<u8>, bool)> {
    std::iter::from_fn(|| rx.poll_event())
        .filter_map(|e| match e {
            ModemEvent::Frame { data, fcs_ok, .. } => Some((data, fcs_ok)),
            _ => None,
        })
        .collect()
}

fn ecm_frames() -> ModemCommand {
    ModemCommand::SendEcmFrames { modulation: Modulation::V29_9600, long_training: false, frames: frames() }
}

#[test]
fn a_frame_ends_in_the_packet_that_carries_its_last_octets() {
    // At 9600 bit/s a 68-octet frame goes as 36 + 32 octets. Its hdlc-fcs-OK used to follow
    // alone, at the very moment the next frame's first piece left, so the slightest jitter
    // put it behind that piece; the UDPTL receiver drops late packets, so one reordering cost
    // two frames (64-octet ECM blocks over 15 ms of jitter failed about half the time).
    let sent = transmit(ecm_frames());
    let data: Vec<&(Duration, Vec<u8>)> = sent.iter().filter(|(_, p)| !field_types(p).is_empty()).collect();
    let kinds: Vec<Vec<FieldType>> = data.iter().map(|(_, p)| field_types(p)).collect();
    use FieldType::*;
    assert_eq!(
        kinds,
        vec![
            vec![HdlcData],
            vec![HdlcData, HdlcFcsOk],
            vec![HdlcData],
            vec![HdlcData, HdlcFcsOk],
            vec![HdlcData],
            vec![HdlcData],
            vec![HdlcFcsOkSigEnd],
        ]
    );
    // No two packets of the frames leave at the same moment.
    assert!(data.windows(2).all(|w| w[0].0 < w[1].0), "{:?}", data.iter().map(|d| d.0).collect::<Vec<_>>());
}

#[test]
fn frames_arrive_whole_and_a_missing_packet_spoils_only_what_it_touched() {
    let sent = transmit(ecm_frames());
    let mut rx = T38Terminal::new(TerminalConfig::default());
    for (_, p) in &sent {
        rx.handle_ifp(Duration::ZERO, p).unwrap();
    }
    let got = received_frames(&mut rx);
    assert_eq!(got, frames().into_iter().map(|f| (f, true)).collect::<Vec<_>>());

    // The packet that ends frame 0 is late and dropped: frame 0's first piece runs into frame
    // 1, and what they make is bad; frame 2 is untouched. Nothing wrong is taken as good.
    let end_of_0 = sent.iter().position(|(_, p)| field_types(p).contains(&FieldType::HdlcFcsOk)).unwrap();
    let mut rx = T38Terminal::new(TerminalConfig::default());
    for (i, (_, p)) in sent.iter().enumerate() {
        if i == end_of_0 {
            rx.handle_lost(1);
        } else {
            rx.handle_ifp(Duration::ZERO, p).unwrap();
        }
    }
    let got = received_frames(&mut rx);
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(!got[0].1);
    assert_eq!(got[1], (frames()[2].clone(), true));
}
