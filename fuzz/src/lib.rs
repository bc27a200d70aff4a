//! The fuzz targets' code, in one file (`harness.rs`) that uses only the
//! engine and std, so that the engine's `tests/fuzz_regressions.rs` can
//! include it and replay kept crashers through exactly what the fuzzer ran.

pub mod harness;
