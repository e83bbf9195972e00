//! The process's allocator: the system's, except that a large block (a
//! guest's linear memory, chiefly) is mapped pages of its own, so it starts
//! on a page boundary.
//!
//! wasmi keeps a linear memory in a `Vec<u8>`; from glibc's `malloc` a
//! block that large is an `mmap` whose first 16 bytes are glibc's header, so
//! guest address 0 sits 16 bytes past a page boundary and a guest buffer
//! that is 64-byte aligned in wasm is not on the host. The kernel copies
//! `read(2)` and `write(2)` data with `rep movsb`, which runs about 15-20%
//! slower into an unaligned buffer (benches/: read 1 GiB in 64 KiB chunks).
//! Mapping large blocks directly gives the guest the alignment it chose,
//! as a native program has. Growing one is `mremap` (Linux: the pages move
//! without a copy, as glibc's `realloc` of a mapped block does); elsewhere
//! (rustix offers no `mremap` for Android or the BSDs) a new mapping, a
//! copy and an unmap.
//!
//! This is the CLI's choice; an embedder picks its own global allocator
//! (docs/performance.md says what this one is for).

#![allow(unsafe_code)]

use rustix::mm::{MapFlags, ProtFlags};
use std::alloc::{GlobalAlloc, Layout, System};
use std::ffi::c_void;
use std::ptr;

/// Blocks of at least this many bytes are mapped pages of their own:
/// glibc's default threshold for mapping a block, so the system calls made
/// are about those glibc would make.
const LARGE: usize = 128 << 10;

/// The allocator: [`System`] for small blocks, pages for large ones.
#[derive(Debug)]
pub(crate) struct PageAligned;

fn page_size() -> usize {
    rustix::param::page_size()
}

/// Whether a block of this layout is mapped: large, and needing no more
/// alignment than a page gives.
fn mapped(layout: Layout) -> bool {
    layout.size() >= LARGE && layout.align() <= page_size()
}

/// The length of the mapping for `size` bytes: whole pages.
fn pages(size: usize) -> Option<usize> {
    let page = page_size();
    size.checked_add(page - 1).map(|s| s & !(page - 1))
}

/// Maps `size` bytes of zeroed, readable and writable memory, or null.
fn map(size: usize) -> *mut u8 {
    let Some(len) = pages(size) else { return ptr::null_mut() };
    // SAFETY: a new private anonymous mapping at an address of the
    // kernel's choosing aliases nothing.
    match unsafe {
        rustix::mm::mmap_anonymous(ptr::null_mut(), len, ProtFlags::READ | ProtFlags::WRITE, MapFlags::PRIVATE)
    } {
        Ok(p) => p.cast(),
        Err(_) => ptr::null_mut(),
    }
}

/// Unmaps a block [`map`] made for `size` bytes.
///
/// # Safety
/// `p` came from [`map`] (or a remap) with this `size`, and is not used after.
unsafe fn unmap(p: *mut u8, size: usize) {
    if let Some(len) = pages(size) {
        // SAFETY: the caller's promise: this is exactly one mapping of ours.
        let _ = unsafe { rustix::mm::munmap(p.cast::<c_void>(), len) };
    }
}

// SAFETY: every block is either the system allocator's (small, or more
// aligned than a page) or a mapping of ours (large), and which one is
// decided by the layout alone, which the caller passes unchanged to
// `dealloc` and `realloc`; mappings are page-aligned, so any alignment up
// to a page holds; `realloc` moves a block between the two kinds by
// copying.
unsafe impl GlobalAlloc for PageAligned {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            map(layout.size())
        } else {
            // SAFETY: the caller's promises for `alloc` hold for System's.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if mapped(layout) {
            // A fresh anonymous mapping is zeroed already.
            map(layout.size())
        } else {
            // SAFETY: as in `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if mapped(layout) {
            // SAFETY: a large layout's block is a mapping of ours of this size.
            unsafe { unmap(p, layout.size()) }
        } else {
            // SAFETY: a small layout's block is System's.
            unsafe { System.dealloc(p, layout) }
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller promises `new_size`, rounded up to the
        // alignment, does not overflow.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        match (mapped(layout), mapped(new_layout)) {
            // SAFETY: both are System's blocks.
            (false, false) => unsafe { System.realloc(p, layout, new_size) },
            #[cfg(target_os = "linux")]
            (true, true) => {
                let (Some(old_len), Some(new_len)) = (pages(layout.size()), pages(new_size)) else {
                    return ptr::null_mut();
                };
                // SAFETY: `p` is one mapping of ours of `old_len` bytes;
                // MAYMOVE lets the kernel move its pages, never copy or
                // alias them.
                match unsafe {
                    rustix::mm::mremap(p.cast::<c_void>(), old_len, new_len, rustix::mm::MremapFlags::MAYMOVE)
                } {
                    Ok(q) => q.cast(),
                    Err(_) => ptr::null_mut(),
                }
            }
            _ => {
                // SAFETY: `new_layout` has a non-zero size (the caller's
                // promise for `realloc`).
                let q = unsafe { self.alloc(new_layout) };
                if !q.is_null() {
                    // SAFETY: both blocks hold at least the smaller size
                    // and are distinct allocations.
                    unsafe { ptr::copy_nonoverlapping(p, q, layout.size().min(new_size)) };
                    // SAFETY: `p` was allocated with `layout`, and is no
                    // longer used.
                    unsafe { self.dealloc(p, layout) };
                }
                q
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_start_on_a_page_and_keep_their_bytes() {
        let a = PageAligned;
        let page = page_size();
        let small = Layout::from_size_align(1000, 8).unwrap();
        let large = Layout::from_size_align(LARGE + 5, 1).unwrap();
        // SAFETY: layouts are non-zero; every block is freed with its layout.
        unsafe {
            let p = a.alloc(large);
            assert!(!p.is_null() && p as usize % page == 0);
            p.write(7);
            p.add(LARGE + 4).write(9);
            // Grow (mremap or copy), shrink to small (copy), grow again.
            let q = a.realloc(p, large, 4 * LARGE);
            assert!(!q.is_null() && q as usize % page == 0);
            assert_eq!((q.read(), q.add(LARGE + 4).read(), q.add(4 * LARGE - 1).read()), (7, 9, 0));
            let r = a.realloc(q, Layout::from_size_align(4 * LARGE, 1).unwrap(), 1000);
            assert_eq!(r.read(), 7);
            let s = a.realloc(r, Layout::from_size_align(1000, 1).unwrap(), 2 * LARGE);
            assert!(s as usize % page == 0 && s.read() == 7);
            a.dealloc(s, Layout::from_size_align(2 * LARGE, 1).unwrap());
            let z = a.alloc_zeroed(large);
            assert!((0..large.size()).step_by(4093).all(|i| z.add(i).read() == 0));
            a.dealloc(z, large);
            let t = a.alloc(small);
            assert!(!t.is_null());
            a.dealloc(t, small);
        }
    }
}
