//! The ledger's per-order columns (orders, their items, where each order's items start): a vector in a
//! file of kpiscope's own, mapped into memory, whose pages the process lets go once it has passed them.
//!
//! At 10M orders these columns are ~0.45 GB that a refresh reads a few thousand entries of, and that only
//! a load, a ledger cache read or write, and a first load's customer lists pass over whole. Held on the
//! heap they were a third of the explorer's peak memory. In a file (an unnamed temporary file in the cache
//! directory, gone when the process ends, crash or not) they live in the system's page cache, which the
//! kernel can write out and drop under pressure; the process's resident memory holds only the pages it
//! touched since it last let them go (`shed`, and as it appends and walks: every `SHED` entries).
//!
//! Without a cache directory (`KPISCOPE_CACHE_DIR=off`), off Linux, or when the file cannot be made or
//! grown (a full disk: its room is allocated before use, so that a write into the mapping can never fail
//! later), a column is an ordinary vector.

use std::ops::{Deref, DerefMut};
use std::path::Path;

use bytemuck::Pod;

/// Entries appended or walked between two lettings-go of the pages passed.
pub(super) const SHED: usize = 1 << 16;

pub(super) struct Column<T: Pod> {
    kind: Kind<T>,
}

enum Kind<T: Pod> {
    Mem(Vec<T>),
    #[cfg(target_os = "linux")]
    File(map::Mapped<T>),
}

impl<T: Pod> Default for Column<T> {
    fn default() -> Self {
        Column { kind: Kind::Mem(Vec::new()) }
    }
}

impl<T: Pod> Column<T> {
    /// An empty column in a temporary file in `dir` (made if missing), or in memory without one.
    pub fn in_dir(dir: Option<&Path>) -> Column<T> {
        #[cfg(target_os = "linux")]
        if let Some(dir) = dir {
            match map::Mapped::new(dir) {
                Ok(m) => return Column { kind: Kind::File(m) },
                Err(e) => tracing::warn!("ledger columns kept in memory: {}: {e}", dir.display()),
            }
        }
        let _ = dir;
        Column::default()
    }

    /// Whether the column is in a file.
    pub fn in_file(&self) -> bool {
        !matches!(self.kind, Kind::Mem(_))
    }

    pub fn push(&mut self, v: T) {
        match &mut self.kind {
            Kind::Mem(vec) => vec.push(v),
            #[cfg(target_os = "linux")]
            Kind::File(m) => {
                if m.len == m.cap && !m.grow((m.cap + m.cap / 2).max(SHED)) {
                    self.move_to_memory();
                    return self.push(v);
                }
                m.push(v);
            }
        }
    }

    /// Room for `n` more entries (exactly: see `ledger::headroom`). A file takes a hint of more than doubling
    /// as none: it grows as it fills without copying anything, and a load's hint is its ids' extent, which
    /// need not be dense (with one id of 2^63 - 1 it asked for 2^25 orders, ~0.7 GB of disk for a store of 20).
    pub fn reserve_exact(&mut self, n: usize) {
        match &mut self.kind {
            Kind::Mem(vec) => vec.reserve_exact(n),
            #[cfg(target_os = "linux")]
            Kind::File(m) => {
                if m.len + n > m.cap && n <= m.len + SHED && !m.grow(m.len + n) {
                    self.move_to_memory();
                    self.reserve_exact(n);
                }
            }
        }
    }

    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        match &self.kind {
            Kind::Mem(vec) => vec.capacity(),
            #[cfg(target_os = "linux")]
            Kind::File(m) => m.cap,
        }
    }

    /// Bytes on the heap (none for a column in a file).
    pub fn heap_bytes(&self) -> usize {
        match &self.kind {
            Kind::Mem(vec) => vec.capacity() * size_of::<T>(),
            #[cfg(target_os = "linux")]
            Kind::File(_) => 0,
        }
    }

    /// Bytes in the file (none for a column in memory).
    pub fn file_bytes(&self) -> usize {
        match &self.kind {
            Kind::Mem(_) => 0,
            #[cfg(target_os = "linux")]
            Kind::File(m) => m.cap * size_of::<T>(),
        }
    }

    /// Lets go of the pages the process holds of the file (their contents stay in it).
    pub fn shed(&self) {
        #[cfg(target_os = "linux")]
        if let Kind::File(m) = &self.kind {
            m.shed(0, m.len);
        }
    }

    /// Lets go of the pages wholly before entry `i` (for a walk that has passed them).
    pub fn shed_before(&self, i: usize) {
        #[cfg(target_os = "linux")]
        if let Kind::File(m) = &self.kind {
            m.shed(0, i);
        }
        let _ = i;
    }

    /// A walk over the entries (any walk: by index, writing or reading) has reached entry `i`: every `SHED`
    /// entries, lets go of the pages behind it.
    pub fn passed(&self, i: usize) {
        if i.is_multiple_of(SHED) && i > 0 {
            self.shed_before(i);
        }
    }

    /// The entries by value, letting go of the pages behind as it walks.
    pub fn walk(&self) -> Walk<'_, T> {
        self.walk_from(0)
    }

    /// `walk` from entry `from` on.
    pub fn walk_from(&self, from: usize) -> Walk<'_, T> {
        Walk { col: self, at: from.min(self.len()), end: self.len() }
    }

    /// Moves a file's entries to a vector (the file could not grow).
    #[cfg(target_os = "linux")]
    fn move_to_memory(&mut self) {
        if let Kind::File(m) = &self.kind {
            tracing::warn!("ledger column moved to memory: its file could not grow");
            let mut vec = Vec::with_capacity(super::headroom(m.len));
            vec.extend_from_slice(m.as_slice());
            self.kind = Kind::Mem(vec);
        }
    }
}

