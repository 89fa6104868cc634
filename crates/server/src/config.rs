//! faxd's configuration: embedded defaults that need no file, overridden by a TOML file.
//!
//! Without a file faxd listens on 127.0.0.1:4580, keeps its data under the XDG data
//! directory, uses the UTC time zone, and has the loopback pair `loop1` (send and receive)
//! and `loop2` (receive): a fax sent on loop1 to any number is answered by loop2.

pub mod routing;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use serde::Deserialize;

/// The whole configuration.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// HTTP listen address.
    pub listen: SocketAddr,
    /// Where the database, documents and tokens live. Empty: `--data-dir`, `FAXD_DATA_DIR` or
    /// `$XDG_DATA_HOME/ferrofax` (`~/.local/share/ferrofax`).
    pub data_dir: Option<PathBuf>,
    /// IANA time zone of the discount window and local times.
    pub time_zone: String,
    pub limits: Limits,
    pub queue: QueueConfig,
    /// Browser sign-in: session length and cookie flags.
    pub http: HttpConfig,
    /// The fax lines. Empty: the loopback pair.
    pub lines: Vec<LineConfig>,
    /// SMTP profiles by name, for ServerMapiProfile.
    pub smtp_profiles: BTreeMap<String, SmtpProfile>,
    /// Routing of received faxes and delivery reports: templates, webhooks, printing.
    pub routing: crate::config::routing::RoutingConfig,
    /// The program run as `<program> convert-worker` to convert untrusted documents in their
    /// own process (set by faxd to itself). None: converted inside the server.
    #[serde(skip)]
    pub conversion_worker: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:4580".parse().expect("address"),
            data_dir: None,
            time_zone: "UTC".into(),
            limits: Limits::default(),
            queue: QueueConfig::default(),
            http: HttpConfig::default(),
            lines: Vec::new(),
            smtp_profiles: BTreeMap::new(),
            routing: Default::default(),
            conversion_worker: None,
        }
    }
}

/// Limits on what clients may submit.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest request body (document plus fields), bytes.
    pub max_upload_bytes: usize,
    /// Most pages in one document.
    pub max_pages: u32,
    /// Largest page width and height of an uploaded image, pixels.
    pub max_image_width: u32,
    pub max_image_height: u32,
    /// Most recipients in one submission.
    pub max_recipients: usize,
    /// Largest picture (PNG, JPEG, …) decoded, megapixels (checked from its header first).
    pub max_image_megapixels: u32,
    /// Longest one document's conversion may take, seconds.
    pub conversion_seconds: u64,
    /// Most memory one document's conversion may use, megabytes (PDF, PostScript and
    /// pictures are converted in a separate process held to this).
    pub conversion_memory_mb: u64,
    /// The Ghostscript program, for PostScript.
    pub ghostscript: PathBuf,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_upload_bytes: 50 * 1024 * 1024,
            max_pages: 500,
            max_image_width: 10_000,
            max_image_height: 20_000,
            max_recipients: 1000,
            max_image_megapixels: 50,
            conversion_seconds: 120,
            conversion_memory_mb: 1024,
            ghostscript: PathBuf::from("gs"),
        }
    }
}

/// Scheduler tuning.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct QueueConfig {
    /// How long a line's claim on a job lasts before another node may take it back, seconds.
    /// Renewed while the call goes on.
    pub lease_seconds: u64,
    /// Events kept in memory for clients that resume (older ones are read from the store).
    pub event_buffer: usize,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig { lease_seconds: 300, event_buffer: 10_000 }
    }
}

/// Browser sign-in sessions (`POST /v1/session`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Mark the session cookie `Secure`, so that browsers send it only over HTTPS. Turn on
    /// when faxd is reached through HTTPS (a TLS-terminating proxy in front of it).
    pub secure_cookies: bool,
    /// How long a sign-in session lasts, hours (1–8784); then the user signs in again.
    pub session_hours: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig { secure_cookies: false, session_hours: 12 }
    }
}

