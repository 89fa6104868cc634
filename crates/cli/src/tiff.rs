//! `fax tiff info FILE`: a fax TIFF's pages and metadata (FaxTiff), read locally with no
//! server; `fax tiff render` hands over to the convert module.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;
use ferrofax_image::{ReadLimits, read_tiff};
use serde::Serialize;

use crate::output::{fields, json, table};

#[derive(Subcommand)]
pub enum TiffAction {
    /// Pages, geometry, coding and the fax metadata of a TIFF file.
    Info {
        /// The TIFF file.
        file: PathBuf,
    },
    /// Draws one page as a PNG (square pixels, whatever the fax resolution).
    Render {
        /// The TIFF file.
        file: PathBuf,
        /// The page, from 1.
        #[arg(long, default_value_t = 1)]
        page: usize,
        /// The PNG to write.
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Serialize)]
struct PageInfo {
    page: usize,
    width: u32,
    height: u32,
    x_dpi: f64,
    y_dpi: f64,
    coding: String,
    decodes: bool,
    /// Lines that did not decode (a fax receiver prints the line above instead).
    bad_lines: u32,
    longest_bad_run: u32,
    problem: Option<String>,
}

pub fn tiff(action: TiffAction, as_json: bool) -> anyhow::Result<i32> {
    let file = match action {
        TiffAction::Info { file } => file,
        TiffAction::Render { file, page, output } => return crate::convert::render_tiff_page(&file, page, &output),
    };
    let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let t = read_tiff(&bytes, ReadLimits::default()).with_context(|| format!("{}", file.display()))?;
    let pages: Vec<PageInfo> = t
        .pages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let decoded = t.decode_page(i);
            let report = t.decode_page_lines(i).map(|(_, r)| r).unwrap_or_default();
            PageInfo {
                page: i + 1,
                width: p.width,
                height: p.height,
                x_dpi: p.x_dpi,
                y_dpi: p.y_dpi,
                coding: match p.compression {
                    1 => "uncompressed".into(),
                    2 => "CCITT RLE".into(),
                    32773 => "PackBits".into(),
                    _ => p.coding().map(|c| c.name().to_string()).unwrap_or_default(),
                },
                decodes: decoded.is_ok() && report.bad_lines == 0,
                bad_lines: report.bad_lines,
                longest_bad_run: report.longest_bad_run,
                problem: decoded.err().map(|e| e.to_string()),
            }
        })
        .collect();
    let m = &t.metadata;
    let meta = [
        ("receive_time", &m.receive_time),
        ("tsid", &m.tsid),
        ("csid", &m.csid),
        ("caller_id", &m.caller_id),
        ("recipient_name", &m.recipient_name),
        ("recipient_number", &m.recipient_number),
        ("sender_name", &m.sender_name),
        ("routing", &m.routing),
        ("job_id", &m.job_id),
        ("description", &m.description),
        ("software", &m.software),
        ("date_time", &m.date_time),
    ];
    let bad = pages.iter().filter(|p| !p.decodes).count();
    if as_json {
        let meta: serde_json::Map<String, serde_json::Value> =
            meta.iter().map(|(k, v)| (k.to_string(), serde_json::Value::String((*v).clone()))).collect();
        json(&serde_json::json!({ "file": file, "pages": pages, "metadata": meta }))?;
    } else {
        let mut pairs = vec![("file", file.display().to_string()), ("pages", pages.len().to_string())];
        pairs.extend(meta.iter().filter(|(_, v)| !v.is_empty()).map(|(k, v)| (*k, (*v).clone())));
        fields(&pairs);
        let rows = pages
            .iter()
            .map(|p| {
                vec![
                    p.page.to_string(),
                    format!("{}×{}", p.width, p.height),
                    format!("{:.0}×{:.0}", p.x_dpi, p.y_dpi),
                    p.coding.clone(),
                    p.bad_lines.to_string(),
                    p.problem
                        .clone()
                        .unwrap_or_else(|| if p.bad_lines > 0 { "damaged lines".into() } else { "ok".into() }),
                ]
            })
            .collect();
        table(&["PAGE", "PIXELS", "DPI", "CODING", "BAD LINES", "DATA"], rows);
    }
    Ok(if bad == 0 { 0 } else { 3 })
}
