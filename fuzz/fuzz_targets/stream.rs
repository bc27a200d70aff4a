//! cargo fuzz target `stream`: see `harness::stream` (src/harness.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| layerscope_fuzz::harness::stream(data));
