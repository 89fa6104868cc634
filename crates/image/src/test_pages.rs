//! Pages for the unit tests: seeded random bitmaps with a given change density.

use crate::Bitmap;

/// A `width` × `height` page whose colour flips at about one pixel in `density`.
pub(crate) fn random_bitmap(width: u32, height: u32, seed: u64, density: u64) -> Bitmap {
    let mut b = Bitmap::new(width, height);
    let mut s = seed | 1;
    let mut black = false;
    for y in 0..height {
        for x in 0..width {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            if s.is_multiple_of(density) {
                black = !black;
            }
            b.set(x, y, black);
        }
    }
    b
}
