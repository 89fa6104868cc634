//! Reading TIFF files as fax pages: multi-page; CCITT RLE (2), Group 3 (3, 1D and 2D, byte
//! aligned or not), Group 4 (4), PackBits (32773) and uncompressed bilevel images; both fill
//! orders; resolutions; the FaxTiff metadata.
//!
//! The IFDs are walked here rather than through the `tiff` crate, because its decoder builds
//! a colour image description from every directory and refuses directories that fax TIFFs
//! legitimately omit tags from; a fax reader needs only the tags and the raw strips, with
//! strict bounds and limits on hostile input.

use std::collections::HashSet;

use crate::metadata::FERROFAX_METADATA_TAG;
use crate::{Bitmap, CodedPage, Coding, FaxMetadata, ImageError, Resolution};

/// Limits applied while reading untrusted files.
#[derive(Debug, Clone, Copy)]
pub struct ReadLimits {
    pub max_pages: u32,
    pub max_width: u32,
    pub max_height: u32,
}

impl Default for ReadLimits {
    fn default() -> Self {
        ReadLimits { max_pages: 1000, max_width: 10_000, max_height: 20_000 }
    }
}

/// One page of a TIFF file as found, before decoding.
#[derive(Debug, Clone)]
pub struct TiffPage {
    pub width: u32,
    pub height: u32,
    pub x_dpi: f64,
    pub y_dpi: f64,
    pub compression: u16,
    fill_order_reversed: bool,
    black_is_zero: bool,
    t4_options: u32,
    rows_per_strip: u32,
    strips: Vec<(usize, usize)>,
}

impl TiffPage {
    /// The coding of the page's strips, for CCITT pages.
    pub fn coding(&self) -> Option<Coding> {
        match self.compression {
            2 => Some(Coding::Mh),
            3 if self.t4_options & 1 != 0 => Some(Coding::Mr),
            3 => Some(Coding::Mh),
            4 => Some(Coding::Mmr),
            _ => None,
        }
    }

    /// The resolution class nearest to the page's.
    pub fn resolution(&self) -> Resolution {
        Resolution::nearest(self.x_dpi, self.y_dpi)
    }
}

/// A TIFF file read as a fax: its pages and the metadata of the first page.
#[derive(Debug)]
pub struct FaxTiff<'a> {
    bytes: &'a [u8],
    pub pages: Vec<TiffPage>,
    pub metadata: FaxMetadata,
}

