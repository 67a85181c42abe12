//! The committed reference runs and the README that quotes them: each run's summary.md,
//! summary.csv (and a C10k run's c10k.csv) must be what the report program writes from its
//! raw files today, and the README's generated blocks what `make readme` would write.
//!
//! Run it: `cargo test --release -p bench-report --test reference`

mod common;

use common::{copy_raw, scratch};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every run folder under results/reference/.
fn reference_runs() -> Vec<PathBuf> {
    let mut runs: Vec<PathBuf> = std::fs::read_dir(root().join("results/reference"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.join("meta.json").is_file())
        .collect();
    runs.sort();
    runs
}

#[test]
fn each_committed_report_is_what_the_program_writes_from_its_raw_files() {
    let runs = reference_runs();
    assert!(runs.len() >= 5, "reference runs found: {runs:?}");
    for run in runs {
        let name = run.file_name().unwrap().to_string_lossy().into_owned();
        let scratch = scratch("reference", &name);
        // The same folder name, so that the report's own id and links are the same.
        let dir = scratch.join(&name);
        copy_raw(&run, &dir);
        bench_report::write_report(&dir).unwrap_or_else(|error| panic!("{name}: {error}"));
        for file in ["summary.md", "summary.csv", "c10k.csv"] {
            let committed = run.join(file);
            if !committed.exists() {
                continue;
            }
            let written = std::fs::read_to_string(dir.join(file)).unwrap();
            let committed = std::fs::read_to_string(&committed).unwrap();
            let differs = committed
                .lines()
                .zip(written.lines())
                .position(|(a, b)| a != b);
            assert!(
                committed == written,
                "results/reference/{name}/{file} differs from what the report program writes (line {}): run `make summary RUN=results/reference/{name}` and commit it",
                differs.map_or(committed.lines().count().min(written.lines().count()) + 1, |i| i + 1)
            );
        }
        std::fs::remove_dir_all(&scratch).unwrap();
    }
}

#[test]
fn the_readme_is_what_make_readme_writes() {
    let readme = root().join("README.md");
    if let Err(error) = bench_report::readme::update(&readme, true) {
        panic!("{error}");
    }
}
