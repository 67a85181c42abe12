//! The committed reference runs and the README that quotes them: each run's summary.md,
//! summary.csv (and a C10k run's c10k.csv) must be what the report program writes from its
//! raw files today, and the README's generated blocks what `make readme` would write. And
//! the seed's own three wrk logs, summarised as a run of this harness: its table's figures
//! and its three observations' verdicts.
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

/// The verdict of each observation, per family, from a summary.md.
fn verdicts(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut family = String::new();
    let mut found = Vec::new();
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            heading.split(':').next().unwrap().clone_into(&mut family);
        }
        let numbered =
            line.len() > 3 && line.as_bytes()[0].is_ascii_digit() && line[1..].starts_with(". *");
        if numbered {
            let verdict = line.split("**").nth(1).unwrap_or("").to_owned();
            found.push(format!("{family} {}: {verdict}", &line[..1]));
        }
    }
    found
}

#[test]
fn the_seeds_three_observations_are_checked_on_its_own_logs() {
    let dir = scratch("seed", "python");
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../baselines/python/seed-results");
    for (index, kind) in ["sync", "async", "async-blocking"].iter().enumerate() {
        let point = dir.join(format!("python-{kind}"));
        std::fs::create_dir_all(&point).unwrap();
        std::fs::copy(
            seed.join(format!("python-{kind}.txt")),
            point.join("wrk.txt"),
        )
        .unwrap();
        let blocks = if *kind == "async" { "no" } else { "yes" };
        let rule = if *kind == "async" { "connections" } else { "1" };
        std::fs::write(
            point.join("numbers.txt"),
            format!(
                "variant=python-{kind}\nseq={}\nstatus=ok\nfamily=python\nkind={kind}\nblocks={blocks}\nbound_by={rule}\ndelay_ms=10\nworkers=1\n",
                index + 1
            ),
        )
        .unwrap();
    }
    let written = bench_report::write_report(&dir).unwrap();
    let md = &written.summary;
    assert!(
        md.contains("| python-sync | 44.6 | 65.17 ms | 82.06 ms |"),
        "{md}"
    );
    assert!(
        md.contains("| python-async | 7685 | 12.98 ms | 17.73 ms |"),
        "{md}"
    );
    assert!(
        md.contains("| python-async-blocking | 80.8 | 1.16 s | 1.27 s |"),
        "{md}"
    );
    assert_eq!(
        verdicts(&dir.join("summary.md")),
        ["python 1: Holds", "python 2: Holds", "python 3: Holds"]
    );
    assert!(
        md.contains("python-sync had only 2.9 of 100 requests in flight"),
        "{md}"
    );
    assert!(
        md.contains("python-sync: **780 errors** (connect 0, read 771, write 9"),
        "{md}"
    );
    std::fs::remove_dir_all(&dir).ok();
}
