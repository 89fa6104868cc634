//! The FaxServer settings: defaults, validation of a patch, and the discount-rate window.

use std::path::Path;

use ferrofax_api::validate::range;
use ferrofax_api::{ServerSettings, SettingsPatch};
use jiff::tz::TimeZone;

use crate::clock::Millis;
use crate::config::Config;
use crate::error::ServiceError;

/// The server settings in force: a snapshot swapped whole on every change, so that a reader
/// takes an `Arc` (no copy of the settings, no lock held across its work) and sees one
/// consistent set; changes are serialised so that two patches never undo each other.
pub struct SettingsCell {
    current: std::sync::RwLock<std::sync::Arc<ServerSettings>>,
    changes: tokio::sync::Mutex<()>,
}

impl SettingsCell {
    pub fn new(s: ServerSettings) -> SettingsCell {
        SettingsCell { current: std::sync::RwLock::new(std::sync::Arc::new(s)), changes: tokio::sync::Mutex::new(()) }
    }

    /// The settings now.
    pub fn snapshot(&self) -> std::sync::Arc<ServerSettings> {
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Holds other changes off while one is checked, saved and put in force.
    pub async fn change(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.changes.lock().await
    }

    /// Puts new settings in force (under [`SettingsCell::change`]).
    pub fn replace(&self, s: ServerSettings) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = std::sync::Arc::new(s);
    }
}

/// Settings on first start. The discount window is 20:00–07:00, as the original shipped.
pub fn defaults(data_dir: &Path) -> ServerSettings {
    ServerSettings {
        retries: 3,
        retry_delay: 10,
        dirty_days: 30,
        branding: true,
        archive_outbound_faxes: false,
        archive_directory: data_dir.join("archive").display().to_string(),
        discount_rate_start_hour: 20,
        discount_rate_start_minute: 0,
        discount_rate_end_hour: 7,
        discount_rate_end_minute: 0,
        pause_server_queue: false,
        server_coverpage: false,
        server_mapi_profile: String::new(),
        use_device_tsid: false,
    }
}

fn invalid(field: &str, detail: String) -> ServiceError {
    ServiceError::invalid(field, detail)
}

/// Applies a patch to the settings, checking every value; nothing changes on error.
pub fn apply_patch(
    current: &ServerSettings,
    p: &SettingsPatch,
    config: &Config,
) -> Result<ServerSettings, ServiceError> {
    let mut s = current.clone();
    let int = |field: &str, v: i64, min: i64, max: i64| -> Result<i64, ServiceError> {
        range(field, v, min, max).map_err(|e| invalid(field, e))?;
        Ok(v)
    };
    if let Some(v) = p.retries {
        s.retries = int("retries", v, 0, 100)? as u32;
    }
    if let Some(v) = p.retry_delay {
        s.retry_delay = int("retry_delay", v, 0, 7 * 24 * 60)? as u32;
    }
    if let Some(v) = p.dirty_days {
        s.dirty_days = int("dirty_days", v, 0, 3650)? as u32;
    }
    if let Some(v) = p.discount_rate_start_hour {
        s.discount_rate_start_hour = int("discount_rate_start_hour", v, 0, 23)? as u8;
    }
    if let Some(v) = p.discount_rate_start_minute {
        s.discount_rate_start_minute = int("discount_rate_start_minute", v, 0, 59)? as u8;
    }
    if let Some(v) = p.discount_rate_end_hour {
        s.discount_rate_end_hour = int("discount_rate_end_hour", v, 0, 23)? as u8;
    }
    if let Some(v) = p.discount_rate_end_minute {
        s.discount_rate_end_minute = int("discount_rate_end_minute", v, 0, 59)? as u8;
    }
    for (v, field) in [
        (p.branding, &mut s.branding),
        (p.archive_outbound_faxes, &mut s.archive_outbound_faxes),
        (p.pause_server_queue, &mut s.pause_server_queue),
        (p.server_coverpage, &mut s.server_coverpage),
        (p.use_device_tsid, &mut s.use_device_tsid),
    ] {
        if let Some(v) = v {
            *field = v;
        }
    }
    if let Some(dir) = &p.archive_directory {
        check_archive_dir(dir)?;
        s.archive_directory = dir.clone();
    }
    if s.archive_outbound_faxes && p.archive_outbound_faxes == Some(true) && p.archive_directory.is_none() {
        check_archive_dir(&s.archive_directory)?;
    }
    if let Some(name) = &p.server_mapi_profile {
        if !name.is_empty() && !config.smtp_profiles.contains_key(name) {
            let known: Vec<&str> = config.smtp_profiles.keys().map(String::as_str).collect();
            return Err(invalid(
                "server_mapi_profile",
                if known.is_empty() {
                    format!("no SMTP profile `{name}` is configured (the configuration has none)")
                } else {
                    format!("no SMTP profile `{name}` is configured; configured: {}", known.join(", "))
                },
            ));
        }
        s.server_mapi_profile = name.clone();
    }
    Ok(s)
}

