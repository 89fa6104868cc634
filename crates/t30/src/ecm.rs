//! Error correction mode (T.4 Annex A, T.30 Annex A): a coded page cut into numbered FCD
//! frames, up to 256 per partial page (block); the receiver's record of which frames of a
//! block arrived; and the PPS and PPR information fields.

use crate::FrameType;
use crate::frame::{build, fif_number};

/// Most frames in one block.
pub const FRAMES_PER_BLOCK: usize = 256;

/// A coded page cut into blocks of frame payloads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EcmPage {
    /// Each block's frame payloads, every one `frame_size` octets (the last padded with zeros).
    pub blocks: Vec<Vec<Vec<u8>>>,
}

impl EcmPage {
    pub fn new(data: &[u8], frame_size: usize) -> EcmPage {
        let frames: Vec<Vec<u8>> = data
            .chunks(frame_size)
            .map(|c| {
                let mut f = c.to_vec();
                f.resize(frame_size, 0);
                f
            })
            .collect();
        let mut blocks: Vec<Vec<Vec<u8>>> = frames.chunks(FRAMES_PER_BLOCK).map(|b| b.to_vec()).collect();
        if blocks.is_empty() {
            blocks.push(vec![vec![0; frame_size]]);
        }
        EcmPage { blocks }
    }
}

/// An FCD frame: frame number, then the payload.
pub fn fcd(number: u8, payload: &[u8]) -> Vec<u8> {
    let mut fif = Vec::with_capacity(1 + payload.len());
    fif.push(fif_number(number));
    fif.extend_from_slice(payload);
    build(FrameType::Fcd, false, false, &fif)
}

/// RCP, which ends a block's frames (sent three times).
pub fn rcp() -> Vec<u8> {
    build(FrameType::Rcp, false, false, &[])
}

/// The frames that carry `numbers` of `block`, then RCP three times.
pub fn block_frames(block: &[Vec<u8>], numbers: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = numbers.iter().map(|&n| fcd(n, &block[n as usize])).collect();
    out.extend((0..3).map(|_| rcp()));
    out
}

/// What a PPS says after a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pps {
    /// NULL (None: more blocks of this page follow), MPS, EOM or EOP (with PRI- forms).
    pub post_page: Option<FrameType>,
    pub page: u8,
    pub block: u8,
    /// Frames in the block (1–256).
    pub frames: u16,
}

impl Pps {
    pub fn encode(&self, x: bool) -> Vec<u8> {
        let fcf2 = self.post_page.map(|t| t.fcf(x)).unwrap_or(0);
        vec![fcf2, fif_number(self.page), fif_number(self.block), fif_number((self.frames.max(1) - 1) as u8)]
    }

    /// Reads a PPS FIF; None when it is too short or names no post-page command.
    pub fn decode(fif: &[u8]) -> Option<Pps> {
        if fif.len() < 4 {
            return None;
        }
        let post_page = match fif[0] & 0x7F {
            0 => None,
            f => match FrameType::from_fcf(f) {
                Some(
                    t @ (FrameType::Mps
                    | FrameType::Eom
                    | FrameType::Eop
                    | FrameType::PriMps
                    | FrameType::PriEom
                    | FrameType::PriEop),
                ) => Some(t),
                _ => return None,
            },
        };
        Some(Pps {
            post_page,
            page: fif_number(fif[1]),
            block: fif_number(fif[2]),
            frames: fif_number(fif[3]) as u16 + 1,
        })
    }
}

/// A receiver's block in progress.
#[derive(Debug, Clone, Default)]
pub struct BlockRx {
    frames: Vec<Option<Vec<u8>>>,
    /// The largest frame count seen in a PPS for this block.
    count: usize,
}

impl BlockRx {
    /// Stores a good FCD frame's FIF (frame number, payload).
    pub fn store(&mut self, fif: &[u8]) {
        let Some((&n, payload)) = fif.split_first() else { return };
        if payload.len() > 256 {
            // No ECM frame is longer: a broken or hostile peer.
            return;
        }
        let n = fif_number(n) as usize;
        if self.frames.len() <= n {
            self.frames.resize(n + 1, None);
        }
        if self.frames[n].is_none() {
            self.frames[n] = Some(payload.to_vec());
        }
    }

    /// Takes the frame count from a PPS (SpanDSP keeps the largest seen).
    pub fn set_count(&mut self, frames: u16) {
        self.count = self.count.max(frames as usize);
    }

    /// Frames of the block that have not arrived.
    pub fn missing(&self) -> Vec<u8> {
        (0..self.count).filter(|&i| self.frames.get(i).is_none_or(|f| f.is_none())).map(|i| i as u8).collect()
    }

    /// Whether any frame arrived at all.
    pub fn is_empty(&self) -> bool {
        self.frames.iter().all(|f| f.is_none())
    }

    /// The block's data in frame order; missing frames count as zeros of the frame size.
    pub fn data(&self) -> Vec<u8> {
        let size = self.frames.iter().flatten().map(|f| f.len()).max().unwrap_or(0);
        let mut out = Vec::with_capacity(size * self.count);
        for i in 0..self.count.max(self.frames.len()) {
            match self.frames.get(i).and_then(|f| f.as_ref()) {
                Some(f) => out.extend_from_slice(f),
                None => out.resize(out.len() + size, 0),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::Frame;

    #[test]
    fn pps_as_spandsp_sends_it() {
        // PPS-MPS, page 0, block 0, 69 frames (research notes §1.8).
        let fif = [0xf2, 0x00, 0x00, 0x22];
        let p = Pps::decode(&fif).unwrap();
        assert_eq!(p, Pps { post_page: Some(FrameType::Mps), page: 0, block: 0, frames: 69 });
        assert_eq!(p.encode(true), fif.to_vec());
        assert_eq!(Pps::decode(&[0x00, 0x80, 0x40, 0xff]).unwrap().frames, 256);
    }

    #[test]
    fn blocks_reassemble_with_gaps_reported() {
        let data: Vec<u8> = (0..700u32).map(|i| i as u8).collect();
        let page = EcmPage::new(&data, 256);
        assert_eq!(page.blocks.len(), 1);
        assert_eq!(page.blocks[0].len(), 3);
        let frames = block_frames(&page.blocks[0], &[0, 2]);
        assert_eq!(frames.len(), 5);
        let mut rx = BlockRx::default();
        for f in &frames {
            let f = Frame::parse(f).unwrap();
            if f.kind == Some(FrameType::Fcd) {
                rx.store(&f.fif);
            }
        }
        rx.set_count(3);
        assert_eq!(rx.missing(), vec![1]);
        rx.store(&fcd(1, &page.blocks[0][1])[3..]);
        assert!(rx.missing().is_empty());
        assert_eq!(&rx.data()[..700], &data[..]);
        assert_eq!(EcmPage::new(&vec![1; 256 * 300], 256).blocks.len(), 2);
    }
}
