//! ferrofax against ferrofax over the simulated T.38 link with random capabilities, documents
//! and line loss: every call ends within a bounded simulated time, both ends agree, and either
//! the pages arrive identical or the call ends with a documented failure.

use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_t30::{CallRole, Config, Event, ModemFamilies, SendPage, Session};
use ferrofax_t38::sim::{LineModel, run_link};
use ferrofax_t38::udptl::ErrorCorrection;
use ferrofax_t38::{RateManagement, T38Call, T38Config};
use proptest::prelude::*;

fn page(seed: u64, resolution: Resolution, lines: u32) -> SendPage {
    let mut b = Bitmap::new(1728, lines);
    let mut s = seed | 1;
    for y in (10..lines.saturating_sub(20)).step_by(17) {
        for x in (60..1650).step_by(29) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if !s.is_multiple_of(4) {
                for yy in y..y + 9 {
                    b.fill_run(yy, x as u32, x as u32 + 3 + (s % 20) as u32);
                }
            }
        }
    }
    SendPage::new(b, resolution)
}

fn families(n: u8) -> ModemFamilies {
    match n % 3 {
        0 => ModemFamilies::ALL,
        1 => ModemFamilies { v27ter: true, v29: true, v17: false },
        _ => ModemFamilies { v27ter: true, v29: false, v17: false },
    }
}

#[derive(Debug, Clone)]
struct Setup {
    version: u8,
    tx_ecm: bool,
    rx_ecm: bool,
    tx_mr: bool,
    rx_mr: bool,
    tx_mmr: bool,
    rx_fine: bool,
    tx_modems: u8,
    rx_modems: u8,
    frame_64: bool,
    local_tcf: bool,
    fill_bit_removal: bool,
    rx_scan_ms: u32,
    pages: Vec<(u64, bool, u32)>,
    loss_percent: u32,
    seed: u64,
    redundancy: u8,
    jitter_ms: u64,
    nsf: bool,
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        (0u8..4, any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>()),
        (0u8..3, 0u8..3, any::<bool>(), any::<bool>(), any::<bool>(), prop::sample::select(vec![0u32, 5, 10, 20, 40])),
        prop::collection::vec((any::<u64>(), any::<bool>(), 200u32..900), 1..4),
        (0u32..6, any::<u64>(), 0u8..4, prop::sample::select(vec![0u64, 0, 15, 60]), any::<bool>()),
    )
        .prop_map(|(a, b, pages, c)| Setup {
            version: a.0,
            tx_ecm: a.1,
            rx_ecm: a.2,
            tx_mr: a.3,
            rx_mr: a.4,
            tx_mmr: a.5,
            rx_fine: a.6,
            tx_modems: b.0,
            rx_modems: b.1,
            frame_64: b.2,
            local_tcf: b.3,
            fill_bit_removal: b.4,
            rx_scan_ms: b.5,
            pages,
            loss_percent: c.0,
            seed: c.1,
            redundancy: c.2,
            jitter_ms: c.3,
            nsf: c.4,
        })
}

fn t38(s: &Setup) -> T38Config {
    let mut c = T38Config::default();
    c.terminal.version = s.version;
    c.terminal.fill_bit_removal = s.fill_bit_removal;
    c.terminal.rate_management = if s.local_tcf { RateManagement::LocalTcf } else { RateManagement::TransferredTcf };
    c.error_correction = ErrorCorrection::Redundancy { depth: s.redundancy };
    c
}

