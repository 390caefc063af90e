//! Placeholder: the webhook benchmark (see BENCHMARKS.md).
fn main() {}
