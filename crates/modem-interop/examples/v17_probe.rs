//! How ferrofax's V.17 constellations and convolutional code were established: by measuring
//! what SpanDSP's V.17 transmitter emits for chosen bits, with SpanDSP's receiver used only as
//! a demodulator (its equalised points, rounded to the grid; its decisions are not used).
//!
//! Model (from the research notes): scrambler 1 + x^-18 + x^-23 seeded 0x2ECDD5 at the start
//! of segment 2; segment 2 maps dibits to C D B A; segment 3 (the bridge) sends 0x8880 LSB
//! first; segment 4 and data are trellis coded; Q1 is the first bit of a symbol; Y2Y1 is the
//! mod-4 sum of Q2Q1 and the previous Y2Y1. From the measured points at 7200 (whose table the
//! notes give) the convolutional code's output Y0 is identified as a machine of its past
//! outputs and inputs, minimised to 8 states; then the 64/32/128-point maps are read off.
//!
//! Run: cargo run -p ferrofax-modem-interop --features spandsp --example v17_probe
use std::collections::HashMap;

use ferrofax_spandsp_peer::v17::{SpanV17Receiver, SpanV17Transmitter};

const A: (i32, i32) = (-6, -2);
const B: (i32, i32) = (2, -6);
const C: (i32, i32) = (6, 2);
const D: (i32, i32) = (-2, 6);
const T7200: [(i32, i32); 16] = [
    (6, -6),
    (-2, 6),
    (6, 2),
    (-6, -6),
    (-6, 6),
    (2, -6),
    (-6, -2),
    (6, 6),
    (-2, 2),
    (6, -2),
    (-2, -6),
    (2, 2),
    (2, -2),
    (-6, 2),
    (2, 6),
    (-2, -2),
];

fn scramble(reg: &mut u32, bit: bool) -> bool {
    let out = bit ^ ((*reg >> 17) & 1 == 1) ^ ((*reg >> 22) & 1 == 1);
    *reg = (*reg << 1) | u32::from(out);
    out
}

/// Points measured for `bits` sent at `rate`, from the start of segment 2; and the bits.
fn measure(rate: u32, n_bits: usize, seed: u32) -> (Vec<(i32, i32)>, Vec<bool>) {
    let mut r = seed;
    let bits: Vec<bool> = (0..n_bits)
        .map(|_| {
            r ^= r << 13;
            r ^= r >> 17;
            r ^= r << 5;
            r & 1 == 1
        })
        .collect();
    let mut tx = SpanV17Transmitter::new(rate, false, -14.0);
    tx.push_bits(bits.iter().copied());
    let mut sig = vec![0i16; 800];
    sig.extend(tx.transmit_all(2_000_000));
    sig.extend(vec![0i16; 800]);
    let mut rx = SpanV17Receiver::new(rate);
    rx.record_points();
    rx.receive(&sig);
    let got = rx.bits().to_vec();
    assert_eq!(&got[..n_bits], &bits[..], "SpanDSP pair not error free at {rate}");
    let raw: Vec<(f32, f32)> = rx.reports().iter().map(|q| q.point).collect();
    // The training points are far apart: the nearest of A, B, C and D, even before the
    // receiver's loops have settled.
    let nearest = |p: (f32, f32)| -> (i32, i32) {
        *[A, B, C, D]
            .iter()
            .min_by(|a, b| {
                let d = |q: &(i32, i32)| (p.0 - q.0 as f32).powi(2) + (p.1 - q.1 as f32).powi(2);
                d(a).total_cmp(&d(b))
            })
            .unwrap()
    };
    let abcd: Vec<(i32, i32)> = raw.iter().map(|&p| nearest(p)).collect();
    let golden: Vec<(i32, i32)> = "CDCDCDCDCDCDBDBDBDBDBABB"
        .chars()
        .map(|c| match c {
            'A' => A,
            'B' => B,
            'C' => C,
            _ => D,
        })
        .collect();
    let start = (0..abcd.len() - 24).find(|&i| abcd[i..i + 24] == golden[..]).expect("golden vector not found");
    let mut pts: Vec<(i32, i32)> = abcd[start..start + 2976 + 64].to_vec();
    pts.extend(raw[start + 2976 + 64..].iter().map(|p| (p.0.round() as i32, p.1.round() as i32)));
    (pts, bits)
}

