//! The engine under wasm32: runs `analyze` on a real `docker save` archive
//! inside a wasm-bindgen test (node, via wasm-bindgen-test-runner), to prove
//! the core builds and works in the environment the web page uses. Natively
//! this file is empty; the native tests cover behaviour in depth.
#![cfg(target_arch = "wasm32")]

use std::io::Cursor;
use wasm_bindgen_test::wasm_bindgen_test;

/// dive's own test image: `docker save` layout, 14 uncompressed layers.
const DIVE_TEST_IMAGE: &[u8] =
    include_bytes!("../../../../shared/corpus/wagoodman-dive/.data/test-docker-image.tar");

/// The config's first `rootfs.diff_ids` entry (`tar -xOf` of the archive's
/// config, 75ae28b8….json), which is also `sha256sum` of the first layer.tar.
const FIRST_DIFF_ID: &str =
    "sha256:23bc2b70b2014dec0ac22f27bb93e9babd08cdd6f1115d0c955b9ff22b382f5a";
const LAST_DIFF_ID: &str =
    "sha256:ba689cac6a98c92d121fa5c9716a1bab526b8bb1fd6d43625c575b79e97300c5";

fn analyze_dive_test_image() -> layerscope_core::Analysis {
    let options = layerscope_core::Options::default();
    let mut progress = layerscope_core::NoProgress;
    match layerscope_core::analyze(Cursor::new(DIVE_TEST_IMAGE), &options, &mut progress) {
        Ok(analysis) => analysis,
        Err(e) => panic!("analyze failed on dive's test image: {e}"),
    }
}

#[wasm_bindgen_test]
fn analyzes_a_docker_save_archive_in_wasm() {
    let analysis = analyze_dive_test_image();
    assert_eq!(analysis.layers.len(), 14, "layers of dive's test image");
    assert_eq!(analysis.layers[0].diff_id.to_string(), FIRST_DIFF_ID);
    assert_eq!(analysis.layers[13].diff_id.to_string(), LAST_DIFF_ID);
    // Every layer was hashed in wasm and matched what the config promises.
    for layer in &analysis.layers {
        assert_eq!(
            layer.diff_id_ok,
            Some(true),
            "diff_id of layer {}",
            layer.index
        );
    }
}

#[wasm_bindgen_test]
fn report_json_is_json_and_names_the_layers() {
    let analysis = analyze_dive_test_image();
    let json = analysis.report_json();
    let value: serde_json::Value = serde_json::from_str(&json).expect("report_json is valid JSON");
    assert!(value.is_object(), "the report is a JSON object");
    assert!(
        json.contains(FIRST_DIFF_ID),
        "the report names the first layer's diff_id"
    );
}
