//! The QR code image: a real PNG, served by the emulator, that decodes to
//! the code's sign link.

use crate::support;

use ess_emulator::defaults;
use support::*;

/// Decodes an 8-bit grayscale PNG into (width, height, pixels).
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(bytes);
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let frame = reader.next_frame(&mut pixels).expect("PNG image data");
    assert_eq!(frame.color_type, png::ColorType::Grayscale);
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    pixels.truncate(frame.buffer_size());
    (frame.width as usize, frame.height as usize, pixels)
}

#[tokio::test]
async fn the_qr_code_url_serves_a_png_of_the_sign_link() {
    let emu = emulator().await;
    let client = client(&emu);
    let out = bounded(
        create(&client, defaults::B2C_TEMPLATE_ID)
            .qr_code_name("入职签署码")
            .send(),
    )
    .await
    .unwrap();
    let url = &out.qr_code.qr_code_url;
    let path = url
        .strip_prefix(emu.endpoint())
        .expect("served by the emulator");
    let r = exchange(emu.addr(), &plain_request("GET", path, "x", ""))
        .await
        .response();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("Content-Type"), Some("image/png"));
    let bytes = r.body;
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    assert!(bytes.len() < 64 * 1024, "{} bytes", bytes.len());
    assert_eq!(bytes, emu.qr_code_png(&out.qr_code.qr_code_id).unwrap());

    let (width, height, pixels) = decode_png(&bytes);
    assert_eq!(width, height);
    assert!((200..=600).contains(&width), "{width}");
    assert!(pixels.iter().all(|p| *p == 0 || *p == 255));
    // The quiet zone is white.
    assert!(pixels[..width * 16].iter().all(|p| *p == 255));

    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1);
    let (_, content) = grids[0].decode().expect("the code decodes");
    assert_eq!(content, out.sign_urls.http_sign_url);

    // The title chunk carries the code's name.
    let decoder = png::Decoder::new(bytes.as_slice());
    let reader = decoder.read_info().unwrap();
    let titles: Vec<String> = reader
        .info()
        .utf8_text
        .iter()
        .filter(|t| t.keyword == "Title")
        .map(|t| t.get_text().unwrap())
        .collect();
    assert_eq!(titles, ["入职签署码"]);

    let r = exchange(
        emu.addr(),
        &plain_request("GET", "/qr/yDnoSuchCode00000000000000000001.png", "x", ""),
    )
    .await
    .response();
    assert_eq!(r.status, 404);
    emu.shutdown().await;
}

#[test]
fn terminal_rendering_uses_half_blocks() {
    let art = ess_emulator::qr::terminal("http://127.0.0.1:8080/sign/x").unwrap();
    assert!(art.contains('▀') || art.contains('▄') || art.contains('█'));
    assert!(art.lines().count() > 10);
}
