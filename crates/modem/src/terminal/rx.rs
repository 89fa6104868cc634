//! What the audio terminal hears: the V.21 receiver with its HDLC deframer always, a fast-modem
//! receiver when T.30 expects a training check, a page or ECM frames (the first of the two to
//! recognise its signal has the signal to itself until it ends), and the connect-tone
//! detector; all turned into T.30's modem events.

use std::collections::VecDeque;

use ferrofax_t30::{Listen, ModemEvent, Modulation, Tone};

use crate::bits::OctetPacker;
use crate::fast::FastReceiver;
use crate::fsk::FskReceiver;
use crate::hdlc::{HdlcDecoder, HdlcEvent};
use crate::rx::RxEvent;
use crate::tone::{ConnectTone, ToneDetector};

/// Flags in a row before V.21 frames are believed (SpanDSP sends 32; its receiver wants 8).
const V21_FRAMING_FLAGS: u32 = 5;
/// Flags in a row before ECM frames at a fast rate are believed (200 ms of them are sent).
const ECM_FRAMING_FLAGS: u32 = 5;
/// The longest HDLC frame taken: 3 s of V.21, or an ECM frame of 256 octets with its header.
const MAX_FRAME_OCTETS: usize = 270;
/// Carrier-on level of the V.21 receiver (fax terminals listen down to about −43 dBm0).
const V21_ON_DBM0: f32 = -43.0;

/// Which receiver owns the signal being received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Control,
    Fast,
}

/// A fast-modem receiver and what it is collecting.
#[derive(Debug)]
struct FastListening {
    modulation: Modulation,
    ecm: bool,
    modem: Box<FastReceiver>,
    /// T.30 expects this modem now (it stays, idle, while control frames are expected, so
    /// that V.17's short training can reuse what the last long one taught).
    active: bool,
    /// The burst expected may come with V.17's short training.
    short_training: bool,
    hdlc: HdlcDecoder,
    packer: OctetPacker,
    data: Vec<u8>,
}

/// The receive side.
#[derive(Debug)]
pub(super) struct Listener {
    v21: FskReceiver,
    v21_hdlc: HdlcDecoder,
    tones: ToneDetector,
    fast: Option<FastListening>,
    owner: Option<Owner>,
    /// Whether anything from the far end (a tone, a carrier that framed or trained) was heard.
    pub(super) heard_far_end: bool,
}

impl Listener {
    pub(super) fn new() -> Self {
        Listener {
            v21: FskReceiver::new(V21_ON_DBM0),
            v21_hdlc: HdlcDecoder::new(V21_FRAMING_FLAGS, MAX_FRAME_OCTETS),
            tones: ToneDetector::new(),
            fast: None,
            owner: None,
            heard_far_end: false,
        }
    }

    /// Listens for what T.30 expects next. A fast receiver for the same modulation keeps what
    /// it learnt in training (V.17's short training relies on it).
    pub(super) fn listen(&mut self, listen: Listen) {
        let (modulation, ecm, long) = match listen {
            Listen::Control => {
                if let Some(f) = &mut self.fast {
                    f.active = false;
                }
                return;
            }
            Listen::TrainingCheck(m) => (m, false, true),
            Listen::Image(m) => (m, false, false),
            Listen::EcmImage(m) => (m, true, false),
        };
        match &mut self.fast {
            Some(f) if f.modulation == modulation => {
                f.modem.restart(!long);
                f.ecm = ecm;
                f.active = true;
                f.short_training = !long;
            }
            _ => {
                self.fast = Some(FastListening {
                    modulation,
                    ecm,
                    modem: Box::new(FastReceiver::new(modulation)),
                    active: true,
                    short_training: !long,
                    hdlc: HdlcDecoder::new(ECM_FRAMING_FLAGS, MAX_FRAME_OCTETS),
                    packer: OctetPacker::default(),
                    data: Vec::with_capacity(4096),
                });
            }
        }
    }

    /// Forgets any signal in progress (after this end has transmitted: what was heard meanwhile
    /// was its own echo, if anything).
    pub(super) fn restart(&mut self) {
        self.v21.reset();
        self.v21_hdlc.reset();
        self.tones.reset();
        self.owner = None;
        if let Some(f) = &mut self.fast {
            f.modem.restart(f.short_training);
            f.hdlc.reset();
            f.packer.reset();
            f.data.clear();
        }
    }

    /// Audio from the far end.
    pub(super) fn receive(&mut self, samples: &[i16], events: &mut VecDeque<ModemEvent>) {
        let Listener { v21, v21_hdlc, tones, fast, owner, heard_far_end } = self;
        tones.receive(samples, |t| {
            *heard_far_end = true;
            events.push_back(ModemEvent::Tone(match t {
                ConnectTone::Cng => Tone::Cng,
                ConnectTone::Ced => Tone::Ced,
            }));
        });
        v21.receive(samples, |e| match e {
            RxEvent::Bit(bit) if *owner != Some(Owner::Fast) => match v21_hdlc.put_bit(bit) {
                Some(HdlcEvent::FramingOk) => {
                    *owner = Some(Owner::Control);
                    *heard_far_end = true;
                    events.push_back(ModemEvent::ControlStarted);
                }
                Some(HdlcEvent::Frame { octets, fcs_ok }) if *owner == Some(Owner::Control) => {
                    events.push_back(ModemEvent::Frame { data: octets.to_vec(), fcs_ok, modulation: None });
                }
                _ => {}
            },
            RxEvent::CarrierDown => {
                v21_hdlc.reset();
                if *owner == Some(Owner::Control) {
                    *owner = None;
                    events.push_back(ModemEvent::SignalEnded);
                }
            }
            _ => {}
        });
        if let Some(f) = fast.as_mut().filter(|f| f.active) {
            if *owner == Some(Owner::Control) {
                return;
            }
            let FastListening { modulation, ecm, modem, hdlc, packer, data, .. } = f;
            modem.receive(samples, &mut |e| match e {
                RxEvent::TrainingSucceeded => {
                    *owner = Some(Owner::Fast);
                    *heard_far_end = true;
                    hdlc.reset();
                    packer.reset();
                    events.push_back(ModemEvent::ImageStarted(*modulation));
                }
                RxEvent::Bit(bit) if *owner == Some(Owner::Fast) => {
                    if *ecm {
                        if let Some(HdlcEvent::Frame { octets, fcs_ok }) = hdlc.put_bit(bit) {
                            events.push_back(ModemEvent::Frame {
                                data: octets.to_vec(),
                                fcs_ok,
                                modulation: Some(*modulation),
                            });
                        }
                    } else if let Some(octet) = packer.push(bit) {
                        data.push(octet);
                    }
                }
                RxEvent::CarrierDown if *owner == Some(Owner::Fast) => {
                    if !data.is_empty() {
                        events.push_back(ModemEvent::ImageData(std::mem::take(data)));
                    }
                    *owner = None;
                    events.push_back(ModemEvent::SignalEnded);
                }
                _ => {}
            });
            if !data.is_empty() {
                events.push_back(ModemEvent::ImageData(std::mem::take(data)));
            }
        }
    }

    /// Audio from the far end was lost: the fast receiver keeps its timing and carrier going.
    pub(super) fn fill_in(&mut self, samples: usize) {
        if let Some(f) = self.fast.as_mut().filter(|f| f.active) {
            f.modem.fill_in(samples);
        }
    }
}