struct Coded {
    /// Per coded symbol: Q bits (Q1 = bit 0) and the measured point.
    q: Vec<u32>,
    pts: Vec<(i32, i32)>,
}

fn check_training(rate: u32, pts: &[(i32, i32)], data: &[bool]) -> Coded {
    let bps = match rate {
        14400 => 6,
        12000 => 5,
        9600 => 4,
        _ => 3,
    };
    let mut reg = 0x2EC_DD5u32;
    let abcd = [A, B, C, D];
    let mut k = 0;
    let mut last = 0usize;
    for (i, p) in pts[..2976].iter().enumerate() {
        let b1 = scramble(&mut reg, true);
        let b2 = scramble(&mut reg, true);
        let want = match (b1, b2) {
            (false, false) => C,
            (false, true) => D,
            (true, false) => B,
            (true, true) => A,
        };
        last = abcd.iter().position(|&x| x == want).unwrap();
        assert_eq!(*p, want, "segment 2 symbol {i}");
        k += 1;
    }
    for i in 0..64 {
        let w = 0x8880u16;
        let b1 = scramble(&mut reg, (w >> ((2 * i) % 16)) & 1 == 1);
        let b2 = scramble(&mut reg, (w >> ((2 * i + 1) % 16)) & 1 == 1);
        let step = match (b1, b2) {
            (false, false) => 1,
            (false, true) => 0,
            (true, false) => 2,
            (true, true) => 3,
        };
        last = (last + step) % 4;
        assert_eq!(pts[k], abcd[last], "segment 3 symbol {i}");
        k += 1;
    }
    println!("{rate}: segments 2 and 3 match the model");
    let mut q = Vec::new();
    let mut ones = std::iter::repeat_n(true, 48 * bps).chain(data.iter().copied());
    let n = (pts.len() - k).min(48 + data.len() / bps) - 1;
    for _ in 0..n {
        let mut v = 0;
        for b in 0..bps {
            v |= u32::from(scramble(&mut reg, ones.next().unwrap())) << b;
        }
        q.push(v);
    }
    Coded { q, pts: pts[k..k + n].to_vec() }
}

