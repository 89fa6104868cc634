//! The fonts embedded in ferrofax (DejaVu, see `fonts/DejaVu-LICENSE.txt`): no system fonts are
//! needed to render text, the branding line or cover pages.

/// DejaVu Sans Mono: text documents and the branding line.
pub static MONO: &[u8] = include_bytes!("../fonts/DejaVuSansMono.ttf");
/// DejaVu Sans: cover pages, and characters the monospaced font lacks.
pub static SANS: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold: cover pages.
pub static SANS_BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
