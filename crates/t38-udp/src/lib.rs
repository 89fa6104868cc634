//! A T.38 fax call on a real network: drives a sans-IO [`T38Call`] from a UDP socket and the
//! tokio clock. The call's time is the time since [`run_call`] began; datagrams from any
//! address but the far end's are ignored (unless the far end is learnt from the first one,
//! for peers behind NAT).

use std::net::SocketAddr;
use std::time::Duration;

use ferrofax_t30::{Completion, Event};
use ferrofax_t38::T38Call;
use ferrofax_t38::sim::DatagramEndpoint;
use tokio::net::UdpSocket;
use tokio::time::Instant;

/// Where the far end is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FarEnd {
    /// The address SDP gave; datagrams from elsewhere are dropped.
    Fixed(SocketAddr),
    /// Send to the SDP address until the first datagram arrives, then answer wherever that
    /// came from (symmetric, as NATed peers need).
    Learn(SocketAddr),
}

/// What ended the call besides T.30 itself.
#[derive(Debug)]
pub enum CallError {
    /// The socket failed.
    Io(std::io::Error),
    /// T.30 never reached phase E within the limit.
    TimedOut,
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Io(e) => write!(f, "UDPTL socket: {e}"),
            CallError::TimedOut => f.write_str("the fax call did not end within its time limit"),
        }
    }
}

impl std::error::Error for CallError {}

/// Runs `call` over `socket` until it ends, passing every T.30 event to `on_event` as it
/// happens. `limit` bounds the whole call (T.30's own timers end it long before in any normal
/// failure).
pub async fn run_call(
    call: T38Call,
    socket: &UdpSocket,
    far_end: FarEnd,
    limit: Duration,
    on_event: impl FnMut(&Event),
) -> Result<Completion, CallError> {
    run_call_until(call, socket, far_end, limit, std::future::pending(), on_event).await
}

/// Like [`run_call`], and when `abort` completes (the fax was cancelled) T.30 ends the call its
/// own way (DCN) and the call runs on until that is out.
pub async fn run_call_until(
    mut call: T38Call,
    socket: &UdpSocket,
    far_end: FarEnd,
    limit: Duration,
    abort: impl std::future::Future<Output = ()>,
    mut on_event: impl FnMut(&Event),
) -> Result<Completion, CallError> {
    let abort = std::pin::pin!(abort);
    let mut abort = Some(abort);
    drive_inner(
        &mut call,
        socket,
        far_end,
        limit,
        &mut abort,
        |c: &mut T38Call, now| c.abort(now),
        |c: &mut T38Call| {
            while let Some(e) = c.poll_event() {
                on_event(&e);
            }
        },
    )
    .await?;
    call.session().completion().cloned().ok_or(CallError::TimedOut)
}

/// Runs any UDPTL endpoint (a [`T38Call`], or another implementation behind the same trait)
/// over `socket` in real time until it finishes; `after_step` sees it after every step.
pub async fn drive<E: DatagramEndpoint>(
    endpoint: &mut E,
    socket: &UdpSocket,
    far_end: FarEnd,
    limit: Duration,
    after_step: impl FnMut(&mut E),
) -> Result<(), CallError> {
    let mut never: Option<std::pin::Pin<&mut std::future::Pending<()>>> = None;
    drive_inner(endpoint, socket, far_end, limit, &mut never, |_, _| {}, after_step).await
}

/// The loop of [`drive`], with an abort signal that fires `on_abort` once.
async fn drive_inner<E: DatagramEndpoint, A: std::future::Future<Output = ()>>(
    endpoint: &mut E,
    socket: &UdpSocket,
    far_end: FarEnd,
    limit: Duration,
    abort: &mut Option<std::pin::Pin<&mut A>>,
    mut on_abort: impl FnMut(&mut E, Duration),
    mut after_step: impl FnMut(&mut E),
) -> Result<(), CallError> {
    let start = Instant::now();
    let (mut peer, learn) = match far_end {
        FarEnd::Fixed(a) => (a, false),
        FarEnd::Learn(a) => (a, true),
    };
    let mut learnt = false;
    let mut buf = vec![0u8; 2048];
    endpoint.start(Duration::ZERO);
    loop {
        while let Some(d) = endpoint.poll_datagram() {
            socket.send_to(&d, peer).await.map_err(CallError::Io)?;
        }
        after_step(endpoint);
        if endpoint.is_finished() {
            return Ok(());
        }
        if start.elapsed() > limit {
            return Err(CallError::TimedOut);
        }
        let wake = endpoint.poll_timeout().unwrap_or(limit).min(limit);
        tokio::select! {
            r = socket.recv_from(&mut buf) => {
                let (n, from) = match r {
                    Ok(x) => x,
                    // ICMP port unreachable and the like: the far end is not there yet.
                    Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => continue,
                    Err(e) => return Err(CallError::Io(e)),
                };
                if from != peer {
                    if learn && !learnt {
                        tracing::debug!(%from, sdp = %peer, "answering the far end where its UDPTL comes from");
                        peer = from;
                    } else {
                        continue;
                    }
                }
                learnt = true;
                endpoint.handle_datagram(start.elapsed(), &buf[..n]);
            }
            _ = tokio::time::sleep_until(start + wake) => {
                endpoint.handle_timeout(start.elapsed());
            }
            _ = async { abort.as_mut().expect("checked").await }, if abort.is_some() => {
                *abort = None;
                on_abort(endpoint, start.elapsed());
            }
        }
    }
}
