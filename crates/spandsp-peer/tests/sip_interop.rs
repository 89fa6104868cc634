//! faxd against SpanDSP over SIP and T.38 on real UDP, in real time: a small SIP peer (the
//! ferrofax SIP agent) in front of SpanDSP's T.38 terminal (behind UDPTL, as FreeSWITCH runs
//! it) takes a fax from a faxd SIP line, and places one to it, with T.38 in the first INVITE or
//! starting as a G.711 audio call that a re-INVITE switches to T.38 (faxd's when it calls, the
//! peer's when it calls). The pages compare pixel for pixel and SpanDSP's own result is success.
#![cfg(feature = "spandsp")]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ferrofax_image::{ReadLimits, read_tiff};
use ferrofax_server::config::{Config, DriverConfig, LineConfig, SipLine, T38Offer};
use ferrofax_server::{Core, SystemClock, startup};
use ferrofax_sip::media::{answer, answer_audio};
use ferrofax_sip::{SipAgent, T38Params, T38Plan, audio_session, t38_far_end, t38_session};
use ferrofax_spandsp_peer::{Compressions, Role, RxEncoding, SpandspOverUdptl, SpandspTerminal, TerminalConfig};
use ferrofax_t38::udptl::ErrorCorrection;
use ferrofax_t38_udp::{FarEnd, drive};
use tokio::net::UdpSocket;

struct Faxd {
    core: Arc<Core>,
    url: String,
    admin: String,
    _dir: tempfile::TempDir,
}

