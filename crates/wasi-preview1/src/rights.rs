//! What the rights a guest passes and is shown mean here, written once for
//! every system. Rights are reported, not enforced (docs/security.md);
//! these are the two places where they decide something: the access mode
//! `path_open` opens a file with, and the rights a directory reports.

use wasi_abi::{Oflags, Rights};

/// The rights whose presence in `path_open`'s base asks for a file that
/// can be written. wasmtime counts `FD_WRITE` alone; the two others that
/// only a writer needs count here too, because wasi-libc's `openat` masks
/// what it asks for with the directory's inheriting rights, and a
/// directory opened with `path_open` has no `FD_WRITE` among them
/// ([`directory`]): `openat(dirfd, name, O_WRONLY)` then still asks for
/// `FD_DATASYNC` and `FD_ALLOCATE`, and gets a file it can write (under
/// wasmtime, one whose writes fail). `FD_FILESTAT_SET_SIZE` does not count:
/// Go asks for it when it opens a file only to read it.
const ASK_WRITE: Rights = Rights::FD_WRITE.union(Rights::FD_DATASYNC).union(Rights::FD_ALLOCATE);

/// How `path_open` opens a file for the rights `base` and `oflags`:
/// (read, write). Reading is asked by `FD_READ` alone (`FD_READDIR` is a
/// directory's right, which a guest may pass on to files whatever their
/// mode: `FD_WRITE | FD_READDIR` opens write-only, as under wasmtime);
/// writing by [`ASK_WRITE`] or by `TRUNC`. A file asked for neither is
/// opened to be read, as one must be opened some way.
pub(crate) fn open_access(base: Rights, oflags: Oflags) -> (bool, bool) {
    let write = base.intersects(ASK_WRITE) || oflags.contains(Oflags::TRUNC);
    let read = base.contains(Rights::FD_READ) || !write;
    (read, write)
}

/// The rights a directory fd reports: (base, inheriting). A directory is
/// always opened to be read, never written, so what is opened beneath it
/// may not be written either (no `FD_WRITE` among its inheriting rights,
/// which wasi-libc's `faccessat(W_OK)` checks), as under wasmtime; the
/// exception is a preopened directory that is not read-only, which
/// reports wasmtime's fixed set for preopens.
pub(crate) fn directory(preopen: bool, readonly: bool) -> (Rights, Rights) {
    let inheriting = if preopen && !readonly {
        Rights::DIRECTORY_INHERITING
    } else {
        Rights::DIRECTORY_INHERITING - Rights::FD_WRITE
    };
    (Rights::DIRECTORY_BASE, inheriting)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_modes() {
        let none = Oflags::empty();
        assert_eq!(open_access(Rights::FD_READ, none), (true, false));
        assert_eq!(open_access(Rights::FD_WRITE | Rights::FD_READDIR, none), (false, true));
        assert_eq!(open_access(Rights::FD_READ | Rights::FD_DATASYNC, none), (true, true));
        assert_eq!(open_access(Rights::FD_READDIR, none), (true, false));
        // Go's read-only open asks for FD_FILESTAT_SET_SIZE.
        assert_eq!(open_access(Rights::FD_READ | Rights::FD_FILESTAT_SET_SIZE, none), (true, false));
        // wasi-libc's O_WRONLY through a directory opened read-only.
        assert_eq!(open_access(Rights::FD_DATASYNC | Rights::FD_ALLOCATE | Rights::FD_SEEK, none), (false, true));
        assert_eq!(open_access(Rights::empty(), Oflags::TRUNC), (false, true));
        assert_eq!(open_access(Rights::empty(), none), (true, false));
    }

    #[test]
    fn directories() {
        assert!(directory(true, false).1.contains(Rights::FD_WRITE));
        assert!(!directory(true, true).1.contains(Rights::FD_WRITE));
        assert!(!directory(false, false).1.contains(Rights::FD_WRITE));
        // What wasi-libc needs to open a file for writing beneath any
        // directory is still there.
        assert!(directory(false, false).1.contains(Rights::FD_DATASYNC | Rights::FD_READ));
    }
}
