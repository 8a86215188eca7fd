//! Fuzz target `json6902`: see `benches::fuzz::json6902`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| benches::fuzz::json6902(data));
