//! The T.30 session: one call's procedure as a sans-IO state machine in the quinn-proto style.
//! The driver feeds it modem events and timeouts with the current time, and drains the modem
//! commands, the next timeout and the events for the application. Time is a [`Duration`]
//! since any fixed start the driver likes.
//!
//! A session is a [`Call`] (what both directions share: control frames, timers, the outcome)
//! and one half: a [`Sender`] or a [`Receiver`], each with its own state type. This module
//! routes what arrives to the half and owns the public face, including [`Session::abort`].

use std::time::Duration;

use crate::call::{AfterTx, Call, Life};
use crate::frame::Frame;
use crate::receiver::Receiver;
use crate::sender::Sender;
use crate::timer::{Expiry, Timer};
use crate::{CallRole, Completion, Config, Event, Failure, FrameType, ModemCommand, ModemEvent, Phase, SendPage, Tone};

/// Optional frames (NSF, CSI, TSI, …) kept before a final frame; more are ignored.
const MAX_OPTIONAL_FRAMES: usize = 8;

/// The direction of the document.
#[derive(Debug)]
pub(crate) enum Half {
    Sending(Sender),
    Receiving(Receiver),
}

/// One T.30 call.
#[derive(Debug)]
pub struct Session {
    pub(crate) call: Call,
    pub(crate) half: Half,
}

impl Session {
    /// A session that sends `pages`.
    pub fn sender(cfg: Config, pages: Vec<SendPage>) -> Session {
        let tx = Sender::new(&cfg, pages);
        Session { call: Call::new(cfg), half: Half::Sending(tx) }
    }

    /// A session that receives.
    pub fn receiver(cfg: Config) -> Session {
        Session { call: Call::new(cfg), half: Half::Receiving(Receiver::new()) }
    }

    /// Starts the call at `now`: the caller sends CNG and listens for DIS, the answerer sends
    /// CED and DIS.
    pub fn start(&mut self, now: Duration) {
        if self.call.life != Life::NotStarted {
            return;
        }
        let call = &mut self.call;
        call.now = now;
        call.life = Life::Running;
        call.events.push_back(Event::Phase(Phase::A));
        call.start_timer(Timer::T1);
        match (&mut self.half, call.cfg.role) {
            (Half::Sending(_), CallRole::Calling) => {
                call.commands.push_back(ModemCommand::SendTone { tone: Tone::Cng, ms: 500 });
                call.on_air = Some(AfterTx::Listen);
            }
            (Half::Receiving(_), CallRole::Answering) if call.cfg.ced_ms > 0 => {
                call.commands.push_back(ModemCommand::SendTone { tone: Tone::Ced, ms: call.cfg.ced_ms });
                call.on_air = Some(AfterTx::Continue);
            }
            (Half::Receiving(rx), CallRole::Answering) => rx.send_dis(call),
            // Sending as the answerer, or receiving as the caller, is polling, which this
            // engine does not do.
            (Half::Sending(_), CallRole::Answering) | (Half::Receiving(_), CallRole::Calling) => {
                call.finish(Err(Failure::PollingNotSupported))
            }
        }
    }

    /// Cancels the fax at `now`, as the local user asked. A call in progress ends the T.30
    /// way: DCN goes out on the control channel (once the transmission on the air, such as a
    /// page, has ended), then the line is released. A call not yet started just ends. The
    /// [`Completion`] says [`Failure::Cancelled`] with the pages confirmed so far. Calling it
    /// again, or after the call has ended, changes nothing.
    pub fn abort(&mut self, now: Duration) {
        self.call.now = now;
        match self.call.life {
            Life::NotStarted => self.call.finish(Err(Failure::Cancelled)),
            Life::Running => self.call.release(Err(Failure::Cancelled)),
            Life::Ending(_) | Life::Finished(_) => {}
        }
    }

    /// Whether the session is over.
    pub fn is_finished(&self) -> bool {
        matches!(self.call.life, Life::Finished(_))
    }

    /// The far end's identity as far as it is known (its CSI when sending, TSI when
    /// receiving).
    pub fn remote_ident(&self) -> Option<&str> {
        self.call.remote_ident.as_deref()
    }

    /// How the session ended, once it has.
    pub fn completion(&self) -> Option<&Completion> {
        self.call.completion()
    }

    /// The next command for the modem.
    pub fn poll_command(&mut self) -> Option<ModemCommand> {
        self.call.commands.pop_front()
    }

