//! V.17's signal spaces (the V.32bis ones): 16 points at 7200 bit/s, 32 at 9600, 64 at 12000
//! and 128 at 14400, each indexed by the coded bits of a symbol as
//! `(Qk … Q3) << 3 | Y2 << 2 | Y1 << 1 | Y0`; and the four training points A, B, C, D.
//!
//! The 7200 map is the one in the project's research notes. The larger maps were measured:
//! SpanDSP's V.17 transmitter was driven with known bits and the points it emitted were read
//! back (example `v17_probe` in `ferrofax-modem-interop`); every map passes the rotation
//! check of the notes (a point turned by +90° is the point with the same Q bits, Y0 inverted
//! and Y2Y1 one less, mod 4), and SpanDSP's receiver decodes our signal bit-exact at every
//! rate. Coordinates are in the units of the Recommendation's figures (integers).

/// Training point A (segment 1 alternates A and B; TEP sends A).
pub const A: (i8, i8) = (-6, -2);
/// Training point B.
pub const B: (i8, i8) = (2, -6);
/// Training point C.
pub const C: (i8, i8) = (6, 2);
/// Training point D.
pub const D: (i8, i8) = (-2, 6);
/// The training points in the order segment 3's dibits step through them.
pub const ABCD: [(i8, i8); 4] = [A, B, C, D];

/// 7200 bit/s: 3 data bits per symbol.
#[rustfmt::skip]
pub const MAP_7200: [(i8, i8); 16] = [
    (6, -6), (-2, 6), (6, 2), (-6, -6), (-6, 6), (2, -6), (-6, -2), (6, 6),
    (-2, 2), (6, -2), (-2, -6), (2, 2), (2, -2), (-6, 2), (2, 6), (-2, -2),
];

/// 9600 bit/s: 4 data bits per symbol.
#[rustfmt::skip]
pub const MAP_9600: [(i8, i8); 32] = [
    (-8, 2), (-6, -4), (-4, 6), (2, 8), (8, -2), (6, 4), (4, -6), (-2, -8),
    (0, 2), (-6, 4), (4, 6), (2, 0), (0, -2), (6, -4), (-4, -6), (-2, 0),
    (0, -6), (2, -4), (-4, -2), (-6, 0), (0, 6), (-2, 4), (4, 2), (6, 0),
    (8, 2), (2, 4), (4, -2), (2, -8), (-8, -2), (-2, -4), (-4, 2), (-2, 8),
];

/// 12000 bit/s: 5 data bits per symbol.
#[rustfmt::skip]
pub const MAP_12000: [(i8, i8); 64] = [
    (7, 1), (-5, -1), (-1, 5), (1, -7), (-7, -1), (5, 1), (1, -5), (-1, 7),
    (3, -3), (-1, 3), (3, 1), (-3, -3), (-3, 3), (1, -3), (-3, -1), (3, 3),
    (7, -7), (-5, 7), (7, 5), (-7, -7), (-7, 7), (5, -7), (-7, -5), (7, 7),
    (-1, -7), (3, 7), (7, -3), (-7, 1), (1, 7), (-3, -7), (-7, 3), (7, -1),
    (3, 5), (-1, -5), (-5, 1), (5, -3), (-3, -5), (1, 5), (5, -1), (-5, 3),
    (-1, 1), (3, -1), (-1, -3), (1, 1), (1, -1), (-3, 1), (1, 3), (-1, -1),
    (-5, 5), (7, -5), (-5, -7), (5, 5), (5, -5), (-7, 5), (5, 7), (-5, -5),
    (-5, -3), (7, 3), (3, -7), (-3, 5), (5, 3), (-7, -3), (-3, 7), (3, -5),
];