/// The archive directory must be absolute, creatable and writable.
fn check_archive_dir(dir: &str) -> Result<(), ServiceError> {
    let path = Path::new(dir);
    if dir.is_empty() || !path.is_absolute() {
        return Err(invalid("archive_directory", format!("archive_directory `{dir}` must be an absolute path")));
    }
    let fail =
        |e: std::io::Error| invalid("archive_directory", format!("archive_directory `{dir}` cannot be used: {e}"));
    std::fs::create_dir_all(path).map_err(fail)?;
    let probe = path.join(format!(".faxd-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"").map_err(fail)?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The daily discount-rate window in a time zone.
#[derive(Debug, Clone)]
pub struct DiscountWindow {
    start: i64,
    end: i64,
    tz: TimeZone,
}

impl DiscountWindow {
    /// The window of the settings. Start equal to end means the whole day.
    pub fn new(s: &ServerSettings, tz: TimeZone) -> Self {
        DiscountWindow {
            start: s.discount_rate_start_hour as i64 * 60 + s.discount_rate_start_minute as i64,
            end: s.discount_rate_end_hour as i64 * 60 + s.discount_rate_end_minute as i64,
            tz,
        }
    }

    fn minute_of_day(&self, at: Millis) -> (i64, i64) {
        let ts = jiff::Timestamp::from_millisecond(at).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
        let z = ts.to_zoned_datetime(self.tz.clone());
        let secs = z.second() as i64 * 1000 + z.subsec_nanosecond() as i64 / 1_000_000;
        (z.hour() as i64 * 60 + z.minute() as i64, secs)
    }

    /// The window's opening time, `HH:MM`.
    pub fn describe_start(&self) -> String {
        format!("{:02}:{:02}", self.start / 60, self.start % 60)
    }

    /// Whether `at` lies in the window.
    pub fn is_open(&self, at: Millis) -> bool {
        let (m, _) = self.minute_of_day(at);
        if self.start == self.end {
            true
        } else if self.start < self.end {
            m >= self.start && m < self.end
        } else {
            m >= self.start || m < self.end
        }
    }

    /// The next time after `at` the window opens or closes (whichever comes first), found by
    /// walking minute boundaries so that DST changes are honoured.
    pub fn next_change(&self, at: Millis) -> Millis {
        let (_, ms_in_minute) = self.minute_of_day(at);
        let open = self.is_open(at);
        let mut t = at - ms_in_minute + 60_000;
        for _ in 0..(2 * 24 * 60) {
            if self.is_open(t) != open {
                return t;
            }
            t += 60_000;
        }
        at + 24 * 3_600_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Millis {
        s.parse::<jiff::Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn window_across_midnight_in_a_time_zone() {
        let mut s = defaults(Path::new("/tmp"));
        (s.discount_rate_start_hour, s.discount_rate_start_minute) = (22, 30);
        (s.discount_rate_end_hour, s.discount_rate_end_minute) = (6, 15);
        let w = DiscountWindow::new(&s, TimeZone::get("Europe/Berlin").unwrap());
        // 21:00 UTC = 22:00 in Berlin (winter): closed; 21:30 UTC = 22:30: open.
        assert!(!w.is_open(at("2026-11-24T21:00:00Z")));
        assert!(w.is_open(at("2026-11-24T21:30:00Z")));
        assert!(w.is_open(at("2026-11-25T05:14:00Z")));
        assert!(!w.is_open(at("2026-11-25T05:15:00Z")));
        assert_eq!(w.next_change(at("2026-11-24T12:00:10Z")), at("2026-11-24T21:30:00Z"));
        assert_eq!(w.next_change(at("2026-11-24T23:00:00Z")), at("2026-11-25T05:15:00Z"));
    }

    #[test]
    fn patch_validation_names_the_field() {
        let c = Config::default();
        let s = defaults(Path::new("/tmp"));
        let e = apply_patch(&s, &SettingsPatch { retries: Some(-1), ..Default::default() }, &c).unwrap_err();
        assert!(matches!(&e, ServiceError::Refused { field: Some(f), .. } if f == "retries"), "{e:?}");
        let e = apply_patch(&s, &SettingsPatch { discount_rate_end_minute: Some(60), ..Default::default() }, &c)
            .unwrap_err();
        assert!(e.to_string().contains("between 0 and 59"));
        let e =
            apply_patch(&s, &SettingsPatch { server_mapi_profile: Some("office".into()), ..Default::default() }, &c)
                .unwrap_err();
        assert!(e.to_string().contains("office"));
        let e = apply_patch(
            &s,
            &SettingsPatch { archive_directory: Some("relative/dir".into()), ..Default::default() },
            &c,
        )
        .unwrap_err();
        assert!(e.to_string().contains("absolute"));
        let e =
            apply_patch(&s, &SettingsPatch { archive_directory: Some("/proc/nope".into()), ..Default::default() }, &c)
                .unwrap_err();
        assert!(e.to_string().contains("cannot be used"));
        let ok = apply_patch(&s, &SettingsPatch { retries: Some(0), branding: Some(false), ..Default::default() }, &c)
            .unwrap();
        assert_eq!((ok.retries, ok.branding), (0, false));
    }
}
