//! cargo fuzz target `archive`: see `harness::archive` (src/harness.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| layerscope_fuzz::harness::archive(data));
