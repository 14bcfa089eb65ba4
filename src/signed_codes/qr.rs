//! QR images of a voucher code for the phone screen: error correction M (survives a cracked
//! screen or glare), 8-pixel modules and the standard 4-module quiet zone.

use qrcode::{Color, EcLevel, QrCode};

const MODULE_PX_U32: u32 = 8;
// Widening: a u32 always fits a usize on the targets this runs on.
const MODULE_PX: usize = MODULE_PX_U32 as usize;
const QUIET_ZONE: usize = 4;

fn code(text: &str) -> Result<QrCode, qrcode::types::QrError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
}

/// A greyscale PNG of the code.
pub fn png(text: &str) -> Result<Vec<u8>, String> {
    let code = code(text).map_err(|e| e.to_string())?;
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET_ZONE) * MODULE_PX;
    let mut pixels = vec![255u8; side * side];
    for y in 0..width {
        for x in 0..width {
            if colors[y * width + x] == Color::Dark {
                for dy in 0..MODULE_PX {
                    let row = (y + QUIET_ZONE) * MODULE_PX + dy;
                    let start = row * side + (x + QUIET_ZONE) * MODULE_PX;
                    pixels[start..start + MODULE_PX].fill(0);
                }
            }
        }
    }
    let mut out = Vec::new();
    {
        let side = u32::try_from(side).map_err(|e| e.to_string())?;
        let mut encoder = png::Encoder::new(&mut out, side, side);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer
            .write_image_data(&pixels)
            .map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// An SVG of the code.
pub fn svg(text: &str) -> Result<String, String> {
    let code = code(text).map_err(|e| e.to_string())?;
    Ok(code
        .render::<qrcode::render::svg::Color<'_>>()
        .quiet_zone(true)
        .module_dimensions(MODULE_PX_U32, MODULE_PX_U32)
        .build())
}
