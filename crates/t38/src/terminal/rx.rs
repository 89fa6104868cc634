//! The receiving side of the T.38 terminal: IFP packets (already in sequence order, one per
//! sequence number) back into modem events for T.30. HDLC frames are gathered from pieces of
//! any size and reported when their FCS verdict arrives; a packet lost inside a frame marks it
//! damaged. Repeats of indicators and of frame or signal ends that carry new sequence numbers
//! are ignored; both kinds of signal end are accepted for both kinds of data; a frame may start
//! without a preamble indicator.

use std::time::Duration;

use ferrofax_t30::{Listen, ModemEvent, Tone};

use super::{Signal, T38Terminal, modulation_of, trained_modulation};
use crate::{DataType, FieldType, IfpError, IfpRef, Indicator};

/// Most octets one HDLC frame may gather (an ECM frame is 260).
const MAX_FRAME: usize = 4096;

impl T38Terminal {
    /// An IFP packet arrived (in sequence order). A packet that does not decode is counted and
    /// its error returned; it changes nothing else.
    pub fn handle_ifp(&mut self, _now: Duration, ifp: &[u8]) -> Result<(), IfpError> {
        let packet = match IfpRef::decode(ifp, self.cfg.version) {
            Ok(p) => p,
            Err(e) => {
                self.bad_packets += 1;
                // What was being gathered can no longer be trusted.
                self.hdlc_damaged = true;
                return Err(e);
            }
        };
        match packet {
            IfpRef::Indicator(i) => self.on_indicator(i),
            IfpRef::Data { data_type, fields } => {
                self.last_indicator = None;
                for f in fields {
                    self.on_field(data_type, f.field_type, f.data);
                }
            }
        }
        Ok(())
    }

    /// Packets were lost for good (the transport could not recover them).
    pub fn handle_lost(&mut self, _count: u32) {
        if self.signal.is_some() || !self.hdlc.is_empty() {
            self.hdlc_damaged = true;
        }
    }

    fn end_signal(&mut self) {
        if std::mem::take(&mut self.tcf_stood_in)
            && let Some(Signal::Image(Some(m))) = self.signal
        {
            let zeros = vec![0u8; ferrofax_t30::tcf::tcf_octets(m.bit_rate())];
            self.events.push_back(ModemEvent::ImageData(zeros));
        }
        if !self.hdlc.is_empty() {
            // A frame cut short: report it damaged.
            let data = std::mem::take(&mut self.hdlc);
            let modulation = self.hdlc_type.and_then(modulation_of);
            self.events.push_back(ModemEvent::Frame { data, fcs_ok: false, modulation });
        }
        self.hdlc_damaged = false;
        if self.signal.take().is_some() {
            self.events.push_back(ModemEvent::SignalEnded);
        }
    }

    fn on_indicator(&mut self, i: Indicator) {
        if self.last_indicator == Some(i) {
            return;
        }
        self.last_indicator = Some(i);
        match i {
            Indicator::NoSignal => self.end_signal(),
            Indicator::Cng => self.events.push_back(ModemEvent::Tone(Tone::Cng)),
            Indicator::Ced => self.events.push_back(ModemEvent::Tone(Tone::Ced)),
            Indicator::V21Preamble => {
                self.end_signal();
                self.signal = Some(Signal::Control);
                self.events.push_back(ModemEvent::ControlStarted);
            }
            other => {
                let Some(m) = trained_modulation(other) else { return };
                self.end_signal();
                self.signal = Some(Signal::Image(Some(m)));
                self.events.push_back(ModemEvent::ImageStarted(m));
                // LocalTCF: this signal is a training check the far end does not send; stand
                // in a good one for T.30 when the signal ends.
                self.tcf_stood_in = self.cfg.rate_management == super::RateManagement::LocalTcf
                    && matches!(self.listen, Listen::TrainingCheck(l) if l == m);
            }
        }
    }

    /// Makes sure a signal is under way for data of type `t` (data may come without its
    /// indicator after loss).
    fn ensure_signal(&mut self, t: DataType) {
        let wanted = if t == DataType::V21 { Signal::Control } else { Signal::Image(modulation_of(t)) };
        if self.signal == Some(wanted) {
            return;
        }
        if self.signal.is_some() {
            self.end_signal();
        }
        self.signal = Some(wanted);
        self.events.push_back(match wanted {
            Signal::Control => ModemEvent::ControlStarted,
            Signal::Image(Some(m)) => ModemEvent::ImageStarted(m),
            Signal::Image(None) => return,
        });
    }

    /// Adds octets of an HDLC frame of type `t` to the frame being gathered.
    fn gather(&mut self, t: DataType, data: &[u8]) {
        if self.tcf_stood_in || data.is_empty() {
            return;
        }
        self.ensure_signal(t);
        if self.hdlc.is_empty() {
            self.hdlc_type = Some(t);
        }
        if self.hdlc.len() + data.len() <= MAX_FRAME {
            self.hdlc.extend_from_slice(data);
        } else {
            self.hdlc_damaged = true;
        }
    }

    fn on_field(&mut self, t: DataType, field: FieldType, data: &[u8]) {
        match field {
            FieldType::HdlcData => self.gather(t, data),
            FieldType::HdlcFcsOk | FieldType::HdlcFcsBad | FieldType::HdlcFcsOkSigEnd | FieldType::HdlcFcsBadSigEnd => {
                // Some senders put the frame's last octets in the field that ends it.
                self.gather(t, data);
                // A repeat of an end already reported finds nothing gathered and is ignored.
                if !self.hdlc.is_empty() {
                    let data = std::mem::take(&mut self.hdlc);
                    let good = matches!(field, FieldType::HdlcFcsOk | FieldType::HdlcFcsOkSigEnd);
                    let fcs_ok = good && !self.hdlc_damaged && data.first() == Some(&0xFF);
                    let modulation = self.hdlc_type.and_then(modulation_of);
                    self.events.push_back(ModemEvent::Frame { data, fcs_ok, modulation });
                }
                self.hdlc_damaged = false;
                if matches!(field, FieldType::HdlcFcsOkSigEnd | FieldType::HdlcFcsBadSigEnd) {
                    self.end_signal();
                }
            }
            FieldType::HdlcSigEnd => self.end_signal(),
            FieldType::T4NonEcmData | FieldType::T4NonEcmSigEnd => {
                if !data.is_empty() && !self.tcf_stood_in {
                    self.ensure_signal(t);
                    self.events.push_back(ModemEvent::ImageData(data.to_vec()));
                }
                if field == FieldType::T4NonEcmSigEnd {
                    self.end_signal();
                }
            }
            // V.8 and V.34 fields: not used below V.34.
            _ => {}
        }
    }
}
