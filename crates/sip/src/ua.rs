//! A SIP user agent for fax calls, on rsipstack: one UDP transport, outgoing INVITEs carrying
//! our SDP, incoming INVITEs offered to the application to accept or refuse, BYE both ways, and
//! re-INVITEs within a call (a session refresh is answered with the SDP in force).

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use rsipstack::EndpointBuilder;
use rsipstack::dialog::DialogId;
use rsipstack::dialog::dialog::{DialogState, DialogStateSender, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode, Uri};
use rsipstack::transaction::endpoint::Endpoint;
use rsipstack::transport::TransportLayer;
use rsipstack::transport::udp::UdpConnection;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::SessionDescription;

/// What went wrong placing or answering a call.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    #[error("SIP transport: {0}")]
    Transport(String),
    #[error("not a SIP URI: {0}")]
    BadUri(String),
    /// The far end answered with a final status other than 2xx.
    #[error("call refused: {code} {reason}")]
    Refused { code: u16, reason: String },
    #[error("the answer carries no usable SDP: {0}")]
    BadAnswer(String),
    /// No final answer within the time allowed; the INVITE was cancelled.
    #[error("no answer within {0:?}")]
    NoAnswer(std::time::Duration),
    /// The caller gave up (the INVITE was cancelled).
    #[error("cancelled")]
    Cancelled,
    #[error("SIP: {0}")]
    Stack(String),
}

type Watchers = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<DialogState>>>>;

/// A SIP user agent bound to one UDP address.
pub struct SipAgent {
    endpoint: Endpoint,
    dialogs: Arc<DialogLayer>,
    state_tx: DialogStateSender,
    watchers: Watchers,
    contact: Uri,
    local: SocketAddr,
    cancel: CancellationToken,
    incoming: Option<mpsc::Receiver<IncomingCall>>,
}

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEnd {
    /// One end hung up (BYE, or CANCEL before the answer).
    HungUp,
    /// Transactions timed out or the dialog failed; the reason as rsipstack gives it.
    Failed(String),
}

/// An established call.
pub struct Call {
    dialog: InviteDialog,
    events: mpsc::UnboundedReceiver<DialogState>,
    /// The far end's SDP.
    pub remote: SessionDescription,
    /// Ours, repeated in answer to a session refresh.
    pub local: SessionDescription,
}

/// An INVITE waiting for the application's decision.
pub struct IncomingCall {
    dialog: InviteDialog,
    events: mpsc::UnboundedReceiver<DialogState>,
    /// The caller's SDP offer (None: an offerless INVITE, or SDP that did not parse).
    pub offer: Option<SessionDescription>,
    /// From and To as sent.
    pub from: String,
    pub to: String,
    /// The address the request came from, as its top Via says (`received=` if set).
    pub source: Option<IpAddr>,
}

/// The sender's address in a Via value (`SIP/2.0/UDP host:port;received=…`).
fn via_source(via: &str) -> Option<IpAddr> {
    let mut parts = via.split(';');
    let sent_by = parts.next()?.split_whitespace().nth(1)?;
    if let Some(r) = parts.find_map(|p| p.trim().strip_prefix("received=")) {
        return r.trim().parse().ok();
    }
    sent_by
        .parse::<SocketAddr>()
        .map(|a| a.ip())
        .ok()
        .or_else(|| sent_by.trim_start_matches('[').trim_end_matches(']').parse().ok())
        .or_else(|| sent_by.rsplit_once(':').and_then(|(h, _)| h.parse().ok()))
}

fn dialog_key(id: &DialogId) -> String {
    id.call_id.clone()
}

fn sdp_headers() -> Option<Vec<Header>> {
    Some(vec![Header::ContentType("application/sdp".into())])
}

