//! Inbound routing methods (FaxRoutingMethod): the catalogue, and running the enabled ones of
//! a port for each received fax. Store-in-folder works now; e-mail, print and webhook are
//! listed and arrive with the SIP-lines issue.

use ferrofax_api::RoutingMethodView;

use crate::store::RoutingRow;

/// One method of the catalogue.
pub struct Method {
    pub function_name: &'static str,
    pub guid: &'static str,
    pub friendly_name: &'static str,
    /// Why it cannot run on this server yet; None when it can.
    pub unavailable: Option<&'static str>,
}

pub const METHODS: [Method; 4] = [
    Method {
        function_name: "store_in_folder",
        guid: "{92041a90-9af2-11d0-abf7-00c04fd91a4e}",
        friendly_name: "Store in a folder",
        unavailable: None,
    },
    Method {
        function_name: "email",
        guid: "{6bbf7bfe-9af2-11d0-abf7-00c04fd91a4e}",
        friendly_name: "Send by e-mail",
        unavailable: Some("e-mail routing arrives with SIP lines and SMTP profiles"),
    },
    Method {
        function_name: "print",
        guid: "{92041a91-9af2-11d0-abf7-00c04fd91a4e}",
        friendly_name: "Print",
        unavailable: Some("printing through lp arrives with SIP lines"),
    },
    Method {
        function_name: "webhook",
        guid: "{3b0cf3a2-5c1e-4c8e-9a57-3f0f3d7a1b6e}",
        friendly_name: "Webhook (HTTP POST)",
        unavailable: Some("webhooks arrive with SIP lines"),
    },
];

/// Finds a method by GUID or function name.
pub fn find(key: &str) -> Option<&'static Method> {
    METHODS.iter().find(|m| m.function_name == key || m.guid.eq_ignore_ascii_case(key))
}

/// The view of a port's methods, stored settings merged over the catalogue.
pub fn views(device_id: &str, device_name: &str, stored: &[RoutingRow]) -> Vec<RoutingMethodView> {
    METHODS
        .iter()
        .map(|m| {
            let s = stored.iter().find(|r| r.function_name == m.function_name);
            RoutingMethodView {
                device_id: device_id.into(),
                device_name: device_name.into(),
                enable: s.is_some_and(|s| s.enable) && m.unavailable.is_none(),
                guid: m.guid.into(),
                function_name: m.function_name.into(),
                image_name: "faxd".into(),
                extension_name: "ferrofax routing".into(),
                friendly_name: m.friendly_name.into(),
                routing_data: s.map(|s| s.routing_data.clone()).unwrap_or_default(),
                available: m.unavailable.is_none(),
                unavailable_reason: m.unavailable.unwrap_or_default().into(),
            }
        })
        .collect()
}

/// Runs one method for a received fax (its TIFF bytes). Returns a line for the routing log.
pub fn run(method: &RoutingMethodView, job_id: i64, tiff: &[u8]) -> Result<String, String> {
    match method.function_name.as_str() {
        "store_in_folder" => {
            let folder = method.routing_data.split('|').next().unwrap_or_default();
            if folder.is_empty() {
                return Err("store_in_folder has no folder in its routing data".into());
            }
            let path = crate::archive::write_durably(std::path::Path::new(folder), &format!("fax-{job_id}.tif"), tiff)
                .map_err(|e| format!("storing in {folder}: {e}"))?;
            Ok(format!("stored as {}", path.display()))
        }
        other => Err(format!("routing method `{other}` is not available on this server")),
    }
}
