//! The embedding example runs, and its own checks pass.

#[path = "../../examples/embed.rs"]
mod embed;

#[test]
fn the_embedding_example_runs() {
    embed::main();
}