/// One fax line. In the file a line is one flat table: `id`, `driver` and the driver's own
/// keys beside the port settings; an unknown key is refused.
#[derive(Debug, Clone)]
pub struct LineConfig {
    /// Stable identifier (DeviceId).
    pub id: String,
    /// Name shown to people; defaults to the id.
    pub name: Option<String>,
    pub driver: DriverConfig,
    /// Initial port settings; changes made through the API are kept in the store after that.
    pub send: bool,
    pub receive: bool,
    pub rings: u32,
    pub csid: String,
    pub tsid: String,
}

impl<'de> Deserialize<'de> for LineConfig {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = RawLine::deserialize(d)?;
        let driver = match raw.driver.as_str() {
            "loopback" => DriverConfig::Loopback {
                peer: raw.peer.ok_or_else(|| {
                    serde::de::Error::custom(format!("line `{}`: a loopback line needs `peer`", raw.id))
                })?,
                speed: raw.speed.map(|v| v.clamp(0.01, 10_000.0)).unwrap_or(DEFAULT_LOOPBACK_SPEED),
                ring_seconds: raw.ring_seconds.unwrap_or_else(default_ring_seconds),
                busy_numbers: raw.busy_numbers.unwrap_or_default(),
            },
            "sip" => DriverConfig::Sip(
                sip_line(&raw).map_err(|e| serde::de::Error::custom(format!("line `{}`: {e}", raw.id)))?,
            ),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "line `{}`: unknown driver `{other}` (drivers: loopback, sip)",
                    raw.id
                )));
            }
        };
        Ok(LineConfig {
            id: raw.id,
            name: raw.name,
            driver,
            send: raw.send.unwrap_or(true),
            receive: raw.receive.unwrap_or(true),
            rings: raw.rings.unwrap_or(1),
            csid: raw.csid.unwrap_or_default(),
            tsid: raw.tsid.unwrap_or_default(),
        })
    }
}

/// A line as written in the file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLine {
    id: String,
    name: Option<String>,
    driver: String,
    send: Option<bool>,
    receive: Option<bool>,
    rings: Option<u32>,
    csid: Option<String>,
    tsid: Option<String>,
    // loopback
    peer: Option<String>,
    speed: Option<f64>,
    ring_seconds: Option<f64>,
    busy_numbers: Option<Vec<String>>,
    // sip
    listen: Option<String>,
    media_ip: Option<String>,
    accept_from: Option<Vec<String>>,
    t38_version: Option<u8>,
    transport: Option<String>,
    t38_offer: Option<String>,
    t38_request_seconds: Option<f64>,
    registrar: Option<String>,
    domain: Option<String>,
    user: Option<String>,
    auth_user: Option<String>,
    password: Option<String>,
    register_seconds: Option<u32>,
    invite_burst: Option<u32>,
    invites_per_second: Option<f64>,
}

/// A sip line's keys read into its settings.
/// A key of a sip line that cannot be used; the message names it.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct LineSettingError(String);

impl From<&str> for LineSettingError {
    fn from(s: &str) -> Self {
        LineSettingError(s.into())
    }
}

impl From<String> for LineSettingError {
    fn from(s: String) -> Self {
        LineSettingError(s)
    }
}

fn sip_line(raw: &RawLine) -> Result<SipLine, LineSettingError> {
    let listen = raw.listen.as_deref().ok_or("a sip line needs `listen` (ip:port)")?;
    let mut line = SipLine::new(listen.parse().map_err(|e| format!("`listen`: {e}"))?);
    line.peer = raw.peer.clone();
    line.media_ip = raw.media_ip.as_deref().map(str::parse).transpose().map_err(|e| format!("`media_ip`: {e}"))?;
    line.accept_from = raw
        .accept_from
        .iter()
        .flatten()
        .map(|a| a.parse())
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`accept_from`: {e}"))?;
    line.t38_version = raw.t38_version.unwrap_or(0).min(3);
    line.ring_seconds = raw.ring_seconds.unwrap_or_else(default_ring_seconds);
    line.transport = match raw.transport.as_deref().unwrap_or("udp") {
        "udp" => SipTransport::Udp,
        "tcp" => SipTransport::Tcp,
        "both" | "udp+tcp" => SipTransport::Both,
        other => return Err(format!("`transport` is udp, tcp or both, not `{other}`").into()),
    };
    line.t38_offer = match raw.t38_offer.as_deref().unwrap_or("initial") {
        "initial" => T38Offer::Initial,
        "reinvite" => T38Offer::Reinvite,
        other => return Err(format!("`t38_offer` is initial or reinvite, not `{other}`").into()),
    };
    if let Some(s) = raw.t38_request_seconds {
        line.t38_request_seconds = (s >= 0.0).then_some(s);
    }
    if let Some(registrar) = &raw.registrar {
        let (Some(user), Some(password)) = (&raw.user, &raw.password) else {
            return Err("`registrar` needs `user` and `password`".into());
        };
        line.account = Some(ferrofax_sip::Account {
            registrar: registrar.clone(),
            domain: raw.domain.clone(),
            user: user.clone(),
            auth_user: raw.auth_user.clone(),
            password: password.clone(),
            expires: raw.register_seconds.unwrap_or(3600).max(10),
        });
    } else if raw.user.is_some() || raw.password.is_some() {
        return Err("`user` and `password` are for a `registrar`".into());
    }
    if let Some(b) = raw.invite_burst {
        line.invite_burst = b;
    }
    if let Some(r) = raw.invites_per_second {
        line.invites_per_second = r.max(0.0);
    }
    Ok(line)
}

