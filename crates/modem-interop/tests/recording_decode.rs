//! A fax read out of a recording of its audio: SpanDSP's two audio terminals fax each other,
//! both directions are recorded, and ferrofax's passive decoder reads the recording (one
//! channel per direction, or both mixed in one), finding the T.30 frames of both sides and the
//! pages, pixel for pixel.
#![cfg(feature = "spandsp")]

use ferrofax_image::Resolution;
use ferrofax_modem::recording::{ChannelDecoder, Observed};
use ferrofax_spandsp_peer::pages::{page, write_pages};
use ferrofax_spandsp_peer::{Compressions, Modems, Role, SpandspAudioTerminal, TerminalConfig};
use ferrofax_t30::frame::Frame;
use ferrofax_t30::{FrameType, SendPage};

/// Records a SpanDSP-to-SpanDSP call: the caller's audio and the answerer's.
fn record(modems: Modems, ecm: bool, pages: &[SendPage]) -> (Vec<i16>, Vec<i16>) {
    let dir = tempfile::tempdir().unwrap();
    let tx = dir.path().join("tx.tif");
    write_pages(&tx, pages);
    let config = |role: Role| {
        let mut c = TerminalConfig::new(role, 0);
        c.ecm = ecm;
        c.modems = Some(modems);
        c.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
        match role {
            Role::Calling => c.tx_file = Some(tx.clone()),
            Role::Answering => c.rx_file = Some(dir.path().join("rx.tif")),
        }
        c
    };
    let mut caller = SpandspAudioTerminal::new(&config(Role::Calling)).unwrap();
    let mut answerer = SpandspAudioTerminal::new(&config(Role::Answering)).unwrap();
    let (mut a, mut b) = (Vec::new(), Vec::new());
    while a.len() < 8000 * 300 && !(caller.is_finished() && answerer.is_finished()) {
        let ca = caller.transmit(160);
        let an = answerer.transmit(160);
        answerer.receive(&ca);
        caller.receive(&an);
        a.extend(ca);
        b.extend(an);
    }
    assert!(caller.succeeded() && answerer.succeeded(), "{:?} {:?}", caller.phase_e(), answerer.phase_e());
    (a, b)
}

fn decode(channel: &[i16]) -> Vec<Observed> {
    let mut d = ChannelDecoder::new();
    for chunk in channel.chunks(160) {
        d.receive(chunk);
    }
    d.receive(&[0; 8000]);
    d.take_observed()
}

fn frame_names(seen: &[Observed]) -> Vec<&'static str> {
    seen.iter()
        .filter_map(|o| match o {
            Observed::Frame { data, fcs_ok: true, modulation: None, .. } => {
                Frame::parse(data).ok().and_then(|f| f.kind).map(FrameType::name)
            }
            _ => None,
        })
        .collect()
}

fn pages_of(seen: &[Observed]) -> Vec<ferrofax_image::Bitmap> {
    seen.iter()
        .filter_map(|o| match o {
            Observed::Page { page, .. } => Some(page.bitmap.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_recorded_call_is_read_from_two_channels_and_from_one() {
    let pages: Vec<SendPage> =
        (0..2).map(|i| SendPage::new(page(40 + i, Resolution::Fine), Resolution::Fine)).collect();
    let want: Vec<_> = pages.iter().map(|p| p.bitmap().unwrap().into_owned()).collect();
    for (modems, ecm) in [(Modems::V17, false), (Modems::V17, true), (Modems::V29, false), (Modems::V27TER, true)] {
        let (caller, answerer) = record(modems, ecm, &pages);
        let what = format!("{modems:?}, ECM {ecm}");

        let from_caller = decode(&caller);
        let from_answerer = decode(&answerer);
        let sent = frame_names(&from_caller);
        let answered = frame_names(&from_answerer);
        assert!(answered.starts_with(&["CSI", "DIS"]) || answered.starts_with(&["DIS"]), "{what}: {answered:?}");
        assert!(sent.contains(&"DCS") && sent.contains(&"DCN"), "{what}: {sent:?}");
        assert!(answered.contains(&"CFR") && answered.contains(&"MCF"), "{what}: {answered:?}");
        assert!(
            from_caller
                .iter()
                .any(|o| matches!(o, Observed::TrainingCheck { longest_zero_run, .. } if *longest_zero_run > 1000)),
            "{what}: the training check"
        );
        assert!(pages_of(&from_caller) == want, "{what}: the pages from the caller's channel");
        assert!(pages_of(&from_answerer).is_empty(), "{what}: no pages on the answerer's channel");

        // Both sides mixed in one channel (only one of them sends at a time).
        let mixed: Vec<i16> = caller.iter().zip(&answerer).map(|(&x, &y)| x.saturating_add(y)).collect();
        let both = decode(&mixed);
        let names = frame_names(&both);
        for name in ["DIS", "DCS", "CFR", "MCF", "DCN"] {
            assert!(names.contains(&name), "{what}, mixed: {name} in {names:?}");
        }
        assert!(pages_of(&both) == want, "{what}: the pages from the mixed recording");
    }
}
