//! The server's event stream (`/v1/events`, server-sent events) as a stream of [`Event`]s.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use ferrofax_api::Event;
use futures_util::{Stream, StreamExt};

use crate::{Error, Result};

type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// Events as they happen. Remember the last `id` to resume with `FaxServer::events(Some(id))`.
pub struct EventStream {
    body: ByteStream,
    buffer: Vec<u8>,
    data: String,
}

impl EventStream {
    pub(crate) fn new(resp: reqwest::Response) -> Self {
        EventStream { body: Box::pin(resp.bytes_stream()), buffer: Vec::new(), data: String::new() }
    }

    /// Takes one complete event out of the buffer, if there is one.
    fn next_buffered(&mut self) -> Option<Result<Event>> {
        while let Some(end) = self.buffer.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buffer.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if self.data.is_empty() {
                    continue;
                }
                let data = std::mem::take(&mut self.data);
                return Some(serde_json::from_str(&data).map_err(|e| Error::Protocol(format!("bad event: {e}"))));
            }
            if let Some(d) = line.strip_prefix("data:") {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(d.strip_prefix(' ').unwrap_or(d));
            }
            // `id:`, `event:` and comments (keep-alives) need no handling: the JSON has them.
        }
        None
    }
}

impl Stream for EventStream {
    type Item = Result<Event>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(e) = self.next_buffered() {
                return Poll::Ready(Some(e));
            }
            match self.body.poll_next_unpin(cx) {
                Poll::Ready(Some(Ok(chunk))) => self.buffer.extend_from_slice(&chunk),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}