/// One call with setup `s`: it ends within bounded time, both ends agree, and the pages arrive
/// identical (or acceptable, without ECM on a lossy line) or the call fails with a named reason.
fn check(s: &Setup) -> Result<(), TestCaseError> {
    let pages: Vec<SendPage> = s
        .pages
        .iter()
        .map(|&(seed, fine, lines)| page(seed, if fine { Resolution::Fine } else { Resolution::Standard }, lines))
        .collect();
    let mut tx = Config::new(CallRole::Calling, "+1 555 0100");
    tx.capabilities.ecm = s.tx_ecm;
    tx.capabilities.mr = s.tx_mr;
    tx.capabilities.mmr = s.tx_mmr;
    tx.capabilities.modems = families(s.tx_modems);
    tx.capabilities.ecm_frame_size = if s.frame_64 { 64 } else { 256 };
    let mut rx = Config::new(CallRole::Answering, "+1 555 0199");
    rx.capabilities.ecm = s.rx_ecm;
    rx.capabilities.mr = s.rx_mr;
    rx.capabilities.fine = s.rx_fine;
    rx.capabilities.modems = families(s.rx_modems);
    rx.capabilities.min_scan_time_ms = s.rx_scan_ms;
    // Non-standard facilities (a vendor code and some octets) must not disturb the sender.
    rx.nsf = s.nsf.then(|| vec![0x00, 0x00, 0xad, 0x12, 0x34]);
    let mut a = T38Call::new(Session::sender(tx, pages.clone()), t38(s));
    let mut b = T38Call::new(Session::receiver(rx), t38(s));
    let loss = s.loss_percent as f64 / 100.0;
    let limit = Duration::from_secs(3600);
    // Jitter beyond the packet spacing reorders datagrams.
    let jitter = Duration::from_millis(s.jitter_ms);
    let ab = LineModel { jitter, ..LineModel::lossy(loss, s.seed) };
    let ba = LineModel { jitter, ..LineModel::lossy(loss, s.seed ^ 1) };
    let out = run_link(&mut a, &mut b, ab, ba, limit);
    prop_assert!(out.finished == [true, true], "not finished in {limit:?}: {out:?}");
    let ca = a.session().completion().cloned().unwrap();
    let cb = b.session().completion().cloned().unwrap();
    let received: Vec<_> = std::iter::from_fn(|| b.poll_event())
        .filter_map(|e| match e {
            Event::PageReceived { received, .. } => Some(*received),
            _ => None,
        })
        .collect();
    if ca.result.is_ok() {
        // The receiver has every page, and says so.
        prop_assert_eq!(cb.result, Ok(()));
        prop_assert_eq!(received.len(), pages.len());
        let exact = (s.tx_ecm && s.rx_ecm) || (loss == 0.0 && s.jitter_ms == 0);
        for (got, sent) in received.iter().zip(&pages) {
            if !exact {
                // Without ECM a page may lose lines on a lossy line; the receiver took it
                // because its copy quality was acceptable.
                let q = got.quality;
                prop_assert!(q.lines > 0 && q.bad_lines * 100 < q.lines * 15, "{q:?}");
            } else if sent.resolution == Resolution::Standard || s.rx_fine {
                prop_assert!(got.bitmap == (*sent.bitmap().unwrap()), "page differs");
            } else {
                // The receiver lacks fine: the page came at standard, half as many lines.
                prop_assert_eq!(got.resolution, Resolution::Standard);
                prop_assert_eq!(got.bitmap.height(), (*sent.bitmap().unwrap()).height().div_ceil(2).max(1));
            }
        }
    } else {
        // A failure is named on the sending side, and the receiver kept no more pages than
        // were sent (one given up on with EOR it keeps with its gaps).
        prop_assert!(loss > 0.0 || s.jitter_ms > 0, "failed on a clean line: {:?}", ca.result);
        prop_assert!(received.len() <= pages.len());
        prop_assert!(ca.result.is_err_and(|f| !f.description().is_empty()));
    }
    prop_assert!(out.elapsed < Duration::from_secs(1800), "took {:?}", out.elapsed);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn random_calls_end_cleanly(s in setup()) {
        check(&s)?;
    }
}

/// Found by `random_calls_end_cleanly`: ECM both ways, no loss but 15 ms jitter (datagrams
/// reordered, late ones dropped, no redundancy): the call succeeded with a page that differed.
#[test]
fn ecm_page_exact_over_jitter() {
    let s = Setup {
        version: 0,
        tx_ecm: true,
        rx_ecm: true,
        tx_mr: false,
        rx_mr: false,
        tx_mmr: false,
        rx_fine: false,
        tx_modems: 0,
        rx_modems: 1,
        frame_64: true,
        local_tcf: true,
        fill_bit_removal: false,
        rx_scan_ms: 0,
        pages: vec![(0, false, 422)],
        loss_percent: 0,
        seed: 17805386079866600,
        redundancy: 0,
        jitter_ms: 15,
        nsf: false,
    };
    check(&s).unwrap();
}
