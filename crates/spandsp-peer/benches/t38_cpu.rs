//! CPU time per page of a 10-page MMR (ECM) fax over T.38, ferrofax ↔ ferrofax against
//! SpanDSP ↔ SpanDSP, both over the same in-memory UDPTL link (redundancy 3) at simulated time,
//! so only protocol work is measured. Each side starts from the same TIFF file and writes what
//! it receives to a TIFF file, as a fax server does.
//!
//! Run: `cargo bench -p ferrofax-spandsp-peer --features spandsp --bench t38_cpu`
//! (needs libspandsp-dev). Prints milliseconds of CPU per page (the run is single-threaded:
//! thread CPU time from /proc/thread-self/stat and wall time are both shown).

use std::path::Path;
use std::time::{Duration, Instant};

use ferrofax_image::{Bitmap, CodedPage, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_spandsp_peer::{
    Compressions, Role, RxEncoding, SpandspOverUdptl, SpandspTerminal, TerminalConfig, log_level,
};
use ferrofax_t30::{CallRole, Config, Event, SendPage, Session, received_tiff};
use ferrofax_t38::sim::{LineModel, run_link};
use ferrofax_t38::udptl::ErrorCorrection;
use ferrofax_t38::{T38Call, T38Config};

const PAGES: u32 = 10;
const RUNS: usize = 7;

/// Thread CPU time (user + system) in clock ticks of 10 ms.
fn thread_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    // After the name come field 3 (state) on; utime and stime are fields 14 and 15.
    let field = |n: usize| f.get(n - 3).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    let ticks = field(14) + field(15);
    Duration::from_millis(ticks * 10)
}

/// A typed-letter-like A4 fine page.
fn page(seed: u32) -> Bitmap {
    let mut b = Bitmap::new(1728, 2286);
    let mut s = seed.wrapping_mul(2_654_435_761) | 1;
    for row in 0..60 {
        let y = 120 + row * 34;
        let mut x = 150;
        while x < 1580 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let w = 3 + s % 14;
            if !s.is_multiple_of(6) {
                for yy in y..y + 20 {
                    b.fill_run(yy, x, x + w);
                }
            }
            x += w + 2 + (s >> 9) % 6;
        }
    }
    b
}

fn ours(tx_tiff: &Path, rx_tiff: &Path) -> u32 {
    let bytes = std::fs::read(tx_tiff).unwrap();
    let tiff = read_tiff(&bytes, ReadLimits::default()).unwrap();
    // Pages go out as the file codes them when the mode allows (MMR in ECM), as faxd sends.
    let pages: Vec<SendPage> = (0..tiff.pages.len()).map(|i| SendPage::coded(tiff.coded_page(i).unwrap())).collect();
    let cfg = T38Config::default();
    let mut a = T38Call::new(Session::sender(Config::new(CallRole::Calling, "+1 555 0100"), pages), cfg);
    let mut b = T38Call::new(Session::receiver(Config::new(CallRole::Answering, "+1 555 0199")), cfg);
    let out = run_link(&mut a, &mut b, LineModel::clean(), LineModel::clean(), Duration::from_secs(3600));
    assert!(out.finished == [true, true]);
    let received: Vec<_> = std::iter::from_fn(|| b.poll_event())
        .filter_map(|e| match e {
            Event::PageReceived { received, .. } => Some(*received),
            _ => None,
        })
        .collect();
    std::fs::write(rx_tiff, received_tiff(&received, &FaxMetadata::default())).unwrap();
    assert_eq!(b.session().completion().unwrap().result, Ok(()));
    received.len() as u32
}

fn spandsp(tx_tiff: &Path, rx_tiff: &Path) -> u32 {
    let mut tx = TerminalConfig::new(Role::Calling, 0);
    tx.ecm = true;
    tx.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
    tx.tx_file = Some(tx_tiff.to_path_buf());
    tx.log_level = log_level::NONE;
    tx.ifp_log_level = log_level::NONE;
    let mut rx = TerminalConfig::new(Role::Answering, 0);
    rx.ecm = true;
    rx.compressions = tx.compressions;
    rx.rx_file = Some(rx_tiff.to_path_buf());
    rx.rx_encoding = Some(RxEncoding::Mmr);
    rx.log_level = log_level::NONE;
    rx.ifp_log_level = log_level::NONE;
    let ec = ErrorCorrection::Redundancy { depth: 3 };
    let mut a = SpandspOverUdptl::new(SpandspTerminal::new(&tx).unwrap(), ec, 1400);
    let mut b = SpandspOverUdptl::new(SpandspTerminal::new(&rx).unwrap(), ec, 1400);
    let out = run_link(&mut a, &mut b, LineModel::clean(), LineModel::clean(), Duration::from_secs(3600));
    assert!(out.finished == [true, true] && a.terminal.succeeded() && b.terminal.succeeded());
    b.terminal.stats().pages_rx as u32
}

fn measure(name: &str, f: &dyn Fn() -> u32) -> f64 {
    let mut best_cpu = Duration::MAX;
    let mut best_wall = Duration::MAX;
    for _ in 0..RUNS {
        let (c0, w0) = (thread_cpu(), Instant::now());
        let pages = f();
        let (cpu, wall) = (thread_cpu() - c0, w0.elapsed());
        assert_eq!(pages, PAGES, "{name}");
        best_cpu = best_cpu.min(cpu);
        best_wall = best_wall.min(wall);
    }
    let per_page = best_wall.as_secs_f64() * 1000.0 / PAGES as f64;
    println!(
        "{name:<22} {per_page:>7.2} ms/page wall   {:>7.2} ms/page CPU (best of {RUNS}, 10 ms ticks)",
        best_cpu.as_secs_f64() * 1000.0 / PAGES as f64
    );
    per_page
}

fn main() {
    let dir = std::env::temp_dir().join(format!("ferrofax-t38-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let tx = dir.join("tx.tif");
    let coded: Vec<CodedPage> = (0..PAGES).map(|i| CodedPage::encode_mmr(&page(i), Resolution::Fine)).collect();
    std::fs::write(&tx, write_tiff(&coded, &FaxMetadata::default())).unwrap();
    println!("10-page A4 fine MMR fax, ECM, V.17 14400, T.38 over in-memory UDPTL, simulated time");
    let only = std::env::var("T38_BENCH_ONLY").unwrap_or_default();
    let o =
        if only != "spandsp" { measure("ferrofax <-> ferrofax", &|| ours(&tx, &dir.join("rx-ours.tif"))) } else { 1.0 };
    let s = if only != "ours" {
        measure("SpanDSP <-> SpanDSP", &|| spandsp(&tx, &dir.join("rx-spandsp.tif")))
    } else {
        1.0
    };
    println!("ratio ferrofax / SpanDSP: {:.2}", o / s);
    let _ = std::fs::remove_dir_all(&dir);
}
