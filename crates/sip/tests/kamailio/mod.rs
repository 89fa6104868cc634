//! Kamailio (Debian package `kamailio`) as an independent registrar and proxy for the tests:
//! REGISTER is challenged with digest authentication (qop=auth, MD5) against one password
//! (any user may register its own address) and the binding kept in memory; INVITEs from outside are challenged with 407, then
//! routed to the registered binding (record-routed, so in-dialog requests pass through it too).
//! No one here wrote it, so it checks our digest and registration against someone else's.
//!
//! When the program is missing the tests that need it are skipped, except under `CI=true`,
//! where that is a failure (`.ci/run` installs it).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const PROGRAM: &str = "/usr/sbin/kamailio";
const MODULES: &str = "/usr/lib/x86_64-linux-gnu/kamailio/modules/";

pub struct Kamailio {
    child: Child,
    pub addr: SocketAddr,
    _dir: tempfile::TempDir,
}

/// Whether Kamailio can run here; panics under CI when it cannot.
pub fn available() -> bool {
    let there = Path::new(PROGRAM).exists() && Path::new(MODULES).join("registrar.so").exists();
    if !there {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "kamailio is not installed (apt-get install kamailio)");
        eprintln!("skipped: kamailio is not installed");
    }
    there
}

fn free_port() -> u16 {
    // A port free for both UDP and TCP.
    loop {
        let u = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let port = u.local_addr().unwrap().port();
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn config(port: u16, password: &str) -> String {
    format!(
        r#"#!KAMAILIO
debug=2
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
listen=udp:127.0.0.1:{port}
listen=tcp:127.0.0.1:{port}
alias="127.0.0.1:{port}"
mpath="{MODULES}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "auth.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("registrar", "min_expires", 2)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{
        if (loose_route()) {{ xlog("L_NOTICE", "in-dialog $rm routed\n"); t_relay(); exit; }}
        if (is_method("ACK")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    if (is_method("REGISTER")) {{
        if (!pv_www_authenticate("$td", "{password}", "0")) {{
            xlog("L_NOTICE", "REGISTER from $si: challenge ($rc)\n");
            www_challenge("$td", "1");
            exit;
        }}
        if ($au != $tU) {{ sl_send_reply("403", "Forbidden"); exit; }}
        consume_credentials();
        if (!save("location")) {{ sl_reply_error(); }}
        xlog("L_NOTICE", "REGISTERED $tu expires $hdr(Expires)\n");
        exit;
    }}
    if (is_method("INVITE")) {{
        if (!pv_proxy_authenticate("$fd", "{password}", "0")) {{
            proxy_challenge("$fd", "1");
            exit;
        }}
        consume_credentials();
        record_route();
        if (!lookup("location")) {{ sl_send_reply("404", "Not registered"); exit; }}
        t_relay();
        exit;
    }}
    sl_send_reply("405", "Method Not Allowed");
}}
"#
    )
}

impl Kamailio {
    /// A registrar on 127.0.0.1 (UDP and TCP on one port) for anyone with `password`.
    pub fn start(password: &str) -> Kamailio {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let cfg = dir.path().join("kamailio.cfg");
        std::fs::write(&cfg, config(port, password)).unwrap();
        let log = std::fs::File::create(dir.path().join("kamailio.log")).unwrap();
        let child = Command::new(PROGRAM)
            .args(["-DD", "-E", "-f"])
            .arg(&cfg)
            .arg("-Y")
            .arg(dir.path())
            .arg("-w")
            .arg(dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("kamailio starts");
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let k = Kamailio { child, addr, _dir: dir };
        // Ready when it answers an OPTIONS (405 here) over UDP.
        let s = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let me = s.local_addr().unwrap();
        for i in 0..50 {
            let probe = format!(
                "OPTIONS sip:{addr} SIP/2.0\r\nVia: SIP/2.0/UDP {me};branch=z9hG4bKprobe{i}\r\nFrom: <sip:probe@{me}>;tag=p\r\n\
                 To: <sip:{addr}>\r\nCall-ID: probe{i}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 5\r\nContent-Length: 0\r\n\r\n"
            );
            s.send_to(probe.as_bytes(), addr).unwrap();
            let mut buf = [0u8; 2048];
            if s.recv_from(&mut buf).is_ok() {
                return k;
            }
        }
        panic!("kamailio did not start:\n{}", k.log());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self._dir.path().join("kamailio.log")).unwrap_or_default()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        // SIGTERM lets the main process take its workers down with it.
        let _ = Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
