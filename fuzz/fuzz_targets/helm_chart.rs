//! Fuzz target `helm_chart`: see `benches::fuzz::helm_chart`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| benches::fuzz::helm_chart(data));
