//! Inputs that once crashed a fuzz target, or that probe its corners, replayed through the same harness
//! `make fuzz` runs (`fuzz/harness.rs`): each must be handled without a panic.

#[path = "../fuzz/harness.rs"]
mod harness;

use std::fs;
use std::path::Path;

#[test]
fn fuzz_regressions_replay_without_a_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let mut replayed = 0;
    for (target, run) in [
        ("token", harness::token as fn(&[u8])),
        ("bundle", harness::bundle),
        ("request", harness::request),
        ("routes", harness::routes),
    ] {
        for entry in fs::read_dir(dir.join(target)).expect("regressions folder") {
            let path = entry.expect("entry").path();
            run(&fs::read(&path).expect("input"));
            replayed += 1;
        }
    }
    assert!(replayed >= 9, "{replayed} inputs");
}
