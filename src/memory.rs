//! How the process allocates: one malloc arena for all its threads (glibc, Linux). By default glibc gives
//! each thread that allocates an arena of its own, and the worker loading the store, the warm-up, the
//! refresh's helper threads and the UI thread each kept freed memory the others could not reuse. On the
//! 10M-order replay one arena peaked 8% lower (5,195 MiB against 5,668–5,699 MiB), with the load, the keys
//! and the commits in their usual ranges.

/// Sets one arena. Called first thing by the binary, and by the benchmarks that stand for it, before any
/// other thread starts (arenas made before it stay).
pub fn one_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` only sets a parameter of the allocator; no memory is handed over.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Gives the allocator's free memory back to the system (glibc keeps it, in holes between live blocks, for
/// reuse). Called between the steps of a long load, whose freed rows would otherwise stay resident.
pub fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only releases free pages of the allocator's own; no live memory is touched.
    unsafe {
        libc::malloc_trim(0);
    }
}
