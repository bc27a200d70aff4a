//! cargo fuzz target `layer`: see `harness::layer` (src/harness.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| layerscope_fuzz::harness::layer(data));