/// The driver of a line and its own settings.
#[derive(Debug, Clone)]
pub enum DriverConfig {
    /// A line wired to another loopback line of this server: every number dialled reaches
    /// `peer`. The two ends run the real T.30 engine over an in-memory T.38 link.
    Loopback {
        peer: String,
        /// How many times faster than a real line the call runs (1: as long as a real fax
        /// call, about 10 s for set-up and a few seconds a page; default 5).
        speed: f64,
        /// Seconds per ring before the peer answers.
        ring_seconds: f64,
        /// Numbers (prefixes) that answer busy, for trying retries.
        busy_numbers: Vec<String>,
    },
    /// A SIP line carrying T.38: calls go to `sip:<number>@<peer>`, calls arrive at `listen`.
    Sip(SipLine),
}

impl DriverConfig {
    /// The driver's name, as a port shows it (`loopback`, `sip`).
    pub fn kind(&self) -> &'static str {
        match self {
            DriverConfig::Loopback { .. } => "loopback",
            DriverConfig::Sip(_) => "sip",
        }
    }
}

/// Which transports a SIP line speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SipTransport {
    Udp,
    /// Calls go out over TCP.
    Tcp,
    /// Listens on both; calls go out over UDP.
    Both,
}

/// How a SIP line's outgoing calls reach T.38.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum T38Offer {
    /// The INVITE offers T.38 at once.
    Initial,
    /// The INVITE offers G.711 audio; once answered, a re-INVITE asks for T.38.
    Reinvite,
}

/// A SIP line's settings.
#[derive(Debug, Clone)]
pub struct SipLine {
    /// SIP address of this line (UDP and/or TCP).
    pub listen: std::net::SocketAddr,
    pub transport: SipTransport,
    /// Where calls go (`host:port` of a peer or gateway); None: the registrar, else the line
    /// only receives.
    pub peer: Option<String>,
    /// Address put in SDP for the fax (UDPTL) and audio streams; default: the `listen` address.
    pub media_ip: Option<std::net::IpAddr>,
    /// Addresses allowed to call in (as the packets' source says); empty: anyone.
    pub accept_from: Vec<std::net::IpAddr>,
    /// Highest T.38 version offered and accepted.
    pub t38_version: u8,
    /// Seconds per ring before answering.
    pub ring_seconds: f64,
    pub t38_offer: T38Offer,
    /// Answering an audio call: seconds to wait for the caller's T.38 re-INVITE before
    /// sending ours; None: never send ours.
    pub t38_request_seconds: Option<f64>,
    /// Registration (and credentials for challenges to our INVITEs).
    pub account: Option<ferrofax_sip::Account>,
    /// New INVITEs accepted at once from one address, and per second after that (0: no limit).
    pub invite_burst: u32,
    pub invites_per_second: f64,
}

impl SipLine {
    /// A UDP line at `listen` with the defaults.
    pub fn new(listen: std::net::SocketAddr) -> SipLine {
        SipLine {
            listen,
            transport: SipTransport::Udp,
            peer: None,
            media_ip: None,
            accept_from: Vec::new(),
            t38_version: 0,
            ring_seconds: default_ring_seconds(),
            t38_offer: T38Offer::Initial,
            t38_request_seconds: Some(2.0),
            account: None,
            invite_burst: 10,
            invites_per_second: 2.0,
        }
    }
}