impl SipAgent {
    /// Binds a UDP transport at `addr` (port 0 for any) and starts serving.
    pub async fn bind(addr: SocketAddr) -> Result<SipAgent, SipError> {
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let udp = UdpConnection::create_connection(addr, None, Some(cancel.child_token()))
            .await
            .map_err(|e| SipError::Transport(e.to_string()))?;
        let local = udp.get_addr().get_socketaddr().map_err(|e| SipError::Transport(e.to_string()))?;
        transport.add_transport(udp.into());
        let endpoint = EndpointBuilder::new()
            .with_cancel_token(cancel.clone())
            .with_transport_layer(transport)
            .with_user_agent("ferrofax")
            .build();
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let (state_tx, mut state_rx) = dialogs.new_dialog_state_channel();
        let contact: Uri = format!("sip:fax@{local}")
            .as_str()
            .try_into()
            .map_err(|e: rsipstack::sip::Error| SipError::BadUri(e.to_string()))?;
        let watchers: Watchers = Arc::default();
        let (incoming_tx, incoming) = mpsc::channel(64);

        let inner = endpoint.inner.clone();
        let c = cancel.clone();
        tokio::spawn(async move {
            tokio::select! {
                r = inner.serve() => if let Err(e) = r { tracing::warn!("SIP endpoint stopped: {e}") },
                _ = c.cancelled() => {}
            }
        });
        // Dialog states go to the call they belong to.
        let w = watchers.clone();
        let d = dialogs.clone();
        tokio::spawn(async move {
            while let Some(state) = state_rx.recv().await {
                let id = match &state {
                    DialogState::Calling(id)
                    | DialogState::Trying(id)
                    | DialogState::Early(id, _)
                    | DialogState::WaitAck(id, _)
                    | DialogState::Confirmed(id, _)
                    | DialogState::Updated(id, _, _)
                    | DialogState::Publish(id, _, _)
                    | DialogState::Notify(id, _, _)
                    | DialogState::Refer(id, _, _)
                    | DialogState::Message(id, _, _)
                    | DialogState::Info(id, _, _)
                    | DialogState::Options(id, _, _)
                    | DialogState::Terminated(id, _) => id.clone(),
                };
                let key = dialog_key(&id);
                let terminated = matches!(state, DialogState::Terminated(..));
                let sender = w.lock().expect("watchers").get(&key).cloned();
                if let Some(s) = sender {
                    let _ = s.send(state);
                }
                if terminated {
                    w.lock().expect("watchers").remove(&key);
                    d.remove_dialog(&id);
                }
            }
        });
        let mut txs = endpoint.incoming_transactions().map_err(|e| SipError::Stack(e.to_string()))?;
        let (d, w, st, ct) = (dialogs.clone(), watchers.clone(), state_tx.clone(), contact.clone());
        tokio::spawn(async move {
            while let Some(mut tx) = txs.recv().await {
                let in_dialog = tx.original.to_header().ok().and_then(|t| t.tag().ok().flatten()).is_some();
                if in_dialog {
                    match d.match_dialog(&tx) {
                        Some(mut dialog) => {
                            tokio::spawn(async move {
                                let _ = dialog.handle(&mut tx).await;
                            });
                        }
                        None => {
                            let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                        }
                    }
                    continue;
                }
                match tx.original.method {
                    Method::Invite => {
                        let dialog = match d.get_or_create_server_invite(&tx, st.clone(), None, Some(ct.clone())) {
                            Ok(dialog) => dialog,
                            Err(e) => {
                                tracing::debug!("INVITE refused: {e}");
                                let _ = tx.reply(StatusCode::BadRequest).await;
                                continue;
                            }
                        };
                        let (wtx, wrx) = mpsc::unbounded_channel();
                        w.lock().expect("watchers").insert(dialog_key(&dialog.id()), wtx);
                        let req = &tx.original;
                        let offer = std::str::from_utf8(&req.body).ok().and_then(|b| SessionDescription::parse(b).ok());
                        let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
                        let to = req.to_header().map(|h| h.value().to_string()).unwrap_or_default();
                        let source = req.via_header().ok().and_then(|v| via_source(v.value()));
                        let call = IncomingCall { dialog: dialog.clone(), events: wrx, offer, from, to, source };
                        let mut dlg = dialog;
                        tokio::spawn(async move {
                            let _ = dlg.handle(&mut tx).await;
                        });
                        if incoming_tx.send(call).await.is_err() {
                            break;
                        }
                    }
                    Method::Options => {
                        let _ = tx.reply(StatusCode::OK).await;
                    }
                    Method::Ack => {}
                    Method::Bye | Method::Cancel => {
                        let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                    }
                    _ => {
                        let _ = tx.reply(StatusCode::MethodNotAllowed).await;
                    }
                }
            }
        });
        Ok(SipAgent { endpoint, dialogs, state_tx, watchers, contact, local, cancel, incoming: Some(incoming) })
    }

