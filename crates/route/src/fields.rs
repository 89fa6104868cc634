//! What is known about a fax, as the named fields that templates use (`{tsid}`, `{pages}` …)
//! and that a webhook sends as JSON. Times are shown in the server's time zone.

use jiff::Timestamp;
use jiff::tz::TimeZone;

/// A received fax.
#[derive(Debug, Clone)]
pub struct ReceivedFax {
    pub job_id: i64,
    /// The sender's identity sent in T.30 (TSID).
    pub tsid: String,
    /// The calling number, as the line reported it.
    pub caller_id: String,
    /// The number that was called.
    pub called_number: String,
    /// The identity this server answered with (CSID).
    pub csid: String,
    /// The port (DeviceId) and its name.
    pub port: String,
    pub port_name: String,
    pub pages: u32,
    pub received_at: Timestamp,
    pub time_zone: TimeZone,
}

/// A sent fax that reached its end, for its delivery report.
#[derive(Debug, Clone)]
pub struct SentFax {
    pub job_id: i64,
    /// Whether every page was confirmed by the receiver.
    pub delivered: bool,
    pub recipient_name: String,
    pub fax_number: String,
    /// The document's name (DisplayName), when the sender gave one.
    pub document: String,
    pub pages_sent: u32,
    pub pages_total: u32,
    pub attempts: u32,
    /// How the last attempt ended, in words (the failure reason when not delivered).
    pub result: String,
    /// The receiver's identity (CSID), when it answered.
    pub csid: String,
    pub submitted_at: Timestamp,
    pub finished_at: Timestamp,
    pub time_zone: TimeZone,
}

/// `n page(s)` in words.
pub fn pages_text(n: u32) -> String {
    if n == 1 { "1 page".into() } else { format!("{n} pages") }
}

fn local(at: Timestamp, tz: &TimeZone) -> String {
    at.to_zoned_datetime(tz.clone()).strftime("%Y-%m-%d %H:%M:%S %Z").to_string()
}

fn or<'a>(value: &'a str, fallback: &'a str) -> &'a str {
    if value.trim().is_empty() { fallback } else { value }
}

impl ReceivedFax {
    /// The sender as best known: the TSID, else the caller id, else "an unknown sender".
    pub fn sender(&self) -> &str {
        or(&self.tsid, or(&self.caller_id, "an unknown sender"))
    }

    /// Every field a template may name, with its value as text.
    pub fn fields(&self) -> Vec<(String, String)> {
        let z = self.received_at.to_zoned_datetime(self.time_zone.clone());
        [
            ("job_id", self.job_id.to_string()),
            ("tsid", self.tsid.clone()),
            ("caller_id", self.caller_id.clone()),
            ("called_number", self.called_number.clone()),
            ("csid", self.csid.clone()),
            ("sender", self.sender().to_string()),
            ("port", self.port.clone()),
            ("port_name", self.port_name.clone()),
            ("pages", self.pages.to_string()),
            ("pages_text", pages_text(self.pages)),
            ("received_at", local(self.received_at, &self.time_zone)),
            ("received_at_utc", self.received_at.to_string()),
            ("date", z.strftime("%Y-%m-%d").to_string()),
            ("time", z.strftime("%H:%M").to_string()),
            ("time_zone", self.time_zone.iana_name().unwrap_or("UTC").to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The fields for checking a template: every name, with made-up values.
    pub fn sample() -> Self {
        ReceivedFax {
            job_id: 1,
            tsid: "+1 555 0100".into(),
            caller_id: "+15550100".into(),
            called_number: "+15550200".into(),
            csid: "+1 555 0200".into(),
            port: "loop2".into(),
            port_name: "Loopback 2".into(),
            pages: 2,
            received_at: Timestamp::UNIX_EPOCH,
            time_zone: TimeZone::UTC,
        }
    }
}

impl SentFax {
    /// Every field a report template may name, with its value as text.
    pub fn fields(&self) -> Vec<(String, String)> {
        let recipient = if self.recipient_name.trim().is_empty() {
            self.fax_number.clone()
        } else {
            format!("{} ({})", self.recipient_name, self.fax_number)
        };
        [
            ("job_id", self.job_id.to_string()),
            ("outcome", if self.delivered { "delivered" } else { "failed" }.to_string()),
            ("recipient", recipient),
            ("recipient_name", self.recipient_name.clone()),
            ("fax_number", self.fax_number.clone()),
            ("document", or(&self.document, "(no name)").to_string()),
            ("pages_sent", self.pages_sent.to_string()),
            ("pages_total", self.pages_total.to_string()),
            ("attempts", self.attempts.to_string()),
            ("result", self.result.clone()),
            ("reason", if self.delivered { String::new() } else { self.result.clone() }),
            ("csid", or(&self.csid, "(unknown)").to_string()),
            ("submitted_at", local(self.submitted_at, &self.time_zone)),
            ("finished_at", local(self.finished_at, &self.time_zone)),
            ("time_zone", self.time_zone.iana_name().unwrap_or("UTC").to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// The fields for checking a template: every name, with made-up values.
    pub fn sample() -> Self {
        SentFax {
            job_id: 1,
            delivered: true,
            recipient_name: "Pharmacy".into(),
            fax_number: "+1 555 0199".into(),
            document: "report.pdf".into(),
            pages_sent: 2,
            pages_total: 2,
            attempts: 1,
            result: "2 pages confirmed".into(),
            csid: "+1 555 0199".into(),
            submitted_at: Timestamp::UNIX_EPOCH,
            finished_at: Timestamp::UNIX_EPOCH,
            time_zone: TimeZone::UTC,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_the_server_time_zone() {
        let fax = ReceivedFax {
            received_at: "2026-11-24T12:00:00Z".parse().unwrap(),
            time_zone: TimeZone::get("Europe/Berlin").unwrap(),
            tsid: String::new(),
            ..ReceivedFax::sample()
        };
        let f = fax.fields();
        let get = |k: &str| f.iter().find(|(n, _)| n == k).unwrap().1.clone();
        assert_eq!(get("received_at"), "2026-11-24 13:00:00 CET");
        assert_eq!(get("received_at_utc"), "2026-11-24T12:00:00Z");
        assert_eq!(get("time"), "13:00");
        assert_eq!(get("sender"), "+15550100", "no TSID: the caller id names the sender");
        assert_eq!(get("pages_text"), "2 pages");
    }
}
