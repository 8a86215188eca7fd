//! Fuzz target `kustomization_load`: see `benches::fuzz::kustomization_load`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| benches::fuzz::kustomization_load(data));
