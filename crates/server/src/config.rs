//! faxd's configuration: embedded defaults that need no file, overridden by a TOML file.
//!
//! Without a file faxd listens on 127.0.0.1:4580, keeps its data under the XDG data
//! directory, uses the UTC time zone, and has the loopback pair `loop1` (send and receive)
//! and `loop2` (receive): a fax sent on loop1 to any number is answered by loop2.

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
    /// The fax lines. Empty: the loopback pair.
    pub lines: Vec<LineConfig>,
    /// SMTP profiles by name, for ServerMapiProfile.
    pub smtp_profiles: BTreeMap<String, SmtpProfile>,
    /// Routing of received faxes and delivery reports: templates, webhooks, printing.
    pub routing: crate::routing::config::RoutingConfig,
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
            "sip" => DriverConfig::Sip {
                listen: raw
                    .listen
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!("line `{}`: a sip line needs `listen` (ip:port)", raw.id))
                    })?
                    .parse()
                    .map_err(|e| serde::de::Error::custom(format!("line `{}`: `listen`: {e}", raw.id)))?,
                peer: raw.peer,
                media_ip: raw
                    .media_ip
                    .map(|m| m.parse())
                    .transpose()
                    .map_err(|e| serde::de::Error::custom(format!("line `{}`: `media_ip`: {e}", raw.id)))?,
                accept_from: raw
                    .accept_from
                    .unwrap_or_default()
                    .iter()
                    .map(|a| a.parse())
                    .collect::<Result<_, _>>()
                    .map_err(|e| serde::de::Error::custom(format!("line `{}`: `accept_from`: {e}", raw.id)))?,
                t38_version: raw.t38_version.unwrap_or(0).min(3),
                ring_seconds: raw.ring_seconds.unwrap_or_else(default_ring_seconds),
            },
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
    Sip {
        /// SIP (UDP) address of this line.
        listen: std::net::SocketAddr,
        /// Where calls go (`host:port` of a peer or gateway); None: the line only receives.
        peer: Option<String>,
        /// Address put in SDP for the fax (UDPTL) stream; default: the `listen` address.
        media_ip: Option<std::net::IpAddr>,
        /// Addresses allowed to call in; empty: anyone.
        accept_from: Vec<std::net::IpAddr>,
        /// Highest T.38 version offered and accepted.
        t38_version: u8,
        /// Seconds per ring before answering.
        ring_seconds: f64,
    },
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
                DriverConfig::Sip { listen, .. } => {
                    let same = |o: &LineConfig| matches!(&o.driver, DriverConfig::Sip { listen: x, .. } if x == listen);
                    if lines.iter().filter(|o| same(o)).count() > 1 {
                        bail!("SIP address {listen} is used by two lines");
                    }
                }
            }
            ferrofax_api::validate::identifier("csid", &l.csid).map_err(anyhow::Error::msg)?;
            ferrofax_api::validate::identifier("tsid", &l.tsid).map_err(anyhow::Error::msg)?;
            ferrofax_api::validate::range("rings", l.rings as i64, 1, 99).map_err(anyhow::Error::msg)?;
        }
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
        let bad: Config = toml::from_str("[routing.mail]\nsubject = 'Fax {colour}'").unwrap();
        assert!(format!("{:#}", bad.validate().unwrap_err()).contains("{colour}"));
    }
}
