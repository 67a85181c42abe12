//! The README's figures, generated from the committed reference runs: every block between
//! `<!-- readme: NAME ARGS -->` and `<!-- /readme -->` is rewritten by the generator NAME from
//! the files ARGS names (paths relative to the README's folder), so that no figure the README
//! quotes is typed by hand. `bench-report readme README.md` rewrites them; `--check` fails
//! when the README differs from what it would write (a test runs that). This module only
//! splices: each block is written by the report of its kind of run (`output::bench::readme`,
//! `output::sweep::readme`, ...), which quotes its run the way `output::quote` says.

use std::path::{Path, PathBuf};

use crate::model::Run;
use crate::output::{bench, c10k, latency, real_call, robustness, sweep, timer_sweep};
use crate::parse::ParseError;
use crate::ReportError;

const OPEN: &str = "<!-- readme: ";
const CLOSE: &str = "<!-- /readme -->";

/// Rewrites every generated block of `readme` (the text of the README in `root`).
///
/// # Errors
/// A block that is not closed, an unknown generator, or a run that cannot be read.
pub fn render(readme: &str, root: &Path) -> Result<String, ReportError> {
    let mut out = String::new();
    let mut rest = readme;
    while let Some(start) = rest.find(OPEN) {
        let head_end = start
            + rest[start..]
                .find("-->")
                .ok_or_else(|| unclosed(root, readme, rest, start))?
            + 3;
        let header = &rest[start..head_end];
        let body_end = rest[head_end..]
            .find(CLOSE)
            .ok_or_else(|| unclosed(root, readme, rest, start))?
            + head_end;
        let words: Vec<&str> = header[OPEN.len()..header.len() - 3]
            .split_whitespace()
            .collect();
        let (name, args) = words.split_first().ok_or_else(|| {
            error(
                root,
                readme,
                rest,
                start,
                "a block without a generator name",
            )
        })?;
        let paths: Vec<PathBuf> = args.iter().map(|arg| root.join(arg)).collect();
        let generated = generate(name, &paths).map_err(|message| match message {
            Generate::Report(report) => report,
            Generate::Usage(message) => error(root, readme, rest, start, &message),
        })?;
        out.push_str(&rest[..head_end]);
        out.push('\n');
        out.push_str(generated.trim_end());
        out.push('\n');
        out.push_str(CLOSE);
        rest = &rest[body_end + CLOSE.len()..];
    }
    out.push_str(rest);
    Ok(out)
}

fn line_of(readme: &str, rest: &str, start: usize) -> usize {
    let offset = readme.len() - rest.len() + start;
    readme[..offset].lines().count() + 1
}

fn error(root: &Path, readme: &str, rest: &str, start: usize, message: &str) -> ReportError {
    ReportError::Parse(ParseError::at(
        &root.join("README.md"),
        line_of(readme, rest, start),
        message,
    ))
}

fn unclosed(root: &Path, readme: &str, rest: &str, start: usize) -> ReportError {
    error(
        root,
        readme,
        rest,
        start,
        &format!("a generated block without its end ({CLOSE})"),
    )
}

enum Generate {
    Report(ReportError),
    Usage(String),
}

impl From<ParseError> for Generate {
    fn from(error: ParseError) -> Self {
        Self::Report(ReportError::Parse(error))
    }
}

fn one(name: &str, paths: &[PathBuf]) -> Result<Run, Generate> {
    match paths {
        [dir] => Ok(Run::read(dir)?),
        _ => Err(Generate::Usage(format!("{name} takes one run folder"))),
    }
}

fn generate(name: &str, paths: &[PathBuf]) -> Result<String, Generate> {
    match name {
        "bench" => Ok(bench::readme(&one(name, paths)?)),
        "seed" => Ok(bench::readme_seed()),
        "sweep" => Ok(sweep::readme(&one(name, paths)?)),
        "timers" => {
            let runs = paths
                .iter()
                .map(|dir| Run::read(dir))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(bench::readme_timers(&runs))
        }
        "languages" => Ok(bench::readme_languages(&one(name, paths)?)),
        "real-call" => Ok(real_call::readme(&one(name, paths)?)),
        "hosts" => match paths {
            [here, apart] => Ok(bench::readme_hosts(&Run::read(here)?, &Run::read(apart)?)),
            _ => Err(Generate::Usage(
                "hosts takes two run folders: one machine, then hosts of their own".to_owned(),
            )),
        },
        "real-call-sweep" => Ok(real_call::readme_sweep(&one(name, paths)?)),
        "versus" => Ok(bench::readme_versus(&one(name, paths)?)),
        "latency" => Ok(latency::readme(&one(name, paths)?)),
        "c10k" => Ok(c10k::readme(&one(name, paths)?)),
        "timer-sweep" => match paths {
            [dir] if !dir.exists() => Ok(timer_sweep::readme_missing(dir)),
            _ => Ok(timer_sweep::readme(&one(name, paths)?)),
        },
        "robustness" => match paths {
            [file] => robustness::readme(file).map_err(Generate::from),
            _ => Err(Generate::Usage("robustness takes one file".to_owned())),
        },
        other => Err(Generate::Usage(format!("unknown generator '{other}'"))),
    }
}

/// Rewrites `readme_path` in place, or with `check` only compares.
///
/// # Errors
/// The README cannot be read or written, a block fails, or with `check` it differs (the
/// error names the first line that differs).
pub fn update(readme_path: &Path, check: bool) -> Result<bool, ReportError> {
    let text = std::fs::read_to_string(readme_path)
        .map_err(|error| ReportError::Parse(ParseError::io(readme_path, &error)))?;
    let root = readme_path.parent().unwrap_or(Path::new("."));
    let rendered = render(&text, root)?;
    if rendered == text {
        return Ok(false);
    }
    if check {
        let line = text
            .lines()
            .zip(rendered.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || text.lines().count().min(rendered.lines().count()) + 1,
                |i| i + 1,
            );
        return Err(ReportError::Parse(ParseError::at(
            readme_path,
            line,
            "differs from what `make readme` writes from results/reference/ (run it, and commit the README)",
        )));
    }
    crate::write_atomically(readme_path, &rendered)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_rewritten_and_the_rest_kept() {
        let readme =
            "# Title\n\nIntro.\n\n<!-- readme: seed -->\nold figures\n<!-- /readme -->\n\nOutro.\n";
        let out = render(readme, Path::new(".")).unwrap();
        assert!(
            out.starts_with("# Title\n\nIntro.\n\n<!-- readme: seed -->\n| Metric | Sync |"),
            "{out}"
        );
        assert!(
            out.contains("| Req/sec | 44.61 | 7685.20 | 80.80 |"),
            "{out}"
        );
        assert!(out.contains("socket errors: read 771, write 9"), "{out}");
        assert!(out.ends_with("<!-- /readme -->\n\nOutro.\n"), "{out}");
        assert_eq!(
            render(&out, Path::new(".")).unwrap(),
            out,
            "rendering is idempotent"
        );
    }

    #[test]
    fn a_broken_block_names_the_readme_and_its_line() {
        let error = render("a\nb\n<!-- readme: seed -->\nno end\n", Path::new("/x"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "/x/README.md:3: a generated block without its end (<!-- /readme -->)"
        );
        let error = render(
            "<!-- readme: nonsense -->\n<!-- /readme -->\n",
            Path::new("/x"),
        )
        .unwrap_err()
        .to_string();
        assert_eq!(error, "/x/README.md:1: unknown generator 'nonsense'");
    }
}
