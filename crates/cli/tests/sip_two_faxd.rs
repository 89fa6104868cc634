//! Two faxd processes on 127.0.0.1, each with its own ports and data directory, fax each other
//! over SIP and T.38 on real UDP: `fax send --wait` of a five-page PDF (made by Ghostscript,
//! not by us) shows each page as it goes, the job ends Completed with the far end's CSI, and
//! the other faxd has a Receive job whose pages decode (with libtiff's tools) to the pixels
//! the sender sent, and routes it by e-mail to a real SMTP server (Debian's aiosmtpd), whose
//! TIFF and PDF attachments (taken apart by Python's e-mail parser, drawn by libtiff and
//! Ghostscript) are those pixels too.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{Faxd, bin, fax, ok, peer};

/// aiosmtpd on a free port, keeping messages in a Maildir under `dir`.
struct Smtp(Child, u16);

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Debian's Python (the one python3-aiosmtpd is installed for), else whatever `python3` is.
fn python() -> &'static str {
    if Path::new("/usr/bin/python3").exists() { "/usr/bin/python3" } else { "python3" }
}

fn start_smtp(dir: &Path) -> Smtp {
    let port = free_port(false);
    let child = Command::new(python())
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir.join("maildir"))
        .stdin(Stdio::null())
        .spawn()
        .expect("python3 runs (install python3-aiosmtpd)");
    let smtp = Smtp(child, port);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(10), "aiosmtpd did not listen (install python3-aiosmtpd)");
        std::thread::sleep(Duration::from_millis(50));
    }
    smtp
}

/// Saves the attachments of the first message in the Maildir under `dir` into `out`, by
/// their file names, with Python's own MIME parser; returns the message's subject.
fn attachments(dir: &Path, out: &Path) -> String {
    let script = r#"
import email, email.policy, os, sys
new = os.path.join(sys.argv[1], "maildir", "new")
name = sorted(os.listdir(new))[0]
msg = email.message_from_binary_file(open(os.path.join(new, name), "rb"), policy=email.policy.default)
for part in msg.iter_attachments():
    open(os.path.join(sys.argv[2], part.get_filename()), "wb").write(part.get_content())
print(msg["subject"])
"#;
    std::fs::create_dir_all(out).unwrap();
    let started = Instant::now();
    while std::fs::read_dir(dir.join("maildir/new")).map(|d| d.count()).unwrap_or(0) == 0 {
        assert!(started.elapsed() < Duration::from_secs(60), "no e-mail arrived");
        std::thread::sleep(Duration::from_millis(100));
    }
    let got = peer(Command::new(python()).arg("-c").arg(script).arg(dir).arg(out));
    String::from_utf8_lossy(&got.stdout).trim().to_string()
}

/// The pages of a PDF drawn by Ghostscript at fax resolution, as PBM files.
fn pdf_pages(pdf: &Path, dpi: &str) -> Vec<Vec<u8>> {
    let dir = pdf.with_extension("drawn");
    std::fs::create_dir_all(&dir).unwrap();
    peer(
        Command::new("gs")
            .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pbmraw", &format!("-r{dpi}")])
            .arg(format!("-sOutputFile={}", dir.join("p%03d.pbm").display()))
            .arg(pdf),
    );
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    parts.sort();
    parts.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// The raster of a raw PBM (P4) file, whatever its header's spacing and comments.
fn pbm_raster(bytes: &[u8]) -> (u32, u32, &[u8]) {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).to_string();
    let mut fields = text.lines().filter(|l| !l.starts_with('#')).flat_map(|l| l.split_ascii_whitespace());
    assert_eq!(fields.next(), Some("P4"));
    let w: u32 = fields.next().unwrap().parse().unwrap();
    let h: u32 = fields.next().unwrap().parse().unwrap();
    let len = (w as usize).div_ceil(8) * h as usize;
    (w, h, &bytes[bytes.len() - len..])
}

fn free_port(udp: bool) -> u16 {
    if udp {
        std::net::UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    } else {
        std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
    }
}

