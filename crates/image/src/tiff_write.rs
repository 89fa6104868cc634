//! Writing TIFF Class F files: one IFD per page, each page one strip of coded data, with the
//! resolution, PageNumber and FaxTiff metadata tags.

use crate::metadata::FERROFAX_METADATA_TAG;
use crate::{CodedPage, Coding, FaxMetadata};

/// Writes `pages` as a little-endian multi-page TIFF Class F file. The metadata goes on every
/// page (standard tags ImageDescription, Software, DateTime, and the private block).
pub fn write_tiff(pages: &[CodedPage], metadata: &FaxMetadata) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + pages.iter().map(|p| p.data.len() + 400).sum::<usize>());
    out.extend_from_slice(b"II*\0");
    let mut link_at = 4; // where the offset of the next IFD goes
    out.extend_from_slice(&[0; 4]);
    let private = metadata.private_block();
    let total = pages.len() as u16;
    for (i, page) in pages.iter().enumerate() {
        let strip_at = out.len() as u32;
        out.extend_from_slice(&page.data);
        pad_even(&mut out);

        // Out-of-line values first, then the IFD that points at them.
        let xres_at = push_rational(&mut out, page.resolution.x_dpi());
        let yres_at = push_rational(&mut out, page.resolution.y_dpi());
        let ascii = |out: &mut Vec<u8>, s: &str| -> Option<(u32, u32)> {
            if s.is_empty() {
                return None;
            }
            let at = out.len() as u32;
            out.extend_from_slice(s.as_bytes());
            out.push(0);
            pad_even(out);
            Some((at, s.len() as u32 + 1))
        };
        let desc = ascii(&mut out, &metadata.description);
        let soft = ascii(&mut out, &metadata.software);
        let date = ascii(&mut out, &metadata.date_time);
        let priv_at = ascii(&mut out, &private);

        let (compression, options_tag, options) = match page.coding {
            Coding::Mh => (3u16, 292u16, if page.byte_aligned_eols { 4u32 } else { 0 }),
            Coding::Mr => (3, 292, 1 | if page.byte_aligned_eols { 4 } else { 0 }),
            Coding::Mmr => (4, 293, 0),
        };
        let mut entries: Vec<(u16, u16, u32, u32)> = vec![
            (254, 4, 1, 2),                                   // NewSubfileType: page of a multi-page file
            (256, 4, 1, page.width),                          // ImageWidth
            (257, 4, 1, page.height),                         // ImageLength
            (258, 3, 1, 1),                                   // BitsPerSample
            (259, 3, 1, compression as u32),                  // Compression
            (262, 3, 1, 0),                                   // Photometric: WhiteIsZero
            (266, 3, 1, 1),                                   // FillOrder: MSB first
            (273, 4, 1, strip_at),                            // StripOffsets
            (274, 3, 1, 1),                                   // Orientation
            (277, 3, 1, 1),                                   // SamplesPerPixel
            (278, 4, 1, page.height),                         // RowsPerStrip
            (279, 4, 1, page.data.len() as u32),              // StripByteCounts
            (282, 5, 1, xres_at),                             // XResolution
            (283, 5, 1, yres_at),                             // YResolution
            (options_tag, 4, 1, options),                     // T4Options / T6Options
            (296, 3, 1, 2),                                   // ResolutionUnit: inch
            (297, 3, 2, (i as u32) | ((total as u32) << 16)), // PageNumber
            (327, 3, 1, 0),                                   // CleanFaxData: clean
        ];
        for (tag, v) in [(270u16, desc), (305, soft), (306, date), (FERROFAX_METADATA_TAG, priv_at)] {
            if let Some((at, len)) = v {
                entries.push(if len <= 4 {
                    inline_ascii(tag, &out[at as usize..at as usize + len as usize])
                } else {
                    (tag, 2, len, at)
                });
            }
        }
        entries.sort_by_key(|e| e.0);

        let ifd_at = out.len() as u32;
        out[link_at..link_at + 4].copy_from_slice(&ifd_at.to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        for (tag, ty, count, value) in entries {
            out.extend_from_slice(&tag.to_le_bytes());
            out.extend_from_slice(&ty.to_le_bytes());
            out.extend_from_slice(&count.to_le_bytes());
            if ty == 3 && count == 1 {
                out.extend_from_slice(&(value as u16).to_le_bytes());
                out.extend_from_slice(&[0, 0]);
            } else {
                out.extend_from_slice(&value.to_le_bytes());
            }
        }
        link_at = out.len();
        out.extend_from_slice(&[0; 4]);
    }
    out
}

fn inline_ascii(tag: u16, bytes: &[u8]) -> (u16, u16, u32, u32) {
    let mut v = [0u8; 4];
    v[..bytes.len()].copy_from_slice(bytes);
    (tag, 2, bytes.len() as u32, u32::from_le_bytes(v))
}

fn push_rational(out: &mut Vec<u8>, n: u32) -> u32 {
    let at = out.len() as u32;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    at
}

fn pad_even(out: &mut Vec<u8>) {
    if out.len() % 2 == 1 {
        out.push(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Bitmap, ReadLimits, Resolution, read_tiff};

    #[test]
    fn written_pages_and_metadata_read_back() {
        let mut a = Bitmap::new(1728, 50);
        a.fill_run(10, 100, 900);
        let mut b = Bitmap::new(1728, 30);
        b.fill_run(5, 0, 1728);
        let pages = [CodedPage::encode_mmr(&a, Resolution::Fine), CodedPage::encode_mmr(&b, Resolution::Standard)];
        let meta = FaxMetadata {
            tsid: "+49 30 1234".into(),
            recipient_number: "100".into(),
            description: "fax to 100".into(),
            software: "ferrofax".into(),
            date_time: "2026:11:24 10:00:00".into(),
            ..Default::default()
        };
        let bytes = write_tiff(&pages, &meta);
        let t = read_tiff(&bytes, ReadLimits::default()).unwrap();
        assert_eq!(t.pages.len(), 2);
        assert_eq!(t.pages[1].resolution(), Resolution::Standard);
        assert_eq!(t.decode_page(0).unwrap(), a);
        assert_eq!(t.decode_page(1).unwrap(), b);
        assert_eq!(t.metadata.tsid, "+49 30 1234");
        assert_eq!(t.metadata.description, "fax to 100");
        assert_eq!(t.metadata.date_time, "2026:11:24 10:00:00");
    }

    #[test]
    fn hostile_files_give_errors() {
        assert!(read_tiff(b"", ReadLimits::default()).is_err());
        assert!(read_tiff(b"II*\0\x08\0\0\0\xff\xff", ReadLimits::default()).is_err());
        // A directory that points at itself.
        let mut loopy = b"II*\0\x08\0\0\0\0\0".to_vec();
        loopy.extend_from_slice(&8u32.to_le_bytes());
        assert!(read_tiff(&loopy, ReadLimits::default()).is_err());
    }
}
