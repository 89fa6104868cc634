//! The T.38 parameters of an SDP image stream (T.38 Annex D, RFC 4612 names): reading them from
//! an offer whatever its spelling (`T38MaxBitRate` and `T38maxBitRate`, booleans as flags or
//! `:0`/`:1`), writing them, and answering an offer with what both ends can do. The agreed
//! parameters become the T.38 leg's configuration ([`T38Params::call_config`]).

use ferrofax_t38::udptl::ErrorCorrection;
use ferrofax_t38::{RateManagement, T38Config};

use crate::sdp::Media;

/// The highest T.38 version this stack speaks (versions 1–3 code alike below V.34).
pub const MAX_VERSION: u8 = 3;

/// `T38FaxUdpEC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UdpErrorCorrection {
    None,
    Redundancy,
    Fec,
}

/// The T.38 attributes of an image stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct T38Params {
    /// `T38FaxVersion` (absent: 0).
    pub version: u8,
    /// `T38MaxBitRate` (absent: 14400).
    pub max_bit_rate: u32,
    /// `T38FaxRateManagement` (absent: transferredTCF, what UDPTL uses).
    pub rate_management: RateManagement,
    /// `T38FaxMaxBuffer`.
    pub max_buffer: Option<u32>,
    /// `T38FaxMaxDatagram`: the largest UDPTL datagram the sender of this SDP accepts.
    pub max_datagram: Option<u32>,
    /// `T38FaxUdpEC` (absent: none).
    pub error_correction: UdpErrorCorrection,
    pub fill_bit_removal: bool,
    pub transcoding_mmr: bool,
    pub transcoding_jbig: bool,
}

impl Default for T38Params {
    /// What ferrofax offers: version 0 (the most widely understood), 14400, transferredTCF,
    /// redundancy, datagrams up to 1400 octets, fill-bit removal.
    fn default() -> Self {
        T38Params {
            version: 0,
            max_bit_rate: 14400,
            rate_management: RateManagement::TransferredTcf,
            max_buffer: Some(2000),
            max_datagram: Some(1400),
            error_correction: UdpErrorCorrection::Redundancy,
            fill_bit_removal: true,
            transcoding_mmr: false,
            transcoding_jbig: false,
        }
    }
}

/// A boolean attribute: present as a flag means true; `:0` false, `:1` (or anything else) true.
fn flag(m: &Media, name: &str) -> bool {
    match m.attribute(name) {
        None => false,
        Some(None) => true,
        Some(Some(v)) => v.trim() != "0",
    }
}

fn number(m: &Media, name: &str) -> Option<u32> {
    m.attribute(name).flatten().and_then(|v| v.trim().parse().ok())
}

impl T38Params {
    /// The parameters an image stream carries, with the defaults RFC 4612 gives to absent ones.
    pub fn from_media(m: &Media) -> T38Params {
        let rate_management = match m.attribute("T38FaxRateManagement").flatten() {
            Some(v) if v.trim().eq_ignore_ascii_case("localTCF") => RateManagement::LocalTcf,
            _ => RateManagement::TransferredTcf,
        };
        let error_correction = match m.attribute("T38FaxUdpEC").flatten().map(str::trim) {
            Some(v) if v.eq_ignore_ascii_case("t38UDPFEC") => UdpErrorCorrection::Fec,
            Some(v) if v.eq_ignore_ascii_case("t38UDPRedundancy") => UdpErrorCorrection::Redundancy,
            _ => UdpErrorCorrection::None,
        };
        T38Params {
            version: number(m, "T38FaxVersion").map(|v| v.min(255) as u8).unwrap_or(0),
            max_bit_rate: number(m, "T38MaxBitRate").filter(|r| *r >= 2400).unwrap_or(14400),
            rate_management,
            max_buffer: number(m, "T38FaxMaxBuffer"),
            max_datagram: number(m, "T38FaxMaxDatagram"),
            error_correction,
            fill_bit_removal: flag(m, "T38FaxFillBitRemoval"),
            transcoding_mmr: flag(m, "T38FaxTranscodingMMR"),
            transcoding_jbig: flag(m, "T38FaxTranscodingJBIG"),
        }
    }

    /// The `a=` lines for these parameters.
    pub fn attributes(&self) -> Vec<(String, Option<String>)> {
        let mut a = vec![
            ("T38FaxVersion".to_string(), Some(self.version.to_string())),
            ("T38MaxBitRate".to_string(), Some(self.max_bit_rate.to_string())),
            (
                "T38FaxRateManagement".to_string(),
                Some(
                    match self.rate_management {
                        RateManagement::TransferredTcf => "transferredTCF",
                        RateManagement::LocalTcf => "localTCF",
                    }
                    .to_string(),
                ),
            ),
        ];
        if let Some(b) = self.max_buffer {
            a.push(("T38FaxMaxBuffer".into(), Some(b.to_string())));
        }
        if let Some(d) = self.max_datagram {
            a.push(("T38FaxMaxDatagram".into(), Some(d.to_string())));
        }
        match self.error_correction {
            UdpErrorCorrection::None => {}
            UdpErrorCorrection::Redundancy => a.push(("T38FaxUdpEC".into(), Some("t38UDPRedundancy".into()))),
            UdpErrorCorrection::Fec => a.push(("T38FaxUdpEC".into(), Some("t38UDPFEC".into()))),
        }
        for (on, name) in [
            (self.fill_bit_removal, "T38FaxFillBitRemoval"),
            (self.transcoding_mmr, "T38FaxTranscodingMMR"),
            (self.transcoding_jbig, "T38FaxTranscodingJBIG"),
        ] {
            if on {
                a.push((name.into(), None));
            }
        }
        a
    }