/// 14400 bit/s: 6 data bits per symbol.
#[rustfmt::skip]
pub const MAP_14400: [(i8, i8); 128] = [
    (-8, -3), (9, 2), (2, -9), (-3, 8), (8, 3), (-9, -2), (-2, 9), (3, -8),
    (-8, 1), (9, -2), (-2, -9), (1, 8), (8, -1), (-9, 2), (2, 9), (-1, -8),
    (-4, -3), (5, 2), (2, -5), (-3, 4), (4, 3), (-5, -2), (-2, 5), (3, -4),
    (-4, 1), (5, -2), (-2, -5), (1, 4), (4, -1), (-5, 2), (2, 5), (-1, -4),
    (4, -3), (-3, 2), (2, 3), (-3, -4), (-4, 3), (3, -2), (-2, -3), (3, 4),
    (4, 1), (-3, -2), (-2, 3), (1, -4), (-4, -1), (3, 2), (2, -3), (-1, 4),
    (0, -3), (1, 2), (2, -1), (-3, 0), (0, 3), (-1, -2), (-2, 1), (3, 0),
    (0, 1), (1, -2), (-2, -1), (1, 0), (0, -1), (-1, 2), (2, 1), (-1, 0),
    (8, -3), (-7, 2), (2, 7), (-3, -8), (-8, 3), (7, -2), (-2, -7), (3, 8),
    (8, 1), (-7, -2), (-2, 7), (1, -8), (-8, -1), (7, 2), (2, -7), (-1, 8),
    (-4, -7), (5, 6), (6, -5), (-7, 4), (4, 7), (-5, -6), (-6, 5), (7, -4),
    (-4, 5), (5, -6), (-6, -5), (5, 4), (4, -5), (-5, 6), (6, 5), (-5, -4),
    (4, -7), (-3, 6), (6, 3), (-7, -4), (-4, 7), (3, -6), (-6, -3), (7, 4),
    (4, 5), (-3, -6), (-6, 3), (5, -4), (-4, -5), (3, 6), (6, -3), (-5, 4),
    (0, -7), (1, 6), (6, -1), (-7, 0), (0, 7), (-1, -6), (-6, 1), (7, 0),
    (0, 5), (1, -6), (-6, -1), (5, 0), (0, -5), (-1, 6), (6, 1), (-5, 0),
];

/// The map of a rate, by data bits per symbol (3, 4, 5 or 6).
pub fn map(data_bits: u32) -> &'static [(i8, i8)] {
    match data_bits {
        3 => &MAP_7200,
        4 => &MAP_9600,
        5 => &MAP_12000,
        6 => &MAP_14400,
        _ => panic!("V.17 has 3 to 6 data bits per symbol, not {data_bits}"),
    }
}

/// The mean power of a map (the average of x² + y²).
pub fn mean_power(map: &[(i8, i8)]) -> f32 {
    map.iter().map(|&(x, y)| f32::from(x) * f32::from(x) + f32::from(y) * f32::from(y)).sum::<f32>() / map.len() as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The index of the point a map's point `i` becomes when turned by +90°.
    fn rotated_index(i: usize) -> usize {
        let high = i & !7;
        let y21 = (i >> 1) & 3;
        let y0 = i & 1;
        high | (((y21 + 3) & 3) << 1) | (y0 ^ 1)
    }

    #[test]
    fn every_map_turns_into_itself_by_a_quarter_turn() {
        for bits in 3..=6 {
            let m = map(bits);
            assert_eq!(m.len(), 1 << (bits + 1));
            for (i, &(x, y)) in m.iter().enumerate() {
                assert_eq!(m[rotated_index(i)], (-y, x), "{bits} bits, index {i}");
            }
            let mut sorted = m.to_vec();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), m.len(), "{bits} bits: points repeat");
        }
    }

    #[test]
    fn maps_have_the_grid_and_power_of_the_notes() {
        assert_eq!(mean_power(&MAP_14400), 41.0);
        assert_eq!(mean_power(&MAP_12000), 42.0);
        assert_eq!(mean_power(&MAP_9600), 40.0);
        assert_eq!(mean_power(&MAP_7200), 40.0);
        assert!(MAP_12000.iter().all(|&(x, y)| x % 2 != 0 && y % 2 != 0));
        assert!(MAP_9600.iter().all(|&(x, y)| x % 2 == 0 && y % 2 == 0));
        assert!(MAP_14400.iter().all(|&(x, y)| x.abs() <= 9 && y.abs() <= 9));
        assert!(ABCD.iter().all(|&(x, y)| i32::from(x).pow(2) + i32::from(y).pow(2) == 40));
    }

    #[test]
    fn subsets_are_far_apart_within() {
        // Trellis coding's point: the points sharing Y2Y1Y0 (one of the eight subsets the
        // code chooses between) are at least √8 times the nearest spacing apart.
        for bits in 3..=6 {
            let m = map(bits);
            let all_min = min_distance2(m, |_, _| true);
            let sub_min = min_distance2(m, |i, j| i & 7 == j & 7);
            assert!(sub_min >= 8 * all_min, "{bits} bits: {sub_min} vs {all_min}");
        }
    }

    fn min_distance2(m: &[(i8, i8)], pair: impl Fn(usize, usize) -> bool) -> i32 {
        let mut best = i32::MAX;
        for i in 0..m.len() {
            for j in i + 1..m.len() {
                if pair(i, j) {
                    let dx = i32::from(m[i].0 - m[j].0);
                    let dy = i32::from(m[i].1 - m[j].1);
                    best = best.min(dx * dx + dy * dy);
                }
            }
        }
        best
    }
}
