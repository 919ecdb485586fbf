//! Identifiers the emulator hands out.

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A 32-character id in the service's style: `yD` followed by 30 random
/// letters and digits.
pub(crate) fn resource_id() -> String {
    let mut id = String::with_capacity(32);
    id.push_str("yD");
    for _ in 0..30 {
        id.push(ALPHABET[fastrand::usize(..ALPHABET.len())] as char);
    }
    id
}

/// A request id shaped like a version-4 UUID.
pub(crate) fn request_id() -> String {
    let v = fastrand::u128(..);
    let v = (v & !(0xf << 76)) | (0x4 << 76);
    let v = (v & !(0x3 << 62)) | (0x2 << 62);
    let hex = format!("{v:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let id = resource_id();
        assert_eq!(id.len(), 32);
        assert!(id.starts_with("yD") && id.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert_ne!(resource_id(), id);
        let r = request_id();
        let parts: Vec<_> = r.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
        assert_eq!(&r[14..15], "4");
    }
}
