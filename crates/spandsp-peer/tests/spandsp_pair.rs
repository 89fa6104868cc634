//! SpanDSP ↔ SpanDSP through the pair driver: proves the FFI wrapper and the driver before
//! one side is replaced by ferrofax's engine. Two A4 fine pages made with ferrofax-image go
//! from a calling sender to an answering receiver; the received TIFF is read back with
//! ferrofax-image and compared pixel for pixel.
#![cfg(feature = "spandsp")]

use std::path::{Path, PathBuf};
use std::time::Instant;

use ferrofax_image::{Bitmap, CodedPage, Coding, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_spandsp_peer::codes::{fcf, t30_err};
use ferrofax_spandsp_peer::{
    Compressions, LinkConfig, Modems, PairOutcome, Role, RxEncoding, SpandspTerminal, T30_ERR_OK, TerminalConfig,
    log_level, run_pair,
};

const WIDTH: u32 = 1728;
/// A4 at fine resolution (`T4_LENGTH_FINE_A4`).
const HEIGHT: u32 = 2286;
const SENDER_ID: &str = "+49 30 1234567";
const RECEIVER_ID: &str = "+1 555 0100";
/// `T4_X_RESOLUTION_R8` and `T4_Y_RESOLUTION_FINE`, pixels per metre.
const R8_PPM: i32 = 8031;
const FINE_PPM: i32 = 7700;
/// `T4_COMPRESSION_ITU_T4_2D` and `T4_COMPRESSION_ITU_T6`.
const T4_2D: i32 = 2;
const T6: i32 = 3;

/// Deterministic pseudo-random numbers for the page content.
struct Lcg(u32);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0 >> 8
    }
}

fn fill_rect(b: &mut Bitmap, x0: u32, y0: u32, x1: u32, y1: u32) {
    for y in y0..y1 {
        b.fill_run(y, x0, x1);
    }
}

/// A page with a frame, a heading bar, lines of glyph-like marks, rules, a diagonal and a
/// chequered block; `seed` varies the text.
fn page(seed: u32) -> Bitmap {
    let mut b = Bitmap::new(WIDTH, HEIGHT);
    let (w, h) = (WIDTH, HEIGHT);
    // Frame.
    fill_rect(&mut b, 40, 40, w - 40, 46);
    fill_rect(&mut b, 40, h - 46, w - 40, h - 40);
    fill_rect(&mut b, 40, 40, 46, h - 40);
    fill_rect(&mut b, w - 46, 40, w - 40, h - 40);
    // Heading bar with white "letters" cut out.
    fill_rect(&mut b, 100, 100, w - 100, 180);
    let mut rng = Lcg(seed);
    // Lines of text-like glyphs: 12×20 cells of strokes, words separated by spaces.
    for line in 0..55 {
        let y0 = 240 + line * 34;
        let mut x = 120;
        let right = 1560 + rng.next() % 60;
        while x + 12 < right {
            if rng.next().is_multiple_of(6) {
                x += 14;
                continue;
            }
            let shape = rng.next();
            if shape & 1 != 0 {
                fill_rect(&mut b, x, y0, x + 2, y0 + 20); // left stem
            }
            if shape & 2 != 0 {
                fill_rect(&mut b, x + 9, y0 + 6, x + 11, y0 + 20); // right stem
            }
            if shape & 4 != 0 {
                fill_rect(&mut b, x, y0 + 6, x + 11, y0 + 8); // top bar
            }
            if shape & 8 != 0 {
                fill_rect(&mut b, x, y0 + 18, x + 11, y0 + 20); // bottom bar
            }
            if shape & 16 != 0 {
                fill_rect(&mut b, x + 4, y0 + 11, x + 8, y0 + 14); // dot
            }
            x += 14;
        }
    }
    // Rules.
    for y in [2150, 2160, 2170] {
        fill_rect(&mut b, 120, y, w - 120, y + 2);
    }
    // A diagonal, three pixels thick.
    for y in 0..300 {
        let x = 200 + y * 4;
        b.fill_run(2000 - y, x, x + 3);
    }
    // A chequered block.
    for y in 1750..1950 {
        for x in (1300..1600).step_by(8) {
            if ((x / 8) + (y / 8)) % 2 == 0 {
                b.fill_run(y, x, x + 8);
            }
        }
    }
    b
}

