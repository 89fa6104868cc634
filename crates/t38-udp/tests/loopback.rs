//! Two ferrofax calls over real UDP sockets on the loopback interface, in real time: a short
//! ECM fax goes through and arrives intact.

use std::time::Duration;

use ferrofax_image::{Bitmap, Resolution};
use ferrofax_t30::{CallRole, Config, Event, SendPage, Session};
use ferrofax_t38::{T38Call, T38Config};
use ferrofax_t38_udp::{FarEnd, run_call};
use tokio::net::UdpSocket;

#[tokio::test]
async fn a_fax_over_loopback_udp() {
    let a = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (aa, ba) = (a.local_addr().unwrap(), b.local_addr().unwrap());
    let mut bitmap = Bitmap::new(1728, 300);
    for y in (10..290).step_by(9) {
        bitmap.fill_run(y, 100 + y, 900 + 2 * y);
    }
    let page = SendPage::new(bitmap.clone(), Resolution::Standard);
    let tx = Session::sender(Config::new(CallRole::Calling, "+1 555 0100"), vec![page]);
    let mut rx_cfg = Config::new(CallRole::Answering, "+1 555 0199");
    rx_cfg.ced_ms = 0;
    let rx = Session::receiver(rx_cfg);
    let cfg = T38Config::default();
    let limit = Duration::from_secs(120);
    let sender = run_call(T38Call::new(tx, cfg), &a, FarEnd::Fixed(ba), limit, |_| {});
    let mut pages = Vec::new();
    let receiver = run_call(T38Call::new(rx, cfg), &b, FarEnd::Learn(aa), limit, |e| {
        if let Event::PageReceived { received, .. } = e {
            pages.push(received.bitmap.clone());
        }
    });
    let (s, r) = tokio::join!(sender, receiver);
    assert_eq!(s.unwrap().result, Ok(()));
    assert_eq!(r.unwrap().result, Ok(()));
    assert_eq!(pages, vec![bitmap]);
}
