//! A call once it is up (or offered): the dialog, the descriptions in force on both sides, and
//! a task per call that answers what comes in within the dialog. A session refresh (re-INVITE
//! or UPDATE that changes nothing, or carries no offer) is answered with our description in
//! force, so a T.38 stream is never disturbed by one; a re-INVITE that arrives while our own is
//! pending is answered `491 Request Pending` (RFC 3261 §14.1; rsipstack leaves that to us); a
//! re-INVITE that changes the session is handed to the application as a [`RemoteOffer`].

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, TerminatedReason, TransactionHandle};
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::{Header, Method, StatusCode};
use tokio::sync::{mpsc, watch};

use crate::media::{answer, answer_audio, is_refresh};
use crate::{SessionDescription, SipError};

/// How long a BYE may take before the call is given up locally.
const HANGUP_LIMIT: Duration = Duration::from_secs(4);
/// Offers waiting for the application; more are refused (488).
const OFFER_QUEUE: usize = 4;

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// One end hung up (BYE, or CANCEL before the answer).
    HungUp,
    /// Transactions timed out or the dialog failed; the reason as rsipstack gives it.
    Failed(String),
}

pub(crate) fn sdp_headers() -> Option<Vec<Header>> {
    Some(vec![Header::ContentType("application/sdp".into())])
}

/// The descriptions in force.
#[derive(Debug, Clone)]
struct Sessions {
    local: SessionDescription,
    remote: SessionDescription,
}

/// What the call's task and the application share.
pub(crate) struct Shared {
    sessions: Mutex<Sessions>,
    /// A re-INVITE of ours awaits its final answer.
    pub(crate) reinvite_pending: AtomicBool,
}

impl Shared {
    pub(crate) fn set(&self, local: SessionDescription, remote: SessionDescription) {
        *self.sessions.lock().expect("sessions") = Sessions { local, remote };
    }
    fn get(&self) -> Sessions {
        self.sessions.lock().expect("sessions").clone()
    }
}

/// A re-INVITE from the far end that changes the session, to accept or refuse. Dropped
/// unanswered, it is refused with 488.
pub struct RemoteOffer {
    pub offer: SessionDescription,
    handle: Option<TransactionHandle>,
    shared: Arc<Shared>,
}

impl RemoteOffer {
    /// Answers 200 with `answer`, which is then the description in force.
    pub async fn accept(mut self, answer: SessionDescription) -> Result<(), SipError> {
        let handle = self.handle.take().expect("an unanswered offer");
        handle
            .respond(StatusCode::OK, sdp_headers(), Some(answer.to_string().into_bytes()))
            .await
            .map_err(SipError::stack)?;
        self.shared.set(answer, self.offer.clone());
        Ok(())
    }

    /// Refuses with `code` (488 Not Acceptable Here, 491 Request Pending, …); the session
    /// stays as it was.
    pub async fn reject(mut self, code: u16) {
        if let Some(h) = self.handle.take() {
            let _ = h.reply(StatusCode::from(code)).await;
        }
    }
}

impl Drop for RemoteOffer {
    fn drop(&mut self) {
        if let (Some(h), Ok(rt)) = (self.handle.take(), tokio::runtime::Handle::try_current()) {
            rt.spawn(async move {
                let _ = h.reply(StatusCode::NotAcceptableHere).await;
            });
        }
    }
}

/// An established call.
pub struct Call {
    pub(crate) dialog: InviteDialog,
    pub(crate) shared: Arc<Shared>,
    pub(crate) offers: mpsc::Receiver<RemoteOffer>,
    pub(crate) end: watch::Receiver<Option<CallEnd>>,
    /// We placed the call, so generated its Call-ID (RFC 3261 §14.1 back-off).
    pub(crate) owns_call_id: bool,
    /// Our RTP port, to answer an offer back to audio with; None: audio is refused.
    pub(crate) audio_port: Option<u16>,
}

fn end_reason(reason: TerminatedReason) -> CallEnd {
    match reason {
        TerminatedReason::UacBye | TerminatedReason::UasBye | TerminatedReason::UacCancel => CallEnd::HungUp,
        other => CallEnd::Failed(format!("{other:?}")),
    }
}

impl Call {
    /// A call whose dialog reports to `events`; starts its task.
    pub(crate) fn start(
        dialog: InviteDialog,
        events: mpsc::UnboundedReceiver<DialogState>,
        local: SessionDescription,
        remote: SessionDescription,
        owns_call_id: bool,
    ) -> Call {
        let shared = Arc::new(Shared {
            sessions: Mutex::new(Sessions { local, remote }),
            reinvite_pending: AtomicBool::new(false),
        });
        let (offers_tx, offers) = mpsc::channel(OFFER_QUEUE);
        let (end_tx, end) = watch::channel(None);
        tokio::spawn(watch_dialog(events, shared.clone(), offers_tx, end_tx));
        Call { dialog, shared, offers, end, owns_call_id, audio_port: None }
    }

    /// The far end's description in force.
    pub fn remote(&self) -> SessionDescription {
        self.shared.get().remote
    }

    /// Ours in force.
    pub fn local(&self) -> SessionDescription {
        self.shared.get().local
    }

    /// The RTP port an offer back to audio is answered with (we send no audio; the port only
    /// has to be ours).
    pub fn set_audio_port(&mut self, port: u16) {
        self.audio_port = Some(port);
    }

    /// The Call-ID.
    pub fn call_id(&self) -> String {
        self.dialog.id().call_id.clone()
    }

