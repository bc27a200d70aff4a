//! Reading an image's layers on every core. The engine has no threads (it
//! also runs in a browser); here each thread opens its own source over the
//! same file or directory, takes the next layer, and scans it. Results are
//! stacked in manifest order by the engine, as if read one after another.

use layerscope_core::layer_scan::LayerScan;
use layerscope_core::{Analysis, Error, Options, Progress, ProgressInfo, Source};
use std::io::Read;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
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

    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let exited = AtomicUsize::new(0);
    let bytes = AtomicU64::new(0);
    let results: Mutex<Vec<Option<Result<LayerScan, Error>>>> =
        Mutex::new((0..count).map(|_| None).collect());
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(count)
        .max(1);

    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                let mut source = match make() {
                    Ok(s) => Some(s),
                    Err(e) => {
                        // Fail every layer this worker would have read.
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i < count {
                            results.lock().unwrap()[i] = Some(Err(e));
                            finished.fetch_add(1, Ordering::SeqCst);
                        }
                        None
                    }
                };
                while let Some(source) = source.as_mut() {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= count {
                        break;
                    }
                    let scan =
                        source
                            .open(&members[i])
                            .map_err(|e| e.layer(i))
                            .and_then(|reader| {
                                prepared.scan(
                                    i,
                                    Counting {
                                        inner: reader,
                                        done: &bytes,
                                    },
                                )
                            });
                    results.lock().unwrap()[i] = Some(scan);
                    finished.fetch_add(1, Ordering::SeqCst);
                }
                exited.fetch_add(1, Ordering::SeqCst);
            });
        }
        loop {
            let layers_done = finished.load(Ordering::SeqCst);
            progress.update(&ProgressInfo {
                bytes_done: bytes.load(Ordering::Relaxed),
                bytes_total: Some(total),
                layers_done,
                layers_total: Some(count),
            });
            if exited.load(Ordering::SeqCst) == threads {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    });

    let mut scans = Vec::with_capacity(count);
    for (i, r) in results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        match r {
            Some(Ok(scan)) => scans.push(scan),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(
                    Error::new(layerscope_core::ErrorKind::Io, "the layer was not read").layer(i),
                )
            }
        }
    }
    prepared.finish(scans)
}
