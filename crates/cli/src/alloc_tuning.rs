//! How this process asks glibc for memory. By default glibc serves a block
//! of 128 KiB or more with its own mapping only until the first such block
//! is freed; then it raises that threshold (up to 32 MiB) and keeps later
//! large blocks in the heap, where a growing vector is copied into a block
//! twice its size and the freed one stays mapped. The engine's large tables
//! grow that way for the whole run, so the peak was the data plus every
//! abandoned copy. Fixing the threshold keeps large blocks mapped: a vector
//! grows by `mremap` (no copy, no second block), pages never written are
//! never resident, and a freed table goes back to the system at once. One
//! heap arena, too, instead of one per thread, each holding its own free
//! memory. Measured on the bench image (docs/benchmarks.md): the peak RSS
//! falls by about a fifth, the time is unchanged.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn tune() {
    // SAFETY: mallopt only sets allocator parameters; called first thing in
    // main, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn tune() {}
