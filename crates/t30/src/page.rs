//! Pages to send: fitting a page to what the receiver takes (resolution, width) and coding it
//! for the agreed mode, with fill for the minimum scan-line time and RTC for non-ECM pages.

use std::borrow::Cow;

use ferrofax_image::{Bitmap, CodedPage, Coding, ImageError, PageWidth, Resolution, T4Options};

use crate::{Capabilities, Dcs, PageLength};

/// One page of the document to send: a bitmap, or a page already coded (from a TIFF file),
/// which is sent as it is when the agreed mode matches and decoded only when it does not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendPage {
    image: PageImage,
    pub resolution: Resolution,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum PageImage {
    Bitmap(Bitmap),
    Coded(CodedPage),
}

impl SendPage {
    pub fn new(bitmap: Bitmap, resolution: Resolution) -> SendPage {
        SendPage { image: PageImage::Bitmap(bitmap), resolution }
    }

    /// A page as coded in a file (its width, height and resolution come with it).
    pub fn coded(page: CodedPage) -> SendPage {
        SendPage { resolution: page.resolution, image: PageImage::Coded(page) }
    }

    pub fn width(&self) -> u32 {
        match &self.image {
            PageImage::Bitmap(b) => b.width(),
            PageImage::Coded(c) => c.width,
        }
    }

    pub fn height(&self) -> u32 {
        match &self.image {
            PageImage::Bitmap(b) => b.height(),
            PageImage::Coded(c) => c.height,
        }
    }

    /// The page's pixels (decoded if it came coded).
    pub fn bitmap(&self) -> Result<Cow<'_, Bitmap>, ImageError> {
        match &self.image {
            PageImage::Bitmap(b) => Ok(Cow::Borrowed(b)),
            PageImage::Coded(c) => c.decode(1).map(Cow::Owned),
        }
    }

    /// The page's own coded data, when it can go out unchanged in the mode of `dcs`: MMR in
    /// ECM, at the resolution and width chosen, ending with EOFB.
    pub(crate) fn coded_as(&self, dcs: &Dcs) -> Option<&[u8]> {
        match &self.image {
            PageImage::Coded(c)
                if c.coding == Coding::Mmr
                    && dcs.coding == Coding::Mmr
                    && c.resolution == dcs.resolution
                    && c.width == dcs.width.pixels()
                    && max_length_mm(dcs).is_none_or(|max| self.length_mm() <= max)
                    && ferrofax_image::mmr::ends_with_eofb(&c.data) =>
            {
                Some(&c.data)
            }
            _ => None,
        }
    }

    /// The width class of the page (how many mm of paper it covers).
    pub(crate) fn width_class(&self) -> PageWidth {
        let at_r8 = self.width() as u64 * 204 / self.resolution.x_dpi().max(1) as u64;
        if at_r8 > 2240 {
            PageWidth::A3
        } else if at_r8 > 1888 {
            PageWidth::B4
        } else {
            PageWidth::A4
        }
    }

    /// Page length in mm.
    pub(crate) fn length_mm(&self) -> f64 {
        self.height() as f64 * 25.4 / self.resolution.y_dpi().max(1) as f64
    }
}

/// The resolution to send a page at: its own if the receiver (and this station) take it,
/// else the finest lower one that both do.
pub(crate) fn resolution_for(page: Resolution, fine: bool, superfine: bool, remote: &Capabilities) -> Resolution {
    let want = match page {
        Resolution::R300 | Resolution::R400 => Resolution::Superfine,
        r => r,
    };
    let ok = |r: Resolution| match r {
        Resolution::Standard => true,
        Resolution::Fine => fine && remote.fine,
        Resolution::Superfine => superfine && remote.superfine,
        _ => false,
    };
    [Resolution::Superfine, Resolution::Fine, Resolution::Standard]
        .into_iter()
        .filter(|r| r.y_dpi() <= want.y_dpi())
        .find(|r| ok(*r))
        .unwrap_or(Resolution::Standard)
}

