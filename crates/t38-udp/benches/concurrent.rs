//! How many real-time T.38 fax sessions one core carries: N calls (2N sessions, each end of a
//! call is one session) run at once in a single-threaded tokio runtime, each over its own pair
//! of UDP sockets on the loopback interface, paced in real time exactly as on a network. Each
//! call sends one A4 standard page with ECM at V.17 14400. Reports the CPU the process used
//! (user + system, kernel UDP work included) against the wall time, whether every call
//! succeeded, and the CPU share one session costs.
//!
//! Run: `cargo bench -p ferrofax-t38-udp --bench concurrent -- [calls]` (default 500 calls =
//! 1000 sessions). Needs about 2 × calls file descriptors.

use std::time::{Duration, Instant};

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_t30::{CallRole, Config, SendPage, Session};
use ferrofax_t38::{T38Call, T38Config};
use ferrofax_t38_udp::{FarEnd, run_call};
use tokio::net::UdpSocket;

/// Process CPU time (user + system) from /proc/self/stat, in 10 ms ticks.
fn process_cpu() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let field = |n: usize| f.get(n - 3).and_then(|x| x.parse::<u64>().ok()).unwrap_or(0);
    Duration::from_millis((field(14) + field(15)) * 10)
}

fn letter() -> Bitmap {
    let mut b = Bitmap::new(1728, 1143);
    let mut s = 12345u32;
    for row in 0..45 {
        let y = 60 + row * 24;
        let mut x = 150;
        while x < 1580 {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            let w = 3 + s % 14;
            if !s.is_multiple_of(6) {
                for yy in y..y + 12 {
                    b.fill_run(yy, x, x + w);
                }
            }
            x += w + 2 + (s >> 9) % 6;
        }
    }
    b
}

async fn one_call(page: SendPage) -> (bool, Duration) {
    let a = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let b = UdpSocket::bind("127.0.0.1:0").await.expect("bind");
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let tx = Session::sender(Config::new(CallRole::Calling, "+1 555 0100"), vec![page]);
    let rx = Session::receiver(Config::new(CallRole::Answering, "+1 555 0199"));
    let cfg = T38Config::default();
    let limit = Duration::from_secs(300);
    let start = Instant::now();
    let (s, r) = tokio::join!(
        run_call(T38Call::new(tx, cfg), &a, FarEnd::Fixed(ba), limit, |_| {}),
        run_call(T38Call::new(rx, cfg), &b, FarEnd::Fixed(aa), limit, |_| {}),
    );
    let ok = matches!(&s, Ok(c) if c.result.is_ok()) && matches!(&r, Ok(c) if c.result.is_ok());
    (ok, start.elapsed())
}

fn main() {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(500);
    let page = SendPage::new(letter(), Resolution::Standard);
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (cpu0, wall0) = (process_cpu(), Instant::now());
    let results = rt.block_on(async {
        let mut set = tokio::task::JoinSet::new();
        for i in 0..calls {
            let page = page.clone();
            set.spawn(async move {
                // Calls start spread over 2 s, as they would arrive.
                tokio::time::sleep(Duration::from_millis((i as u64 * 2000) / calls.max(1) as u64)).await;
                one_call(page).await
            });
        }
        let mut out = Vec::new();
        while let Some(r) = set.join_next().await {
            out.push(r.unwrap());
        }
        out
    });
    let (cpu, wall) = (process_cpu() - cpu0, wall0.elapsed());
    let ok = results.iter().filter(|r| r.0).count();
    let mut durations: Vec<Duration> = results.iter().map(|r| r.1).collect();
    durations.sort();
    let sessions = 2 * calls;
    let share = cpu.as_secs_f64() / wall.as_secs_f64();
    println!("{calls} calls ({sessions} sessions) on one thread over loopback UDP, real time");
    println!("  succeeded: {ok}/{calls}");
    println!(
        "  call duration: min {:.1} s, median {:.1} s, max {:.1} s",
        durations[0].as_secs_f64(),
        durations[durations.len() / 2].as_secs_f64(),
        durations[durations.len() - 1].as_secs_f64()
    );
    println!("  wall {:.1} s, CPU {:.2} s = {:.1} % of one core", wall.as_secs_f64(), cpu.as_secs_f64(), share * 100.0);
    println!(
        "  per session: {:.3} % of a core; one core carries about {:.0} sessions",
        share * 100.0 / sessions as f64,
        sessions as f64 / share
    );
}
