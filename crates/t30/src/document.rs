//! A received fax as a file: the pages of a call written as TIFF Class F through the image
//! crate, coded MMR whatever coding they travelled in, with the call's metadata.

use ferrofax_image::{CodedPage, Coding, FaxMetadata, write_tiff};

use crate::ReceivedPage;

/// The received pages as a multi-page TIFF Class F file.
pub fn received_tiff(pages: &[ReceivedPage], metadata: &FaxMetadata) -> Vec<u8> {
    let coded: Vec<CodedPage> = pages
        .iter()
        .map(|p| {
            if p.coding == Coding::Mmr && p.quality.bad_lines == 0 && ferrofax_image::mmr::ends_with_eofb(&p.data) {
                // Clean MMR as it arrived: stored without coding it again.
                CodedPage {
                    width: p.bitmap.width(),
                    height: p.bitmap.height(),
                    resolution: p.resolution,
                    coding: Coding::Mmr,
                    byte_aligned_eols: false,
                    data: p.data.clone(),
                }
            } else {
                CodedPage::encode_mmr(&p.bitmap, p.resolution)
            }
        })
        .collect();
    write_tiff(&coded, metadata)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrofax_image::{Bitmap, LineReport, ReadLimits, Resolution, read_tiff};

    #[test]
    fn pages_come_back_from_the_file() {
        let mut b = Bitmap::new(1728, 50);
        b.fill_run(10, 5, 500);
        let page = ReceivedPage {
            bitmap: b.clone(),
            resolution: Resolution::Fine,
            coding: Coding::Mr,
            quality: LineReport { lines: 50, bad_lines: 0, longest_bad_run: 0 },
            data: Vec::new(),
        };
        let meta = FaxMetadata { tsid: "+1 555 0100".into(), ..FaxMetadata::default() };
        let file = received_tiff(&[page.clone(), page], &meta);
        let tiff = read_tiff(&file, ReadLimits::default()).unwrap();
        assert_eq!(tiff.pages.len(), 2);
        assert_eq!(tiff.decode_page(1).unwrap(), b);
    }
}