/// Reads the structure of a TIFF file. Pages are decoded on demand with
/// [`FaxTiff::decode_page`].
pub fn read_tiff(bytes: &[u8], limits: ReadLimits) -> Result<FaxTiff<'_>, ImageError> {
    let r = Reader::new(bytes)?;
    let mut offset = r.u32(4)? as usize;
    let mut seen = HashSet::new();
    let mut pages = Vec::new();
    let mut metadata = FaxMetadata::default();
    while offset != 0 {
        if !seen.insert(offset) {
            return Err(ImageError::NotTiff("its directories form a loop".into()));
        }
        if pages.len() as u32 >= limits.max_pages {
            return Err(ImageError::Limit(format!(
                "the file has more than {} pages, the configured limit",
                limits.max_pages
            )));
        }
        let n = pages.len() as u32 + 1;
        let (entries, next) = r.directory(offset)?;
        let get = |tag: u16| entries.iter().find(|e| e.tag == tag);
        let num = |tag: u16, default: u64| -> Result<u64, ImageError> {
            match get(tag) {
                Some(e) => r.numbers(e)?.first().copied().ok_or_else(|| bad(n, tag)),
                None => Ok(default),
            }
        };
        let width = num(256, 0)?;
        let height = num(257, 0)?;
        if width == 0 || height == 0 {
            return Err(unsupported(n, "it has no ImageWidth or ImageLength".into()));
        }
        if width > limits.max_width as u64 || height > limits.max_height as u64 {
            return Err(ImageError::Limit(format!(
                "page {n} is {width}×{height} pixels; the configured limit is {}×{}",
                limits.max_width, limits.max_height
            )));
        }
        if get(322).is_some() {
            return Err(unsupported(n, "tiled images are not fax pages".into()));
        }
        let bps = num(258, 1)?;
        let spp = num(277, 1)?;
        if bps != 1 || spp != 1 {
            return Err(unsupported(
                n,
                format!("it has {spp} sample(s) of {bps} bit(s); a fax page is 1-bit black and white"),
            ));
        }
        let compression = num(259, 1)? as u16;
        if !matches!(compression, 1 | 2 | 3 | 4 | 32773) {
            return Err(unsupported(
                n,
                format!("compression {compression} is not one of none, CCITT RLE, Group 3, Group 4, PackBits"),
            ));
        }
        let offsets = get(273).map(|e| r.numbers(e)).transpose()?.unwrap_or_default();
        let counts = get(279).map(|e| r.numbers(e)).transpose()?.unwrap_or_default();
        if offsets.is_empty() || offsets.len() != counts.len() {
            return Err(unsupported(n, "its strip offsets and byte counts do not match".into()));
        }
        let mut strips = Vec::with_capacity(offsets.len());
        for (&o, &c) in offsets.iter().zip(&counts) {
            let (o, c) = (o as usize, c as usize);
            if o.checked_add(c).is_none_or(|end| end > bytes.len()) {
                return Err(ImageError::Corrupt { page: n, reason: "a strip lies beyond the end of the file".into() });
            }
            strips.push((o, c));
        }
        let unit = num(296, 2)?;
        let scale = if unit == 3 { 2.54 } else { 1.0 };
        let x_dpi = get(282).map(|e| r.rational(e)).transpose()?.unwrap_or(204.0) * scale;
        let y_dpi = get(283).map(|e| r.rational(e)).transpose()?.unwrap_or(196.0) * scale;
        let rows_per_strip = num(278, height)?.min(height).max(1) as u32;
        if n == 1 {
            metadata.description = get(270).map(|e| r.ascii(e)).transpose()?.unwrap_or_default();
            metadata.software = get(305).map(|e| r.ascii(e)).transpose()?.unwrap_or_default();
            metadata.date_time = get(306).map(|e| r.ascii(e)).transpose()?.unwrap_or_default();
            if let Some(e) = get(FERROFAX_METADATA_TAG) {
                metadata.parse_private_block(&r.ascii(e)?);
            }
        }
        pages.push(TiffPage {
            width: width as u32,
            height: height as u32,
            x_dpi: if x_dpi.is_finite() && x_dpi > 0.0 { x_dpi } else { 204.0 },
            y_dpi: if y_dpi.is_finite() && y_dpi > 0.0 { y_dpi } else { 196.0 },
            compression,
            fill_order_reversed: num(266, 1)? == 2,
            black_is_zero: num(262, 0)? == 1,
            t4_options: num(292, 0)? as u32,
            rows_per_strip,
            strips,
        });
        offset = next;
    }
    if pages.is_empty() {
        return Err(ImageError::NotTiff("it has no pages".into()));
    }
    Ok(FaxTiff { bytes, pages, metadata })
}

