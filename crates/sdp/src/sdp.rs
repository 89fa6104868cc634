//! SDP (RFC 4566) as a fax server needs it: sessions with an audio stream (G.711) and/or a T.38
//! image stream (`m=image <port> udptl t38`, RFC 3362 and T.38 Annex D). Read leniently — lines
//! in whatever order the far end writes them, CRLF or LF, protocol names in any case, lines this
//! module does not know kept — and written back in the order RFC 4566 gives.

use std::fmt;
use std::net::IpAddr;

/// Largest SDP body accepted.
pub const MAX_SDP: usize = 16 * 1024;
/// Most media sections accepted.
pub const MAX_MEDIA: usize = 16;

/// Why an SDP body could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SdpError {
    #[error("SDP line {line}: {reason}")]
    Line { line: usize, reason: String },
    #[error("SDP has no {0} line")]
    Missing(&'static str),
    #[error("SDP body is {0} octets, more than the {MAX_SDP} accepted")]
    TooLarge(usize),
    #[error("SDP has more than {MAX_MEDIA} media sections")]
    TooManyMedia,
}

/// The `o=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub username: String,
    pub session_id: u64,
    pub session_version: u64,
    pub address: IpAddr,
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Media {
    /// `audio`, `image`, …
    pub kind: String,
    /// 0 means the stream is refused (RFC 3264).
    pub port: u16,
    /// `udptl`, `RTP/AVP`, … as written.
    pub proto: String,
    pub formats: Vec<String>,
    /// `c=` inside the section, if any.
    pub connection: Option<IpAddr>,
    /// `a=` lines: name and value (None for a flag attribute).
    pub attributes: Vec<(String, Option<String>)>,
    /// Other lines of the section (`b=`, `i=`, `k=`), kept as they came.
    pub other: Vec<String>,
}

impl Media {
    /// A T.38 image stream over UDPTL.
    pub fn is_t38(&self) -> bool {
        self.kind.eq_ignore_ascii_case("image")
            && self.proto.eq_ignore_ascii_case("udptl")
            && self.formats.iter().any(|f| f.eq_ignore_ascii_case("t38"))
    }

    pub fn is_audio(&self) -> bool {
        self.kind.eq_ignore_ascii_case("audio")
    }

    /// The value of attribute `name` (names compared without case): `Some(None)` for a flag.
    pub fn attribute(&self, name: &str) -> Option<Option<&str>> {
        self.attributes.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_deref())
    }
}

/// A session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    pub origin: Origin,
    pub session_name: String,
    /// Session-level `c=`.
    pub connection: Option<IpAddr>,
    /// Session-level `a=` lines.
    pub attributes: Vec<(String, Option<String>)>,
    /// Other session-level lines (`b=`, `i=`, `u=`, …), kept as they came.
    pub other: Vec<String>,
    pub media: Vec<Media>,
}

impl SessionDescription {
    /// A description with one media section.
    pub fn new(username: &str, session_id: u64, address: IpAddr, media: Media) -> SessionDescription {
        SessionDescription {
            origin: Origin { username: username.into(), session_id, session_version: session_id, address },
            session_name: "ferrofax".into(),
            connection: Some(address),
            attributes: Vec::new(),
            other: Vec::new(),
            media: vec![media],
        }
    }

    /// Where a media section's stream goes: its own `c=`, else the session's.
    pub fn address_of(&self, m: &Media) -> Option<IpAddr> {
        m.connection.or(self.connection)
    }

    /// The first T.38 stream that is not refused (port 0).
    pub fn t38(&self) -> Option<&Media> {
        self.media.iter().find(|m| m.is_t38() && m.port != 0)
    }

