//! Fuzz target `gotemplate`: see `benches::fuzz::gotemplate`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| benches::fuzz::gotemplate(data));
