//! FaxPort (a fax line), FaxStatus (its live state), DeviceStatus and the routing methods of
//! received faxes.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// FaxJob.DeviceStatus and the state of a line, as the object model lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Dialing,
    Sending,
    Receiving,
    Completed,
    Handled,
    Unavailable,
    Busy,
    NoAnswer,
    BadAddress,
    NoDialTone,
    Disconnected,
    FatalError,
    NotFaxCall,
    CallDelayed,
    CallBlacklisted,
    Initializing,
    Offline,
    Ringing,
    Available,
    Aborting,
    Routing,
    Answered,
    /// No port yet.
    Unknown,
}

impl DeviceStatus {
    pub const ALL: [DeviceStatus; 23] = [
        DeviceStatus::Dialing,
        DeviceStatus::Sending,
        DeviceStatus::Receiving,
        DeviceStatus::Completed,
        DeviceStatus::Handled,
        DeviceStatus::Unavailable,
        DeviceStatus::Busy,
        DeviceStatus::NoAnswer,
        DeviceStatus::BadAddress,
        DeviceStatus::NoDialTone,
        DeviceStatus::Disconnected,
        DeviceStatus::FatalError,
        DeviceStatus::NotFaxCall,
        DeviceStatus::CallDelayed,
        DeviceStatus::CallBlacklisted,
        DeviceStatus::Initializing,
        DeviceStatus::Offline,
        DeviceStatus::Ringing,
        DeviceStatus::Available,
        DeviceStatus::Aborting,
        DeviceStatus::Routing,
        DeviceStatus::Answered,
        DeviceStatus::Unknown,
    ];

    /// The name on the wire and in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Dialing => "dialing",
            DeviceStatus::Sending => "sending",
            DeviceStatus::Receiving => "receiving",
            DeviceStatus::Completed => "completed",
            DeviceStatus::Handled => "handled",
            DeviceStatus::Unavailable => "unavailable",
            DeviceStatus::Busy => "busy",
            DeviceStatus::NoAnswer => "no_answer",
            DeviceStatus::BadAddress => "bad_address",
            DeviceStatus::NoDialTone => "no_dial_tone",
            DeviceStatus::Disconnected => "disconnected",
            DeviceStatus::FatalError => "fatal_error",
            DeviceStatus::NotFaxCall => "not_fax_call",
            DeviceStatus::CallDelayed => "call_delayed",
            DeviceStatus::CallBlacklisted => "call_blacklisted",
            DeviceStatus::Initializing => "initializing",
            DeviceStatus::Offline => "offline",
            DeviceStatus::Ringing => "ringing",
            DeviceStatus::Available => "available",
            DeviceStatus::Aborting => "aborting",
            DeviceStatus::Routing => "routing",
            DeviceStatus::Answered => "answered",
            DeviceStatus::Unknown => "unknown",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }

    /// Whether another attempt may succeed after a call ended this way. A bad address, a
    /// blocked call or a call that is not a fax will not be mended by calling again.
    pub fn is_retryable(self) -> bool {
        !matches!(self, DeviceStatus::BadAddress | DeviceStatus::CallBlacklisted | DeviceStatus::NotFaxCall)
    }
}

/// FaxPort: a fax line and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortView {
    /// Stable identifier (the line's name in the configuration).
    pub device_id: String,
    pub name: String,
    /// The line driver: `loopback` now, `sip` and `modem` later.
    pub driver: String,
    /// Rings before answering, 1–99; used only when `receive` is on.
    pub rings: u32,
    /// Identity sent when answering.
    pub csid: String,
    /// Identity sent when calling.
    pub tsid: String,
    pub send: bool,
    pub receive: bool,
    /// 1..n, 1 first: an outgoing job takes the free send-enabled port with the best priority.
    pub priority: u32,
    /// Whether the caller may change this port.
    pub can_modify: bool,
}

/// A change to a port (`PATCH /v1/ports/{id}`). Setting `priority` renumbers the others.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rings: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tsid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub send: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
}

impl PortPatch {
    pub const KEYS: [&'static str; 6] = ["rings", "csid", "tsid", "send", "receive", "priority"];

    /// Builds a one-field patch from text, as `fax port set ID KEY VALUE` takes it.
    pub fn from_key_value(key: &str, value: &str) -> Result<Self, String> {
        let key = key.trim().to_ascii_lowercase();
        let mut p = PortPatch::default();
        let int = || value.trim().parse::<i64>().map_err(|_| format!("`{key}` takes a whole number, not `{value}`"));
        let boolean = || match value.trim().to_ascii_lowercase().as_str() {
            "true" | "yes" | "on" | "1" => Ok(true),
            "false" | "no" | "off" | "0" => Ok(false),
            _ => Err(format!("`{key}` takes true or false, not `{value}`")),
        };
        match key.as_str() {
            "rings" => p.rings = Some(int()?),
            "priority" => p.priority = Some(int()?),
            "csid" => p.csid = Some(value.to_string()),
            "tsid" => p.tsid = Some(value.to_string()),
            "send" => p.send = Some(boolean()?),
            "receive" => p.receive = Some(boolean()?),
            _ => {
                return Err(format!("unknown port setting `{key}`; port settings are: {}", Self::KEYS.join(", ")));
            }
        }
        Ok(p)
    }
}

/// FaxStatus: what a port is doing now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FaxStatus {
    pub device_id: String,
    pub device_name: String,
    pub device_status: DeviceStatus,
    pub caller_id: String,
    pub csid: String,
    pub tsid: String,
    pub current_page: u32,
    pub page_count: u32,
    pub document_name: String,
    /// Bytes of the document on the line: the stored pages of the fax being sent (its cover
    /// page included), or of the pages received so far.
    pub document_size: u64,
    /// Sending now.
    pub send: bool,
    /// Receiving now.
    pub receive: bool,
    /// The number being called.
    pub address: String,
    /// The number the call is for, as routing sees it: the number dialled when sending, the
    /// number called (the DID) when receiving.
    pub routing_string: String,
    pub sender_name: String,
    pub recipient_name: String,
    /// The current state in words.
    pub description: String,
    /// The job on the line, if any.
    pub job_id: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub start_time: Option<Timestamp>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub submitted_time: Option<Timestamp>,
    /// Seconds since `start_time`.
    pub elapsed_time: u64,
    /// The mode agreed with the far end for the pages now crossing, in words (`V.17 14400
    /// bit/s, 204×196 dpi, MMR, ECM`); empty before training.
    #[serde(default)]
    pub mode: String,
    /// The line itself, when it has a state of its own: a SIP line with a registrar says
    /// whether it is registered (`registered with 192.0.2.1:5060 until 13:04:05 UTC`) or why not.
    #[serde(default)]
    pub line: String,
}

/// FaxRoutingMethod: one thing done with each fax a port receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoutingMethodView {
    pub device_id: String,
    pub device_name: String,
    pub enable: bool,
    pub guid: String,
    pub function_name: String,
    pub image_name: String,
    pub extension_name: String,
    pub friendly_name: String,
    /// `number[|extra]`: for store-in-folder the folder; for e-mail the address; for print the
    /// printer; for webhook the URL.
    pub routing_data: String,
    /// Whether this server can run the method; when false `unavailable_reason` says why and it
    /// cannot be enabled.
    pub available: bool,
    pub unavailable_reason: String,
}

/// A change to one routing method of a port (`PATCH /v1/ports/{id}/routing`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RoutingMethodPatch {
    /// The method's GUID or its function name (`store_in_folder`, `email`, `print`, `webhook`).
    pub method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing_data: Option<String>,
}
