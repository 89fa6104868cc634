//! `fax call decode FILE`: reads a fax out of a recording of its audio, with no server. The
//! recording is a WAV file (16-bit PCM, μ-law or A-law, 8 kHz; one channel with both sides or
//! two channels, one per direction) or raw audio (`--format ulaw|alaw|s16`). It prints the
//! T.30 frames and signals of each side in time order and can write the pages to a TIFF.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};
use ferrofax_image::{CodedPage, FaxMetadata, write_tiff};
use ferrofax_modem::recording::{ChannelDecoder, Observed};
use ferrofax_modem::{ConnectTone, Law};
use ferrofax_t30::frame::{Frame, parse_ident};
use ferrofax_t30::{Capabilities, Dcs, FrameType, Modulation};
use serde::Serialize;

use crate::output::json;

#[derive(Subcommand)]
pub enum CallAction {
    /// Reads a fax from a recording of its audio: the T.30 frames of both sides and the pages.
    Decode {
        /// The recording: WAV (8 kHz, 16-bit PCM, μ-law or A-law; 1 or 2 channels), or raw
        /// audio with --format.
        file: PathBuf,
        /// What the file holds, when it is not a WAV file.
        #[arg(long, value_enum)]
        format: Option<RawFormat>,
        /// Writes the pages read to this TIFF file.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

/// Raw audio formats (8 kHz, one channel).
#[derive(Clone, Copy, ValueEnum)]
pub enum RawFormat {
    /// G.711 μ-law octets (Asterisk's .ulaw / .pcm).
    Ulaw,
    /// G.711 A-law octets (Asterisk's .alaw).
    Alaw,
    /// Signed 16-bit little-endian samples (Asterisk's .sln).
    S16,
}

/// One line of the report.
#[derive(Serialize)]
struct Seen {
    /// Seconds from the start of the recording.
    at: f64,
    /// The channel it was on, from 1.
    channel: usize,
    what: String,
    /// The frame's octets in hex, for frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    octets: Option<String>,
}

pub fn call(action: CallAction, as_json: bool) -> anyhow::Result<i32> {
    let CallAction::Decode { file, format, output } = action;
    let channels = read_audio(&file, format)?;
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    for (i, samples) in channels.iter().enumerate() {
        let mut d = ChannelDecoder::new();
        d.receive(samples);
        // Flush a signal still going at the end of the recording.
        d.receive(&vec![0i16; 8000]);
        for o in d.take_observed() {
            let (at, what, octets) = describe(&o);
            if let Observed::Page { at, page } = o {
                pages.push((at, page));
            }
            seen.push(Seen { at: at.as_secs_f64(), channel: i + 1, what, octets });
        }
    }
    seen.sort_by(|a, b| a.at.total_cmp(&b.at).then(a.channel.cmp(&b.channel)));
    pages.sort_by_key(|p| p.0);
    if as_json {
        json(&seen)?;
    } else {
        for s in &seen {
            println!("{:9.3} s  {}  {}", s.at, s.channel, s.what);
        }
        if seen.is_empty() {
            println!("nothing a fax machine sends was heard in {}", file.display());
        }
    }
    if let Some(out) = output {
        if pages.is_empty() {
            bail!("no page could be read from {}, so {} was not written", file.display(), out.display());
        }
        let coded: Vec<CodedPage> = pages.iter().map(|(_, p)| CodedPage::encode_mmr(&p.bitmap, p.resolution)).collect();
        std::fs::write(&out, write_tiff(&coded, &FaxMetadata::default()))
            .with_context(|| format!("writing {}", out.display()))?;
        if !as_json {
            println!("{} page(s) written to {}", pages.len(), out.display());
        }
    }
    Ok(0)
}

fn describe(o: &Observed) -> (Duration, String, Option<String>) {
    match o {
        Observed::Tone { at, tone } => (
            *at,
            match tone {
                ConnectTone::Cng => "CNG (calling tone)".into(),
                ConnectTone::Ced => "CED (answer tone)".into(),
            },
            None,
        ),
        Observed::Frame { at, data, fcs_ok, modulation } => {
            let hex = data.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
            let carrier = modulation.map_or("V.21".to_string(), modulation_name);
            let text = if *fcs_ok { frame_text(data) } else { "damaged frame (bad FCS)".into() };
            (*at, format!("{carrier:<13} {text}"), Some(hex))
        }
        Observed::Trained { at, modulation } => (*at, format!("{:<13} training", modulation_name(*modulation)), None),
        Observed::TrainingCheck { at, modulation, bits, longest_zero_run } => (
            *at,
            format!(
                "{:<13} TCF: {bits} bits, longest run of zeros {longest_zero_run} ({:.2} s)",
                modulation_name(*modulation),
                *longest_zero_run as f64 / f64::from(modulation.bit_rate())
            ),
            None,
        ),
        Observed::Page { at, page } => (
            *at,
            format!(
                "{:<13} page: {}×{} pixels, {:?}, {:?}{}, {} bad line(s)",
                modulation_name(page.modulation),
                page.bitmap.width(),
                page.bitmap.height(),
                page.resolution,
                page.coding,
                if page.ecm { ", ECM" } else { "" },
                page.bad_lines
            ),
            None,
        ),
    }
}

fn modulation_name(m: Modulation) -> String {
    let family = match m {
        Modulation::V27ter2400 | Modulation::V27ter4800 => "V.27ter",
        Modulation::V29_7200 | Modulation::V29_9600 => "V.29",
        _ => "V.17",
    };
    format!("{family} {}", m.bit_rate())
}

/// A frame as a person reads it: its name and what its information field says.
fn frame_text(data: &[u8]) -> String {
    let Ok(f) = Frame::parse(data) else { return "not a T.30 frame".into() };
    let Some(kind) = f.kind else { return format!("unknown FCF {:#04x}", f.fcf) };
    let detail = match kind {
        FrameType::Csi | FrameType::Tsi | FrameType::Cig => format!(" \"{}\"", parse_ident(&f.fif)),
        FrameType::Dis | FrameType::Dtc => {
            let c = Capabilities::decode(&f.fif);
            format!(" (ECM {}, MR {}, MMR {}, fine {})", yes(c.ecm), yes(c.mr), yes(c.mmr), yes(c.fine))
        }
        FrameType::Dcs => match Dcs::decode(&f.fif) {
            Ok(d) => format!(
                " ({}, {:?}, {:?}, {} pixels wide{})",
                modulation_name(d.modulation),
                d.resolution,
                d.coding,
                d.width.pixels(),
                if d.ecm { ", ECM" } else { "" }
            ),
            Err(e) => format!(" (unreadable: {e})"),
        },
        _ => String::new(),
    };
    format!("{}{detail}", kind.name())
}

fn yes(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

/// The recording's channels as 8 kHz samples.
fn read_audio(file: &Path, format: Option<RawFormat>) -> anyhow::Result<Vec<Vec<i16>>> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    match format {
        Some(RawFormat::Ulaw) => Ok(vec![bytes.iter().map(|&c| Law::Ulaw.decode_sample(c)).collect()]),
        Some(RawFormat::Alaw) => Ok(vec![bytes.iter().map(|&c| Law::Alaw.decode_sample(c)).collect()]),
        Some(RawFormat::S16) => Ok(vec![bytes.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect()]),
        None => read_wav(&bytes).with_context(|| format!("{} (for raw audio, give --format)", file.display())),
    }
}

fn read_wav(bytes: &[u8]) -> anyhow::Result<Vec<Vec<i16>>> {
    let wav = wav::Wav::parse(bytes)?;
    if wav.sample_rate != 8000 {
        bail!(
            "the recording is at {} Hz; fax is read at 8000 Hz (resample it first, e.g. sox IN -r 8000 OUT.wav)",
            wav.sample_rate
        );
    }
    if !(1..=2).contains(&wav.channels) {
        bail!("the recording has {} channels; 1 (both sides) or 2 (one per side) are read", wav.channels);
    }
    let n = usize::from(wav.channels);
    let samples: Vec<i16> = match (wav.format, wav.bits) {
        (wav::PCM, 16) => wav.data.chunks_exact(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect(),
        (wav::PCM, 8) => wav.data.iter().map(|&b| (i16::from(b) - 128) << 8).collect(),
        (wav::ALAW, 8) => wav.data.iter().map(|&c| Law::Alaw.decode_sample(c)).collect(),
        (wav::ULAW, 8) => wav.data.iter().map(|&c| Law::Ulaw.decode_sample(c)).collect(),
        (f, b) => bail!("WAV format {f} with {b} bits per sample is not read (16-bit PCM, μ-law or A-law are)"),
    };
    Ok((0..n).map(|c| samples.iter().skip(c).step_by(n).copied().collect()).collect())
}

/// The little of RIFF/WAVE needed here: the `fmt ` chunk and the `data` chunk. Written out
/// because the WAV crates read PCM only, and fax recordings are often G.711.
mod wav {
    use anyhow::bail;

    pub const PCM: u16 = 1;
    pub const ALAW: u16 = 6;
    pub const ULAW: u16 = 7;
    const EXTENSIBLE: u16 = 0xFFFE;

    pub struct Wav<'a> {
        pub format: u16,
        pub channels: u16,
        pub sample_rate: u32,
        pub bits: u16,
        pub data: &'a [u8],
    }

    impl<'a> Wav<'a> {
        pub fn parse(bytes: &'a [u8]) -> anyhow::Result<Wav<'a>> {
            if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
                bail!("not a WAV file (no RIFF/WAVE header)");
            }
            let mut at = 12;
            let mut fmt = None;
            while at + 8 <= bytes.len() {
                let id = &bytes[at..at + 4];
                let len = u32::from_le_bytes([bytes[at + 4], bytes[at + 5], bytes[at + 6], bytes[at + 7]]) as usize;
                let body = &bytes[at + 8..(at + 8).saturating_add(len).min(bytes.len())];
                match id {
                    b"fmt " if body.len() >= 16 => {
                        let u16_at = |i: usize| u16::from_le_bytes([body[i], body[i + 1]]);
                        let mut format = u16_at(0);
                        if format == EXTENSIBLE && body.len() >= 26 {
                            // The sub-format GUID starts with the format tag.
                            format = u16_at(24);
                        }
                        fmt = Some((
                            format,
                            u16_at(2),
                            u32::from_le_bytes([body[4], body[5], body[6], body[7]]),
                            u16_at(14),
                        ));
                    }
                    b"data" => {
                        let Some((format, channels, sample_rate, bits)) = fmt else {
                            bail!("the WAV file's data comes before its format");
                        };
                        return Ok(Wav { format, channels, sample_rate, bits, data: body });
                    }
                    _ => {}
                }
                // Chunks are padded to an even length.
                at = at.saturating_add(8).saturating_add(len).saturating_add(len & 1);
            }
            bail!("the WAV file has no data chunk")
        }
    }
}
