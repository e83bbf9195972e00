//! Differential tests of the two resolvers: random path plans from a small
//! alphabet of names, `.`, `..` and symlinks (relative, climbing, absolute,
//! looping), resolved by both. They must agree on every plan, and every
//! success must be an inode inside the root.

use super::sandbox::{Resolver, open};
use rustix::fs::{Mode, OFlags};
use std::collections::BTreeSet;
use std::os::unix::fs::{MetadataExt, symlink};
use std::path::{Path, PathBuf};

fn tree() -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("wasi-run-sandbox-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let root = base.join("root");
    std::fs::create_dir_all(root.join("a/b")).unwrap();
    std::fs::create_dir_all(base.join("outside/b")).unwrap();
    std::fs::write(root.join("a/f"), "f").unwrap();
    std::fs::write(root.join("g"), "g").unwrap();
    std::fs::write(base.join("outside/f"), "secret").unwrap();
    for (link, target) in [
        ("a/up", ".."),
        ("a/l2", "../g"),
        ("a/b/deep", "../../a"),
        ("ln_abs", "/etc"),
        ("lout", "../outside"),
        ("a/lout2", "../../outside/f"),
        ("lloop", "lloop"),
        ("ldir", "a/b"),
        ("ldangle", "missing"),
        ("lslash", "a/"),
    ] {
        symlink(target, root.join(link)).unwrap();
    }
    (base, root)
}

/// Every inode under `root`, without following links.
fn inodes(root: &Path) -> BTreeSet<(u64, u64)> {
    let mut out = BTreeSet::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let md = std::fs::symlink_metadata(&d).unwrap();
        out.insert((md.dev(), md.ino()));
        if md.is_dir() {
            for e in std::fs::read_dir(&d).unwrap() {
                stack.push(e.unwrap().path());
            }
        }
    }
    out
}

/// A small xorshift generator, so every run tries the same plans.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 as usize
    }
}

const TOKENS: &[&str] = &[
    ".", "..", "a", "b", "f", "g", "up", "l2", "deep", "ln_abs", "lout", "lout2", "lloop", "ldir", "ldangle", "lslash",
    "x", "",
];

#[test]
fn resolvers_agree_and_stay_inside() {
    let (base, root) = tree();
    let inside = inodes(&root);
    let dir = rustix::fs::open(&root, OFlags::DIRECTORY | OFlags::RDONLY, Mode::empty()).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut successes, mut failures) = (0, 0);
    let mut disagreements = Vec::new();
    for _ in 0..20_000 {
        let n = 1 + rng.next() % 6;
        let mut path = (0..n).map(|_| TOKENS[rng.next() % TOKENS.len()]).collect::<Vec<_>>().join("/");
        if rng.next() % 5 == 0 {
            path.push('/');
        }
        let follow = rng.next() % 2 == 0;
        let flags = OFlags::PATH | if rng.next() % 4 == 0 { OFlags::DIRECTORY } else { OFlags::empty() };
        let auto = open(Resolver::Auto, dir.as_fd_ref(), &path, flags, Mode::empty(), follow);
        let manual = open(Resolver::Manual, dir.as_fd_ref(), &path, flags, Mode::empty(), follow);
        fn id(r: &Result<rustix::fd::OwnedFd, wasi_abi::Errno>) -> Result<(u64, u64), wasi_abi::Errno> {
            match r {
                Ok(fd) => {
                    let st = rustix::fs::fstat(fd).unwrap();
                    Ok((st.st_dev, st.st_ino))
                }
                Err(e) => Err(*e),
            }
        }
        let (a, m) = (id(&auto), id(&manual));
        if let Ok(ino) = a {
            assert!(inside.contains(&ino), "{path:?} (follow={follow}) resolved outside the root");
        }
        if let Ok(ino) = m {
            assert!(inside.contains(&ino), "{path:?} (follow={follow}) resolved outside the root (manual)");
        }
        match (&a, &m) {
            (Ok(_), _) => successes += 1,
            _ => failures += 1,
        }
        if a != m {
            disagreements.push(format!("{path:?} follow={follow} {flags:?}: openat2 {a:?}, manual {m:?}"));
        }
    }
    let _ = std::fs::remove_dir_all(&base);
    assert!(
        disagreements.is_empty(),
        "{} disagreements, e.g.:\n{}",
        disagreements.len(),
        disagreements[..disagreements.len().min(15)].join("\n")
    );
    assert!(successes > 1000 && failures > 1000, "plans too one-sided: {successes} ok, {failures} failed");
}

trait AsFdRef {
    fn as_fd_ref(&self) -> rustix::fd::BorrowedFd<'_>;
}
impl AsFdRef for rustix::fd::OwnedFd {
    fn as_fd_ref(&self) -> rustix::fd::BorrowedFd<'_> {
        rustix::fd::AsFd::as_fd(self)
    }
}
