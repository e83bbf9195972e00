//! Guest names as Windows names: which names Windows cannot hold, and the
//! UTF-16 form of the rest.
//!
//! A guest name reaches the host only as one component beneath a held
//! directory handle, so it must never carry anything Windows would read
//! as more than a name: a separator (`\`), a stream (`:`), a wildcard, a
//! control character. Names Windows programs cannot use are refused too:
//! the DOS device names (`CON`, `NUL`, `AUX`, `COM1`, ... with or without
//! an extension) and names ending in a dot or a space (the Win32 layer
//! strips those, so `a.` would alias `a`). A lookup of such a name is
//! `ENOENT` (nothing by that name can exist), and making one is `EINVAL`
//! (docs/windows.md).

use wasi_abi::Errno;

/// Whether Windows can hold `name` as one file name.
pub(crate) fn holdable(name: &[u8]) -> bool {
    if name.is_empty() || name.len() > 255 * 3 {
        return false;
    }
    if name.iter().any(|&b| b < 0x20 || b"\\/:*?\"<>|".contains(&b)) {
        return false;
    }
    if matches!(name.last(), Some(b'.' | b' ')) {
        return false;
    }
    !is_device_name(name)
}

/// `CON`, `PRN`, `AUX`, `NUL`, `COM0`-`COM9`, `LPT0`-`LPT9` (and their
/// superscript-digit forms), `CONIN$`, `CONOUT$`, in any case, before an
/// extension or trailing spaces.
fn is_device_name(name: &[u8]) -> bool {
    let stem = name.split(|&b| b == b'.').next().unwrap_or(name);
    let stem = std::str::from_utf8(stem).unwrap_or("").trim_end_matches(' ').to_ascii_uppercase();
    if matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$") {
        return true;
    }
    let (prefix, digit) = stem.split_at(stem.len().min(3));
    matches!(prefix, "COM" | "LPT")
        && matches!(digit, "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³")
}

/// The UTF-16 form of a name to look up: `ENOENT` if Windows cannot hold
/// it.
pub(crate) fn lookup_name(name: &[u8]) -> Result<Vec<u16>, Errno> {
    wide(name).ok_or(Errno::NOENT)
}

/// The UTF-16 form of a name to make: `EINVAL` if Windows cannot hold it.
pub(crate) fn new_name(name: &[u8]) -> Result<Vec<u16>, Errno> {
    wide(name).ok_or(Errno::INVAL)
}

fn wide(name: &[u8]) -> Option<Vec<u16>> {
    if !holdable(name) {
        return None;
    }
    let s = std::str::from_utf8(name).ok()?;
    let w: Vec<u16> = s.encode_utf16().collect();
    (w.len() <= 255).then_some(w)
}

/// A UTF-16 name (or symlink target) as guest bytes: UTF-8, unpaired
/// surrogates replaced.
pub(crate) fn to_guest(name: &[u16]) -> Vec<u8> {
    String::from_utf16_lossy(name).into_bytes()
}

/// A guest symlink target (relative, `/`-separated) in Windows form.
pub(crate) fn target_to_windows(target: &str) -> Result<Vec<u16>, Errno> {
    let mut out = Vec::new();
    for (i, part) in target.split('/').enumerate() {
        if i > 0 {
            out.push(u16::from(b'\\'));
        }
        if !part.is_empty() && part != "." && part != ".." && !holdable(part.as_bytes()) {
            return Err(Errno::INVAL);
        }
        out.extend(part.encode_utf16());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_windows_cannot_hold() {
        for bad in [
            &b"a:b"[..],
            b"a\\b",
            b"aux",
            b"AUX",
            b"Nul.txt",
            b"com1",
            b"LPT9.log",
            b"conin$",
            b"a.",
            b"a ",
            b"a*",
            b"a?",
            b"a\"",
            b"<",
            b">",
            b"|",
            b"\x01",
            b"",
        ] {
            assert!(!holdable(bad), "{:?}", String::from_utf8_lossy(bad));
            assert_eq!(lookup_name(bad), Err(Errno::NOENT));
            assert_eq!(new_name(bad), Err(Errno::INVAL));
        }
        for good in [&b"a"[..], b"aux1", b"console", b"com10", b".hidden", b"a.b", "é".as_bytes(), b"..."] {
            // "..." ends in a dot: Win32 would strip it.
            assert_eq!(holdable(good), good != b"...", "{:?}", String::from_utf8_lossy(good));
        }
        assert_eq!(new_name("é".as_bytes()).unwrap(), vec![0xE9]);
        assert_eq!(target_to_windows("../a/b").unwrap(), "..\\a\\b".encode_utf16().collect::<Vec<_>>());
        assert_eq!(target_to_windows("a/x:y"), Err(Errno::INVAL));
        assert_eq!(to_guest(&"..\\x".encode_utf16().collect::<Vec<_>>()), b"..\\x");
    }
}