/// Writes the two pages as a TIFF (page 1 MMR, page 2 MR, as ferrofax codes them) and returns
/// the bitmaps.
fn write_document(path: &Path) -> Vec<Bitmap> {
    let pages = vec![page(1), page(2)];
    let coded = [
        CodedPage::encode(&pages[0], Coding::Mmr, Resolution::Fine, false),
        CodedPage::encode(&pages[1], Coding::Mr, Resolution::Fine, false),
    ];
    let meta = FaxMetadata { software: "ferrofax-spandsp-peer test".into(), ..FaxMetadata::default() };
    std::fs::write(path, write_tiff(&coded, &meta)).unwrap();
    pages
}

struct Run {
    sender: SpandspTerminal,
    receiver: SpandspTerminal,
    outcome: PairOutcome,
    rx_path: PathBuf,
    pages: Vec<Bitmap>,
    _dir: tempfile::TempDir,
}

fn configs(version: u8, ecm: bool, dir: &Path) -> (TerminalConfig, TerminalConfig) {
    let mut tx = TerminalConfig::new(Role::Calling, version);
    tx.ecm = ecm;
    tx.local_ident = Some(SENDER_ID.into());
    tx.tx_file = Some(dir.join("in.tif"));
    let mut rx = TerminalConfig::new(Role::Answering, version);
    rx.ecm = ecm;
    rx.local_ident = Some(RECEIVER_ID.into());
    rx.rx_file = Some(dir.join("out.tif"));
    if ecm {
        let all = Compressions::T4_1D | Compressions::T4_2D | Compressions::T6;
        tx.compressions = Some(all);
        rx.compressions = Some(all);
        rx.rx_encoding = Some(RxEncoding::Mmr);
    }
    (tx, rx)
}

/// Runs sender → receiver with configurations `adjust` may change.
fn run(version: u8, ecm: bool, link: LinkConfig, adjust: impl FnOnce(&mut TerminalConfig, &mut TerminalConfig)) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let pages = write_document(&dir.path().join("in.tif"));
    let (mut tx, mut rx) = configs(version, ecm, dir.path());
    adjust(&mut tx, &mut rx);
    let mut sender = SpandspTerminal::new(&tx).unwrap();
    let mut receiver = SpandspTerminal::new(&rx).unwrap();
    let outcome = run_pair(&mut sender, &mut receiver, 300, link);
    Run { sender, receiver, outcome, rx_path: dir.path().join("out.tif"), pages, _dir: dir }
}

/// The last lines of a terminal's log, for failure messages.
fn tail(t: &SpandspTerminal) -> String {
    let lines = t.log_lines();
    lines[lines.len().saturating_sub(60)..].join("\n")
}

/// Asserts a complete, clean two-page transfer and compares the received pages.
fn assert_transfer(r: &Run, ecm: bool) {
    let (s, rx) = (&r.sender, &r.receiver);
    assert!(r.outcome.both_finished(), "{:?}\nsender:\n{}\nreceiver:\n{}", r.outcome, tail(s), tail(rx));
    assert_eq!(s.phase_e().map(|e| e.0), Some(T30_ERR_OK), "sender {:?}\n{}", s.phase_e(), tail(s));
    assert_eq!(rx.phase_e().map(|e| e.0), Some(T30_ERR_OK), "receiver {:?}\n{}", rx.phase_e(), tail(rx));
    assert_eq!(s.remote_ident().as_deref(), Some(RECEIVER_ID));
    assert_eq!(rx.remote_ident().as_deref(), Some(SENDER_ID));

    let (st, sr) = (s.stats(), rx.stats());
    // The receiver's statistics of the last page, taken at its last phase D (after the call
    // a receiver in ECM reports length 0).
    let last_rx_page = rx.phase_d_events().last().expect("receiver phase D").stats;
    for (who, t) in [("sender", st), ("receiver", last_rx_page)] {
        assert_eq!(t.bit_rate, 14400, "{who} {t:?}");
        assert_eq!(t.ecm(), ecm, "{who} {t:?}");
        assert_eq!(t.encoding, if ecm { T6 } else { T4_2D }, "{who} {t:?}");
        assert_eq!((t.width, t.length), (WIDTH as i32, HEIGHT as i32), "{who} {t:?}");
        assert_eq!((t.x_resolution, t.y_resolution), (R8_PPM, FINE_PPM), "{who} {t:?}");
        assert_eq!((t.bad_rows, t.longest_bad_row_run), (0, 0), "{who} {t:?}");
    }
    assert_eq!(st.pages_tx, 2, "{st:?}");
    assert_eq!((sr.pages_rx, sr.bit_rate, sr.ecm(), sr.bad_rows), (2, 14400, ecm, 0), "{sr:?}");
    assert_eq!(s.phase_b_events().len(), 1);
    assert_eq!(rx.phase_d_events().last().map(|d| d.pages_rx), Some(2), "{:?}", rx.phase_d_events());

    let bytes = std::fs::read(&r.rx_path).unwrap();
    let tiff = read_tiff(&bytes, ReadLimits::default()).unwrap();
    assert_eq!(tiff.pages.len(), 2);
    for (i, sent) in r.pages.iter().enumerate() {
        let p = &tiff.pages[i];
        assert_eq!((p.width, p.height, p.resolution()), (WIDTH, HEIGHT, Resolution::Fine), "page {i}");
        assert_eq!(p.compression, if ecm { 4 } else { 3 }, "page {i}");
        let got = tiff.decode_page(i).unwrap();
        assert!(got == *sent, "page {} differs", i + 1);
    }
    eprintln!(
        "v{} ecm={ecm}: {:.1} s simulated; sender {:?}; receiver {:?}; {:?}",
        s.t38_version(),
        r.outcome.simulated_ms as f64 / 1000.0,
        s.phase_e(),
        rx.phase_e(),
        st
    );
}