/// Loopback calls run five times faster than real ones unless told otherwise: a fax sent to
/// try the server arrives in seconds, through every phase of a real call.
pub const DEFAULT_LOOPBACK_SPEED: f64 = 5.0;

fn default_ring_seconds() -> f64 {
    1.0
}

/// An SMTP profile (ServerMapiProfile names one): `host`, `port` (587), `tls`
/// (`none|starttls|tls`, default starttls), `username` and `password` (both or neither),
/// `from`, `timeout_seconds` (60).
pub use ferrofax_route::mail::SmtpProfile;

impl Config {
    /// Reads a TOML file.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config file {}", path.display()))?;
        let config: Config =
            toml::from_str(&text).with_context(|| format!("parsing config file {}", path.display()))?;
        Ok(config)
    }

    /// The lines to run: the configured ones, or the loopback pair.
    pub fn effective_lines(&self) -> Vec<LineConfig> {
        if !self.lines.is_empty() {
            return self.lines.clone();
        }
        let lo = |id: &str, peer: &str, send: bool, number: &str| LineConfig {
            id: id.into(),
            name: Some(format!("Loopback {}", &id[4..])),
            driver: DriverConfig::Loopback {
                peer: peer.into(),
                speed: DEFAULT_LOOPBACK_SPEED,
                ring_seconds: default_ring_seconds(),
                busy_numbers: Vec::new(),
            },
            send,
            receive: true,
            rings: 1,
            csid: number.into(),
            tsid: number.into(),
        };
        vec![lo("loop1", "loop2", true, "+1 555 0100"), lo("loop2", "loop1", false, "+1 555 0200")]
    }

    /// Checks what parsing cannot: the time zone, line references, identifiers.
    pub fn validate(&self) -> anyhow::Result<()> {
        jiff::tz::TimeZone::get(&self.time_zone)
            .with_context(|| format!("time_zone `{}` is not a known IANA time zone", self.time_zone))?;
        let lines = self.effective_lines();
        for l in &lines {
            if l.id.is_empty() {
                bail!("a line has an empty id");
            }
            if lines.iter().filter(|o| o.id == l.id).count() > 1 {
                bail!("line id `{}` is used twice", l.id);
            }
            match &l.driver {
                DriverConfig::Loopback { peer, .. } => {
                    if !lines.iter().any(|o| &o.id == peer) {
                        bail!("line `{}` names peer `{peer}`, which is not a line", l.id);
                    }
                }
                DriverConfig::Sip(sip) => {
                    let same = |o: &LineConfig| matches!(&o.driver, DriverConfig::Sip(x) if x.listen == sip.listen);
                    if lines.iter().filter(|o| same(o)).count() > 1 {
                        bail!("SIP address {} is used by two lines", sip.listen);
                    }
                }
            }
            ferrofax_api::validate::identifier("csid", &l.csid).map_err(anyhow::Error::msg)?;
            ferrofax_api::validate::identifier("tsid", &l.tsid).map_err(anyhow::Error::msg)?;
            ferrofax_api::validate::range("rings", l.rings as i64, 1, 99).map_err(anyhow::Error::msg)?;
        }
        ferrofax_api::validate::range("http.session_hours", self.http.session_hours.into(), 1, 366 * 24)
            .map_err(anyhow::Error::msg)?;
        for (name, p) in &self.smtp_profiles {
            p.check().with_context(|| format!("smtp_profiles.{name}"))?;
        }
        self.routing.validate()?;
        Ok(())
    }
}

