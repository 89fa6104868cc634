//! The media side of offer/answer (RFC 3264) for a fax call that may start as a G.711 audio
//! call: our audio offer (PCMU and PCMA over RTP), answers that keep the offer's m-lines in
//! order (refused streams with port 0), the next version of our own description for a
//! re-INVITE, and telling a session refresh from a real change.

use std::net::SocketAddr;

use crate::SessionDescription;
use crate::sdp::Media;

/// The G.711 payload types (RFC 3551 static): PCMU 0, PCMA 8.
const G711: [(&str, &str); 2] = [("0", "PCMU/8000"), ("8", "PCMA/8000")];

/// An audio stream offering G.711 (PCMU, then PCMA) at `rtp`'s port.
pub fn audio_media(rtp_port: u16) -> Media {
    let mut attributes: Vec<(String, Option<String>)> =
        G711.iter().map(|(pt, name)| ("rtpmap".to_string(), Some(format!("{pt} {name}")))).collect();
    attributes.push(("ptime".into(), Some("20".into())));
    attributes.push(("sendrecv".into(), None));
    Media {
        kind: "audio".into(),
        port: rtp_port,
        proto: "RTP/AVP".into(),
        formats: G711.iter().map(|(pt, _)| pt.to_string()).collect(),
        connection: None,
        attributes,
        other: Vec::new(),
    }
}

/// A session offering one G.711 audio stream at `rtp`.
pub fn audio_session(rtp: SocketAddr) -> SessionDescription {
    SessionDescription::new("ferrofax", session_id(), rtp.ip(), audio_media(rtp.port()))
}

fn session_id() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(1)
}

/// Our answer to an offered audio stream: the first G.711 format the offer lists, at our
/// `rtp_port`. None if it offers neither PCMU nor PCMA.
pub fn answer_audio(offered: &Media, rtp_port: u16) -> Option<Media> {
    let pt = offered.formats.iter().find(|f| G711.iter().any(|(p, _)| p == f))?;
    let name = G711.iter().find(|(p, _)| p == pt).map(|(_, n)| *n)?;
    let mut m = audio_media(rtp_port);
    m.proto = offered.proto.clone();
    m.formats = vec![pt.clone()];
    m.attributes.retain(|(n, v)| n != "rtpmap" || v.as_deref().is_some_and(|v| v.starts_with(&format!("{pt} "))));
    debug_assert!(m.attributes.iter().any(|(_, v)| v.as_deref() == Some(&format!("{pt} {name}"))));
    Some(m)
}

/// The answer to `offer`: each offered stream in order, as `choose` answers it or refused
/// (port 0, as RFC 3264 §6 has it); None when `choose` takes none of them. The answer's
/// origin follows `previous` (our last description in this call: same session, next
/// version) or is new.
pub fn answer(
    offer: &SessionDescription,
    previous: Option<&SessionDescription>,
    address: std::net::IpAddr,
    mut choose: impl FnMut(&Media) -> Option<Media>,
) -> Option<SessionDescription> {
    let mut taken = false;
    let media: Vec<Media> = offer
        .media
        .iter()
        .map(|m| {
            let chosen = if m.port == 0 || taken { None } else { choose(m) };
            match chosen {
                Some(a) => {
                    taken = true;
                    a
                }
                None => Media {
                    kind: m.kind.clone(),
                    port: 0,
                    proto: m.proto.clone(),
                    formats: m.formats.clone(),
                    connection: None,
                    attributes: Vec::new(),
                    other: Vec::new(),
                },
            }
        })
        .collect();
    if !taken {
        return None;
    }
    let mut sdp = match previous {
        Some(p) => next_version(p, media[0].clone()),
        None => SessionDescription::new("ferrofax", session_id(), address, media[0].clone()),
    };
    sdp.connection = Some(address);
    sdp.origin.address = address;
    sdp.media = media;
    Some(sdp)
}

/// Our description `previous` with its streams replaced by `media` and the version one up
/// (RFC 3264 §8: same origin, next version), for a re-INVITE or the answer to one.
pub fn next_version(previous: &SessionDescription, media: Media) -> SessionDescription {
    let mut next = previous.clone();
    next.origin.session_version = previous.origin.session_version.wrapping_add(1);
    next.media = vec![media];
    next
}