#[test]
fn v0_non_ecm_two_pages() {
    let started = Instant::now();
    let r = run(0, false, LinkConfig::perfect(), |_, _| {});
    assert_transfer(&r, false);
    eprintln!("wall {:?}", started.elapsed());
}

#[test]
fn v3_non_ecm_two_pages() {
    let r = run(3, false, LinkConfig::perfect(), |_, _| {});
    assert_transfer(&r, false);
}

#[test]
fn v0_ecm_t6_two_pages() {
    let r = run(0, true, LinkConfig::perfect(), |_, _| {});
    assert_transfer(&r, true);
}

#[test]
fn v3_ecm_t6_two_pages() {
    let started = Instant::now();
    let r = run(3, true, LinkConfig::perfect(), |_, _| {});
    assert_transfer(&r, true);
    eprintln!("wall {:?}", started.elapsed());
}

/// Notes §0: SpanDSP's core defaults to T.38 version 0, and a v0/v3 mismatch fails the call.
/// The v0 caller still reads the v3 answerer's frames, but the v3 answerer rejects the v0
/// packets that end the caller's frames, so it never sees DCS.
#[test]
fn mismatched_t38_versions_fail() {
    let r = run(0, true, LinkConfig::perfect(), |_, rx| rx.t38_version = 3);
    let (s, rx) = (&r.sender, &r.receiver);
    assert!(r.outcome.both_finished(), "{:?}", r.outcome);
    assert_eq!(s.phase_e().unwrap().0, t30_err::TX_PHBDEAD, "{:?}\n{}", s.phase_e(), tail(s));
    assert_eq!(rx.phase_e().unwrap().0, t30_err::T1_EXPIRED, "{:?}\n{}", rx.phase_e(), tail(rx));
    assert!(rx.rx_rejected() > 0 && s.rx_rejected() == 0, "{} {}", rx.rx_rejected(), s.rx_rejected());
    let dcs_seen = rx.frames().iter().filter(|f| f.incoming && f.fcf().map(|x| x & 0xFE) == Some(fcf::DCS)).count();
    assert_eq!(dcs_seen, 0);
    assert_eq!(s.frames().iter().filter(|f| !f.incoming && f.name() == "DCS").count(), 3, "three tries");
    assert_eq!(rx.stats().pages_rx, 0);
    eprintln!(
        "mismatch: {:.1} s simulated, sender {:?}, receiver {:?}",
        r.outcome.simulated_ms as f64 / 1000.0,
        s.phase_e(),
        rx.phase_e()
    );
}