impl FaxTiff<'_> {
    /// Page `index` as coded data without decoding, when it is one strip of CCITT data with
    /// the usual bit order (as this crate writes them).
    pub fn coded_page(&self, index: usize) -> Option<CodedPage> {
        let p = self.pages.get(index)?;
        let coding = p.coding()?;
        if p.strips.len() != 1 || p.fill_order_reversed || p.compression == 2 {
            return None;
        }
        let (off, len) = p.strips[0];
        Some(CodedPage {
            width: p.width,
            height: p.height,
            resolution: p.resolution(),
            coding,
            byte_aligned_eols: p.t4_options & 4 != 0,
            data: self.bytes[off..off + len].to_vec(),
        })
    }

    /// Decodes page `index` (0-based) to a bitmap.
    pub fn decode_page(&self, index: usize) -> Result<Bitmap, ImageError> {
        self.decode_strips(index, None)
    }

    /// Decodes page `index` as a fax receiver does: damaged MH/MR lines are replaced by the
    /// line above and counted (see [`CodedPage::decode_lines`]).
    pub fn decode_page_lines(&self, index: usize) -> Result<(Bitmap, crate::LineReport), ImageError> {
        let mut report = crate::LineReport::default();
        let bitmap = self.decode_strips(index, Some(&mut report))?;
        Ok((bitmap, report))
    }

    fn decode_strips(&self, index: usize, mut lines: Option<&mut crate::LineReport>) -> Result<Bitmap, ImageError> {
        let p = &self.pages[index];
        let n = index as u32 + 1;
        let mut out = Bitmap::new(p.width, p.height);
        let mut y0 = 0u32;
        for &(off, len) in &p.strips {
            if y0 >= p.height {
                break;
            }
            let rows = p.rows_per_strip.min(p.height - y0);
            let mut data = self.bytes[off..off + len].to_vec();
            if p.fill_order_reversed {
                data.iter_mut().for_each(|b| *b = b.reverse_bits());
            }
            let strip = match p.compression {
                1 => raw_strip(&data, p.width, rows, p.black_is_zero, n)?,
                32773 => raw_strip(
                    &unpack_bits(&data, p.width.div_ceil(8) as usize * rows as usize),
                    p.width,
                    rows,
                    p.black_is_zero,
                    n,
                )?,
                2 => decode_rle(&data, p.width, rows, n)?,
                _ => {
                    let coded = CodedPage {
                        width: p.width,
                        height: rows,
                        resolution: p.resolution(),
                        coding: p.coding().expect("CCITT compression"),
                        byte_aligned_eols: p.t4_options & 4 != 0,
                        data,
                    };
                    match lines.as_deref_mut() {
                        None => coded.decode(n)?,
                        Some(total) => {
                            let (strip, r) = coded.decode_lines();
                            total.bad_lines += r.bad_lines;
                            total.longest_bad_run = total.longest_bad_run.max(r.longest_bad_run);
                            strip
                        }
                    }
                }
            };
            for y in 0..rows {
                out.row_mut(y0 + y).copy_from_slice(strip.row(y));
            }
            y0 += rows;
        }
        if let Some(total) = lines {
            total.lines = p.height;
        }
        if y0 < p.height {
            return Err(ImageError::Corrupt { page: n, reason: format!("its strips hold {y0} of {} lines", p.height) });
        }
        Ok(out)
    }
}

fn raw_strip(data: &[u8], width: u32, rows: u32, black_is_zero: bool, page: u32) -> Result<Bitmap, ImageError> {
    let mut b = Bitmap::new(width, rows);
    let stride = b.stride();
    if data.len() < stride * rows as usize {
        return Err(ImageError::Corrupt { page, reason: "a strip is shorter than its lines".into() });
    }
    for y in 0..rows {
        let src = &data[y as usize * stride..(y as usize + 1) * stride];
        let row = b.row_mut(y);
        for (d, s) in row.iter_mut().zip(src) {
            *d = if black_is_zero { !s } else { *s };
        }
        if !width.is_multiple_of(8) {
            let last = row.len() - 1;
            row[last] &= 0xffu8 << (8 - width % 8);
        }
    }
    Ok(b)
}

/// CCITT RLE (compression 2): MH lines without EOLs, each starting on a byte boundary.
fn decode_rle(data: &[u8], width: u32, rows: u32, page: u32) -> Result<Bitmap, ImageError> {
    let mut sink = crate::coding::RowSink::new(width, rows);
    let settings = hayro_ccitt::DecodeSettings {
        columns: width,
        rows,
        end_of_block: false,
        end_of_line: false,
        rows_are_byte_aligned: true,
        encoding: hayro_ccitt::EncodingMode::Group3_1D,
        strict: false,
    };
    let mut ctx = hayro_ccitt::DecoderContext::new(settings);
    let _ = hayro_ccitt::decode(data, &mut sink, &mut ctx);
    sink.finish(page)
}

fn unpack_bits(data: &[u8], want: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(want);
    let mut i = 0;
    while i < data.len() && out.len() < want {
        let n = data[i] as i8;
        i += 1;
        if n >= 0 {
            let end = (i + n as usize + 1).min(data.len());
            out.extend_from_slice(&data[i..end]);
            i = end;
        } else if n != -128 {
            if let Some(&b) = data.get(i) {
                out.extend(std::iter::repeat_n(b, (1 - n as isize) as usize));
            }
            i += 1;
        }
    }
    out.truncate(want);
    out
}

