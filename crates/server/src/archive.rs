//! The outbound archive (ArchiveOutboundFaxes, ArchiveDirectory) and the FaxTiff metadata of
//! sent and received faxes.

use std::io::Write;
use std::path::Path;

use ferrofax_image::FaxMetadata;

use crate::clock::{Millis, timestamp};
use crate::store::JobRow;

fn tiff_date(at: Millis) -> String {
    timestamp(at).strftime("%Y:%m:%d %H:%M:%S").to_string()
}

fn pages(n: u32) -> String {
    if n == 1 { "1 page".into() } else { format!("{n} pages") }
}

/// The metadata of a sent fax.
pub fn sent_metadata(row: &JobRow, tsid: &str, at: Millis) -> FaxMetadata {
    FaxMetadata {
        tsid: tsid.into(),
        csid: row.remote_ident.clone(),
        recipient_name: row.recipient.recipient_name.clone(),
        recipient_number: row.fax_number.clone(),
        sender_name: row.fields.sender_name.clone(),
        receive_time: timestamp(at).to_string(),
        job_id: row.id.to_string(),
        description: format!("Fax to {} ({}), job {}", row.fax_number, pages(row.page_count), row.id),
        software: format!("ferrofax {}", env!("CARGO_PKG_VERSION")),
        date_time: tiff_date(at),
        ..Default::default()
    }
}

/// The metadata of a received fax.
pub fn received_metadata(row: &JobRow) -> FaxMetadata {
    let at = row.finished_at.unwrap_or(row.submitted_at);
    FaxMetadata {
        tsid: row.remote_ident.clone(),
        csid: row.csid.clone(),
        caller_id: row.caller_id.clone(),
        recipient_number: row.fax_number.clone(),
        routing: row.routing.clone(),
        receive_time: timestamp(at).to_string(),
        job_id: row.id.to_string(),
        description: format!("Fax received from {} ({})", row.remote_ident, pages(row.page_count)),
        software: format!("ferrofax {}", env!("CARGO_PKG_VERSION")),
        date_time: tiff_date(at),
        ..Default::default()
    }
}

/// Writes `bytes` to `dir/name` durably (temporary file, fsync, rename, fsync of the folder).
pub fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<std::path::PathBuf> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(name);
    let tmp = dir.join(format!(".{name}.tmp"));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    f.sync_all()?;
    std::fs::rename(&tmp, &path)?;
    crate::documents::sync_dir(dir)?;
    Ok(path)
}
