//! `fax tiff info` reads fax TIFFs with no server: one made by netpbm through libtiff (G3,
//! two pages) and a damaged one.

use std::process::Command;

fn fax(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fax")).args(args).env_remove("FAX_URL").env_remove("FAX_TOKEN").output().unwrap()
}

#[test]
fn tiff_info_reports_pages_and_damage() {
    let dir = tempfile::tempdir().unwrap();
    let pbm = dir.path().join("p.pbm");
    let mut page = b"P4\n1728 100\n".to_vec();
    page.extend((0..216 * 100).map(|i| if i % 7 == 0 { 0xf0 } else { 0 }));
    std::fs::write(&pbm, &page).unwrap();
    let tif = dir.path().join("two.tif");
    let out = Command::new("pamtotiff")
        .args(["-g3", "-xresolution", "204", "-yresolution", "98", "-output"])
        .arg(&tif)
        .arg(&pbm)
        .output()
        .expect("pamtotiff (netpbm)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = Command::new("pamtotiff")
        .args(["-g3", "-xresolution", "204", "-yresolution", "98", "-append", "-output"])
        .arg(&tif)
        .arg(&pbm)
        .output()
        .unwrap();
    assert!(out.status.success());

    let out = fax(&["tiff", "info", "--json", tif.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pages = info["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 2);
    assert_eq!(pages[0]["coding"], "MH");
    assert_eq!(pages[0]["width"], 1728);
    assert_eq!(pages[0]["decodes"], true);

    // A file cut short: the damage is reported, not a panic or a hang.
    let bytes = std::fs::read(&tif).unwrap();
    let cut = dir.path().join("cut.tif");
    std::fs::write(&cut, &bytes[..bytes.len() * 3 / 4]).unwrap();
    let out = fax(&["tiff", "info", cut.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "damage is reported: {text}");
    assert!(text.contains("damaged") || text.contains("TIFF"), "{text}");
    // Bytes flipped inside the first page's lines: counted as bad lines, the rest decodes.
    let mut hit = bytes.clone();
    let at = bytes.len() / 4;
    for b in &mut hit[at..at + 4] {
        *b ^= 0xa5;
    }
    let damaged = dir.path().join("hit.tif");
    std::fs::write(&damaged, &hit).unwrap();
    let out = fax(&["tiff", "info", "--json", damaged.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let bad: u64 = info["pages"].as_array().unwrap().iter().map(|p| p["bad_lines"].as_u64().unwrap()).sum();
    assert!((1..=5).contains(&bad), "a few bad lines: {info}");

    let out = fax(&["tiff", "info", "/nonexistent.tif"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent.tif"));
}

/// A peer tool's output; a missing tool fails the test (CI installs them).
fn peer(cmd: &mut Command) -> std::process::Output {
    let name = format!("{cmd:?}");
    let out = cmd.output().unwrap_or_else(|e| panic!("{name}: {e} (install netpbm, libtiff-tools, ghostscript)"));
    assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

#[test]
fn convert_joins_documents_into_one_fax_tiff_libtiff_reads() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../render/tests/data");
    let ps = dir.path().join("two.ps");
    std::fs::write(&ps, "%!PS\n/Helvetica findfont 20 scalefont setfont\n72 700 moveto (one) show showpage\n72 700 moveto (two) show showpage\n").unwrap();
    let text = dir.path().join("note.txt");
    std::fs::write(&text, "A note\x0cand its second page\n").unwrap();
    for (coding, res, paper, rows, name) in
        [("mmr", "fine", "a4", 2292, "CCITT Group 4"), ("mr", "standard", "letter", 1078, "CCITT Group 3")]
    {
        let out_tif = dir.path().join(format!("out-{coding}.tif"));
        let out = fax(&[
            "convert",
            data.join("letter.pdf").to_str().unwrap(),
            ps.to_str().unwrap(),
            data.join("photo.jpg").to_str().unwrap(),
            text.to_str().unwrap(),
            "-o",
            out_tif.to_str().unwrap(),
            "--coding",
            coding,
            "--resolution",
            res,
            "--paper",
            paper,
        ]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let info = peer(Command::new("tiffinfo").arg("-D").arg(&out_tif));
        assert!(info.stderr.is_empty(), "libtiff complains: {}", String::from_utf8_lossy(&info.stderr));
        let info = String::from_utf8_lossy(&info.stdout);
        assert_eq!(info.matches("TIFF Directory").count(), 6, "1 PDF + 2 PS + 1 photo + 2 text pages: {info}");
        assert!(info.contains(name), "{info}");
        assert_eq!(info.matches(&format!("Image Width: 1728 Image Length: {rows}")).count(), 6, "{info}");

        let png = dir.path().join("p3.png");
        let out = fax(&["tiff", "render", out_tif.to_str().unwrap(), "--page", "3", "-o", png.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let pnm = peer(Command::new("pngtopnm").arg(&png));
        assert!(pnm.stdout.starts_with(b"P4\n1728 "), "a 1-bit page 1728 wide");
    }
    let out =
        fax(&["tiff", "render", dir.path().join("out-mmr.tif").to_str().unwrap(), "--page", "9", "-o", "/dev/null"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no page 9"));
}

#[test]
fn cover_render_fills_a_template() {
    let dir = tempfile::tempdir().unwrap();
    let png = dir.path().join("c.png");
    let out = fax(&["cover", "render", "modern", "--field", "recipient_name=Ann", "-o", png.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(peer(Command::new("pngtopnm").arg(&png)).stdout.starts_with(b"P4\n1728 2386\n"));
    let out = fax(&["cover", "render", "modern", "--field", "colour=red", "-o", png.to_str().unwrap()]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("`colour`"));
    let svg = dir.path().join("mine.svg");
    std::fs::write(&svg, r#"<svg xmlns="http://www.w3.org/2000/svg" width="210mm" height="297mm" viewBox="0 0 210 297"><text x="20" y="40" font-size="12">{nickname}</text></svg>"#).unwrap();
    let out = fax(&["cover", "render", svg.to_str().unwrap(), "-o", png.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("`{nickname}`"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The height in pixels of a PNG, read by netpbm.
fn png_rows(png: &std::path::Path) -> u32 {
    let pnm = peer(Command::new("pngtopnm").arg(png));
    let text = String::from_utf8_lossy(&pnm.stdout[..32]).to_string();
    text.split_ascii_whitespace().nth(2).unwrap().parse().unwrap()
}

#[test]
fn tiff_render_scales_rows_by_the_files_own_resolution() {
    let dir = tempfile::tempdir().unwrap();
    let pbm = dir.path().join("page.pbm");
    let mut page = b"P4\n1728 2244\n".to_vec();
    page.extend((0..216 * 2244).map(|i| if i % 11 == 0 { 0x0f } else { 0 }));
    std::fs::write(&pbm, &page).unwrap();
    // 204 × 204 dpi (square pixels) is drawn as it is; fax resolutions by their real ratio.
    for (y_dpi, rows) in [("204", 2244), ("98", 4671), ("196", 2336)] {
        let tif = dir.path().join(format!("page-{y_dpi}.tif"));
        let out = Command::new("pamtotiff")
            .args(["-g4", "-xresolution", "204", "-yresolution", y_dpi, "-output"])
            .arg(&tif)
            .arg(&pbm)
            .output()
            .expect("pamtotiff (netpbm)");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let png = dir.path().join(format!("page-{y_dpi}.png"));
        let out = fax(&["tiff", "render", tif.to_str().unwrap(), "-o", png.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(png_rows(&png), rows, "204 × {y_dpi} dpi");
    }
}