async fn faxd(line_port: u16, peer: SocketAddr, t38_offer: T38Offer) -> Faxd {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let line = LineConfig {
        id: "sip1".into(),
        name: None,
        driver: DriverConfig::Sip(SipLine {
            peer: Some(peer.to_string()),
            t38_version: 3,
            ring_seconds: 0.2,
            t38_offer,
            ..SipLine::new(format!("127.0.0.1:{line_port}").parse().unwrap())
        }),
        send: true,
        receive: true,
        rings: 1,
        csid: "+1 555 0100".into(),
        tsid: "+1 555 0100".into(),
    };
    let dir = tempfile::tempdir().unwrap();
    let config = Config { lines: vec![line], ..Config::default() };
    let core = startup::start(config, dir.path().to_path_buf(), Arc::new(SystemClock)).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = ferrofax_server::http::router(core.clone());
    tokio::spawn(async move { axum_serve(listener, app).await });
    let admin = std::fs::read_to_string(dir.path().join("admin.token")).unwrap().trim().to_string();
    Faxd { core, url, admin, _dir: dir }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) {
    axum::serve(listener, app).await.unwrap();
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn spandsp(role: Role, version: u8, file: &Path) -> SpandspOverUdptl {
    let mut c = TerminalConfig::new(role, version);
    c.ecm = true;
    c.compressions = Some(Compressions::T4_1D | Compressions::T4_2D | Compressions::T6);
    c.local_ident = Some("+49 30 1234567".into());
    match role {
        Role::Calling => c.tx_file = Some(file.to_path_buf()),
        Role::Answering => {
            c.rx_file = Some(file.to_path_buf());
            c.rx_encoding = Some(RxEncoding::Mmr);
        }
    }
    SpandspOverUdptl::new(SpandspTerminal::new(&c).unwrap(), ErrorCorrection::Redundancy { depth: 3 }, 1400)
}

async fn submit(f: &Faxd, number: &str) -> i64 {
    let form = reqwest::multipart::Form::new()
        .part(
            "fax",
            reqwest::multipart::Part::text(format!(r#"{{"fax_number":"{number}"}}"#))
                .mime_str("application/json")
                .unwrap(),
        )
        .part("document", reqwest::multipart::Part::bytes(b"Hello SpanDSP\n".to_vec()).file_name("hello.txt"));
    let r = reqwest::Client::new()
        .post(format!("{}/v1/jobs", f.url))
        .bearer_auth(&f.admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let v: serde_json::Value = r.json().await.unwrap();
    v["job_ids"][0].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faxd_sends_to_spandsp_over_sip() {
    faxd_sends_to_spandsp(T38Offer::Initial).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faxd_sends_to_spandsp_answering_audio_then_taking_faxds_t38_reinvite() {
    faxd_sends_to_spandsp(T38Offer::Reinvite).await;
}

async fn faxd_sends_to_spandsp(t38_offer: T38Offer) {
    let dir = tempfile::tempdir().unwrap();
    let mut peer = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let f = faxd(free_udp_port(), peer.local_addr(), t38_offer).await;
    // Without the branding line the page sent is the page stored, to compare with.
    let r = reqwest::Client::new()
        .patch(format!("{}/v1/server", f.url))
        .bearer_auth(&f.admin)
        .json(&serde_json::json!({"branding": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let id = submit(&f, "4930").await;

    let call = tokio::time::timeout(Duration::from_secs(30), peer.next_incoming()).await.unwrap().unwrap();
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let offer = call.offer.clone().unwrap();
    let (mut sip, far, agreed) = match t38_offer {
        T38Offer::Initial => {
            let (far, offered) = t38_far_end(&offer).expect("faxd offers T.38");
            let agreed = T38Params::answer(&offered, &T38Params::default());
            (call.accept(t38_session(socket.local_addr().unwrap(), &agreed)).unwrap(), far, agreed)
        }
        T38Offer::Reinvite => {
            // faxd offers G.711 first; the peer answers audio and waits for faxd's re-INVITE.
            assert!(t38_far_end(&offer).is_none() && offer.media[0].is_audio(), "{offer}");
            let a = answer(&offer, None, "127.0.0.1".parse().unwrap(), |m| answer_audio(m, 40600)).unwrap();
            let mut sip = call.accept(a).unwrap();
            let wait = T38Plan { request_after: None, ..T38Plan::default() };
            let s = sip.switch_to_t38(socket.local_addr().unwrap(), &T38Params::default(), &wait).await.unwrap();
            assert!(s.by_far_end, "faxd asked for T.38");
            (sip, s.far, s.agreed)
        }
    };
    let rx = dir.path().join("rx.tif");
    let mut terminal = spandsp(Role::Answering, agreed.version, &rx);
    drive(&mut terminal, &socket, FarEnd::Learn(far), Duration::from_secs(180), |_| {}).await.unwrap();
    let phase_e = terminal.terminal.phase_e();
    assert!(terminal.terminal.succeeded(), "SpanDSP: {phase_e:?}\n{}", terminal.terminal.log_lines().join("\n"));
    let _ = tokio::time::timeout(Duration::from_secs(10), sip.ended()).await;

    // faxd's job completes with SpanDSP's identity; SpanDSP has the page as faxd sent it.
    let mut job = None;
    for _ in 0..100 {
        let row = f.core.store.job(id).await.unwrap().unwrap();
        if row.finished_at.is_some() {
            job = Some(row);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let job = job.expect("the job finishes");
    assert_eq!(job.pages_confirmed, 1);
    assert_eq!(job.remote_ident, "+49 30 1234567");
    let bytes = std::fs::read(&rx).unwrap();
    let tiff = read_tiff(&bytes, ReadLimits::default()).unwrap();
    let sent = f.core.pages.page_to_send(&job, 1, "+1 555 0100", 0).await.unwrap();
    assert_eq!(tiff.pages.len(), 1);
    assert!(tiff.decode_page(0).unwrap() == sent.decode(1).unwrap(), "SpanDSP has the page pixel for pixel");
    assert_eq!(terminal.terminal.remote_ident().as_deref(), Some("+1 555 0100"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spandsp_sends_to_faxd_over_sip() {
    spandsp_sends_to_faxd(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spandsp_sends_to_faxd_calling_with_audio_then_reinviting_to_t38() {
    spandsp_sends_to_faxd(true).await;
}

async fn spandsp_sends_to_faxd(audio_first: bool) {
    let dir = tempfile::tempdir().unwrap();
    let peer = SipAgent::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
    let line_port = free_udp_port();
    let f = faxd(line_port, peer.local_addr(), T38Offer::Initial).await;

    // Two A4 fine pages, MMR, as a TIFF SpanDSP sends.
    let pages: Vec<ferrofax_image::Bitmap> = (0..2u32)
        .map(|p| {
            let mut b = ferrofax_image::Bitmap::new(1728, 2200);
            for y in (100..2100).step_by(37) {
                b.fill_run(y, 100 + (y + p * 50) % 300, 900 + (y * 7 + p) % 700);
            }
            b
        })
        .collect();
    let coded: Vec<ferrofax_image::CodedPage> =
        pages.iter().map(|b| ferrofax_image::CodedPage::encode_mmr(b, ferrofax_image::Resolution::Fine)).collect();
    let tx = dir.path().join("tx.tif");
    std::fs::write(&tx, ferrofax_image::write_tiff(&coded, &ferrofax_image::FaxMetadata::default())).unwrap();

    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let ours = T38Params::default();
    let target = format!("sip:100@127.0.0.1:{line_port}");
    let never = tokio_util::sync::CancellationToken::new();
    let (call, far, answered) = if audio_first {
        // The peer calls with G.711 and asks for T.38 at once once answered (faxd, answering
        // audio, would ask after its t38_request_seconds).
        let offer = audio_session("127.0.0.1:40700".parse().unwrap());
        let mut call = peer.call(&target, "4930", offer, Duration::from_secs(30), &never).await.unwrap();
        assert!(call.remote().media[0].is_audio() && call.remote().t38().is_none(), "faxd answers audio with audio");
        let now = T38Plan { request_after: Some(Duration::ZERO), ..T38Plan::default() };
        let s = call.switch_to_t38(socket.local_addr().unwrap(), &ours, &now).await.unwrap();
        assert!(!s.by_far_end);
        (call, s.far, s.far_params)
    } else {
        let offer = t38_session(socket.local_addr().unwrap(), &ours);
        let call = peer.call(&target, "4930", offer, Duration::from_secs(30), &never).await.unwrap();
        let (far, answered) = t38_far_end(&call.remote()).expect("faxd answers with T.38");
        (call, far, answered)
    };
    let mut terminal = spandsp(Role::Calling, answered.version, &tx);
    drive(&mut terminal, &socket, FarEnd::Fixed(far), Duration::from_secs(180), |_| {}).await.unwrap();
    call.hangup().await;
    let phase_e = terminal.terminal.phase_e();
    assert!(terminal.terminal.succeeded(), "SpanDSP: {phase_e:?}\n{}", terminal.terminal.log_lines().join("\n"));
    assert_eq!(terminal.terminal.remote_ident().as_deref(), Some("+1 555 0100"));

    // The fax is in faxd's inbox, both pages as SpanDSP sent them.
    let mut received = None;
    for _ in 0..100 {
        let r = reqwest::Client::new().get(format!("{}/v1/inbox", f.url)).bearer_auth(&f.admin).send().await.unwrap();
        let inbox: serde_json::Value = r.json().await.unwrap();
        if let Some(x) = inbox.as_array().and_then(|a| a.first()) {
            received = Some(x.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let received = received.expect("the fax arrives");
    assert_eq!(received["type"], "receive", "{received}");
    assert_eq!(received["tsid"], "+49 30 1234567", "{received}");
    assert_eq!(received["caller_id"], "4930", "{received}");
    let bytes = f.core.pages.received_document(received["job_id"].as_i64().unwrap()).await.unwrap();
    let tiff = read_tiff(&bytes, ReadLimits::default()).unwrap();
    assert_eq!(tiff.pages.len(), 2);
    for (i, p) in pages.iter().enumerate() {
        assert!(&tiff.decode_page(i).unwrap() == p, "page {i} arrives pixel for pixel");
    }
}
