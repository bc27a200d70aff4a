//! Reading an image's layers on every core. The engine has no threads (it
//! also runs in a browser); here each worker thread opens its own source over
//! the same file or directory, takes the next layer and scans it, while this
//! thread stacks the scans in manifest order as soon as each is ready, so at
//! most a few layers' entries are in memory at once.

use layerscope_core::layers::scan::{self as layer_scan, LayerScan};
use layerscope_core::{Analysis, Error, ErrorKind, Options, Progress, ProgressInfo, Source};
use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

type MakeSource<'a> = dyn Fn() -> Result<Box<dyn Source>, Error> + Sync + 'a;

/// Counts the bytes a worker reads, for the progress bar.
struct Counting<'a, R> {
    inner: R,
    done: &'a AtomicU64,
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

struct Shared {
    results: Vec<Option<Result<LayerScan, Error>>>,
    /// Workers still running.
    running: usize,
}

pub fn analyze(
    make: &MakeSource<'_>,
    options: &Options,
    progress: &mut dyn Progress,
) -> Result<Analysis, Error> {
    let mut source = make()?;
    let prepared = layerscope_core::prepare(&mut *source, options)?;
    let members = prepared.layer_members();
    let count = members.len();
    let total: u64 = members.iter().filter_map(|m| source.size(m)).sum();
    drop(source);
    let mut stack = prepared.into_stack();

    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count)
        .max(1);
    // Workers may run at most this far ahead of the stacking, bounding memory:
    // each layer read and not yet stacked holds all its entries.
    let ahead = threads;
    let next = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let shared = Mutex::new(Shared {
        results: (0..count).map(|_| None).collect(),
        running: threads,
    });
    let ready = Condvar::new();
    let room = Condvar::new();
    let stacked = AtomicUsize::new(0);

    let outcome = std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut source = make();
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        break;
                    }
                    // Wait until the stacking has caught up enough.
                    {
                        let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
                        while i >= stacked.load(Ordering::SeqCst) + ahead {
                            guard = room.wait(guard).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    let scan =
                        match source.as_mut() {
                            Ok(source) => source
                                .open(&members[i])
                                .map_err(|e| e.layer(i))
                                .and_then(|reader| {
                                    layer_scan::scan(Counting {
                                        inner: reader,
                                        done: &bytes,
                                    })
                                    .map_err(|e| e.member(&members[i]).layer(i))
                                }),
                            Err(e) => Err(e.clone()),
                        };
                    shared.lock().unwrap_or_else(|e| e.into_inner()).results[i] = Some(scan);
                    ready.notify_all();
                }
                shared.lock().unwrap_or_else(|e| e.into_inner()).running -= 1;
                ready.notify_all();
            });
        }

        for i in 0..count {
            let scan = {
                let mut guard = shared.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    if let Some(result) = guard.results[i].take() {
                        break Some(result);
                    }
                    if guard.running == 0 {
                        break None;
                    }
                    let (g, _) = ready
                        .wait_timeout(guard, Duration::from_millis(100))
                        .unwrap_or_else(|e| e.into_inner());
                    guard = g;
                    progress.update(&ProgressInfo {
                        bytes_done: bytes.load(Ordering::Relaxed),
                        bytes_total: Some(total),
                        layers_done: i,
                        layers_total: Some(count),
                    });
                }
            };
            match scan {
                Some(Ok(scan)) => stack.push(scan),
                Some(Err(e)) => {
                    // Let the workers finish: they stop at the end of the list.
                    next.store(count, Ordering::SeqCst);
                    {
                        let _guard = shared.lock().unwrap_or_else(|e| e.into_inner());
                        stacked.store(count, Ordering::SeqCst);
                    }
                    room.notify_all();
                    return Err(e);
                }
                None => return Err(Error::new(ErrorKind::Io, "the layer was not read").layer(i)),
            }
            {
                // Under the lock, so a worker cannot miss the wake-up.
                let _guard = shared.lock().unwrap_or_else(|e| e.into_inner());
                stacked.store(i + 1, Ordering::SeqCst);
            }
            room.notify_all();
        }
        Ok(())
    });
    outcome?;
    Ok(stack.finish())
}
