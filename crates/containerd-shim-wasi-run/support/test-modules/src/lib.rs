//! Empty: stands in for runwasi's test modules, which containerd-shim-wasm's
//! `testing` feature re-exports (as `testing::modules`) and the shim's tests
//! do not use. The published crate compiles its Rust guests for the target
//! `wasm32-wasi`, which Rust removed in 1.84 (it is `wasm32-wasip1` now), so
//! it does not build; the shim's tests bring guests of their own
//! (tests/guests/).
