//! What the integration tests share: a run's raw files copied into a fresh scratch folder,
//! so that the report program writes its report again from them alone.

use std::path::{Path, PathBuf};

/// The files and folders the report program writes into a run folder.
const REPORT_FILES: [&str; 4] = ["summary.md", "summary.csv", "c10k.csv", "charts"];

/// A copy of a run's raw files (not its reports or charts) under `to`.
pub fn copy_raw(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if REPORT_FILES.contains(&name.to_string_lossy().as_ref()) {
            continue;
        }
        if path.is_dir() {
            copy_raw(&path, &to.join(name));
        } else {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

/// A fresh, empty scratch folder of this test process, named after `test` and `name`.
pub fn scratch(test: &str, name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("bench-report-{test}-{}-{name}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    dir
}
