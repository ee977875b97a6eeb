//! Background threads: the warm-up (views ahead of the keys), the freeing of a replaced model and the
//! writing of the model cache. They run at a lower scheduling priority: on a machine of two cores they
//! otherwise took turns with what the user is waiting for, the worker following a commit and the UI thread
//! drawing it (a warm-up view already under way when a commit landed, a few hundred milliseconds at 10M
//! orders, ran on beside the refresh).

use std::thread::JoinHandle;

/// How much lower than the rest of the process (Linux nice levels: 0 normal, 19 lowest).
#[cfg(target_os = "linux")]
const NICER: libc::c_int = 10;

/// Starts `work` on a background thread named `name`, at the lower priority. `None` (logged) when no
/// thread could be started.
pub fn spawn<T: Send + 'static>(name: &str, work: impl FnOnce() -> T + Send + 'static) -> Option<JoinHandle<T>> {
    let spawned = std::thread::Builder::new().name(name.into()).spawn(move || {
        lower_priority();
        work()
    });
    spawned.map_err(|e| tracing::warn!("no {name} thread: {e}")).ok()
}

/// Lowers the calling thread's priority (Linux; elsewhere it does nothing). A failure is logged, not fatal:
/// the thread then just runs at the usual priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `gettid` and `setpriority` are plain system calls on the calling thread; no memory is shared.
        let failed = unsafe {
            let tid = libc::gettid();
            libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, NICER) != 0
        };
        if failed {
            tracing::debug!("background thread at usual priority: {}", std::io::Error::last_os_error());
        }
    }
}
