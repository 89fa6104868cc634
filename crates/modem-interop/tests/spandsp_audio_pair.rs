//! The baseline the audio tests measure ferrofax against: two SpanDSP audio fax terminals
//! calling each other over a clean line, through the same 20 ms frame loop the
//! ferrofax ↔ SpanDSP tests use, for each modem and with ECM on and off.
#![cfg(feature = "spandsp")]

use ferrofax_image::Resolution;
use ferrofax_spandsp_peer::pages::{page, read_pages, write_pages};
use ferrofax_spandsp_peer::{Modems, Role, SpandspAudioTerminal, T30_ERR_OK, TerminalConfig};
use ferrofax_t30::SendPage;

const FRAME: usize = 160;

fn terminal(role: Role, modems: Modems, ecm: bool, file: &std::path::Path) -> SpandspAudioTerminal {
    let mut c = TerminalConfig::new(role, 0);
    c.ecm = ecm;
    c.modems = Some(modems);
    match role {
        Role::Calling => c.tx_file = Some(file.to_path_buf()),
        Role::Answering => c.rx_file = Some(file.to_path_buf()),
    }
    c.local_ident = Some(format!("{role:?}"));
    SpandspAudioTerminal::new(&c).expect("SpanDSP audio terminal")
}

/// Runs the call for at most `limit_s` simulated seconds; returns the seconds it took.
fn run(caller: &mut SpandspAudioTerminal, answerer: &mut SpandspAudioTerminal, limit_s: usize) -> f64 {
    let mut samples = 0;
    while samples < limit_s * 8000 && !(caller.is_finished() && answerer.is_finished()) {
        let a = caller.transmit(FRAME);
        let b = answerer.transmit(FRAME);
        answerer.receive(&a);
        caller.receive(&b);
        samples += FRAME;
    }
    samples as f64 / 8000.0
}

#[test]
fn spandsp_pairs_fax_over_audio_with_every_modem() {
    let dir = tempfile::tempdir().unwrap();
    let tx = dir.path().join("tx.tif");
    let pages = [SendPage::new(page(7, Resolution::Fine), Resolution::Fine)];
    write_pages(&tx, &pages);
    for (modems, ecm) in [(Modems::V17, false), (Modems::V17, true), (Modems::V29, false), (Modems::V27TER, true)] {
        let rx = dir.path().join(format!("rx-{}-{ecm}.tif", modems.bits()));
        let mut caller = terminal(Role::Calling, modems, ecm, &tx);
        let mut answerer = terminal(Role::Answering, modems, ecm, &rx);
        let seconds = run(&mut caller, &mut answerer, 120);
        let why =
            || format!("{modems:?} ECM {ecm}: {:?} / {:?} after {seconds} s", caller.phase_e(), answerer.phase_e());
        assert_eq!(caller.phase_e().map(|e| e.0), Some(T30_ERR_OK), "{}", why());
        assert_eq!(answerer.phase_e().map(|e| e.0), Some(T30_ERR_OK), "{}", why());
        assert!(read_pages(&rx) == [pages[0].bitmap().unwrap().into_owned()], "pages differ: {}", why());
    }
}
