//! The fourteen FaxServer properties, their patch form and the version handshake.

use serde::{Deserialize, Serialize};

/// Every FaxServer property of the object model, as the server holds it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// Re-tries of a failed outgoing fax; after the last one the job is RetriesExceeded.
    pub retries: u32,
    /// Minutes to wait between attempts.
    pub retry_delay: u32,
    /// Days a failed job stays before it and its files are deleted; 0 = never.
    pub dirty_days: u32,
    /// Stamp a header line (date, sender, recipient, page n/N) on every page sent.
    pub branding: bool,
    /// Keep a TIFF copy of every fax sent successfully in `archive_directory`.
    pub archive_outbound_faxes: bool,
    /// Where archived faxes go; must be a directory the server can create and write.
    pub archive_directory: String,
    /// Start of the daily discount window (hour 0–23, in the server's time zone).
    pub discount_rate_start_hour: u8,
    /// Start of the daily discount window (minute 0–59).
    pub discount_rate_start_minute: u8,
    /// End of the daily discount window (hour 0–23); before the start means it wraps midnight.
    pub discount_rate_end_hour: u8,
    /// End of the daily discount window (minute 0–59).
    pub discount_rate_end_minute: u8,
    /// While true no queued outgoing job starts; jobs in progress finish.
    pub pause_server_queue: bool,
    /// When true only the server's common cover pages may be used.
    pub server_coverpage: bool,
    /// Name of the SMTP profile (server configuration) used for e-mail routing and reports.
    pub server_mapi_profile: String,
    /// When true the TSID sent is the port's, ignoring the job's.
    pub use_device_tsid: bool,
}

/// A partial change of the server settings (`PATCH /v1/server`). Integers are signed so that a
/// negative value is answered with a range error naming the property, not a parse error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retries: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_delay: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dirty_days: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branding: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_outbound_faxes: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive_directory: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate_start_hour: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate_start_minute: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate_end_hour: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_rate_end_minute: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pause_server_queue: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_coverpage: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_mapi_profile: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub use_device_tsid: Option<bool>,
}

impl SettingsPatch {
    /// The property names a patch may carry, in the order of the object model.
    pub const KEYS: [&'static str; 14] = [
        "retries",
        "retry_delay",
        "dirty_days",
        "branding",
        "archive_outbound_faxes",
        "archive_directory",
        "discount_rate_start_hour",
        "discount_rate_start_minute",
        "discount_rate_end_hour",
        "discount_rate_end_minute",
        "pause_server_queue",
        "server_coverpage",
        "server_mapi_profile",
        "use_device_tsid",
    ];

    /// Builds a one-property patch from text, as `fax server set KEY VALUE` takes it.
    pub fn from_key_value(key: &str, value: &str) -> Result<Self, String> {
        let key = key.trim().to_ascii_lowercase().replace('-', "_");
        if !Self::KEYS.contains(&key.as_str()) {
            return Err(format!("unknown setting `{key}`; settings are: {}", Self::KEYS.join(", ")));
        }
        let json = match key.as_str() {
            "archive_directory" | "server_mapi_profile" => serde_json::Value::String(value.into()),
            "branding" | "archive_outbound_faxes" | "pause_server_queue" | "server_coverpage" | "use_device_tsid" => {
                serde_json::Value::Bool(
                    parse_bool(value).ok_or_else(|| format!("`{key}` takes true or false, not `{value}`"))?,
                )
            }
            _ => serde_json::Value::Number(
                value.trim().parse::<i64>().map_err(|_| format!("`{key}` takes a whole number, not `{value}`"))?.into(),
            ),
        };
        let mut map = serde_json::Map::new();
        map.insert(key, json);
        serde_json::from_value(serde_json::Value::Object(map)).map_err(|e| e.to_string())
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// The answer to `GET /v1/version`: the handshake of `FaxServer::connect`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionInfo {
    /// Always `ferrofax`.
    pub product: String,
    /// The faxd version.
    pub version: String,
    /// The API generation (1).
    pub api: u32,
    /// The IANA time zone of the discount window and of local times.
    pub time_zone: String,
    /// The user the presented token belongs to.
    pub user: String,
    /// `admin` or `user`.
    pub role: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_value_patches_parse_by_type() {
        let p = SettingsPatch::from_key_value("Retries", "3").unwrap();
        assert_eq!(p.retries, Some(3));
        let p = SettingsPatch::from_key_value("pause-server-queue", "yes").unwrap();
        assert_eq!(p.pause_server_queue, Some(true));
        let p = SettingsPatch::from_key_value("archive_directory", "/srv/fax").unwrap();
        assert_eq!(p.archive_directory.as_deref(), Some("/srv/fax"));
        assert!(SettingsPatch::from_key_value("colour", "1").unwrap_err().contains("unknown setting"));
        assert!(SettingsPatch::from_key_value("branding", "maybe").is_err());
        assert!(SettingsPatch::from_key_value("retries", "x").is_err());
    }
}