    /// Reads an SDP body.
    pub fn parse(text: &str) -> Result<SessionDescription, SdpError> {
        if text.len() > MAX_SDP {
            return Err(SdpError::TooLarge(text.len()));
        }
        let mut origin = None;
        let mut session_name = String::new();
        let mut connection = None;
        let mut attributes = Vec::new();
        let mut other = Vec::new();
        let mut media: Vec<Media> = Vec::new();
        for (i, raw) in text.split('\n').enumerate() {
            let line_no = i + 1;
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() {
                continue;
            }
            let bad = |reason: &str| SdpError::Line { line: line_no, reason: reason.into() };
            let (kind, value) = match line.split_once('=') {
                Some((k, v)) if k.len() == 1 => (k.as_bytes()[0], v),
                _ => return Err(bad("not of the form x=value")),
            };
            let in_media = !media.is_empty();
            match kind {
                b'v' => {
                    if value.trim() != "0" {
                        return Err(bad("only SDP version 0 is known"));
                    }
                }
                b'o' => {
                    origin =
                        Some(parse_origin(value).ok_or_else(|| bad("o= is not `user id version IN IP4|IP6 address`"))?)
                }
                b's' => session_name = value.to_string(),
                b'c' => {
                    let addr = parse_connection(value).ok_or_else(|| bad("c= is not `IN IP4|IP6 address`"))?;
                    match media.last_mut() {
                        Some(m) => m.connection = Some(addr),
                        None => connection = Some(addr),
                    }
                }
                b'm' => {
                    if media.len() >= MAX_MEDIA {
                        return Err(SdpError::TooManyMedia);
                    }
                    media.push(parse_media(value).ok_or_else(|| bad("m= is not `media port proto format…`"))?);
                }
                b'a' => {
                    let attr = match value.split_once(':') {
                        Some((n, v)) => (n.trim().to_string(), Some(v.trim().to_string())),
                        None => (value.trim().to_string(), None),
                    };
                    match media.last_mut() {
                        Some(m) => m.attributes.push(attr),
                        None => attributes.push(attr),
                    }
                }
                b't' | b'r' | b'z' if !in_media => {}
                _ => match media.last_mut() {
                    Some(m) => m.other.push(line.to_string()),
                    None => other.push(line.to_string()),
                },
            }
        }
        let origin = origin.ok_or(SdpError::Missing("o="))?;
        Ok(SessionDescription { origin, session_name, connection, attributes, other, media })
    }
}

fn parse_address(kind: &str, addr: &str) -> Option<IpAddr> {
    // Multicast TTL and count (`/127/2`) are not for faxes; take the address before them.
    let addr = addr.split('/').next()?;
    let ip: IpAddr = addr.parse().ok()?;
    match (kind.to_ascii_uppercase().as_str(), ip) {
        ("IP4", IpAddr::V4(_)) | ("IP6", IpAddr::V6(_)) => Some(ip),
        _ => None,
    }
}

fn parse_connection(value: &str) -> Option<IpAddr> {
    let mut f = value.split_whitespace();
    let (net, kind, addr) = (f.next()?, f.next()?, f.next()?);
    if !net.eq_ignore_ascii_case("IN") {
        return None;
    }
    parse_address(kind, addr)
}

fn parse_origin(value: &str) -> Option<Origin> {
    let f: Vec<&str> = value.split_whitespace().collect();
    if f.len() != 6 || !f[3].eq_ignore_ascii_case("IN") {
        return None;
    }
    Some(Origin {
        username: f[0].to_string(),
        session_id: f[1].parse().ok()?,
        session_version: f[2].parse().ok()?,
        address: parse_address(f[4], f[5])?,
    })
}

fn parse_media(value: &str) -> Option<Media> {
    let mut f = value.split_whitespace();
    let kind = f.next()?.to_string();
    // `port/count` is allowed; the count does not matter here.
    let port = f.next()?.split('/').next()?.parse().ok()?;
    let proto = f.next()?.to_string();
    let formats: Vec<String> = f.map(str::to_string).collect();
    if formats.is_empty() {
        return None;
    }
    Some(Media { kind, port, proto, formats, connection: None, attributes: Vec::new(), other: Vec::new() })
}

fn write_connection(f: &mut fmt::Formatter<'_>, a: IpAddr) -> fmt::Result {
    match a {
        IpAddr::V4(v) => write!(f, "c=IN IP4 {v}\r\n"),
        IpAddr::V6(v) => write!(f, "c=IN IP6 {v}\r\n"),
    }
}

