//! The fax metadata a TIFF file carries (FaxTiff): standard tags where one exists, and a
//! private ASCII tag for the rest.
//!
//! The private block is tag 65100 (`FERROFAX_METADATA_TAG`), type ASCII, holding lines of
//! `key=value` (UTF-8, newline-separated, no newline inside a value). Keys: `tsid`, `csid`,
//! `caller_id`, `recipient_name`, `recipient_number`, `sender_name`, `routing`,
//! `receive_time` (RFC 3339, UTC), `job_id`. Unknown keys are kept on reading.

/// The private TIFF tag holding the fields no standard tag has.
pub const FERROFAX_METADATA_TAG: u16 = 65100;

/// FaxTiff's fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FaxMetadata {
    pub tsid: String,
    pub csid: String,
    pub caller_id: String,
    pub recipient_name: String,
    pub recipient_number: String,
    pub sender_name: String,
    pub routing: String,
    /// RFC 3339 UTC timestamp of reception (or of sending, for archived faxes).
    pub receive_time: String,
    pub job_id: String,
    /// ImageDescription (standard tag 270).
    pub description: String,
    /// Software (standard tag 305).
    pub software: String,
    /// DateTime (standard tag 306), `YYYY:MM:DD HH:MM:SS`.
    pub date_time: String,
    /// Keys of the private block this version does not know.
    pub other: Vec<(String, String)>,
}

impl FaxMetadata {
    fn fields(&self) -> [(&'static str, &String); 9] {
        [
            ("tsid", &self.tsid),
            ("csid", &self.csid),
            ("caller_id", &self.caller_id),
            ("recipient_name", &self.recipient_name),
            ("recipient_number", &self.recipient_number),
            ("sender_name", &self.sender_name),
            ("routing", &self.routing),
            ("receive_time", &self.receive_time),
            ("job_id", &self.job_id),
        ]
    }

    /// The private block's text.
    pub fn private_block(&self) -> String {
        let mut s = String::new();
        for (k, v) in self.fields() {
            if !v.is_empty() {
                s.push_str(k);
                s.push('=');
                s.push_str(&v.replace(['\n', '\r'], " "));
                s.push('\n');
            }
        }
        for (k, v) in &self.other {
            s.push_str(&format!("{k}={}\n", v.replace(['\n', '\r'], " ")));
        }
        s
    }

    /// Fills the fields from a private block's text.
    pub fn parse_private_block(&mut self, text: &str) {
        for line in text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            let v = v.to_string();
            match k {
                "tsid" => self.tsid = v,
                "csid" => self.csid = v,
                "caller_id" => self.caller_id = v,
                "recipient_name" => self.recipient_name = v,
                "recipient_number" => self.recipient_number = v,
                "sender_name" => self.sender_name = v,
                "routing" => self.routing = v,
                "receive_time" => self.receive_time = v,
                "job_id" => self.job_id = v,
                _ => self.other.push((k.to_string(), v)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_block_round_trips() {
        let m = FaxMetadata {
            tsid: "+1 555".into(),
            routing: "folder\nx".into(),
            other: vec![("future".into(), "1".into())],
            ..Default::default()
        };
        let mut back = FaxMetadata::default();
        back.parse_private_block(&m.private_block());
        assert_eq!(back.tsid, "+1 555");
        assert_eq!(back.routing, "folder x");
        assert_eq!(back.other, m.other);
    }
}
