//! A received fax as a file: the pages of a call written as TIFF Class F through the image
//! crate, coded MMR whatever coding they travelled in, with the call's metadata.

use ferrofax_image::{CodedPage, Coding, FaxMetadata, write_tiff};

use crate::ReceivedPage;

/// The received pages as a multi-page TIFF Class F file.
pub fn received_tiff(pages: &[ReceivedPage], metadata: &FaxMetadata) -> Vec<u8> {
    let coded: Vec<CodedPage> = pages.iter().map(|p| p.clone().into_coded()).collect();
    write_tiff(&coded, metadata)
}

impl ReceivedPage {
    /// The page as a file keeps it: clean MMR as it arrived (not coded again), anything else
    /// coded MMR from the decoded lines.
    pub fn into_coded(self) -> CodedPage {
        if self.coding == Coding::Mmr && self.quality.bad_lines == 0 && ferrofax_image::mmr::ends_with_eofb(&self.data)
        {
            CodedPage {
                width: self.bitmap.width(),
                height: self.bitmap.height(),
                resolution: self.resolution,
                coding: Coding::Mmr,
                byte_aligned_eols: false,
                data: self.data,
            }
        } else {
            CodedPage::encode_mmr(&self.bitmap, self.resolution)
        }
    }
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
