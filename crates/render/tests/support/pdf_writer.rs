//! Hand-built PDFs for the hostile-document tests (shared with the server's tests through
//! `#[path]`): objects numbered from 1 in the order given, with a correct cross-reference table,
//! object 1 being the catalog.

/// A PDF of the given objects: each a dictionary and, for a stream, its (already encoded) data.
pub fn build_pdf(objects: &[(String, Option<&[u8]>)]) -> Vec<u8> {
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (n, (dict, stream)) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend(format!("{} 0 obj\n{dict}\n", n + 1).as_bytes());
        if let Some(data) = stream {
            out.extend(b"stream\n");
            out.extend(*data);
            out.extend(b"\nendstream\n");
        }
        out.extend(b"endobj\n");
    }
    let xref = out.len();
    out.extend(format!("xref\n0 {}\n0000000000 65535 f \n", offsets.len() + 1).as_bytes());
    for o in &offsets {
        out.extend(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", offsets.len() + 1).as_bytes(),
    );
    out
}