    /// Where this agent listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The next incoming call (None once the stream has been taken or the agent stopped).
    pub async fn next_incoming(&mut self) -> Option<IncomingCall> {
        self.incoming.as_mut()?.recv().await
    }

    /// The stream of incoming calls, for a task of its own (the agent can then be shared).
    pub fn take_incoming(&mut self) -> Option<mpsc::Receiver<IncomingCall>> {
        self.incoming.take()
    }

    /// Calls `target` (a SIP URI) as `from_user`, offering `offer`, and waits for the final
    /// answer at most `limit`; when the time is up or `cancel` fires first, the INVITE is
    /// cancelled (CANCEL, and BYE for an answer that crosses it).
    pub async fn call(
        &self,
        target: &str,
        from_user: &str,
        offer: SessionDescription,
        limit: std::time::Duration,
        cancel: &CancellationToken,
    ) -> Result<Call, SipError> {
        let callee: Uri =
            target.try_into().map_err(|e: rsipstack::sip::Error| SipError::BadUri(format!("{target}: {e}")))?;
        let caller: Uri = format!("sip:{from_user}@{}", self.local)
            .as_str()
            .try_into()
            .map_err(|e: rsipstack::sip::Error| SipError::BadUri(e.to_string()))?;
        let call_id = format!("{:016x}@ferrofax", rand_u64());
        let (wtx, events) = mpsc::unbounded_channel();
        self.watchers.lock().expect("watchers").insert(call_id.clone(), wtx);
        let forget = |w: &Watchers| {
            w.lock().expect("watchers").remove(&call_id);
        };
        let opt = InviteOption {
            caller,
            callee,
            contact: self.contact.clone(),
            content_type: Some("application/sdp".into()),
            offer: Some(offer.to_string().into_bytes()),
            call_id: Some(call_id.clone()),
            ..Default::default()
        };
        let (dialog, handle) = match self.dialogs.do_invite_async(opt, self.state_tx.clone()) {
            Ok(x) => x,
            Err(e) => {
                forget(&self.watchers);
                return Err(SipError::Stack(e.to_string()));
            }
        };
        let outcome = tokio::select! {
            r = handle => Some(r),
            _ = tokio::time::sleep(limit) => None,
            _ = cancel.cancelled() => {
                let _ = dialog.cancel().await;
                forget(&self.watchers);
                return Err(SipError::Cancelled);
            }
        };
        let response = match outcome {
            None => {
                let _ = dialog.cancel().await;
                forget(&self.watchers);
                return Err(SipError::NoAnswer(limit));
            }
            Some(Err(e)) => {
                forget(&self.watchers);
                return Err(SipError::Stack(e.to_string()));
            }
            Some(Ok(Err(e))) => {
                forget(&self.watchers);
                return Err(SipError::Stack(e.to_string()));
            }
            Some(Ok(Ok((_, response)))) => response,
        };
        let Some(resp) = response else {
            forget(&self.watchers);
            return Err(SipError::Refused { code: 408, reason: "no final response".into() });
        };
        let code = resp.status_code.code();
        if !(200..300).contains(&code) {
            forget(&self.watchers);
            return Err(SipError::Refused { code, reason: resp.status_code.to_string() });
        }
        let remote = std::str::from_utf8(&resp.body)
            .map_err(|_| SipError::BadAnswer("not UTF-8".into()))
            .and_then(|b| SessionDescription::parse(b).map_err(|e| SipError::BadAnswer(e.to_string())));
        match remote {
            Ok(remote) => Ok(Call { dialog, events, remote, local: offer }),
            Err(e) => {
                let _ = dialog.bye().await;
                Err(e)
            }
        }
    }
}

