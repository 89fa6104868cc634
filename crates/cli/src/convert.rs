//! Imaging commands: `fax convert` (documents to a fax TIFF), `fax cover render` (a cover page
//! template to PNG) and `fax tiff render` (a fax page to PNG) work offline; `fax cover list`
//! lists the server's templates (or, with `--shipped`, those shipped with ferrofax).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use ferrofax_image::{CodedPage, Coding, FaxMetadata, ReadLimits, Resolution, read_tiff, write_tiff};
use ferrofax_render::preview::{page_png, page_png_at};
use ferrofax_render::{ConvertOptions, Halftone, PageSetup, Paper, convert};

#[derive(Clone, Copy, ValueEnum)]
pub enum ResolutionArg {
    /// 204 × 98 dpi
    Standard,
    /// 204 × 196 dpi
    Fine,
    /// 204 × 391 dpi
    Superfine,
}

impl From<ResolutionArg> for Resolution {
    fn from(r: ResolutionArg) -> Self {
        match r {
            ResolutionArg::Standard => Resolution::Standard,
            ResolutionArg::Fine => Resolution::Fine,
            ResolutionArg::Superfine => Resolution::Superfine,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum CodingArg {
    /// T.4 one-dimensional (Modified Huffman)
    Mh,
    /// T.4 two-dimensional (Modified READ)
    Mr,
    /// T.6 (Modified Modified READ)
    Mmr,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum PaperArg {
    /// 210 × 297 mm
    A4,
    /// US Letter, 8.5 × 11 inches
    Letter,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum HalftoneArg {
    /// Threshold line art, dither photographs, per region
    Auto,
    /// Threshold everything
    Threshold,
    /// Dither everything
    Dither,
    /// Like auto, photographs with a clustered-dot screen: coarser, far fewer bytes to send
    Screen,
}

#[derive(Args)]
pub struct ConvertArgs {
    /// Documents: PDF, PostScript/EPS, TIFF, PNG, JPEG, GIF, BMP, WebP or text. Their pages are
    /// joined in order.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// The fax TIFF to write.
    #[arg(short, long)]
    output: PathBuf,
    /// The fax resolution of the pages.
    #[arg(long, value_enum, default_value = "fine")]
    resolution: ResolutionArg,
    /// How the pages are compressed.
    #[arg(long, value_enum, default_value = "mmr")]
    coding: CodingArg,
    /// The paper the pages are laid out on.
    #[arg(long, value_enum, default_value = "a4")]
    paper: PaperArg,
    /// How greys and pictures become black and white.
    #[arg(long, value_enum, default_value = "auto")]
    halftone: HalftoneArg,
    /// Refuse documents with more pages than this.
    #[arg(long, default_value_t = 1000)]
    max_pages: u32,
}

pub fn convert_files(args: ConvertArgs) -> anyhow::Result<i32> {
    let resolution: Resolution = args.resolution.into();
    let opts = ConvertOptions {
        page: PageSetup {
            paper: match args.paper {
                PaperArg::A4 => Paper::A4,
                PaperArg::Letter => Paper::Letter,
            },
            resolution,
        },
        halftone: match args.halftone {
            HalftoneArg::Auto => Halftone::Auto,
            HalftoneArg::Threshold => Halftone::Threshold,
            HalftoneArg::Dither => Halftone::Dither,
            HalftoneArg::Screen => Halftone::Screen,
        },
        limits: ferrofax_render::RenderLimits { max_pages: args.max_pages, ..Default::default() },
    };
    let coding = match args.coding {
        CodingArg::Mh => Coding::Mh,
        CodingArg::Mr => Coding::Mr,
        CodingArg::Mmr => Coding::Mmr,
    };
    let mut pages = Vec::new();
    for input in &args.inputs {
        let bytes = std::fs::read(input).with_context(|| format!("reading {}", input.display()))?;
        let before = pages.len();
        let format = convert(&bytes, &opts, &mut |page| {
            pages.push(CodedPage::encode(&page, coding, resolution, false));
            Ok(())
        })
        .with_context(|| format!("{}", input.display()))?;
        eprintln!("{}: {} page(s) of {}", input.display(), pages.len() - before, format.name());
    }
    let meta = FaxMetadata {
        description: args.inputs.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "),
        ..Default::default()
    };
    std::fs::write(&args.output, write_tiff(&pages, &meta))
        .with_context(|| format!("writing {}", args.output.display()))?;
    eprintln!("{}: {} page(s), {}, {}", args.output.display(), pages.len(), coding.name(), args_res_name(resolution));
    Ok(0)
}

fn args_res_name(r: Resolution) -> String {
    format!("{}×{} dpi", r.x_dpi(), r.y_dpi())
}

#[derive(Subcommand)]
pub enum CoverAction {
    /// Fills a cover page template (SVG or text) with fields and draws it as a PNG.
    Render {
        /// The template file, or the name of a template shipped with ferrofax (classic, modern,
        /// confidential).
        template: String,
        /// A field value, `name=value` (any FaxDoc field, page_count, date, time). Fields not
        /// given are empty.
        #[arg(long = "field", value_name = "NAME=VALUE")]
        fields: Vec<String>,
        /// The PNG to write.
        #[arg(short, long)]
        output: PathBuf,
        /// The fax resolution to draw the page at (the PNG has square pixels).
        #[arg(long, value_enum, default_value = "fine")]
        resolution: ResolutionArg,
        /// The paper the page is laid out on.
        #[arg(long, value_enum, default_value = "a4")]
        paper: PaperArg,
    },
    /// The server's cover page templates: the names `fax send --cover` takes. With
    /// `--shipped`, those shipped with ferrofax, which `fax cover render` draws with no server.
    List {
        /// List the templates shipped with ferrofax instead, without asking a server.
        #[arg(long)]
        shipped: bool,
    },
}

/// `fax cover list`: the server's common cover page templates.
pub async fn list_server_covers(s: &ferrofax_client::FaxServer, as_json: bool) -> anyhow::Result<i32> {
    let templates = s.coverpages().await?;
    if as_json {
        return crate::output::json(&templates).map(|_| 0);
    }
    let rows = templates.iter().map(|t| vec![t.name.clone(), t.format.clone(), t.file.clone()]).collect();
    crate::output::table(&["NAME", "FORMAT", "FILE"], rows);
    Ok(0)
}

/// Every field a template may name, empty.
fn blank_fields() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let values = [
        serde_json::to_value(ferrofax_api::Recipient::default()),
        serde_json::to_value(ferrofax_api::FaxDocFields::default()),
    ];
    for v in values.into_iter().flatten() {
        if let serde_json::Value::Object(m) = v {
            out.extend(m.keys().map(|k| (k.clone(), String::new())));
        }
    }
    for k in ["page_count", "document_pages", "date", "time"] {
        out.push((k.to_string(), String::new()));
    }
    out
}

pub fn cover(action: CoverAction) -> anyhow::Result<i32> {
    let CoverAction::Render { template, fields, output, resolution, paper } = action else {
        // `fax cover list` without --shipped asks the server (see `list_server_covers`).
        for (name, _) in ferrofax_render::BUILTIN_TEMPLATES {
            println!("{}", name.trim_end_matches(".svg"));
        }
        return Ok(0);
    };
    let text = match ferrofax_render::BUILTIN_TEMPLATES.iter().find(|(n, _)| n.trim_end_matches(".svg") == template) {
        Some((_, t)) => t.to_string(),
        None => std::fs::read_to_string(&template).with_context(|| format!("reading {template}"))?,
    };
    let mut values = blank_fields();
    for f in &fields {
        let Some((k, v)) = f.split_once('=') else { bail!("--field takes NAME=VALUE, not `{f}`") };
        let Some(slot) = values.iter_mut().find(|(name, _)| name == k) else {
            bail!("`{k}` is not a cover page field");
        };
        slot.1 = v.replace("\\n", "\n");
    }
    let svg = ferrofax_render::is_svg(&text);
    let filled = ferrofax_render::fill_template(&text, &values, svg).map_err(anyhow::Error::msg)?;
    let setup = PageSetup {
        paper: if matches!(paper, PaperArg::Letter) { Paper::Letter } else { Paper::A4 },
        resolution: resolution.into(),
    };
    let page = ferrofax_render::render_cover(&filled, &setup)?;
    std::fs::write(&output, page_png(&page, setup.resolution))
        .with_context(|| format!("writing {}", output.display()))?;
    Ok(0)
}

/// `fax tiff render FILE [--page N] -o OUT.png`.
pub fn render_tiff_page(file: &PathBuf, page: usize, output: &PathBuf) -> anyhow::Result<i32> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let t = read_tiff(&bytes, ReadLimits::default()).with_context(|| format!("{}", file.display()))?;
    if page == 0 || page > t.pages.len() {
        bail!("{} has {} page(s); there is no page {page}", file.display(), t.pages.len());
    }
    let p = &t.pages[page - 1];
    let bitmap = t.decode_page(page - 1).with_context(|| format!("{} page {page}", file.display()))?;
    // The page's own resolution, not the nearest fax class: 204 × 204 dpi is square already.
    let png = page_png_at(&bitmap, p.x_dpi, p.y_dpi);
    std::fs::write(output, png).with_context(|| format!("writing {}", output.display()))?;
    Ok(0)
}
