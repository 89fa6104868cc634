//! The SIP user agent of a fax line, on rsipstack: UDP and/or TCP transports on one address,
//! an INVITE flood guard in front of the transaction layer ([`crate::flood`]), outgoing INVITEs
//! carrying our SDP (answering 401/407 with the account's digest credentials), incoming INVITEs
//! offered to the application with the address they really came from (the transport's, not
//! the forgeable Via), requests within a dialog handed to its call (also those that overtake the
//! filing of a call we place), and registration with a registrar ([`crate::register`]).

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::EndpointBuilder;
use rsipstack::dialog::dialog::{Dialog, DialogState, DialogStateSender};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, Param, StatusCode, Transport, Uri};
use rsipstack::transaction::endpoint::Endpoint;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::udp::UdpConnection;
use rsipstack::transport::{TcpListenerConnection, TransportLayer};
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::call::{Call, sdp_headers};
use crate::flood::{FloodInspector, FloodLimit};
use crate::register::{Account, RegistrationState, RetryPolicy, keep_registered};
use crate::{SessionDescription, SipError};

type Watchers = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<DialogState>>>>;
/// The Call-IDs of the calls we are placing whose INVITE has no final answer yet (or whose
/// answer is still being filed).
type Placing = Arc<Mutex<HashSet<String>>>;

/// How an agent is set up.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Address of the transports (port 0: any; TCP then takes UDP's port).
    pub listen: SocketAddr,
    pub udp: bool,
    pub tcp: bool,
    /// Calls we place go over TCP (else UDP).
    pub call_over_tcp: bool,
    /// INVITE flood limit per source address; None: no limit.
    pub flood: Option<FloodLimit>,
    /// Registration, and credentials for challenges to our INVITEs.
    pub account: Option<Account>,
    pub register_retry: RetryPolicy,
}

impl AgentConfig {
    /// UDP only at `listen`, the default flood limit, no account.
    pub fn udp(listen: SocketAddr) -> AgentConfig {
        AgentConfig {
            listen,
            udp: true,
            tcp: false,
            call_over_tcp: false,
            flood: Some(FloodLimit::default()),
            account: None,
            register_retry: RetryPolicy::default(),
        }
    }

    /// TCP only at `listen`, calls over TCP.
    pub fn tcp(listen: SocketAddr) -> AgentConfig {
        AgentConfig { udp: false, tcp: true, call_over_tcp: true, ..AgentConfig::udp(listen) }
    }
}

/// A SIP user agent.
pub struct SipAgent {
    endpoint: Endpoint,
    dialogs: Arc<DialogLayer>,
    state_tx: DialogStateSender,
    watchers: Watchers,
    placing: Placing,
    contact: Uri,
    local: SocketAddr,
    config: AgentConfig,
    cancel: CancellationToken,
    /// Stops the registration first (it unregisters over the transports still running).
    stop_registering: CancellationToken,
    incoming: Option<mpsc::Receiver<IncomingCall>>,
    registration: Option<watch::Receiver<RegistrationState>>,
}

/// An INVITE waiting for the application's decision.
pub struct IncomingCall {
    dialog: rsipstack::dialog::invite_dialog::InviteDialog,
    events: mpsc::UnboundedReceiver<DialogState>,
    /// The caller's SDP offer (None: an offerless INVITE, or SDP that did not parse).
    pub offer: Option<SessionDescription>,
    /// From and To as sent.
    pub from: String,
    pub to: String,
    /// The address the INVITE came from, as the transport saw it (a Via can say anything).
    pub source: Option<SocketAddr>,
    /// The transport it came over.
    pub transport: Transport,
}

fn dialog_call_id(state: &DialogState) -> String {
    match state {
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
        | DialogState::Terminated(id, _) => id.call_id.clone(),
    }
}

/// A random number (std's per-instance random hasher keys; no generator needed for back-off
/// jitter and Call-IDs).
pub fn random_u64() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0));
    h.finish()
}

fn uri(text: &str) -> Result<Uri, SipError> {
    text.try_into().map_err(|e: rsipstack::sip::Error| SipError::BadUri(format!("{text}: {e}")))
}

impl SipAgent {
    /// Binds a UDP transport at `addr` (port 0 for any) and starts serving.
    pub async fn bind(addr: SocketAddr) -> Result<SipAgent, SipError> {
        SipAgent::start(AgentConfig::udp(addr)).await
    }