impl<T: Pod> Deref for Column<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match &self.kind {
            Kind::Mem(vec) => vec,
            #[cfg(target_os = "linux")]
            Kind::File(m) => m.as_slice(),
        }
    }
}

impl<T: Pod> DerefMut for Column<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        match &mut self.kind {
            Kind::Mem(vec) => vec,
            #[cfg(target_os = "linux")]
            Kind::File(m) => m.as_mut_slice(),
        }
    }
}

impl<T: Pod> std::fmt::Debug for Column<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({} entries, in {})", self.len(), if self.in_file() { "a file" } else { "memory" })
    }
}

/// A column's entries by value (`Column::walk`): an exact count, and cloned for a second pass.
#[derive(Clone)]
pub(super) struct Walk<'a, T: Pod> {
    col: &'a Column<T>,
    at: usize,
    end: usize,
}

impl<T: Pod> Iterator for Walk<'_, T> {
    type Item = T;
    fn next(&mut self) -> Option<T> {
        if self.at == self.end {
            self.col.shed_before(self.end);
            return None;
        }
        self.col.passed(self.at);
        self.at += 1;
        Some(self.col[self.at - 1])
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.end - self.at, Some(self.end - self.at))
    }
}

impl<T: Pod> ExactSizeIterator for Walk<'_, T> {}

#[cfg(target_os = "linux")]
mod map {
    //! The file and its mapping (the only unsafe code of the ledger).

    use std::fs::File;
    use std::io;
    use std::marker::PhantomData;
    use std::os::fd::AsRawFd;
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;
    use std::ptr::NonNull;

    use bytemuck::Pod;

    pub(super) struct Mapped<T: Pod> {
        file: File,
        /// the mapping of `cap` entries (dangling while `cap` is 0)
        ptr: NonNull<u8>,
        pub cap: usize,
        pub len: usize,
        /// entries appended up to here had their pages let go
        shed_at: usize,
        _t: PhantomData<T>,
    }

    // SAFETY: the mapping is owned by the column as a vector's buffer is: shared only through `&self`
    // (reads) and `&mut self` (writes).
    unsafe impl<T: Pod + Send> Send for Mapped<T> {}
    // SAFETY: as above.
    unsafe impl<T: Pod + Sync> Sync for Mapped<T> {}

    fn page() -> usize {
        // SAFETY: `sysconf` reads a constant of the system.
        let p = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
        usize::try_from(p).unwrap_or(4096).max(1)
    }

    impl<T: Pod> Mapped<T> {
        pub fn new(dir: &Path) -> io::Result<Mapped<T>> {
            std::fs::create_dir_all(dir)?;
            // Unnamed: nothing is left behind, whatever way the process ends.
            let file = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .custom_flags(libc::O_TMPFILE)
                .open(dir)
                .or_else(|_| named_then_removed(dir))?;
            Ok(Mapped { file, ptr: NonNull::<T>::dangling().cast(), cap: 0, len: 0, shed_at: 0, _t: PhantomData })
        }

