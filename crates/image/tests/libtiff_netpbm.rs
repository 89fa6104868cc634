//! Our coders against implementations no one here wrote: every page we code as MH, MR or MMR
//! and write as TIFF is decoded by libtiff (`tifftopnm`, `tiffinfo -D`) to exactly our
//! bitmap, and netpbm's own G3 coder (`pbmtog3`) is decoded by ours to exactly its input.
//! The tools come from Debian's libtiff-tools and netpbm; a missing tool fails the test.

use std::process::{Command, Stdio};

use ferrofax_image::{Bitmap, CodedPage, Coding, FaxMetadata, Resolution, write_tiff};

fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> std::process::Output {
    let name = format!("{cmd:?}");
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{name}: {e} (install libtiff-tools and netpbm)"));
    // Written from another thread: the tool's output may fill its pipe before it has read
    // all of its input.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.map(<[u8]>::to_vec);
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        if let Some(input) = input {
            pipe.write_all(&input).unwrap();
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

fn pbm(b: &Bitmap) -> Vec<u8> {
    let mut v = format!("P4\n{} {}\n", b.width(), b.height()).into_bytes();
    for y in 0..b.height() {
        v.extend_from_slice(b.row(y));
    }
    v
}

fn from_pbm(bytes: &[u8]) -> Bitmap {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).to_string();
    let mut f = head.split_ascii_whitespace();
    assert_eq!(f.next(), Some("P4"), "a raw PBM");
    let (w, h): (u32, u32) = (f.next().unwrap().parse().unwrap(), f.next().unwrap().parse().unwrap());
    let mut b = Bitmap::new(w, h);
    let stride = b.stride();
    let raster = &bytes[bytes.len() - stride * h as usize..];
    for y in 0..h {
        b.row_mut(y).copy_from_slice(&raster[y as usize * stride..(y as usize + 1) * stride]);
    }
    b
}

/// Pages of different kinds: text-like blocks, rules, a photograph-like noise field, a
/// checkerboard, all black, all white, and the three fax widths.
fn corpus() -> Vec<(String, Bitmap)> {
    let mut out = Vec::new();
    let mut s = 0x9e37_79b9_7f4a_7c15u64;
    let mut rnd = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for (width, height) in [(1728u32, 600u32), (2048, 200), (2432, 150)] {
        let mut text = Bitmap::new(width, height);
        for line in 0..(height / 30) {
            let mut x = 80;
            while x < width - 80 {
                let word = (rnd() % 60 + 10) as u32;
                for y in line * 30 + 8..line * 30 + 22 {
                    for gx in (x..(x + word).min(width)).step_by(4) {
                        if rnd() % 3 != 0 {
                            text.fill_run(y, gx, gx + 2);
                        }
                    }
                }
                x += word + 12;
            }
        }
        out.push((format!("text {width}"), text));
    }
    let mut rules = Bitmap::new(1728, 300);
    for y in (0..300).step_by(17) {
        rules.fill_run(y, 0, 1728);
    }
    for x in (0..1728).step_by(97) {
        for y in 0..300 {
            rules.set(x, y, true);
        }
    }
    out.push(("rules".into(), rules));
    let mut photo = Bitmap::new(1728, 300);
    for y in 0..300 {
        for x in 0..1728 {
            if rnd() % 100 < (x * 100 / 1728) as u64 {
                photo.set(x, y, true);
            }
        }
    }
    out.push(("dithered gradient".into(), photo));
    // Two-pixel squares: libtiff's G3 decoder keeps at most about one run per pixel, so a line
    // of 1728 one-pixel runs that starts black (1729 codes with the empty white run) is beyond
    // it, though valid T.4; hayro-ccitt decodes those in our property tests.
    let mut check = Bitmap::new(1728, 64);
    for y in 0..64 {
        for x in 0..1728 {
            if (x / 2 + y / 2) % 2 == 0 {
                check.set(x, y, true);
            }
        }
    }
    out.push(("checkerboard".into(), check));
    let mut black = Bitmap::new(1728, 40);
    for y in 0..40 {
        black.fill_run(y, 0, 1728);
    }
    out.push(("black".into(), black));
    out.push(("white".into(), Bitmap::new(1728, 40)));
    // A photograph (dithered) and a PDF page (text, greys) as ferrofax-render makes them.
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/data");
    for name in ["photo.jpg", "letter.pdf"] {
        let bytes = std::fs::read(data.join(name)).unwrap();
        let (_, mut pages) = ferrofax_render::convert_to_pages(&bytes, &Default::default()).unwrap();
        out.push((name.to_string(), pages.remove(0)));
    }
    out
}

#[test]
fn libtiff_decodes_our_mh_mr_and_mmr_to_our_pixels() {
    let dir = tempfile::tempdir().unwrap();
    for (name, page) in corpus() {
        for (coding, res, aligned) in [
            (Coding::Mh, Resolution::Fine, false),
            (Coding::Mh, Resolution::Fine, true),
            (Coding::Mr, Resolution::Standard, false),
            (Coding::Mr, Resolution::Fine, true),
            (Coding::Mmr, Resolution::Fine, false),
        ] {
            let what = format!("{name}, {} K={} aligned={aligned}", coding.name(), res.mr_k());
            let coded = CodedPage::encode(&page, coding, res, aligned);
            let path = dir.path().join("page.tif");
            std::fs::write(&path, write_tiff(&[coded], &FaxMetadata::default())).unwrap();
            let info = run(Command::new("tiffinfo").arg("-D").arg(&path), None);
            let complaints = String::from_utf8_lossy(&info.stderr);
            assert!(
                !complaints.contains("rror") && !complaints.contains("arning"),
                "{what}: tiffinfo says {complaints}"
            );
            let decoded = from_pbm(&run(Command::new("tifftopnm").arg(&path), None).stdout);
            assert!(decoded == page, "{what}: libtiff decodes other pixels");
        }
    }
}

#[test]
fn we_decode_netpbm_g3_to_its_pixels() {
    for (name, page) in corpus().into_iter().filter(|(_, p)| p.width() == 1728) {
        let g3 = run(&mut Command::new("pbmtog3"), Some(&pbm(&page))).stdout;
        let coded = CodedPage {
            width: 1728,
            height: page.height(),
            resolution: Resolution::Fine,
            coding: Coding::Mh,
            byte_aligned_eols: false,
            data: g3,
        };
        assert!(coded.decode(1).unwrap() == page, "{name}: pbmtog3's G3 decodes to other pixels");
        let (lines, report) = coded.decode_lines();
        assert_eq!(report.bad_lines, 0, "{name}: the line decoder finds bad lines in pbmtog3's G3");
        assert!(lines == page, "{name}: the line decoder decodes pbmtog3's G3 to other pixels");
    }
}

/// A PostScript page with text, rules, a filled circle and a grey (halftoned) box.
const PAGE_PS: &str = "%!PS
/Helvetica findfont 14 scalefont setfont
72 720 moveto (ferrofax interop page: The quick brown fox jumps over the lazy dog.) show
/Courier findfont 10 scalefont setfont
0 1 30 { /i exch def 72 700 i 12 mul sub moveto (Line ) show i 3 string cvs show ( of the test page, 0123456789) show } for
2 setlinewidth 72 300 moveto 540 300 lineto stroke
0.5 setlinewidth 72 290 moveto 540 290 lineto stroke
300 200 60 0 360 arc fill
0.5 setgray 400 100 120 80 rectfill
showpage
";

#[test]
fn we_decode_ghostscript_g3_2d_and_g4_as_libtiff_does() {
    let dir = tempfile::tempdir().unwrap();
    let ps = dir.path().join("page.ps");
    std::fs::write(&ps, PAGE_PS).unwrap();
    for device in ["tiffg3", "tiffg32d", "tiffg4"] {
        let out = dir.path().join(format!("{device}.tif"));
        run(
            Command::new("gs")
                .args(["-q", "-dSAFER", "-dBATCH", "-dNOPAUSE", "-r204x196"])
                .arg(format!("-sDEVICE={device}"))
                .arg(format!("-sOutputFile={}", out.display()))
                .arg(&ps),
            None,
        );
        let bytes = std::fs::read(&out).unwrap();
        let ours = ferrofax_image::read_tiff(&bytes, Default::default()).unwrap().decode_page(0).unwrap();
        let libtiff = from_pbm(&run(Command::new("tifftopnm").arg(&out), None).stdout);
        assert!(ours.black_pixels() > 10_000, "{device}: the page has ink");
        assert!(ours == libtiff, "{device}: our decoding differs from libtiff's");
        let tiff = ferrofax_image::read_tiff(&bytes, Default::default()).unwrap();
        let (lines, report) = tiff.coded_page(0).unwrap().decode_lines();
        assert_eq!(report.bad_lines, 0, "{device}: the line decoder finds bad lines");
        assert!(lines == libtiff, "{device}: the line decoder differs from libtiff");
    }
}