    /// Binds the transports `config` names and starts serving (and registering, with an
    /// account).
    pub async fn start(config: AgentConfig) -> Result<SipAgent, SipError> {
        if !config.udp && !config.tcp {
            return Err(SipError::Transport("neither UDP nor TCP enabled".into()));
        }
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let mut local = config.listen;
        if config.udp {
            let udp = UdpConnection::create_connection(config.listen, None, Some(cancel.child_token()))
                .await
                .map_err(|e| SipError::Transport(e.to_string()))?;
            local = udp.get_addr().get_socketaddr().map_err(|e| SipError::Transport(e.to_string()))?;
            transport.add_transport(udp.into());
        }
        if config.tcp {
            if local.port() == 0 {
                // The listener binds only when the endpoint serves: find a free port now.
                let probe = std::net::TcpListener::bind(local).map_err(|e| SipError::Transport(e.to_string()))?;
                local = probe.local_addr().map_err(|e| SipError::Transport(e.to_string()))?;
            }
            // Fail here, not in the background, if the port is taken.
            drop(std::net::TcpListener::bind(local).map_err(|e| SipError::Transport(format!("TCP {local}: {e}")))?);
            let tcp = TcpListenerConnection::new(local, None).await.map_err(|e| SipError::Transport(e.to_string()))?;
            transport.add_transport(tcp.into());
        }
        let mut builder = EndpointBuilder::new();
        builder.with_cancel_token(cancel.clone()).with_transport_layer(transport).with_user_agent("ferrofax");
        if let Some(limit) = config.flood {
            builder.with_transport_inspector(Box::new(FloodInspector::new(limit)));
        }
        let endpoint = builder.build();
        let dialogs = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let (state_tx, mut state_rx) = dialogs.new_dialog_state_channel();
        let user = config.account.as_ref().map(|a| a.user.clone()).unwrap_or_else(|| "fax".into());
        let contact = uri(&format!("sip:{user}@{local}"))?;
        let watchers: Watchers = Arc::default();
        let placing: Placing = Arc::default();
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
        let (w, d) = (watchers.clone(), dialogs.clone());
        tokio::spawn(async move {
            while let Some(state) = state_rx.recv().await {
                let key = dialog_call_id(&state);
                let terminated = matches!(state, DialogState::Terminated(..));
                let id = state.id().clone();
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
        let txs = endpoint.incoming_transactions().map_err(SipError::stack)?;
        let serve = Serve {
            dialogs: dialogs.clone(),
            watchers: watchers.clone(),
            placing: placing.clone(),
            states: state_tx.clone(),
            contact: contact.clone(),
            incoming: incoming_tx,
        };
        tokio::spawn(serve.run(txs));

        let stop_registering = CancellationToken::new();
        let registration = match &config.account {
            Some(account) => {
                let (tx, rx) = watch::channel(RegistrationState::Starting);
                let mut reg_contact = contact.clone();
                if !config.udp || config.call_over_tcp {
                    reg_contact.params.push(Param::Transport(Transport::Tcp));
                }
                tokio::spawn(keep_registered(
                    endpoint.inner.clone(),
                    account.clone(),
                    !config.udp || config.call_over_tcp,
                    reg_contact,
                    config.register_retry,
                    tx,
                    stop_registering.clone(),
                ));
                Some(rx)
            }
            None => None,
        };
        Ok(SipAgent {
            endpoint,
            dialogs,
            state_tx,
            watchers,
            placing,
            contact,
            local,
            config,
            cancel,
            stop_registering,
            incoming: Some(incoming),
            registration,
        })
    }

    /// Where this agent listens.
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The registration's state (None without an account).
    pub fn registration(&self) -> Option<watch::Receiver<RegistrationState>> {
        self.registration.clone()
    }

    /// The next incoming call (None once the stream has been taken or the agent stopped).
    pub async fn next_incoming(&mut self) -> Option<IncomingCall> {
        self.incoming.as_mut()?.recv().await
    }

    /// The stream of incoming calls, for a task of its own (the agent can then be shared).
    pub fn take_incoming(&mut self) -> Option<mpsc::Receiver<IncomingCall>> {
        self.incoming.take()
    }

    /// Stops the agent: unregisters (if registered) and closes the transports.
    pub async fn shutdown(&self) {
        self.stop_registering.cancel();
        if let Some(mut reg) = self.registration.clone() {
            let _ =
                tokio::time::timeout(Duration::from_secs(3), reg.wait_for(|s| *s == RegistrationState::Stopped)).await;
        }
        self.cancel.cancel();
    }

    /// Calls `target` (a SIP URI) as `from_user`, offering `offer`, and waits for the final
    /// answer at most `limit`; when the time is up or `cancel` fires first, the INVITE is
    /// cancelled (CANCEL, and BYE for an answer that crosses it).
    pub async fn call(
        &self,
        target: &str,
        from_user: &str,
        offer: SessionDescription,
        limit: Duration,
        cancel: &CancellationToken,
    ) -> Result<Call, SipError> {
        let mut callee = uri(target)?;
        if self.config.call_over_tcp && !callee.params.iter().any(|p| matches!(p, Param::Transport(_))) {
            callee.params.push(Param::Transport(Transport::Tcp));
        }
        let (caller, display) = match &self.config.account {
            Some(a) => (uri(&format!("sip:{}@{}", a.user, a.domain()))?, Some(from_user.to_string())),
            None => (uri(&format!("sip:{from_user}@{}", self.local))?, None),
        };
        let call_id = format!("{:016x}@ferrofax", random_u64());
        let _placing = PlacingGuard::new(&self.placing, &call_id);
        let (wtx, events) = mpsc::unbounded_channel();
        self.watchers.lock().expect("watchers").insert(call_id.clone(), wtx);
        let forget = || {
            self.watchers.lock().expect("watchers").remove(&call_id);
        };
        let opt = InviteOption {
            caller,
            caller_display_name: display,
            callee,
            contact: self.contact.clone(),
            content_type: Some("application/sdp".into()),
            offer: Some(offer.to_string().into_bytes()),
            call_id: Some(call_id.clone()),
            credential: self.config.account.as_ref().map(Account::credential),
            ..Default::default()
        };
        let (dialog, handle) = match self.dialogs.do_invite_async(opt, self.state_tx.clone()) {
            Ok(x) => x,
            Err(e) => {
                forget();
                return Err(SipError::stack(e));
            }
        };
        let outcome = tokio::select! {
            r = handle => Some(r),
            _ = tokio::time::sleep(limit) => None,
            _ = cancel.cancelled() => {
                let _ = dialog.cancel().await;
                forget();
                return Err(SipError::Cancelled);
            }
        };
        let response = match outcome {
            None => {
                let _ = dialog.cancel().await;
                forget();
                return Err(SipError::NoAnswer(limit));
            }
            Some(Err(e)) => {
                forget();
                return Err(SipError::stack(e));
            }
            Some(Ok(Err(e))) => {
                forget();
                return Err(SipError::stack(e));
            }
            Some(Ok(Ok((_, response)))) => response,
        };
        let Some(resp) = response else {
            forget();
            // The INVITE transaction timed out: nothing answered at all.
            return Err(SipError::NoAnswer(std::time::Duration::from_secs(32)));
        };
        let code = resp.status_code.code();
        if !(200..300).contains(&code) {
            forget();
            let reason = crate::error::reason_phrase(&resp);
            return Err(match code {
                401 | 407 => SipError::AuthRejected { code, reason },
                _ => SipError::Refused { code, reason },
            });
        }
        let remote = std::str::from_utf8(&resp.body)
            .map_err(|_| SipError::BadAnswer("not UTF-8".into()))
            .and_then(|b| SessionDescription::parse(b).map_err(|e| SipError::BadAnswer(e.to_string())));
        match remote {
            Ok(remote) => Ok(Call::start(dialog, events, offer, remote, true)),
            Err(e) => {
                let _ = tokio::time::timeout(Duration::from_secs(4), dialog.bye()).await;
                Err(e)
            }
        }
    }
}

impl Drop for SipAgent {
    fn drop(&mut self) {
        self.stop_registering.cancel();
        self.cancel.cancel();
        let _ = &self.endpoint;
    }
}

/// How long a re-INVITE that arrives before the ACK of our 2xx waits for it: the caller sent
/// its ACK first, so it is normally a matter of task scheduling; a lost ACK is retransmitted
/// with our 2xx (Timer G: 0.5, 1, 2 s).
const ACK_WAIT: Duration = Duration::from_secs(4);

/// Whether `dialog` is ready for a re-INVITE: waits while the ACK of the first INVITE's 2xx
/// is still on its way (a re-INVITE handled then would be taken for the first INVITE and
/// never answered). False if it is still not acknowledged after [`ACK_WAIT`].
async fn settled_for_reinvite(dialog: &Dialog) -> bool {
    let until = tokio::time::Instant::now() + ACK_WAIT;
    loop {
        match dialog.state() {
            DialogState::WaitAck(..) | DialogState::Early(..) | DialogState::Trying(..) | DialogState::Calling(..) => {
                if tokio::time::Instant::now() >= until {
                    return false;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            _ => return true,
        }
    }
}

/// A call in [`Placing`] for as long as [`SipAgent::call`] runs (dropped with it if the caller
/// gives up).
struct PlacingGuard<'a> {
    placing: &'a Placing,
    call_id: String,
}

impl<'a> PlacingGuard<'a> {
    fn new(placing: &'a Placing, call_id: &str) -> PlacingGuard<'a> {
        placing.lock().expect("placing").insert(call_id.to_string());
        PlacingGuard { placing, call_id: call_id.to_string() }
    }
}

impl Drop for PlacingGuard<'_> {
    fn drop(&mut self) {
        self.placing.lock().expect("placing").remove(&self.call_id);
    }
}

/// How long a request in a call we are placing may wait for the call's dialog to be filed.
/// rsipstack sends the ACK of the far end's 2xx before it files the dialog under the far end's
/// tag, so a request the far end sends the moment our ACK reaches it can overtake the filing;
/// it is a matter of task scheduling, bounded all the same.
const FILING_WAIT: Duration = Duration::from_secs(2);

/// The dialog an in-dialog request belongs to. In a call we are placing whose answer is still
/// being filed, waits for the dialog (at most [`FILING_WAIT`]) rather than have a request of a
/// call that exists answered 481 Call/Transaction Does Not Exist.
async fn dialog_of(dialogs: &DialogLayer, placing: &Placing, tx: &Transaction) -> Option<Dialog> {
    let call_id = tx.original.call_id_header().ok()?.value().to_string();
    let until = tokio::time::Instant::now() + FILING_WAIT;
    loop {
        // Read before matching: a call no longer being placed has its dialog filed, or never will.
        let being_placed = placing.lock().expect("placing").contains(&call_id);
        if let Some(dialog) = dialogs.match_dialog(tx) {
            return Some(dialog);
        }
        if !being_placed || tokio::time::Instant::now() >= until {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// What serving incoming requests needs.
struct Serve {
    dialogs: Arc<DialogLayer>,
    watchers: Watchers,
    placing: Placing,
    states: DialogStateSender,
    contact: Uri,
    incoming: mpsc::Sender<IncomingCall>,
}

impl Serve {
    async fn run(self, mut txs: rsipstack::transaction::TransactionReceiver) {
        while let Some(mut tx) = txs.recv().await {
            let in_dialog = tx.original.to_header().ok().and_then(|t| t.tag().ok().flatten()).is_some();
            if in_dialog {
                let (dialogs, placing) = (self.dialogs.clone(), self.placing.clone());
                tokio::spawn(async move {
                    let Some(mut dialog) = dialog_of(&dialogs, &placing, &tx).await else {
                        let _ = tx.reply(StatusCode::CallTransactionDoesNotExist).await;
                        return;
                    };
                    if tx.original.method == Method::Invite && !settled_for_reinvite(&dialog).await {
                        // Our answer to the first INVITE is still unacknowledged after the
                        // ACK's retransmissions had time to come (RFC 3261 §14.2).
                        let retry = Header::RetryAfter((1 + crate::agent::random_u64() % 5).to_string().into());
                        let _ = tx.reply_with(StatusCode::ServerInternalError, vec![retry], None).await;
                        return;
                    }
                    let _ = dialog.handle(&mut tx).await;
                });
                continue;
            }
            match tx.original.method {
                Method::Invite => {
                    let source =
                        tx.connection.as_ref().and_then(|c| c.get_remote_addr()).and_then(|a| a.get_socketaddr().ok());
                    let transport = tx.connection.as_ref().map(|c| c.transport()).unwrap_or(Transport::Udp);
                    let mut contact = self.contact.clone();
                    if transport == Transport::Tcp {
                        contact.params.push(Param::Transport(Transport::Tcp));
                    }
                    let dialog =
                        match self.dialogs.get_or_create_server_invite(&tx, self.states.clone(), None, Some(contact)) {
                            Ok(dialog) => dialog,
                            Err(e) => {
                                tracing::debug!("INVITE refused: {e}");
                                let _ = tx.reply(StatusCode::BadRequest).await;
                                continue;
                            }
                        };
                    let (wtx, events) = mpsc::unbounded_channel();
                    self.watchers.lock().expect("watchers").insert(dialog.id().call_id.clone(), wtx);
                    let req = &tx.original;
                    let offer = std::str::from_utf8(&req.body).ok().and_then(|b| SessionDescription::parse(b).ok());
                    let from = req.from_header().map(|h| h.value().to_string()).unwrap_or_default();
                    let to = req.to_header().map(|h| h.value().to_string()).unwrap_or_default();
                    let call = IncomingCall { dialog: dialog.clone(), events, offer, from, to, source, transport };
                    let mut dlg = dialog;
                    tokio::spawn(async move {
                        let _ = dlg.handle(&mut tx).await;
                    });
                    if self.incoming.send(call).await.is_err() {
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
    }
}

impl IncomingCall {
    /// Rings (180), then answers (200) with `answer`.
    pub fn accept(self, answer: SessionDescription) -> Result<Call, SipError> {
        let _ = self.dialog.ringing(None, None);
        self.dialog.accept(sdp_headers(), Some(answer.to_string().into_bytes())).map_err(SipError::stack)?;
        let remote = self.offer.clone().ok_or_else(|| SipError::BadAnswer("the INVITE had no SDP offer".into()))?;
        Ok(Call::start(self.dialog, self.events, answer, remote, false))
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
