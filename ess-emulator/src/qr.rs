//! QR code images: a PNG for `GET /qr/<QrCodeId>.png` and text for terminals.

use qrcode::render::unicode::Dense1x2;
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module in the PNG.
pub const PNG_MODULE_PIXELS: usize = 8;
/// Light modules around the code (the quiet zone the standard asks for).
pub const QUIET_ZONE_MODULES: usize = 4;

/// Text that does not fit in a QR code, or an image that could not be
/// encoded.
#[derive(Debug, thiserror::Error)]
#[error("cannot make a QR code: {0}")]
pub struct QrImageError(String);

fn matrix(text: &str) -> Result<QrCode, QrImageError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| QrImageError(e.to_string()))
}

/// A grayscale PNG of the QR code of `text`, with a quiet zone, each module
/// [`PNG_MODULE_PIXELS`] pixels wide. `title`, when given, is stored in an
/// `iTXt` chunk with the keyword `Title`.
pub fn png(text: &str, title: Option<&str>) -> Result<Vec<u8>, QrImageError> {
    let code = matrix(text)?;
    let modules = code.width();
    let colors = code.to_colors();
    let side_modules = modules + 2 * QUIET_ZONE_MODULES;
    let side = side_modules * PNG_MODULE_PIXELS;
    let mut pixels = vec![255u8; side * side];
    for (i, color) in colors.iter().enumerate() {
        if *color != Color::Dark {
            continue;
        }
        let (mx, my) = (
            i % modules + QUIET_ZONE_MODULES,
            i / modules + QUIET_ZONE_MODULES,
        );
        for dy in 0..PNG_MODULE_PIXELS {
            let row = (my * PNG_MODULE_PIXELS + dy) * side;
            let start = row + mx * PNG_MODULE_PIXELS;
            pixels[start..start + PNG_MODULE_PIXELS].fill(0);
        }
    }
    let side = u32::try_from(side).map_err(|_| QrImageError("the image is too large".into()))?;
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side, side);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    if let Some(title) = title {
        encoder
            .add_itxt_chunk("Title".to_owned(), title.to_owned())
            .map_err(|e| QrImageError(e.to_string()))?;
    }
    let mut writer = encoder
        .write_header()
        .map_err(|e| QrImageError(e.to_string()))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| QrImageError(e.to_string()))?;
    writer.finish().map_err(|e| QrImageError(e.to_string()))?;
    Ok(out)
}

/// The QR code of `text` drawn with Unicode half blocks, two modules per
/// character cell, light on dark so that it scans on a dark terminal.
pub fn terminal(text: &str) -> Result<String, QrImageError> {
    Ok(matrix(text)?
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_has_signature_and_sane_size() {
        let bytes = png("http://127.0.0.1:1/sign/x", Some("签署码")).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&bytes[12..16], b"IHDR");
        let width = u32::from_be_bytes([bytes[16], bytes[17], bytes[18], bytes[19]]);
        assert_eq!(width % PNG_MODULE_PIXELS as u32, 0);
        assert!((21 * 8..=400).contains(&width), "{width}");
    }

    #[test]
    fn terminal_art_is_square_ish() {
        let art = terminal("hello").unwrap();
        let lines: Vec<_> = art.lines().collect();
        let cols = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == cols));
        assert_eq!(lines.len(), cols.div_ceil(2));
    }
}