    /// Hangs up (BYE), waiting at most a few seconds for the far end's answer.
    pub async fn hangup(&self) {
        if self.end.borrow().is_some() {
            return;
        }
        let _ = tokio::time::timeout(HANGUP_LIMIT, self.dialog.bye()).await;
    }

    /// How the call ended, if it has.
    pub fn has_ended(&self) -> Option<CallEnd> {
        self.end.borrow().clone()
    }

    /// The next re-INVITE that changes the session (None once the call has ended).
    pub async fn next_offer(&mut self) -> Option<RemoteOffer> {
        tokio::select! {
            biased;
            o = self.offers.recv() => o,
            _ = end_of(&mut self.end) => None,
        }
    }

    /// Waits until the call ends. Offers that arrive meanwhile are answered keeping what is in
    /// force: a T.38 stream with ours as it is, audio with our RTP port (if set), anything
    /// else refused.
    pub async fn ended(&mut self) -> CallEnd {
        loop {
            tokio::select! {
                biased;
                e = end_of(&mut self.end) => return e,
                Some(o) = self.offers.recv() => self.answer_keeping(o).await,
            }
        }
    }

    /// Answers `o` keeping our streams: T.38 with our T.38 description in force, audio with our
    /// RTP port; 488 if neither fits.
    pub async fn answer_keeping(&self, o: RemoteOffer) {
        let local = self.local();
        let ours_t38 = local.t38().cloned();
        let address = local.connection.unwrap_or(local.origin.address);
        let audio_port = self.audio_port;
        let a = answer(&o.offer, Some(&local), address, |m| {
            if m.is_t38() {
                ours_t38.clone()
            } else if m.is_audio() {
                audio_port.and_then(|p| answer_audio(m, p))
            } else {
                None
            }
        });
        match a {
            Some(a) => {
                tracing::info!(call = %self.call_id(), "re-INVITE answered keeping our streams");
                let _ = o.accept(a).await;
            }
            None => {
                tracing::info!(call = %self.call_id(), "re-INVITE refused (488): nothing we can answer it with");
                o.reject(488).await;
            }
        }
    }

    /// The address our current description gives for its first stream.
    pub fn local_media_addr(&self) -> Option<SocketAddr> {
        let l = self.local();
        let m = l.media.iter().find(|m| m.port != 0)?;
        Some(SocketAddr::new(l.address_of(m)?, m.port))
    }
}

/// How the call ended, once it has.
pub(crate) async fn end_of(end: &mut watch::Receiver<Option<CallEnd>>) -> CallEnd {
    match end.wait_for(Option::is_some).await {
        Ok(e) => e.clone().unwrap_or_else(|| CallEnd::Failed("the SIP agent stopped".into())),
        Err(_) => CallEnd::Failed("the SIP agent stopped".into()),
    }
}

/// The call's task: answers refreshes and glare, hands real offers on, and reports the end.
async fn watch_dialog(
    mut events: mpsc::UnboundedReceiver<DialogState>,
    shared: Arc<Shared>,
    offers: mpsc::Sender<RemoteOffer>,
    end: watch::Sender<Option<CallEnd>>,
) {
    while let Some(state) = events.recv().await {
        match state {
            DialogState::Updated(id, req, handle) => {
                let is_invite = req.method == Method::Invite;
                if is_invite && shared.reinvite_pending.load(Ordering::SeqCst) {
                    tracing::info!(call = %id.call_id, "re-INVITE while ours is pending: 491 Request Pending");
                    let _ = handle.reply(StatusCode::RequestPending).await;
                    continue;
                }
                let current = shared.get();
                let body = std::str::from_utf8(&req.body).unwrap_or("").trim();
                if body.is_empty() {
                    // No offer (or an UPDATE without SDP): ours goes in the answer.
                    let b = is_invite.then(|| current.local.to_string().into_bytes());
                    let h = b.as_ref().and_then(|_| sdp_headers());
                    let _ = handle.respond(StatusCode::OK, h, b).await;
                    continue;
                }
                let offer = match SessionDescription::parse(body) {
                    Ok(o) => o,
                    Err(e) => {
                        tracing::info!(call = %id.call_id, "re-INVITE with unreadable SDP refused (488): {e}");
                        let _ = handle.reply(StatusCode::NotAcceptableHere).await;
                        continue;
                    }
                };
                if is_refresh(&offer, &current.remote) || !is_invite {
                    tracing::debug!(call = %id.call_id, "session refresh answered with our description in force");
                    let local = current.local.to_string().into_bytes();
                    let _ = handle.respond(StatusCode::OK, sdp_headers(), Some(local)).await;
                    shared.set(current.local, offer);
                    continue;
                }
                let o = RemoteOffer { offer, handle: Some(handle), shared: shared.clone() };
                if let Err(e) = offers.try_send(o) {
                    // Refused by RemoteOffer's drop.
                    tracing::info!(call = %id.call_id, "re-INVITE refused: nobody takes offers ({e})");
                }
            }
            DialogState::Info(_, _, handle)
            | DialogState::Options(_, _, handle)
            | DialogState::Message(_, _, handle)
            | DialogState::Notify(_, _, handle) => {
                let _ = handle.reply(StatusCode::OK).await;
            }
            DialogState::Refer(_, _, handle) | DialogState::Publish(_, _, handle) => {
                let _ = handle.reply(StatusCode::Decline).await;
            }
            DialogState::Terminated(_, reason) => {
                let _ = end.send(Some(end_reason(reason)));
                return;
            }
            _ => {}
        }
    }
    let _ = end.send(Some(CallEnd::Failed("the SIP agent stopped".into())));
}
