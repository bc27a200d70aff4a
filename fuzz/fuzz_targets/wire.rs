//! cargo fuzz target `wire`: see `harness::wire` (src/harness.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| layerscope_fuzz::harness::wire(data));
