//! Inputs shared by the benchmarks (`benches/`), the fuzz targets
//! (`../fuzz/`) and the seed replay test (`tests/fuzz_seeds.rs`).

pub mod cluster;
pub mod fuzz;
pub mod trees;