impl Drop for SipAgent {
    fn drop(&mut self) {
        self.cancel.cancel();
        let _ = &self.endpoint;
    }
}

/// A random number for Call-IDs (from the clock and the address of a local, mixed).
fn rand_u64() -> u64 {
    let t =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0) as u64;
    let x = &t as *const u64 as u64;
    let mut z = t ^ x.rotate_left(29) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl IncomingCall {
    /// Rings (180), then answers (200) with `answer`.
    pub fn accept(self, answer: SessionDescription) -> Result<Call, SipError> {
        let _ = self.dialog.ringing(None, None);
        self.dialog
            .accept(sdp_headers(), Some(answer.to_string().into_bytes()))
            .map_err(|e| SipError::Stack(e.to_string()))?;
        let remote = self.offer.clone().ok_or_else(|| SipError::BadAnswer("the INVITE had no SDP offer".into()))?;
        Ok(Call { dialog: self.dialog, events: self.events, remote, local: answer })
    }

    /// Waits until the caller gives up on this call (CANCEL, or the dialog ends before it is
    /// answered).
    pub async fn cancelled(&mut self) {
        while let Some(state) = self.events.recv().await {
            if matches!(state, DialogState::Terminated(..)) {
                return;
            }
        }
    }

    /// Refuses the call with `code` (e.g. 486 busy, 488 not acceptable).
    pub fn reject(self, code: u16) {
        let _ = self.dialog.reject(Some(StatusCode::from(code)), None);
    }
}

impl Call {
    /// Hangs up (BYE).
    pub async fn hangup(&self) {
        let _ = self.dialog.bye().await;
    }

    /// Waits until the call ends, answering session refreshes (re-INVITE) with our SDP.
    pub async fn ended(&mut self) -> CallEnd {
        while let Some(state) = self.events.recv().await {
            match state {
                DialogState::Updated(_, req, handle) => {
                    let body = (req.method == Method::Invite).then(|| self.local.to_string().into_bytes());
                    let headers = body.as_ref().and_then(|_| sdp_headers());
                    let _ = handle.respond(StatusCode::OK, headers, body).await;
                }
                DialogState::Terminated(_, reason) => {
                    return match reason {
                        TerminatedReason::UacBye | TerminatedReason::UasBye | TerminatedReason::UacCancel => {
                            CallEnd::HungUp
                        }
                        other => CallEnd::Failed(format!("{other:?}")),
                    };
                }
                _ => {}
            }
        }
        CallEnd::Failed("the SIP agent stopped".into())
    }
}

#[cfg(test)]
mod tests {
    use super::via_source;

    #[test]
    fn via_sources() {
        assert_eq!(via_source("SIP/2.0/UDP 127.0.0.1:5062;branch=z9hG4bK1;rport"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(via_source("SIP/2.0/UDP host.example:5060;received=192.0.2.7"), Some("192.0.2.7".parse().unwrap()));
        assert_eq!(via_source("SIP/2.0/TCP [2001:db8::1]:5060;branch=x"), Some("2001:db8::1".parse().unwrap()));
        assert_eq!(via_source("SIP/2.0/UDP 10.1.2.3"), Some("10.1.2.3".parse().unwrap()));
        assert_eq!(via_source("garbage"), None);
    }
}
