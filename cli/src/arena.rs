//! minijail0's global allocator: a bump arena, for a program that
//! allocates a bounded amount, early, and then mostly waits.
//!
//! Each request takes the next aligned slice of a zeroed static; freeing
//! the newest block gives its space back (temporaries, growing vectors),
//! any other free is a no-op. What does not fit goes to the system
//! allocator, so a large input still works.
//!
//! Why, measured on the 2-core reference VM: the static musl minijail0's
//! allocator maps and unmaps pages for its few hundred KiB (a dozen
//! mmap/munmap calls and their page faults, 0.08 ms of a launch).
//!
//! Not for the preload library: its constructor's allocations set up the
//! program's malloc before the seccomp filter goes in, as upstream's
//! preload does, and policies written for upstream count on that (they
//! need not allow brk for a program that never grows its heap).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A bump arena of `N` bytes.
pub struct Arena<const N: usize> {
    memory: UnsafeCell<[u8; N]>,
    /// Offset of the first free byte.
    next: AtomicUsize,
}

// SAFETY: blocks are handed out by compare-and-swap on `next`, so no two
// callers get overlapping memory; the bytes are only reached through them.
unsafe impl<const N: usize> Sync for Arena<N> {}

impl<const N: usize> Arena<N> {
    pub const fn new() -> Self {
        Arena {
            memory: UnsafeCell::new([0; N]),
            next: AtomicUsize::new(0),
        }
    }

    fn base(&self) -> usize {
        self.memory.get() as usize
    }

    fn owns(&self, ptr: *mut u8) -> bool {
        (self.base()..self.base() + N).contains(&(ptr as usize))
    }

    /// Move `next` from `from` to `to` if nobody else moved it.
    fn bump(&self, from: usize, to: usize) -> bool {
        self.next
            .compare_exchange(from, to, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
    }
}

impl<const N: usize> Default for Arena<N> {
    fn default() -> Self {
        Self::new()
    }
}

// SAFETY: every block returned is `layout.size()` bytes at `layout.align()`
// alignment, inside the arena or from `System`, and never handed out twice
// while live.
unsafe impl<const N: usize> GlobalAlloc for Arena<N> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = self.base();
        let mut next = self.next.load(Ordering::Acquire);
        loop {
            let start = (base + next).next_multiple_of(layout.align()) - base;
            let end = start.saturating_add(layout.size());
            if end > N {
                // SAFETY: forwarding the caller's layout.
                return unsafe { System.alloc(layout) };
            }
            if self.bump(next, end) {
                return (base + start) as *mut u8;
            }
            next = self.next.load(Ordering::Acquire);
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if !self.owns(ptr) {
            // SAFETY: a block System gave out with this layout.
            return unsafe { System.dealloc(ptr, layout) };
        }
        // The newest block: give its space back. Any other stays used.
        let start = ptr as usize - self.base();
        self.bump(start + layout.size(), start);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if self.owns(ptr) {
            // The newest block grows or shrinks in place when it fits; any
            // block can shrink where it is.
            let start = ptr as usize - self.base();
            let end = start + layout.size();
            let new_end = start.saturating_add(new_size);
            if new_end <= N && self.bump(end, new_end) || new_size <= layout.size() {
                return ptr;
            }
        } else {
            // SAFETY: a System block with this layout; forwarding.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: the new layout is valid: same alignment, and the caller
        // guarantees new_size does not overflow when rounded up to it.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: as `alloc`.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live and at least this long; they do
            // not overlap (the new one is past the old one's end or from
            // System).
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(size: usize, align: usize) -> Layout {
        Layout::from_size_align(size, align).unwrap()
    }

    #[test]
    fn blocks_are_aligned_disjoint_and_fall_back_when_full() {
        let arena = Box::new(Arena::<256>::new());
        // SAFETY: plain allocator calls with valid layouts.
        unsafe {
            let a = arena.alloc(layout(3, 1));
            let b = arena.alloc(layout(8, 8));
            assert!(arena.owns(a) && arena.owns(b));
            assert_eq!(b as usize % 8, 0);
            assert!(b as usize >= a as usize + 3);
            let big = arena.alloc(layout(1000, 8));
            assert!(!big.is_null() && !arena.owns(big), "served by System");
            big.write_bytes(0xaa, 1000);
            arena.dealloc(big, layout(1000, 8));
        }
    }

    #[test]
    fn the_newest_block_is_reused_and_grows_in_place() {
        let arena = Box::new(Arena::<256>::new());
        // SAFETY: plain allocator calls with valid layouts.
        unsafe {
            let a = arena.alloc(layout(16, 8));
            a.write_bytes(7, 16);
            let grown = arena.realloc(a, layout(16, 8), 64);
            assert_eq!(grown, a, "grew in place");
            assert_eq!(*grown.add(15), 7);
            arena.dealloc(grown, layout(64, 8));
            let again = arena.alloc(layout(32, 8));
            assert_eq!(again, a, "space given back");
            // Not the newest any more: moves, keeping the bytes.
            again.write_bytes(9, 32);
            let _pin = arena.alloc(layout(8, 8));
            let moved = arena.realloc(again, layout(32, 8), 100);
            assert_ne!(moved, again);
            assert_eq!(*moved.add(31), 9);
        }
    }
}
