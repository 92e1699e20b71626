//! The app's PNG icons, rendered from its hand-written SVGs after `trunk
//! build` (docs/design/phone-app.md, "Installable"): an iPhone's home
//! screen takes only a PNG (`apple-touch-icon`, 180 px, from the maskable
//! SVG, whose background fills the square that iOS rounds itself), and the
//! manifest lists 192 and 512 px PNGs beside the SVGs for browsers that
//! want them. The PNGs are build outputs in `dist/`, never committed, so
//! they cannot drift from the SVGs.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use resvg::{tiny_skia, usvg};

/// Each PNG: (SVG in `dist/`, PNG written beside it, width and height).
pub const ICONS: [(&str, &str, u32); 3] = [
    ("maskable.svg", "icon-180.png", 180),
    ("icon.svg", "icon-192.png", 192),
    ("icon.svg", "icon-512.png", 512),
];

/// `svg` rendered as a `size` x `size` PNG (the picture scaled to fill
/// it).
pub fn render(svg: &[u8], size: u32) -> Result<Vec<u8>> {
    let tree =
        usvg::Tree::from_data(svg, &usvg::Options::default()).context("cannot read the SVG")?;
    let Some(mut pixmap) = tiny_skia::Pixmap::new(size, size) else {
        bail!("cannot make a {size} x {size} picture");
    };
    let drawn = tree.size();
    let transform =
        tiny_skia::Transform::from_scale(size as f32 / drawn.width(), size as f32 / drawn.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().context("cannot encode the PNG")
}

/// Renders every icon of [`ICONS`] in `dist` (from the SVGs Trunk copied
/// there) and returns the PNGs written.
pub fn render_all(dist: &Path) -> Result<Vec<PathBuf>> {
    let mut written = Vec::with_capacity(ICONS.len());
    for (svg, png, size) in ICONS {
        let source = dist.join(svg);
        let bytes =
            std::fs::read(&source).with_context(|| format!("cannot read {}", source.display()))?;
        let rendered = render(&bytes, size).with_context(|| format!("{}", source.display()))?;
        let target = dist.join(png);
        std::fs::write(&target, rendered)
            .with_context(|| format!("cannot write {}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The app's own SVG, as committed.
    fn committed(name: &str) -> Vec<u8> {
        std::fs::read(crate::root().join("frontend/static").join(name)).unwrap()
    }

    #[test]
    fn each_icon_renders_as_a_png_of_its_size() {
        for (svg, _, size) in ICONS {
            let png = render(&committed(svg), size).unwrap();
            assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "{svg}");
            let decoded = tiny_skia::Pixmap::decode_png(&png).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (size, size), "{svg}");
            // The mark's green middle is drawn, and the background is the
            // app's (#111418) just inside the corner's rounding.
            let middle = decoded.pixel(size / 2, size / 2).unwrap();
            assert_eq!(
                (middle.red(), middle.green(), middle.blue(), middle.alpha()),
                (0x2f, 0xbf, 0x71, 255),
                "{svg}"
            );
            let edge = decoded.pixel(size / 2, size / 40).unwrap();
            assert_eq!(
                (edge.red(), edge.green(), edge.blue(), edge.alpha()),
                (0x11, 0x14, 0x18, 255),
                "{svg}"
            );
        }
    }

    #[test]
    fn the_maskable_icon_fills_its_corners_and_the_other_does_not() {
        let corner = |svg: &str| {
            let png = render(&committed(svg), 192).unwrap();
            tiny_skia::Pixmap::decode_png(&png)
                .unwrap()
                .pixel(0, 0)
                .unwrap()
                .alpha()
        };
        assert_eq!(corner("maskable.svg"), 255);
        assert_eq!(corner("icon.svg"), 0);
    }

    #[test]
    fn every_icon_is_written_into_the_folder() {
        let dir = std::env::temp_dir().join(format!("camrig-icons-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for svg in ["icon.svg", "maskable.svg"] {
            std::fs::write(dir.join(svg), committed(svg)).unwrap();
        }
        let written = render_all(&dir).unwrap();
        assert_eq!(written.len(), 3);
        for (_, png, _) in ICONS {
            assert!(dir.join(png).is_file(), "{png}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(render_all(&dir).is_err(), "no SVGs, no icons");
    }

    #[test]
    fn a_broken_svg_is_an_error() {
        assert!(render(b"<svg", 16).is_err());
    }
}