fn main() {
    // 1. 7200: the notes' table gives Y0, Y2Y1 and Q3 of each measured point.
    let (pts, data) = measure(7200, 30_000, 1);
    let coded = check_training(7200, &pts, &data);
    let mut y0 = Vec::new();
    let mut y21 = Vec::new();
    let mut diff = 1u32; // long training
    for (i, (&q, p)) in coded.q.iter().zip(&coded.pts).enumerate() {
        let idx = T7200.iter().position(|x| x == p).unwrap_or_else(|| panic!("point {p:?} off the 7200 grid")) as u32;
        diff = (diff + (q & 3)) & 3;
        assert_eq!(idx >> 3, q >> 2, "Q3 of symbol {i}");
        assert_eq!((idx >> 1) & 3, diff, "Y2Y1 of symbol {i} (differential encoder)");
        y0.push(idx & 1);
        y21.push(diff);
    }
    println!("7200: Q3 and the differential encoder match for {} symbols", y0.len());
    // 2. Y0 as a function of the last 3 outputs and inputs.
    let mut f: HashMap<u32, u32> = HashMap::new();
    let hist = |n: usize| -> u32 {
        (y0[n - 3] | y0[n - 2] << 1 | y0[n - 1] << 2) | (y21[n - 3] << 3 | y21[n - 2] << 5 | y21[n - 1] << 7)
    };
    for (n, &y) in y0.iter().enumerate().skip(3) {
        let prev = f.insert(hist(n), y);
        assert!(prev.is_none_or(|p| p == y), "Y0 is not a function of 3 past outputs and inputs");
    }
    println!("Y0 is a function of the last 3 outputs and inputs: {} histories seen", f.len());
    // 3. Minimise: states are histories; output F(h); next on input u.
    let next = |h: u32, u: u32| -> u32 {
        let o = f[&h];
        ((h >> 1) & 3 | o << 2) | (((h >> 5) & 15) | u << 4) << 3
    };
    let mut hs: Vec<u32> = f.keys().copied().filter(|&h| (0..4).all(|u| f.contains_key(&next(h, u)))).collect();
    hs.sort();
    let mut class: HashMap<u32, usize> = hs.iter().map(|&h| (h, f[&h] as usize)).collect();
    loop {
        let mut sig: HashMap<(usize, [usize; 4]), usize> = HashMap::new();
        let mut new = HashMap::new();
        for &h in &hs {
            let s = (class[&h], [0, 1, 2, 3].map(|u| class.get(&next(h, u)).copied().unwrap_or(usize::MAX)));
            let l = sig.len();
            new.insert(h, *sig.entry(s).or_insert(l));
        }
        let done = sig.len() == class.values().collect::<std::collections::HashSet<_>>().len();
        class = new;
        if done {
            break;
        }
    }
    let n_states = class.values().max().unwrap() + 1;
    println!("minimal machine: {n_states} states");
    let mut table = vec![[usize::MAX; 4]; n_states];
    let mut out = vec![0; n_states];
    for &h in &hs {
        out[class[&h]] = f[&h];
        for (u, slot) in table[class[&h]].iter_mut().enumerate() {
            if let Some(&c) = class.get(&next(h, u as u32)) {
                *slot = c;
            }
        }
    }
    for (s, t) in table.iter().enumerate() {
        println!("state {s}: Y0 {} next {:?}", out[s], t);
    }
    // 4. The start state at segment 4: the one that reproduces every Y0 measured.
    let run = |start: usize, inputs: &[u32]| -> Vec<u32> {
        let mut st = start;
        inputs
            .iter()
            .map(|&u| {
                let o = out[st];
                st = table[st][u as usize];
                o
            })
            .collect()
    };
    let starts: Vec<usize> = (0..n_states).filter(|&s| run(s, &y21) == y0).collect();
    println!("start states consistent with all of segment 4 and data: {starts:?}");
    let start = starts[0];
    // Relabel: breadth first from the start state, inputs in order, so that it is state 0.
    let mut order = vec![start];
    let mut i = 0;
    while i < order.len() {
        for t in table[order[i]] {
            if !order.contains(&t) {
                order.push(t);
            }
        }
        i += 1;
    }
    let label = |s: usize| order.iter().position(|&x| x == s).unwrap();
    println!("const NEXT_STATE: [[u8; 4]; 8] = [");
    for &s in &order {
        println!("    {:?},", table[s].map(label));
    }
    println!("];\nconst Y0: [u8; 8] = {:?};", order.iter().map(|&s| out[s]).collect::<Vec<_>>());
    // 5. The larger maps.
    for (rate, bps) in [(9600u32, 4usize), (12000, 5), (14400, 6)] {
        let (pts, data) = measure(rate, 60_000, 7 + rate);
        let coded = check_training(rate, &pts, &data);
        let mut seen: Vec<HashMap<(i32, i32), usize>> = vec![HashMap::new(); 1 << (bps + 1)];
        let mut st = start;
        let mut diff = 1u32;
        for (i, (&q, &p)) in coded.q.iter().zip(&coded.pts).enumerate() {
            diff = (diff + (q & 3)) & 3;
            let idx = ((q >> 2) << 3 | diff << 1 | out[st]) as usize;
            st = table[st][diff as usize];
            let _ = i;
            *seen[idx].entry(p).or_default() += 1;
        }
        // Each index's point is the one it was seen at nearly always; the receiver's
        // rounding rarely lands between grid points.
        let map: Vec<Option<(i32, i32)>> = seen.iter().map(|m| m.iter().max_by_key(|e| e.1).map(|e| *e.0)).collect();
        let outliers: usize = seen.iter().map(|m| m.values().sum::<usize>() - m.values().max().unwrap_or(&0)).sum();
        println!("{rate}: {outliers} symbols away from their index's usual point");
        let mut distinct = map.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), map.len(), "{rate}: two indices share a point");
        let missing = map.iter().filter(|m| m.is_none()).count();
        println!("{rate}: {} symbols, {missing} indices unseen; map (index: point):", coded.q.len());
        let pts: Vec<String> = map.iter().map(|m| format!("{:?}", m.unwrap_or((99, 99)))).collect();
        for row in pts.chunks(8) {
            println!("    {},", row.join(", "));
        }
    }
}