/// A faxd with one SIP line, started from a config file in `dir`.
fn start(dir: &Path, line: &str, sip: u16, peer_sip: u16, send: bool, ident: &str, extra: &str) -> (Faxd, PathBuf) {
    let data = dir.join(format!("{line}-data"));
    let config = dir.join(format!("{line}.toml"));
    let http = free_port(false);
    std::fs::write(
        &config,
        format!(
            r#"listen = "127.0.0.1:{http}"
{extra}
[[lines]]
id = "{line}"
driver = "sip"
listen = "127.0.0.1:{sip}"
peer = "127.0.0.1:{peer_sip}"
accept_from = ["127.0.0.1"]
t38_version = 3
ring_seconds = 0.2
send = {send}
receive = {receive}
csid = "{ident}"
tsid = "{ident}"
"#,
            receive = !send
        ),
    )
    .unwrap();
    let child = Command::new(bin("faxd"))
        .arg("--config")
        .arg(&config)
        .arg("--data-dir")
        .arg(&data)
        .env("FAXD_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .expect("faxd starts");
    let started = Instant::now();
    while !data.join("faxd.url").exists() {
        assert!(started.elapsed() < Duration::from_secs(30), "faxd {line} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (Faxd(child), data)
}

/// Five A4 pages of PostScript turned into a PDF by Ghostscript.
fn five_page_pdf(dir: &Path) -> PathBuf {
    let ps = dir.join("five.ps");
    std::fs::write(
        &ps,
        "%!PS\n/Helvetica findfont 40 scalefont setfont\n\
         1 1 5 { /n exch def\n\
           72 720 moveto (Page ) show n 2 string cvs show (  of 5) show\n\
           /Helvetica findfont 16 scalefont setfont\n\
           72 660 moveto (Faxed between two faxd processes over SIP and T.38.) show\n\
           n 40 mul 100 add 300 moveto 200 0 rlineto 0 n 20 mul rlineto -200 0 rlineto closepath fill\n\
           /Helvetica findfont 40 scalefont setfont\n\
           showpage } for\n",
    )
    .unwrap();
    let pdf = dir.join("five.pdf");
    peer(
        Command::new("gs")
            .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-sDEVICE=pdfwrite", "-sPAPERSIZE=a4"])
            .arg(format!("-sOutputFile={}", pdf.display()))
            .arg(&ps),
    );
    pdf
}

/// The pages of a TIFF file as PBM rasters, split and decoded by libtiff's tools.
fn tiff_pages(tiff: &Path) -> Vec<Vec<u8>> {
    let dir = tiff.with_extension("pages");
    std::fs::create_dir_all(&dir).unwrap();
    peer(Command::new("tiffsplit").arg(tiff).arg(dir.join("p")));
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    parts.sort();
    parts.iter().map(|p| peer(Command::new("tifftopnm").arg(p)).stdout).collect()
}

#[test]
fn two_faxd_processes_fax_a_five_page_pdf_over_sip_with_live_progress() {
    let tmp = tempfile::tempdir().unwrap();
    let (sa, sb) = (free_port(true), free_port(true));
    let (_a, a) = start(tmp.path(), "sip1", sa, sb, true, "+1 555 0100", "");
    let smtp = start_smtp(tmp.path());
    let profile = format!(
        "[smtp_profiles.test]\nhost = \"127.0.0.1\"\nport = {}\ntls = \"none\"\nfrom = \"Fax <fax@b.example>\"",
        smtp.1
    );
    let (_b, b) = start(tmp.path(), "sip2", sb, sa, false, "+1 555 0200", &profile);
    ok(fax(&b, &["server", "set", "server_mapi_profile", "test"]));
    ok(fax(&b, &["port", "route", "sip2", "email", "on", "records@b.example|both"]));
    // Without the branding line the pages must arrive exactly as sent.
    ok(fax(&a, &["server", "set", "branding", "false"]));

    let pdf = five_page_pdf(tmp.path());
    // The receiving line is watched live while the fax comes in.
    let watch = Command::new(bin("fax"))
        .args(["port", "watch", "sip2", "--calls", "1"])
        .env("FAXD_DATA_DIR", &b)
        .env_remove("FAX_URL")
        .env_remove("FAX_TOKEN")
        .stdout(Stdio::piped())
        .spawn()
        .expect("fax port watch runs");
    std::thread::sleep(Duration::from_millis(500));
    let out = ok(fax(&a, &["send", pdf.to_str().unwrap(), "--to", "200", "--wait"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for n in 1..=5 {
        assert!(stdout.contains(&format!("page {n} of 5")), "live progress shows page {n}: {stdout}");
    }
    assert!(stdout.contains("dialing 200"), "{stdout}");
    assert!(stdout.contains("completed: 5/5 pages confirmed by +1 555 0200"), "{stdout}");
    let job_id: String = stdout.split_whitespace().nth(1).unwrap().trim_end_matches(':').to_string();

    // The other faxd received it.
    let started = Instant::now();
    let received = loop {
        let out = ok(fax(&b, &["inbox", "--json"]));
        let inbox: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if let Some(r) = inbox.as_array().unwrap().iter().find(|r| r["type"] == "receive") {
            break r.clone();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "nothing arrived: {inbox}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(received["page_count"], 5, "{received}");
    assert_eq!(received["tsid"], "+1 555 0100", "{received}");
    assert_eq!(received["called_number"], "200", "{received}");

    let watched = ok(watch.wait_with_output().expect("the watch ends after the call"));
    let watched = String::from_utf8_lossy(&watched.stdout);
    assert!(watched.contains("ringing"), "{watched}");
    assert!(watched.contains("receiving page 5 from +1 555 0100 (V.17 14400 bit/s"), "{watched}");

    let got = tmp.path().join("received.tif");
    ok(fax(&b, &["inbox", "get", &received["job_id"].to_string(), "-o", got.to_str().unwrap()]));
    let got = tiff_pages(&got);
    assert_eq!(got.len(), 5);
    for n in 1..=5usize {
        let sent = tmp.path().join(format!("sent{n}.tif"));
        ok(fax(&a, &["job", "page", &job_id, &n.to_string(), "-o", sent.to_str().unwrap()]));
        let sent = tiff_pages(&sent);
        assert!(got[n - 1] == sent[0], "page {n} arrives pixel for pixel as sent");
    }

    // …and its e-mail carries the same pages, as TIFF and as PDF.
    let mail = tmp.path().join("mail");
    let subject = attachments(tmp.path(), &mail);
    assert!(subject.contains("+1 555 0100"), "the subject names the sender: {subject}");
    let files: Vec<PathBuf> = std::fs::read_dir(&mail).unwrap().map(|e| e.unwrap().path()).collect();
    let tiff = files.iter().find(|f| f.extension().is_some_and(|e| e == "tif" || e == "tiff")).expect("a TIFF");
    let pdf = files.iter().find(|f| f.extension().is_some_and(|e| e == "pdf")).expect("a PDF");
    assert_eq!(tiff_pages(tiff), got, "the e-mailed TIFF has the received pages");
    let drawn = pdf_pages(pdf, "204x196");
    assert_eq!(drawn.len(), 5);
    for (n, (d, g)) in drawn.iter().zip(&got).enumerate() {
        assert!(pbm_raster(d) == pbm_raster(g), "the PDF's page {} draws as received", n + 1);
    }
}
