//! Fuzz target `strategic_merge`: see `benches::fuzz::strategic_merge`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| benches::fuzz::strategic_merge(data));
