//! cargo fuzz target `docs`: see `harness::docs` (src/harness.rs).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| layerscope_fuzz::harness::docs(data));
