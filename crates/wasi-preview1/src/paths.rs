//! The form of a guest path, shared by every resolver (the host's in
//! `unix::sandbox`, the mounted file systems' in `vfs`): what no
//! resolution accepts, how a path splits into components, and the bounds
//! on one resolution.

use wasi_abi::{Errno, MAX_PATH};

/// The symlink expansions one resolution may make before `ELOOP`.
pub const MAX_SYMLINK_EXPANSIONS: u32 = 40;

/// The most directories one resolution holds (one per level below its
/// directory fd): deeper is `ENAMETOOLONG`.
pub const MAX_HELD_DIRS: usize = 256;

/// The errno of a path that would leave its directory (an absolute path, a
/// `..` past the root, a symlink out of it, an absolute symlink target):
/// `EPERM`, as wasmtime answers (the official suite also accepts
/// `ENOTCAPABLE`; real programs were built against wasmtime).
pub const ESCAPE: Errno = Errno::PERM;

/// Refuses what no resolution may accept: absolute, empty and overlong
/// paths (so what a resolution holds is bounded by [`MAX_PATH`]), and NUL.
pub(crate) fn check_path(path: &str) -> Result<(), Errno> {
    if path.is_empty() {
        return Err(Errno::NOENT);
    }
    if path.len() > MAX_PATH {
        return Err(Errno::NAMETOOLONG);
    }
    if path.starts_with('/') {
        return Err(ESCAPE);
    }
    if path.as_bytes().contains(&0) {
        return Err(Errno::INVAL);
    }
    Ok(())
}

/// Checks a symlink's contents before one is made: only a relative target
/// is accepted (the sandbox never follows an absolute one, and a host
/// program should not be led out of the mount by one either).
pub(crate) fn check_symlink_target(target: &str) -> Result<(), Errno> {
    if target.len() > MAX_PATH {
        return Err(Errno::NAMETOOLONG);
    }
    if target.starts_with('/') {
        return Err(ESCAPE);
    }
    if target.as_bytes().contains(&0) {
        return Err(Errno::INVAL);
    }
    Ok(())
}

/// A path that is one entry of its directory (no slash, not `.` or `..`).
pub(crate) fn single_name(path: &str) -> Option<&str> {
    (!path.contains('/') && path != "." && path != "..").then_some(path)
}

/// The last component of a path, split off textually (as `parent` needs
/// it): the path before it (possibly empty), the component, and whether
/// the path ended in a slash. `None` for a path of slashes only.
pub(crate) fn split_last(path: &str) -> Option<(&str, &str, bool)> {
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() {
        return None;
    }
    let trailing_slash = trimmed.len() != path.len();
    Some(match trimmed.rfind('/') {
        Some(i) => (&trimmed[..i], &trimmed[i + 1..], trailing_slash),
        None => ("", trimmed, trailing_slash),
    })
}

/// Whether a path names a directory by its form: a trailing slash, or a
/// last component of `.` or `..`.
pub(crate) fn ends_as_directory(path: &[u8]) -> bool {
    path.ends_with(b"/") || path == b"." || path == b".." || path.ends_with(b"/.") || path.ends_with(b"/..")
}

/// The components of `path`, without empty ones and `.`, in reverse order;
/// but a `.` that ends the path is kept (first), so that the component
/// before it is resolved as a directory, symlinks followed, as the kernel
/// resolves `x/.`. A resolver skips that `.` and ends at the directory.
pub(crate) fn components_reversed(path: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> =
        path.split(|&b| b == b'/').filter(|c| !c.is_empty() && *c != b".").rev().map(<[u8]>::to_vec).collect();
    if path.split(|&b| b == b'/').rfind(|c| !c.is_empty()) == Some(b".") {
        out.insert(0, b".".to_vec());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components() {
        assert_eq!(components_reversed(b"a//b/./c/"), vec![b"c".to_vec(), b"b".to_vec(), b"a".to_vec()]);
        assert_eq!(components_reversed(b"./."), vec![b".".to_vec()]);
        assert_eq!(components_reversed(b"a/./"), vec![b".".to_vec(), b"a".to_vec()]);
        assert!(ends_as_directory(b"a/"));
        assert!(ends_as_directory(b"a/.."));
        assert!(!ends_as_directory(b"a/b"));
        assert_eq!(split_last("a/b//"), Some(("a", "b", true)));
        assert_eq!(split_last("b"), Some(("", "b", false)));
        assert_eq!(split_last("//"), None);
    }

    #[test]
    fn refused_forms() {
        assert_eq!(check_path(""), Err(Errno::NOENT));
        assert_eq!(check_path("/etc"), Err(ESCAPE));
        assert_eq!(check_path("a\0"), Err(Errno::INVAL));
        assert_eq!(check_path("a/b"), Ok(()));
        assert_eq!(check_path(&"a/".repeat(MAX_PATH)), Err(Errno::NAMETOOLONG));
        assert_eq!(check_symlink_target("/x"), Err(ESCAPE));
        assert_eq!(check_symlink_target("../x"), Ok(()));
    }
}