/// The phase-B handler refusing the DCS: SpanDSP answers DCN (the handler sees the raw FCF
/// octet, here DCS with the X bit set by the calling side).
#[test]
fn phase_b_refusal_makes_spandsp_disconnect() {
    let r = run(3, false, LinkConfig::perfect(), |_, rx| rx.phase_b_refusal = Some(t30_err::IDENT_UNACCEPTABLE));
    let (s, rx) = (&r.sender, &r.receiver);
    assert!(r.outcome.both_finished(), "{:?}", r.outcome);
    assert_eq!(rx.phase_b_events().iter().map(|e| e.fcf & 0xFE).collect::<Vec<_>>(), [i32::from(fcf::DCS)]);
    assert_eq!(rx.phase_e().unwrap().0, t30_err::IDENT_UNACCEPTABLE);
    assert_eq!(s.phase_e().unwrap().0, t30_err::TX_BADDCS, "{:?}", s.phase_e());
    let names: Vec<String> = s.frames().iter().map(|f| f.name()).collect();
    assert_eq!(names, ["CSI", "DIS", "TSI", "DCS", "DCN"]);
    assert!(s.frames().last().unwrap().incoming);
}

#[test]
fn receiver_not_ready_is_polled_with_rr() {
    let r = run(3, true, LinkConfig::perfect(), |_, rx| rx.receiver_not_ready = Some(2));
    assert_transfer(&r, true);
    let seen = |incoming: bool, name: &str| {
        r.sender.frames().iter().filter(|f| f.incoming == incoming && f.name() == name).count()
    };
    assert_eq!((seen(true, "RNR"), seen(false, "RR")), (2, 2));
}

/// 5 % of the datagrams lost both ways, with UDPTL-style redundancy of 3: everything is
/// recovered and the pages arrive intact.
#[test]
fn lossy_link_with_redundancy() {
    let r = run(3, true, LinkConfig::lossy(50, 3, 1), |_, _| {});
    assert_transfer(&r, true);
    let o = r.outcome;
    assert!(o.a_to_b.datagrams_dropped > 50 && o.a_to_b.ifps_recovered > 50, "{o:?}");
}

/// 1 % loss and no redundancy: ECM repairs the damaged frames with PPR retransmissions.
#[test]
fn ecm_retransmits_what_the_link_loses() {
    let r = run(3, true, LinkConfig::lossy(10, 0, 1), |_, _| {});
    assert_transfer(&r, true);
    assert!(r.outcome.a_to_b.datagrams_dropped > 10, "{:?}", r.outcome);
    assert!(r.sender.stats().error_correcting_mode_retries > 0, "{:?}", r.sender.stats());
    assert!(r.sender.frames().iter().any(|f| f.incoming && f.name() == "PPR"));
}

/// A receiver limited to V.29/V.27ter and asking for 20 ms scan lines: 9600 bit/s, and the
/// sender's fill bits are removed again on the way into the TIFF.
#[test]
fn slower_modems_and_minimum_scan_line_time() {
    let r = run(0, false, LinkConfig::perfect(), |_, rx| {
        rx.modems = Some(Modems::V29 | Modems::V27TER);
        rx.min_scan_line_time_ms = Some(20);
    });
    let (s, rx) = (&r.sender, &r.receiver);
    assert_eq!((s.phase_e().unwrap().0, rx.phase_e().unwrap().0), (T30_ERR_OK, T30_ERR_OK));
    assert_eq!(s.stats().bit_rate, 9600);
    let bytes = std::fs::read(&r.rx_path).unwrap();
    let tiff = read_tiff(&bytes, ReadLimits::default()).unwrap();
    for (i, sent) in r.pages.iter().enumerate() {
        assert!(tiff.decode_page(i).unwrap() == *sent, "page {} differs", i + 1);
    }
}

#[test]
fn log_lines_are_captured_per_terminal() {
    let r = run(3, false, LinkConfig::perfect(), |tx, _| tx.log_level = log_level::FLOW | log_level::SHOW_TAG);
    let (s, rx) = (&r.sender, &r.receiver);
    assert!(s.log_lines().iter().all(|l| l.starts_with("spandsp-caller ")), "{:?}", &s.log_lines()[..5]);
    assert!(rx.log_lines().iter().all(|l| l.contains(" spandsp-answerer ")), "{:?}", &rx.log_lines()[..5]);
    assert!(s.log_lines().iter().any(|l| l.contains("Tx:  DCS")), "{}", tail(s));
    // The receiver's lines carry its simulated clock (SHOW_SAMPLE_TIME is on by default).
    assert!(rx.log_lines().iter().any(|l| l.starts_with("00:01:")), "{}", tail(rx));
}
