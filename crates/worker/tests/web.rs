//! The browser glue where it really runs: a dedicated Web Worker in headless
//! Chromium (wasm-bindgen-test-runner drives it through chromedriver). A
//! `Blob` is read through `FileReaderSync` in slices, byte for byte, and a
//! real image analysed through it answers as it does natively. Natively this
//! file is empty.
#![cfg(target_arch = "wasm32")]

use layerscope_core::build::cow::Container;
use layerscope_core::{NoProgress, ProgressInfo};
use layerscope_protocol::{Response, Sort, TreeQuery, View};
use layerscope_worker::session;
use layerscope_worker::views::{story, Views};
use layerscope_worker::web::{BlobAccess, BytesAccess};
use layerscope_worker::window::{RandomAccess, WindowReader};
use std::io::{Read, Seek, SeekFrom};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_dedicated_worker);

const DIVE: &[u8] =
    include_bytes!("../../../../shared/corpus/wagoodman-dive/.data/test-docker-image.tar");

fn blob(bytes: &[u8]) -> web_sys::Blob {
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    web_sys::Blob::new_with_u8_array_sequence(&parts).expect("a Blob")
}

#[wasm_bindgen_test]
fn file_reader_sync_hands_out_exact_slices() {
    let mut access = BlobAccess::new(blob(DIVE)).expect("FileReaderSync exists in a worker");
    assert_eq!(access.size(), DIVE.len() as u64);
    let mut buf = vec![0u8; 1000];
    for at in [0u64, 511, 700_000, DIVE.len() as u64 - 10] {
        let n = access.read_at(at, &mut buf).unwrap();
        let end = (at as usize + 1000).min(DIVE.len());
        assert_eq!(&buf[..n], &DIVE[at as usize..end], "at {at}");
    }
    assert_eq!(access.read_at(DIVE.len() as u64, &mut buf).unwrap(), 0);

    // Through the window, with seeks, as the engine reads.
    let mut r = WindowReader::with_windows(access, 512, 64 << 10);
    let mut all = Vec::new();
    r.read_to_end(&mut all).unwrap();
    assert!(all == DIVE, "read_to_end through the window differs");
    r.seek(SeekFrom::Start(1024)).unwrap();
    let mut head = [0u8; 512];
    r.read_exact(&mut head).unwrap();
    assert_eq!(&head[..], &DIVE[1024..1536]);
}

#[wasm_bindgen_test]
fn a_dropped_file_is_analysed_as_natively() {
    let access = BlobAccess::new(blob(DIVE)).unwrap();
    let mut updates = 0;
    let mut sink = |_: &ProgressInfo| {
        updates += 1;
        true
    };
    let image = session::open(WindowReader::new(access), "dive.tar", None, None, &mut sink)
        .unwrap_or_else(|f| panic!("{f:?}"));
    assert!(updates > 0);
    let Response::Opened(summary) = session::opened(&image) else {
        panic!("not opened")
    };
    assert_eq!((summary.files, summary.steps.len()), (423, 15));
    assert!(summary
        .steps
        .iter()
        .all(|s| s.layer.is_none() || s.diff_id_verified == Some(true)));

    let s = story(&image.analysis, "/root/saved.txt", &Container::new());
    assert_eq!(s.visible_layer, Some(13));
    let rows = Views::new()
        .rows(
            &image.analysis,
            &TreeQuery {
                id: 1,
                view: View::Union { layer: 9 },
                filter: String::new(),
                sort: Sort::Name,
                hide_unchanged: true,
                expanded: Vec::new(),
                expand_all: true,
                collapsed: Vec::new(),
                package: None,
                offset: 0,
                limit: 100,
            },
        )
        .unwrap();
    let paths: Vec<&str> = rows.rows.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths[..2], ["/root", "/root/example"]);
}

#[wasm_bindgen_test]
fn fetched_bytes_work_too_and_garbage_fails_with_the_name() {
    let bytes = js_sys::Uint8Array::from(DIVE);
    let image = session::open(
        WindowReader::new(BytesAccess(bytes)),
        "d.tar",
        None,
        None,
        &mut NoProgress,
    )
    .unwrap_or_else(|f| panic!("{f:?}"));
    assert_eq!(image.analysis.layers.len(), 14);

    let access = BlobAccess::new(blob(&[1u8; 3000])).unwrap();
    match session::open(
        WindowReader::new(access),
        "x.bin",
        None,
        None,
        &mut NoProgress,
    ) {
        Err(Response::Failed { message, kind }) => {
            assert_eq!(kind, "not_an_archive");
            assert!(message.starts_with("x.bin: "), "{message}");
        }
        other => panic!("{other:?}"),
    }
}