fn write_attributes(f: &mut fmt::Formatter<'_>, attrs: &[(String, Option<String>)]) -> fmt::Result {
    for (n, v) in attrs {
        match v {
            Some(v) => write!(f, "a={n}:{v}\r\n")?,
            None => write!(f, "a={n}\r\n")?,
        }
    }
    Ok(())
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        let ip = if o.address.is_ipv4() { "IP4" } else { "IP6" };
        write!(f, "v=0\r\no={} {} {} IN {ip} {}\r\n", o.username, o.session_id, o.session_version, o.address)?;
        let name = if self.session_name.trim().is_empty() { "-" } else { self.session_name.as_str() };
        write!(f, "s={name}\r\n")?;
        for l in self.other.iter().filter(|l| !l.starts_with('b')) {
            write!(f, "{l}\r\n")?;
        }
        if let Some(c) = self.connection {
            write_connection(f, c)?;
        }
        for l in self.other.iter().filter(|l| l.starts_with('b')) {
            write!(f, "{l}\r\n")?;
        }
        f.write_str("t=0 0\r\n")?;
        write_attributes(f, &self.attributes)?;
        for m in &self.media {
            write!(f, "m={} {} {} {}\r\n", m.kind, m.port, m.proto, m.formats.join(" "))?;
            for l in m.other.iter().filter(|l| l.starts_with('i')) {
                write!(f, "{l}\r\n")?;
            }
            if let Some(c) = m.connection {
                write_connection(f, c)?;
            }
            for l in m.other.iter().filter(|l| !l.starts_with('i')) {
                write!(f, "{l}\r\n")?;
            }
            write_attributes(f, &m.attributes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REINVITE: &str = "v=0\r\no=- 145280 145281 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n\
        m=image 40000 udptl t38\r\na=T38FaxVersion:0\r\na=T38MaxBitRate:14400\r\n\
        a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:2000\r\na=T38FaxMaxDatagram:400\r\n\
        a=T38FaxUdpEC:t38UDPRedundancy\r\n";

    #[test]
    fn a_t38_reinvite_reads_and_writes_back_unchanged() {
        let sdp = SessionDescription::parse(REINVITE).unwrap();
        let m = sdp.t38().unwrap();
        assert_eq!(m.port, 40000);
        assert_eq!(sdp.address_of(m), Some("192.0.2.10".parse().unwrap()));
        assert_eq!(m.attribute("t38faxversion"), Some(Some("0")));
        assert_eq!(m.attribute("T38FaxFillBitRemoval"), None);
        assert_eq!(sdp.to_string(), REINVITE);
    }

    #[test]
    fn leniency_seen_in_the_field() {
        // LF only, UDPTL in capitals, c= after m=, audio kept alongside with port 0, a flag attribute.
        let text = "v=0\no=sbc 1 2 IN IP4 10.0.0.1\ns=call\nt=0 0\nm=audio 0 RTP/AVP 8 0\n\
            m=image 6000 UDPTL T38\nc=IN IP4 10.0.0.9\na=T38FaxFillBitRemoval\nb=AS:64\n";
        let sdp = SessionDescription::parse(text).unwrap();
        assert_eq!(sdp.media.len(), 2);
        let m = sdp.t38().unwrap();
        assert_eq!(sdp.address_of(m), Some("10.0.0.9".parse().unwrap()));
        assert_eq!(m.attribute("T38FaxFillBitRemoval"), Some(None));
        assert_eq!(m.other, vec!["b=AS:64".to_string()]);
        let again = SessionDescription::parse(&sdp.to_string()).unwrap();
        assert_eq!(again, sdp);
    }

    proptest::proptest! {
        #[test]
        fn any_text_parses_or_fails_cleanly_and_what_parses_writes_back(
            lines in proptest::collection::vec("[vosctmabi]=[ -~]{0,40}", 0..20)
        ) {
            let text = lines.join("\r\n");
            if let Ok(sdp) = SessionDescription::parse(&text) {
                let again = SessionDescription::parse(&sdp.to_string()).expect("our own output parses");
                proptest::prop_assert_eq!(again.media, sdp.media);
                proptest::prop_assert_eq!(again.origin, sdp.origin);
            }
        }
    }

    #[test]
    fn broken_bodies_name_the_problem() {
        let e = |t: &str| SessionDescription::parse(t).unwrap_err().to_string();
        assert_eq!(e("v=0\r\ns=-\r\n"), "SDP has no o= line");
        assert!(e("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nm=image x udptl t38\r\n").contains("line 3"));
        assert!(e("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 300.1.1.1\r\n").contains("c= is not"));
        assert!(e("v=0\r\no=- 1 1 IN IP4 ::1\r\n").contains("o= is not"));
        assert!(e("hello").contains("x=value"));
        assert!(e(&"a".repeat(MAX_SDP + 1)).contains("more than"));
    }
}
