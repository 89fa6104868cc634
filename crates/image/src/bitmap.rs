//! A packed 1-bit page bitmap: 1 = black, most significant bit first, rows padded to bytes.

/// A bilevel page.
#[derive(Clone, PartialEq, Eq)]
pub struct Bitmap {
    width: u32,
    height: u32,
    stride: usize,
    data: Vec<u8>,
}

impl std::fmt::Debug for Bitmap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Bitmap({}x{})", self.width, self.height)
    }
}

impl Bitmap {
    /// A white page.
    pub fn new(width: u32, height: u32) -> Self {
        let stride = (width as usize).div_ceil(8);
        Bitmap { width, height, stride, data: vec![0; stride * height as usize] }
    }

    /// Changes the number of rows: rows added are white, rows beyond `height` are dropped.
    pub fn set_height(&mut self, height: u32) {
        self.data.resize(self.stride * height as usize, 0);
        self.height = height;
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    /// Bytes per row.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// One row of packed pixels.
    pub fn row(&self, y: u32) -> &[u8] {
        let start = y as usize * self.stride;
        &self.data[start..start + self.stride]
    }

    /// One row of packed pixels, to change.
    pub fn row_mut(&mut self, y: u32) -> &mut [u8] {
        let start = y as usize * self.stride;
        &mut self.data[start..start + self.stride]
    }

    pub fn get(&self, x: u32, y: u32) -> bool {
        let b = self.data[y as usize * self.stride + (x as usize >> 3)];
        b & (0x80 >> (x & 7)) != 0
    }

    pub fn set(&mut self, x: u32, y: u32, black: bool) {
        let i = y as usize * self.stride + (x as usize >> 3);
        let m = 0x80 >> (x & 7);
        if black {
            self.data[i] |= m;
        } else {
            self.data[i] &= !m;
        }
    }

    /// Blackens the pixels `x0..x1` of row `y`.
    pub fn fill_run(&mut self, y: u32, x0: u32, x1: u32) {
        let x1 = x1.min(self.width);
        if x0 >= x1 {
            return;
        }
        let row = self.row_mut(y);
        let (first, last) = ((x0 >> 3) as usize, ((x1 - 1) >> 3) as usize);
        let head = 0xffu8 >> (x0 & 7);
        let tail = 0xffu8 << (7 - ((x1 - 1) & 7));
        if first == last {
            row[first] |= head & tail;
        } else {
            row[first] |= head;
            row[first + 1..last].fill(0xff);
            row[last] |= tail;
        }
    }

    /// The positions where colour changes along row `y` (starting from white), as T.4/T.6
    /// coders take them.
    pub fn changes(&self, y: u32, out: &mut Vec<u32>) {
        out.clear();
        let row = self.row(y);
        let mut black = false;
        for x in 0..self.width {
            let b = row[(x >> 3) as usize] & (0x80 >> (x & 7)) != 0;
            if b != black {
                out.push(x);
                black = b;
            }
        }
    }

    /// The number of black pixels.
    pub fn black_pixels(&self) -> u64 {
        (0..self.height)
            .map(|y| {
                let row = self.row(y);
                let full = (self.width / 8) as usize;
                let mut n: u64 = row[..full].iter().map(|b| b.count_ones() as u64).sum();
                for x in (full as u32 * 8)..self.width {
                    n += self.get(x, y) as u64;
                }
                n
            })
            .sum()
    }

    /// This page scaled to `width` × `height`. Shrunk by more than a quarter, each new pixel
    /// is black if any pixel of the area it covers is (so thin lines and small print survive);
    /// enlarged or shrunk less, each new pixel is the nearest old one (so dithered greys keep
    /// their level).
    pub fn scaled(&self, width: u32, height: u32) -> Bitmap {
        let mut out = Bitmap::new(width, height);
        if self.width == 0 || self.height == 0 {
            return out;
        }
        let span = |i: u32, n: u32, of: u32| -> (u32, u32) {
            if n as u64 * 4 >= of as u64 * 3 {
                // Enlarging or shrinking a little: the nearest pixel, so that dithered greys
                // keep their level (merging neighbours would blacken them).
                let a = (((2 * i as u64 + 1) * of as u64) / (2 * n as u64)).min(of as u64 - 1) as u32;
                return (a, a + 1);
            }
            let a = (i as u64 * of as u64 / n as u64) as u32;
            let b = (((i as u64 + 1) * of as u64).div_ceil(n as u64) as u32).clamp(a + 1, of);
            (a, b)
        };
        let xs: Vec<(u32, u32)> = (0..width).map(|x| span(x, width, self.width)).collect();
        let mut merged = vec![0u8; self.stride];
        for y in 0..height {
            let (y0, y1) = span(y, height, self.height);
            merged.fill(0);
            for sy in y0..y1 {
                for (m, b) in merged.iter_mut().zip(self.row(sy)) {
                    *m |= b;
                }
            }
            for (x, &(x0, x1)) in xs.iter().enumerate() {
                if (x0..x1).any(|sx| merged[(sx >> 3) as usize] & (0x80 >> (sx & 7)) != 0) {
                    out.set(x as u32, y, true);
                }
            }
        }
        out
    }

    /// This page placed on a white page `width` wide, centred (cropped if wider).
    pub fn centred_in_width(&self, width: u32) -> Bitmap {
        let mut out = Bitmap::new(width, self.height);
        let (dst0, src0) =
            if width >= self.width { ((width - self.width) / 2, 0) } else { (0, (self.width - width) / 2) };
        let n = self.width.min(width);
        for y in 0..self.height {
            for x in 0..n {
                if self.get(src0 + x, y) {
                    out.set(dst0 + x, y, true);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixels_and_changes() {
        let mut b = Bitmap::new(20, 2);
        b.fill_run(0, 3, 7);
        b.set(19, 1, true);
        let mut c = Vec::new();
        b.changes(0, &mut c);
        assert_eq!(c, vec![3, 7]);
        b.changes(1, &mut c);
        assert_eq!(c, vec![19]);
        assert_eq!(b.black_pixels(), 5);
        let mut f = Bitmap::new(40, 1);
        for (x0, x1) in [(0, 40), (3, 5), (7, 9), (8, 16), (1, 33), (39, 40), (5, 5)] {
            f.row_mut(0).fill(0);
            f.fill_run(0, x0, x1);
            let set: Vec<u32> = (0..40).filter(|&x| f.get(x, 0)).collect();
            assert_eq!(set, (x0..x1).collect::<Vec<_>>(), "{x0}..{x1}");
        }
        let s = b.scaled(40, 4);
        assert_eq!(s.black_pixels(), 20);
        // Shrinking keeps a one-pixel rule that nearest-neighbour sampling would drop.
        let mut rule = Bitmap::new(100, 100);
        rule.fill_run(99, 0, 100);
        let small = rule.scaled(97, 97);
        assert_eq!(small.black_pixels(), 97);
        let w = b.centred_in_width(30);
        assert!(w.get(8, 0) && !w.get(7, 0));
    }
}