/// The page as it will be sent at `resolution` and `width`: scaled where it must be, the
/// bitmap untouched otherwise.
pub(crate) fn fit(page: &SendPage, dcs: &Dcs) -> Result<Bitmap, ImageError> {
    let (resolution, width) = (dcs.resolution, dcs.width);
    let src = page.bitmap()?;
    let target_w = width.pixels();
    let too_long = max_length_mm(dcs).is_some_and(|max| page.length_mm() > max);
    if src.width() == target_w && page.resolution == resolution && !too_long {
        return Ok(src.into_owned());
    }
    // Horizontal scale to the target width; vertical keeps the aspect ratio in mm.
    let sx = target_w as f64 / src.width().max(1) as f64;
    let x_ratio = resolution.x_dpi() as f64 / page.resolution.x_dpi().max(1) as f64;
    let sy = resolution.y_dpi() as f64 / page.resolution.y_dpi().max(1) as f64 * (sx / x_ratio);
    let h = ((src.height() as f64 * sy).round() as u32).max(1);
    if let Some(max) = max_length_mm(dcs).filter(|max| page.length_mm() > *max) {
        // Longer than the receiver's paper: shrink the page whole to fit, centred.
        let f = max / page.length_mm();
        let (w2, h2) = (((target_w as f64 * f) as u32).max(1), ((h as f64 * f) as u32).max(1));
        return Ok(src.scaled(w2, h2).centred_in_width(target_w));
    }
    Ok(src.scaled(target_w, h))
}

/// The longest page the length in a DCS allows, in mm.
pub(crate) fn max_length_mm(dcs: &Dcs) -> Option<f64> {
    match dcs.length {
        PageLength::A4 => Some(297.5),
        PageLength::B4 => Some(364.5),
        PageLength::Unlimited => None,
    }
}

/// Codes a page for the line in the mode of `dcs`.
pub(crate) fn encode(bitmap: &Bitmap, dcs: &Dcs) -> Vec<u8> {
    match dcs.coding {
        Coding::Mmr => ferrofax_image::mmr::encode(bitmap),
        coding => {
            let k = (coding == Coding::Mr).then(|| dcs.resolution.mr_k());
            let opts = T4Options { k, byte_aligned_eols: false, min_line_bits: dcs.min_line_bits(), rtc: true };
            ferrofax_image::t4::encode(bitmap, &opts)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_come_down_to_what_the_receiver_takes() {
        let mut remote = Capabilities::decode(&[0x00, 0x77, 0x1f]);
        assert_eq!(resolution_for(Resolution::Superfine, true, true, &remote), Resolution::Fine);
        assert_eq!(resolution_for(Resolution::Fine, true, true, &remote), Resolution::Fine);
        remote.fine = false;
        assert_eq!(resolution_for(Resolution::Fine, true, true, &remote), Resolution::Standard);
        let page = SendPage::new(Bitmap::new(1728, 2200), Resolution::Fine);
        let dcs = |resolution, length| Dcs {
            modulation: crate::Modulation::V17_14400,
            resolution,
            coding: Coding::Mr,
            width: PageWidth::A4,
            length,
            scan_time_ms: 0,
            ecm: false,
            ecm_frame_size: 256,
        };
        let b = fit(&page, &dcs(Resolution::Standard, PageLength::Unlimited)).unwrap();
        assert_eq!((b.width(), b.height()), (1728, 1100));
        let wide = SendPage::new(Bitmap::new(2048, 1000), Resolution::Fine);
        assert_eq!(wide.width_class(), PageWidth::B4);
        let b = fit(&wide, &dcs(Resolution::Fine, PageLength::Unlimited)).unwrap();
        assert_eq!((b.width(), b.height()), (1728, 844));
        // A Legal page (356 mm) to an A4-only receiver shrinks to 297 mm.
        let legal = SendPage::new(Bitmap::new(1728, 2734), Resolution::Fine);
        let b = fit(&legal, &dcs(Resolution::Fine, PageLength::A4)).unwrap();
        assert_eq!(b.width(), 1728);
        assert!((b.height() as f64 * 25.4 / 196.0 - 297.5).abs() < 1.0, "{}", b.height());
    }
}