    /// The next event for the application.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.call.events.pop_front()
    }

    /// When to call [`Session::handle_timeout`] next.
    pub fn poll_timeout(&self) -> Option<Duration> {
        if !self.call.running() || self.call.on_air.is_some() {
            return None;
        }
        self.call.timers.next()
    }

    /// Time has reached `now`.
    pub fn handle_timeout(&mut self, now: Duration) {
        self.call.now = now;
        if !self.call.running() || self.call.on_air.is_some() {
            return;
        }
        let Some(timer) = self.call.timers.take_expired(now) else { return };
        match timer.rule(&self.call.cfg.timers).1 {
            Expiry::Fail { failure, dcn } => self.call.fail(failure, dcn),
            Expiry::ByState => match &mut self.half {
                Half::Sending(tx) => tx.timeout(&mut self.call),
                Half::Receiving(rx) => rx.timeout(&mut self.call),
            },
        }
    }

    /// The modem reports something.
    pub fn handle_modem(&mut self, now: Duration, event: ModemEvent) {
        self.call.now = now;
        match self.call.life {
            Life::Running => self.running_modem(event),
            Life::Ending(_) => self.ending_modem(event),
            Life::NotStarted | Life::Finished(_) => {}
        }
    }

    /// The outcome is decided and DCN is going out or waits: only the end of a transmission,
    /// the far end's DCN and the loss of the line matter now.
    fn ending_modem(&mut self, event: ModemEvent) {
        match event {
            ModemEvent::TransmitDone => match self.call.on_air.take() {
                Some(AfterTx::Dcn) => self.call.send_dcn(),
                _ => self.call.finish(Ok(())),
            },
            ModemEvent::LineLost => self.call.finish(Ok(())),
            ModemEvent::Frame { data, fcs_ok: true, .. } if is_final_dcn(&data) => self.call.finish(Ok(())),
            _ => {}
        }
    }

    fn running_modem(&mut self, event: ModemEvent) {
        let now = self.call.now;
        match event {
            ModemEvent::TransmitDone => {
                if let Some(after) = self.call.on_air.take() {
                    self.after_transmit(after);
                }
            }
            ModemEvent::LineLost => {
                let result = match &self.half {
                    Half::Receiving(rx) if rx.document_complete => Ok(()),
                    _ => Err(Failure::CallDropped),
                };
                self.call.finish(result);
            }
            // The far end hanging up counts even while this end is still sending.
            ModemEvent::Frame { data, fcs_ok: true, .. } if self.call.on_air.is_some() && is_final_dcn(&data) => {
                self.call.on_air = None;
                self.on_frame(&data, true, true);
            }
            _ if self.call.on_air.is_some() => {}
            ModemEvent::ControlStarted | ModemEvent::ImageStarted(_) => {
                self.call.rx_frames.clear();
                self.call.rx_damaged = false;
                // A response is on its way: give it time to arrive whole.
                self.call.timers.extend_response(now + self.call.cfg.timers.frame);
                if let Half::Receiving(rx) = &mut self.half {
                    rx.signal_started(&event);
                }
            }
            ModemEvent::Frame { data, fcs_ok, modulation } => self.on_frame(&data, fcs_ok, modulation.is_none()),
            ModemEvent::ImageData(data) => {
                if let Half::Receiving(rx) = &mut self.half {
                    rx.image_data(&mut self.call, &data);
                }
            }
            ModemEvent::SignalEnded => {
                if let Half::Receiving(rx) = &mut self.half {
                    if self.call.rx_damaged && rx.awaits_command() {
                        // A command arrived too damaged to read: ask for it again.
                        self.call.rx_damaged = false;
                        self.frame_set_damaged();
                    } else {
                        rx.signal_ended(&mut self.call);
                    }
                }
            }
            ModemEvent::Tone(_) => {}
        }
    }

    fn on_frame(&mut self, data: &[u8], fcs_ok: bool, control: bool) {
        let Ok(frame) = Frame::parse(data) else {
            self.call.rx_damaged |= control;
            return;
        };
        if !fcs_ok {
            // Only a damaged control frame is asked for again; a damaged ECM frame is simply
            // missing from its block.
            if control {
                self.call.rx_damaged = true;
                if frame.final_frame {
                    self.frame_set_damaged();
                }
            }
            return;
        }
        if !frame.final_frame && self.call.rx_frames.len() >= MAX_OPTIONAL_FRAMES {
            return;
        }
        if matches!(frame.kind, Some(FrameType::Fcd | FrameType::Rcp)) {
            if let Half::Receiving(rx) = &mut self.half {
                rx.ecm_frame(&mut self.call, &frame);
            }
            return;
        }
        let final_frame = frame.final_frame;
        self.call.rx_frames.push(frame);
        if final_frame {
            let frames = std::mem::take(&mut self.call.rx_frames);
            self.call.rx_damaged = false;
            match &mut self.half {
                Half::Sending(tx) => tx.frames(&mut self.call, frames),
                Half::Receiving(rx) => rx.frames(&mut self.call, frames),
            }
        }
    }

    /// A transmission's final frame arrived damaged.
    fn frame_set_damaged(&mut self) {
        self.call.rx_frames.clear();
        self.call.rx_damaged = false;
        if let Half::Receiving(rx) = &mut self.half {
            rx.damaged_command(&mut self.call);
        }
    }

    fn after_transmit(&mut self, after: AfterTx) {
        match after {
            AfterTx::Listen => {}
            AfterTx::Wait(timer) => self.call.wait(timer),
            AfterTx::Continue => match &mut self.half {
                Half::Sending(tx) => tx.next(&mut self.call),
                Half::Receiving(rx) => rx.next(&mut self.call),
            },
            AfterTx::Dcn => self.call.send_dcn(),
            AfterTx::Hangup => self.call.finish(Ok(())),
        }
    }
}

/// Whether `data` is the final frame DCN.
fn is_final_dcn(data: &[u8]) -> bool {
    Frame::parse(data).is_ok_and(|f| f.kind == Some(FrameType::Dcn) && f.final_frame)
}

#[cfg(test)]
mod tests;
