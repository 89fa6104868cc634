//! Embeds the console's assets: every file under `assets/` is
//! compressed with gzip and given an ETag here, so that faxd serves them from memory with no
//! work per request.

use std::io::Write;
use std::path::{Path, PathBuf};

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("assets/").map(|e| e.expect("entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        other => panic!("an asset of unknown type: {other:?}"),
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap()).join("assets");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", root.display());
    let mut list = Vec::new();
    files(&root, &mut list);
    let mut table = String::from("&[\n");
    for (i, path) in list.iter().enumerate() {
        println!("cargo:rerun-if-changed={}", path.display());
        let bytes = std::fs::read(path).expect("an asset");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gz.write_all(&bytes).unwrap();
        let gz = gz.finish().unwrap();
        let gz_path = out.join(format!("asset{i}.gz"));
        std::fs::write(&gz_path, &gz).unwrap();
        let etag = &hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes))[..20];
        let name = path.strip_prefix(&root).unwrap().to_str().unwrap().replace('\\', "/");
        table.push_str(&format!(
            "    Asset {{ path: {name:?}, content_type: {ct:?}, etag: \"\\\"{etag}\\\"\", body: include_bytes!({src:?}), gzip: include_bytes!({gz:?}) }},\n",
            ct = content_type(path),
            src = path.display().to_string(),
            gz = gz_path.display().to_string(),
        ));
    }
    table.push_str("]\n");
    std::fs::write(out.join("assets.rs"), table).unwrap();
}