/// The data directory: the flag or `FAXD_DATA_DIR` (clap gives either), then the file, then XDG.
pub fn data_dir(flag: Option<PathBuf>, config: &Config) -> anyhow::Result<PathBuf> {
    if let Some(d) = flag.or_else(|| config.data_dir.clone()) {
        return Ok(d);
    }
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("ferrofax"));
    }
    let home = std::env::var_os("HOME").context("neither HOME nor XDG_DATA_HOME is set; pass --data-dir")?;
    Ok(PathBuf::from(home).join(".local/share/ferrofax"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_file_and_a_file_overrides() {
        let c = Config::default();
        c.validate().unwrap();
        assert_eq!(c.effective_lines().len(), 2);
        let c: Config = toml::from_str(
            r#"
            listen = "127.0.0.1:9000"
            time_zone = "Europe/Berlin"
            [limits]
            max_pages = 10
            [[lines]]
            id = "a"
            driver = "loopback"
            peer = "b"
            speed = 10.0
            [[lines]]
            id = "b"
            driver = "loopback"
            peer = "a"
            send = false
            [smtp_profiles.office]
            host = "mail.example.com"
            from = "fax@example.com"
            "#,
        )
        .unwrap();
        c.validate().unwrap();
        assert_eq!(c.limits.max_pages, 10);
        assert!(!c.effective_lines()[1].send);
        assert!(toml::from_str::<Config>("colour = true").is_err());
        let e =
            toml::from_str::<Config>("[[lines]]\nid = 'a'\ndriver = 'loopback'\npeer = 'a'\ncolour = 1").unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = toml::from_str::<Config>("[[lines]]\nid = 'a'\ndriver = 'modem'").unwrap_err();
        assert!(e.to_string().contains("unknown driver"), "{e}");
        let bad: Config = toml::from_str("time_zone = \"Mars/Olympus\"").unwrap();
        assert!(bad.validate().is_err());
        let e = toml::from_str::<Config>("[smtp_profiles.x]\nhost = 'h'\nfrom = 'a@b.c'\ntls = 'ssl'").unwrap_err();
        assert!(e.to_string().contains("ssl"), "{e}");
        let bad: Config = toml::from_str("[smtp_profiles.x]\nhost = 'h'\nfrom = 'nobody'").unwrap();
        let e = format!("{:#}", bad.validate().unwrap_err());
        assert!(e.contains("smtp_profiles.x") && e.contains("nobody"), "{e}");
        let c: Config = toml::from_str("[http]\nsecure_cookies = true\nsession_hours = 8").unwrap();
        c.validate().unwrap();
        assert!(c.http.secure_cookies);
        assert_eq!((c.http.session_hours, Config::default().http.session_hours), (8, 12));
        let bad: Config = toml::from_str("[http]\nsession_hours = 0").unwrap();
        assert!(bad.validate().unwrap_err().to_string().contains("http.session_hours"));
        let bad: Config = toml::from_str("[routing.mail]\nsubject = 'Fax {colour}'").unwrap();
        assert!(format!("{:#}", bad.validate().unwrap_err()).contains("{colour}"));
    }

    #[test]
    fn sip_line_keys() {
        let c: Config = toml::from_str(
            r#"
            [[lines]]
            id = "trunk"
            driver = "sip"
            listen = "127.0.0.1:5070"
            transport = "both"
            t38_offer = "reinvite"
            t38_request_seconds = -1
            registrar = "sip.example.net:5060"
            domain = "example.net"
            user = "4930123"
            auth_user = "u4930123"
            password = "pw"
            register_seconds = 600
            invite_burst = 5
            invites_per_second = 0.5
            "#,
        )
        .unwrap();
        c.validate().unwrap();
        let DriverConfig::Sip(l) = &c.lines[0].driver else { panic!("a sip line") };
        assert_eq!((l.transport, l.t38_offer, l.t38_request_seconds), (SipTransport::Both, T38Offer::Reinvite, None));
        let a = l.account.as_ref().unwrap();
        assert_eq!((a.user.as_str(), a.auth_user.as_deref(), a.expires), ("4930123", Some("u4930123"), 600));
        assert_eq!((l.invite_burst, l.invites_per_second), (5, 0.5));
        let e = |extra: &str| {
            toml::from_str::<Config>(&format!(
                "[[lines]]\nid = 's'\ndriver = 'sip'\nlisten = '127.0.0.1:5060'\n{extra}"
            ))
            .unwrap_err()
            .to_string()
        };
        assert!(e("registrar = 'x:5060'").contains("needs `user` and `password`"));
        assert!(e("transport = 'sctp'").contains("udp, tcp or both"));
        assert!(e("t38_offer = 'later'").contains("initial or reinvite"));
        assert!(e("password = 'x'").contains("for a `registrar`"));
    }
}