fn bad(page: u32, tag: u16) -> ImageError {
    ImageError::Corrupt { page, reason: format!("tag {tag} has no value") }
}

fn unsupported(page: u32, reason: String) -> ImageError {
    ImageError::Unsupported { page, reason }
}

struct Entry {
    tag: u16,
    ty: u16,
    count: u32,
    value_at: usize,
}

struct Reader<'a> {
    b: &'a [u8],
    le: bool,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Result<Self, ImageError> {
        if b.len() < 8 {
            return Err(ImageError::NotTiff("the file is shorter than a TIFF header".into()));
        }
        let le = match &b[..2] {
            b"II" => true,
            b"MM" => false,
            _ => {
                return Err(ImageError::NotTiff("it does not start with a TIFF byte-order mark".into()));
            }
        };
        let r = Reader { b, le };
        match r.u16(2)? {
            42 => Ok(r),
            43 => Err(ImageError::NotTiff("BigTIFF files are not fax files".into())),
            m => Err(ImageError::NotTiff(format!("magic number {m} is not 42"))),
        }
    }

    fn slice(&self, at: usize, n: usize) -> Result<&'a [u8], ImageError> {
        at.checked_add(n)
            .and_then(|end| self.b.get(at..end))
            .ok_or_else(|| ImageError::NotTiff(format!("a field points beyond the end of the file ({at}+{n})")))
    }

    fn u16(&self, at: usize) -> Result<u16, ImageError> {
        let s = self.slice(at, 2)?;
        Ok(if self.le { u16::from_le_bytes([s[0], s[1]]) } else { u16::from_be_bytes([s[0], s[1]]) })
    }

    fn u32(&self, at: usize) -> Result<u32, ImageError> {
        let s: [u8; 4] = self.slice(at, 4)?.try_into().expect("4 bytes");
        Ok(if self.le { u32::from_le_bytes(s) } else { u32::from_be_bytes(s) })
    }

    fn directory(&self, at: usize) -> Result<(Vec<Entry>, usize), ImageError> {
        let n = self.u16(at)? as usize;
        let mut entries = Vec::with_capacity(n);
        for i in 0..n {
            let e = at + 2 + i * 12;
            let ty = self.u16(e + 2)?;
            let count = self.u32(e + 4)?;
            let size = type_size(ty) as u64 * count as u64;
            let value_at = if size <= 4 { e + 8 } else { self.u32(e + 8)? as usize };
            entries.push(Entry { tag: self.u16(e)?, ty, count, value_at });
        }
        let next = self.u32(at + 2 + n * 12)? as usize;
        Ok((entries, next))
    }

    fn numbers(&self, e: &Entry) -> Result<Vec<u64>, ImageError> {
        let size = type_size(e.ty);
        if !matches!(e.ty, 1 | 3 | 4 | 13 | 16) {
            return Err(ImageError::NotTiff(format!("tag {} has type {}, not an integer", e.tag, e.ty)));
        }
        let count = e.count as usize;
        self.slice(e.value_at, count.saturating_mul(size))?;
        (0..count)
            .map(|i| {
                let at = e.value_at + i * size;
                Ok(match e.ty {
                    1 => self.b[at] as u64,
                    3 => self.u16(at)? as u64,
                    _ => self.u32(at)? as u64,
                })
            })
            .collect()
    }

    fn rational(&self, e: &Entry) -> Result<f64, ImageError> {
        match e.ty {
            5 => {
                let (n, d) = (self.u32(e.value_at)?, self.u32(e.value_at + 4)?);
                Ok(if d == 0 { 0.0 } else { n as f64 / d as f64 })
            }
            _ => Ok(self.numbers(e)?.first().copied().unwrap_or(0) as f64),
        }
    }

    fn ascii(&self, e: &Entry) -> Result<String, ImageError> {
        let s = self.slice(e.value_at, e.count as usize)?;
        let end = s.iter().position(|&c| c == 0).unwrap_or(s.len());
        Ok(String::from_utf8_lossy(&s[..end]).into_owned())
    }
}

fn type_size(ty: u16) -> usize {
    match ty {
        3 | 8 => 2,
        4 | 9 | 11 | 13 => 4,
        5 | 10 | 12 | 16 => 8,
        _ => 1,
    }
}