        /// Room for `cap` entries, the file's blocks allocated first; false when that fails.
        pub fn grow(&mut self, cap: usize) -> bool {
            if cap <= self.cap {
                return true;
            }
            let size = std::mem::size_of::<T>().max(1);
            let (old, new) = (self.cap * size, cap * size);
            let Ok(new_len) = libc::off_t::try_from(new) else { return false };
            // SAFETY: the file descriptor is open; the range is within `off_t`.
            if unsafe { libc::posix_fallocate(self.file.as_raw_fd(), 0, new_len) } != 0 {
                return false;
            }
            // SAFETY: a fresh shared mapping of the file's first `new` bytes, or the old one moved and
            // grown (`mremap` keeps the contents); no reference into the old mapping outlives `&mut self`.
            let p = unsafe {
                if old == 0 {
                    libc::mmap(
                        std::ptr::null_mut(),
                        new,
                        libc::PROT_READ | libc::PROT_WRITE,
                        libc::MAP_SHARED,
                        self.file.as_raw_fd(),
                        0,
                    )
                } else {
                    libc::mremap(self.ptr.as_ptr().cast(), old, new, libc::MREMAP_MAYMOVE)
                }
            };
            if p == libc::MAP_FAILED {
                return false;
            }
            let Some(ptr) = NonNull::new(p.cast::<u8>()) else { return false };
            self.ptr = ptr;
            self.cap = cap;
            true
        }

        pub fn push(&mut self, v: T) {
            debug_assert!(self.len < self.cap);
            let len = self.len;
            self.len += 1;
            self.as_mut_slice()[len] = v;
            if self.len - self.shed_at >= super::SHED {
                self.shed(self.shed_at, self.len);
                self.shed_at = self.len;
            }
        }

        pub fn as_slice(&self) -> &[T] {
            if self.cap == 0 {
                return &[];
            }
            // SAFETY: the mapping holds `cap` ≥ `len` entries, aligned (a page boundary), any bytes a
            // valid `T` (`Pod`).
            unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().cast::<T>(), self.len) }
        }

        pub fn as_mut_slice(&mut self) -> &mut [T] {
            if self.cap == 0 {
                return &mut [];
            }
            // SAFETY: as `as_slice`, and `&mut self` makes this the only reference.
            unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr().cast::<T>(), self.len) }
        }

        /// Lets go of the whole pages of entries `from..to` (the file keeps their contents).
        pub fn shed(&self, from: usize, to: usize) {
            let size = std::mem::size_of::<T>();
            let page = page();
            let lo = (from * size).div_ceil(page) * page;
            let hi = (to.min(self.cap) * size) / page * page;
            if self.cap == 0 || hi <= lo {
                return;
            }
            // SAFETY: the range lies within the mapping; for a shared file mapping `MADV_DONTNEED` only
            // drops the process's page table entries, and the next access reads the file's contents again.
            unsafe {
                libc::madvise(self.ptr.as_ptr().add(lo).cast(), hi - lo, libc::MADV_DONTNEED);
            }
        }
    }

    impl<T: Pod> Drop for Mapped<T> {
        fn drop(&mut self) {
            if self.cap > 0 {
                // SAFETY: the mapping made in `grow`, unmapped once.
                unsafe {
                    libc::munmap(self.ptr.as_ptr().cast(), self.cap * std::mem::size_of::<T>().max(1));
                }
            }
        }
    }

    /// A file system without `O_TMPFILE`: a named file, removed at once.
    pub(super) fn named_then_removed(dir: &Path) -> io::Result<File> {
        let path = dir.join(format!(".ledger-columns-{}-{:?}", std::process::id(), std::thread::current().id()));
        let file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
        std::fs::remove_file(&path)?;
        Ok(file)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(mut col: Column<u64>) {
        for i in 0..200_000u64 {
            col.push(i * 3);
        }
        assert_eq!(col.len(), 200_000);
        col.shed();
        // the contents come back from the file after their pages were let go
        assert!(col.iter().enumerate().all(|(i, &v)| v == i as u64 * 3));
        col[7] = 1;
        col.shed();
        assert_eq!(col[7], 1);
        assert_eq!(col.walk().len(), 200_000);
        assert_eq!(col.walk().map(|v| v as u128).sum::<u128>(), (0..200_000u128).map(|i| i * 3).sum::<u128>() - 20);
        col.reserve_exact(100_000);
        assert!(col.capacity() >= 300_000);
        assert_eq!(col[199_999], 599_997);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn without_unnamed_files_a_named_one_is_removed_at_once() {
        let dir = tempfile::tempdir().expect("dir");
        let file = map::named_then_removed(dir.path()).expect("file");
        assert_eq!(std::fs::read_dir(dir.path()).expect("read").count(), 0);
        assert!(file.metadata().is_ok());
    }

    #[test]
    fn a_column_in_a_file_holds_what_one_in_memory_does() {
        let dir = tempfile::tempdir().expect("dir");
        let col = Column::in_dir(Some(dir.path()));
        #[cfg(target_os = "linux")]
        assert!(col.in_file());
        check(col);
        check(Column::in_dir(None));
        // nothing is left in the directory
        assert_eq!(std::fs::read_dir(dir.path()).expect("read").count(), 0);
    }
}
