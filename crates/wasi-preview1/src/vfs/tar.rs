//! A `.tar` archive as a [`MemoryFs`]: read once to index its entries
//! (names, types, sizes, times, where each file's data starts), never
//! unpacked. A file's data is read from the archive when the guest reads
//! it ([`Blob`]), and copied into memory only if an overlay changes it.
//!
//! The `tar` crate parses the headers (ustar, GNU long names, pax
//! extended headers), so names and sizes of any length are read as GNU
//! tar writes them.

use super::memory::{Blob, MemoryFs};
use std::fmt;
use std::fs::File;
#[cfg(unix)]
use std::os::unix::fs::FileExt;
#[cfg(windows)]
use std::os::windows::fs::FileExt;
use std::sync::Arc;
use wasi_abi::Errno;

/// Why an archive could not be mounted.
#[derive(Debug)]
pub struct TarError(String);

impl fmt::Display for TarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TarError {}

/// One file's data: a range of the archive.
#[derive(Debug)]
struct TarBlob {
    archive: Arc<File>,
    start: u64,
    len: u64,
}

impl Blob for TarBlob {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
        let left = self.len.saturating_sub(offset);
        let n = usize::try_from(left).unwrap_or(usize::MAX).min(buf.len());
        #[cfg(unix)]
        return self.archive.read_at(&mut buf[..n], self.start + offset);
        // A positioned read; it moves the handle's offset, which nothing here uses.
        #[cfg(windows)]
        return self.archive.seek_read(&mut buf[..n], self.start + offset);
    }
}

/// Why the archive could not be read, after `index` good entries: the
/// host's error where reading failed, else that this is no archive (the
/// `tar` crate's own messages quote the header's bytes, which for a file
/// that is not an archive are any bytes at all).
fn unreadable(e: &std::io::Error, index: usize) -> TarError {
    if e.raw_os_error().is_some() {
        return TarError(format!("archive: {e}"));
    }
    let what = if index == 0 { "not a .tar archive" } else { "a damaged .tar archive" };
    TarError(format!("{what} (entry {} has no valid header)", index + 1))
}

/// An entry's name as a path relative to the archive's root: leading `/`
/// and `./` dropped; `None` for the root itself. A `..` component is
/// refused (an archive that climbs out of itself).
fn relative(name: &[u8]) -> Result<Option<String>, String> {
    let name = std::str::from_utf8(name).map_err(|_| "a name that is not UTF-8".to_owned())?;
    let mut parts = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err("a name that climbs out of the archive with ..".to_owned()),
            c => parts.push(c),
        }
    }
    Ok((!parts.is_empty()).then(|| parts.join("/")))
}

impl MemoryFs {
    /// Indexes the archive `file` into a writable tree with the given
    /// budget (make it read-only with [`MemoryFs::into_read_only`]); the
    /// tree keeps the file open to read file data from it. Character and
    /// block devices and FIFOs in the archive are left out.
    ///
    /// # Errors
    /// The archive cannot be read, holds a sparse file, a name that is
    /// not UTF-8 or that climbs out with `..`, a hard link to a name it
    /// has not given before, or does not fit the budget.
    pub fn from_tar(file: File, budget: u64) -> Result<MemoryFs, TarError> {
        let archive = Arc::new(file.try_clone().map_err(|e| TarError(format!("archive: {e}")))?);
        let fs = MemoryFs::with_budget(budget);
        let mut tar = tar::Archive::new(file);
        let entries = tar.entries_with_seek().map_err(|e| unreadable(&e, 0))?;
        for (index, entry) in entries.enumerate() {
            let entry = entry.map_err(|e| unreadable(&e, index))?;
            // Messages name an entry by its place, never by its name: an
            // error quotes nothing read from the file (one line, no bytes
            // of a file that may not be an archive at all).
            let at = || format!("archive: entry {} (header at byte {})", index + 1, entry.raw_header_position());
            let fail = |e: Errno| TarError(format!("{}: {e}", at()));
            let name = relative(&entry.path_bytes()).map_err(|e| TarError(format!("{}: {e}", at())))?;
            let kind = entry.header().entry_type();
            let Some(name) = name else { continue };
            let link = || -> Result<String, TarError> {
                let target = entry.link_name_bytes().ok_or_else(|| fail(Errno::INVAL))?;
                String::from_utf8(target.into_owned()).map_err(|_| fail(Errno::ILSEQ))
            };
            let ino = match kind {
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    let blob =
                        TarBlob { archive: archive.clone(), start: entry.raw_file_position(), len: entry.size() };
                    fs.add_blob(&name, Arc::new(blob)).map_err(fail)?
                }
                tar::EntryType::Directory => fs.add_dir(&name).map_err(fail)?,
                tar::EntryType::Symlink => fs.add_symlink(&name, &link()?).map_err(fail)?,
                tar::EntryType::Link => {
                    let target = relative(link()?.as_bytes()).map_err(|e| TarError(format!("{}: {e}", at())))?;
                    fs.add_hard_link(&name, &target.unwrap_or_default()).map_err(fail)?;
                    continue;
                }
                tar::EntryType::GNUSparse => {
                    return Err(TarError(format!("{}: a sparse file, which is not supported", at())));
                }
                // Devices and FIFOs have no meaning in a guest's tree.
                _ => continue,
            };
            if let Ok(mtime) = entry.header().mtime() {
                fs.set_node_times(ino, mtime.saturating_mul(1_000_000_000));
            }
        }
        Ok(fs)
    }
}

#[cfg(test)]
mod tests {
    use super::relative;

    #[test]
    fn names() {
        assert_eq!(relative(b"./a//b/").unwrap(), Some("a/b".to_owned()));
        assert_eq!(relative(b"/").unwrap(), None);
        assert!(relative(b"a/../../x").is_err());
    }
}