    /// The answer to an `offer` from a station that can do `ours` (T.38 Annex D): the offered
    /// version up to the highest this stack speaks, the lower rate, the offerer's rate management, error correction the offer names if we
    /// do it (redundancy in place of FEC otherwise), fill-bit removal only if both want it, no
    /// transcoding (a terminal has nothing to transcode), and our own buffer and datagram sizes.
    pub fn answer(offer: &T38Params, ours: &T38Params) -> T38Params {
        T38Params {
            version: offer.version.min(MAX_VERSION),
            max_bit_rate: offer.max_bit_rate.min(ours.max_bit_rate),
            rate_management: offer.rate_management,
            max_buffer: ours.max_buffer,
            max_datagram: ours.max_datagram,
            error_correction: match offer.error_correction {
                UdpErrorCorrection::Fec if ours.error_correction == UdpErrorCorrection::Fec => UdpErrorCorrection::Fec,
                UdpErrorCorrection::None => UdpErrorCorrection::None,
                _ => UdpErrorCorrection::Redundancy,
            },
            fill_bit_removal: offer.fill_bit_removal && ours.fill_bit_removal,
            transcoding_mmr: false,
            transcoding_jbig: false,
        }
    }

    /// The T.38 leg's configuration once `agreed` is settled and the far end has said `far`
    /// (its datagram size bounds what we send).
    pub fn call_config(agreed: &T38Params, far: &T38Params) -> T38Config {
        let mut c = T38Config::default();
        c.terminal.version = agreed.version;
        c.terminal.rate_management = agreed.rate_management;
        c.terminal.fill_bit_removal = agreed.fill_bit_removal;
        c.error_correction = match agreed.error_correction {
            UdpErrorCorrection::None => ErrorCorrection::None,
            UdpErrorCorrection::Redundancy => ErrorCorrection::Redundancy { depth: 3 },
            UdpErrorCorrection::Fec => ErrorCorrection::Fec { span: 3, entries: 3 },
        };
        c.far_max_datagram = far.max_datagram.unwrap_or(0) as usize;
        c
    }
}

/// A session offering (or answering with) one T.38 stream at `udptl` with `params`.
pub fn t38_session(udptl: std::net::SocketAddr, params: &T38Params) -> crate::SessionDescription {
    let media = Media {
        kind: "image".into(),
        port: udptl.port(),
        proto: "udptl".into(),
        formats: vec!["t38".into()],
        connection: None,
        attributes: params.attributes(),
        other: Vec::new(),
    };
    let id = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1);
    crate::SessionDescription::new("ferrofax", id, udptl.ip(), media)
}

/// Where a session's T.38 stream goes and with which parameters; None without one.
pub fn t38_far_end(sdp: &crate::SessionDescription) -> Option<(std::net::SocketAddr, T38Params)> {
    let m = sdp.t38()?;
    Some((std::net::SocketAddr::new(sdp.address_of(m)?, m.port), T38Params::from_media(m)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SessionDescription;

    fn media(attrs: &str) -> Media {
        let text = format!("v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=image 4000 udptl t38\r\n{attrs}");
        SessionDescription::parse(&text).unwrap().media.remove(0)
    }

    #[test]
    fn freeswitch_style_offer() {
        let m = media(
            "a=T38FaxVersion:3\r\na=T38MaxBitRate:9600\r\na=T38FaxFillBitRemoval:1\r\na=T38FaxTranscodingMMR:0\r\n\
             a=T38FaxRateManagement:transferredTCF\r\na=T38FaxMaxBuffer:2000\r\na=T38FaxMaxDatagram:400\r\n\
             a=T38FaxUdpEC:t38UDPRedundancy\r\na=T38VendorInfo:0 0 0\r\n",
        );
        let p = T38Params::from_media(&m);
        assert_eq!((p.version, p.max_bit_rate, p.max_datagram), (3, 9600, Some(400)));
        assert!(p.fill_bit_removal && !p.transcoding_mmr);
        assert_eq!(p.error_correction, UdpErrorCorrection::Redundancy);
        let a = T38Params::answer(&p, &T38Params::default());
        assert_eq!((a.version, a.max_bit_rate), (3, 9600));
        let v0 = T38Params { version: 0, ..p.clone() };
        assert_eq!(T38Params::answer(&v0, &T38Params::default()).version, 0);
        let cfg = T38Params::call_config(&a, &p);
        assert_eq!((cfg.terminal.version, cfg.far_max_datagram, cfg.terminal.fill_bit_removal), (3, 400, true));
    }

    #[test]
    fn absent_attributes_take_rfc_4612_defaults() {
        let p = T38Params::from_media(&media(
            "a=T38maxBitRate:4800\r\na=T38FaxRateManagement:localTCF\r\na=T38FaxUdpEC:t38UDPFEC\r\n",
        ));
        assert_eq!(p.version, 0);
        assert_eq!(p.max_bit_rate, 4800);
        assert_eq!(p.rate_management, RateManagement::LocalTcf);
        assert_eq!(p.error_correction, UdpErrorCorrection::Fec);
        assert_eq!(T38Params::answer(&p, &T38Params::default()).error_correction, UdpErrorCorrection::Redundancy);
        let none = T38Params::from_media(&media(""));
        assert_eq!((none.version, none.max_bit_rate, none.error_correction), (0, 14400, UdpErrorCorrection::None));
    }

    #[test]
    fn parameters_round_trip_through_attributes() {
        let p = T38Params { version: 2, max_bit_rate: 7200, transcoding_jbig: true, ..T38Params::default() };
        let mut m = media("");
        m.attributes = p.attributes();
        assert_eq!(T38Params::from_media(&m), p);
    }
}
