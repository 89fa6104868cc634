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
    let out = fax(&["tiff", "info", "/nonexistent.tif"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("reading /nonexistent.tif"));
}