/// Whether `offer` (in a re-INVITE) changes nothing against `current`, the far end's
/// description in force: the same origin version (RFC 3264 §8, unchanged SDP), or the same
/// streams at the same addresses (a session-timer refresh that bumped the version anyway).
pub fn is_refresh(offer: &SessionDescription, current: &SessionDescription) -> bool {
    if offer.origin.session_id == current.origin.session_id
        && offer.origin.session_version == current.origin.session_version
    {
        return true;
    }
    let streams = |s: &SessionDescription| -> Vec<_> {
        s.media
            .iter()
            .filter(|m| m.port != 0)
            .map(|m| (m.kind.to_ascii_lowercase(), m.proto.to_ascii_lowercase(), m.port, s.address_of(m)))
            .collect()
    };
    streams(offer) == streams(current)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{T38Params, t38_session};

    fn parse(t: &str) -> SessionDescription {
        SessionDescription::parse(t).unwrap()
    }

    #[test]
    fn audio_offers_and_answers() {
        let offer = audio_session("192.0.2.1:4000".parse().unwrap());
        let text = offer.to_string();
        assert!(text.contains("m=audio 4000 RTP/AVP 0 8\r\n"), "{text}");
        assert!(text.contains("a=rtpmap:8 PCMA/8000\r\n"), "{text}");
        let far = parse(
            "v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
             m=audio 5000 RTP/AVP 18 8 101\r\na=rtpmap:101 telephone-event/8000\r\nm=video 6000 RTP/AVP 96\r\n",
        );
        let a =
            answer(
                &far,
                None,
                "192.0.2.1".parse().unwrap(),
                |m| {
                    if m.is_audio() { answer_audio(m, 4000) } else { None }
                },
            )
            .unwrap();
        assert_eq!(a.media.len(), 2);
        assert_eq!((a.media[0].port, a.media[0].formats.clone()), (4000, vec!["8".to_string()]));
        assert_eq!(a.media[1].port, 0);
        let text = a.to_string();
        assert!(text.contains("a=rtpmap:8 PCMA/8000") && !text.contains("PCMU"), "{text}");
        // Only G.729 on offer: nothing to answer with.
        let g729 = parse("v=0\r\no=- 1 1 IN IP4 192.0.2.9\r\ns=-\r\nt=0 0\r\nm=audio 5000 RTP/AVP 18\r\n");
        assert!(answer(&g729, None, "192.0.2.1".parse().unwrap(), |m| answer_audio(m, 4000)).is_none());
    }

    #[test]
    fn a_t38_offer_alongside_audio_is_answered_on_its_own_line() {
        let far = parse(
            "v=0\r\no=sbc 7 7 IN IP4 192.0.2.9\r\ns=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n\
             m=audio 5000 RTP/AVP 0\r\nm=image 6000 udptl t38\r\na=T38FaxVersion:0\r\n",
        );
        let ours = t38_session("192.0.2.1:7000".parse().unwrap(), &T38Params::default()).media.remove(0);
        let a = answer(&far, None, "192.0.2.1".parse().unwrap(), |m| m.is_t38().then(|| ours.clone())).unwrap();
        assert_eq!((a.media[0].kind.as_str(), a.media[0].port), ("audio", 0));
        assert_eq!((a.media[1].kind.as_str(), a.media[1].port), ("image", 7000));
        assert_eq!(SessionDescription::parse(&a.to_string()).unwrap().t38().unwrap().port, 7000);
    }

    #[test]
    fn versions_and_refreshes() {
        let audio = audio_session("192.0.2.1:4000".parse().unwrap());
        let t38 = t38_session("192.0.2.1:7000".parse().unwrap(), &T38Params::default()).media.remove(0);
        let next = next_version(&audio, t38);
        assert_eq!(next.origin.session_id, audio.origin.session_id);
        assert_eq!(next.origin.session_version, audio.origin.session_version + 1);
        assert!(next.t38().is_some() && next.media.len() == 1);
        assert!(is_refresh(&next, &next));
        let mut bumped = next.clone();
        bumped.origin.session_version += 5;
        assert!(is_refresh(&bumped, &next), "same streams, new version: a refresh");
        assert!(!is_refresh(&audio, &next), "audio after T.38 is a change");
        let mut moved = bumped.clone();
        moved.media[0].port = 7002;
        assert!(!is_refresh(&moved, &next));
    }
}
