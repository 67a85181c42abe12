//! The robustness battery's verdicts for the README: `tests/robustness/battery.py` writes them
//! as JSON beside its table, and this reads them.

use std::fmt::Write as _;
use std::path::Path;

use crate::parse::ParseError;

/// The robustness battery's verdicts (`battery.py` writes them as JSON beside its table).
#[derive(Debug, serde::Deserialize)]
struct Battery {
    /// Its opening line: when, on what, how long, how each server ran.
    run: String,
    /// The variants, in the table's column order.
    variants: Vec<String>,
    /// One row per attack: each variant's cell, in column order.
    attacks: Vec<BatteryRow>,
    passed: u32,
    failed: u32,
    skipped: u32,
}

#[derive(Debug, serde::Deserialize)]
struct BatteryRow {
    attack: String,
    cells: Vec<String>,
}

/// The battery's "In short" table and its count, from its JSON (`FILE.json`), linking its
/// full table (`FILE.md`).
///
/// # Errors
/// The file cannot be read or is not the battery's JSON.
pub fn readme(file: &Path) -> Result<String, ParseError> {
    let text = std::fs::read_to_string(file).map_err(|error| ParseError::io(file, &error))?;
    let battery: Battery = serde_json::from_str(&text).map_err(|error| {
        ParseError::file(file, format!("not the robustness battery's JSON: {error}"))
    })?;
    let full = file.with_extension("md");
    let name = full.to_string_lossy();
    let relative = name.find("results/").map_or(name.as_ref(), |i| &name[i..]);
    let mut md = format!(
        "{} ([the full table]({relative}))\n\n| attack | {} |\n| --- |{}\n",
        battery.run,
        battery.variants.join(" | "),
        " --- |".repeat(battery.variants.len()),
    );
    for row in &battery.attacks {
        let _ = writeln!(md, "| {} | {} |", row.attack, row.cells.join(" | "));
    }
    let skipped = match battery.skipped {
        0 => String::new(),
        n => format!(", {n} skipped"),
    };
    let _ = writeln!(
        md,
        "\nSurvived: {} of {} (attack × variant){skipped}.",
        battery.passed,
        battery.passed + battery.failed
    );
    Ok(md)
}
