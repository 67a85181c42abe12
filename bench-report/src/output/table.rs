//! A markdown table written row by row into a report: `| a | b |`, `|---|---|`, a line a row.

use std::fmt::{Display, Write};

/// A markdown table being written at the end of a report, every column left-aligned (`---`).
pub struct Table<'a> {
    md: &'a mut String,
    columns: usize,
}

impl<'a> Table<'a> {
    /// Writes the header, `columns` as markdown has them (`"Variant | p99"`), and its rule.
    pub fn new(md: &'a mut String, columns: &str) -> Self {
        let count = columns.split('|').count();
        let _ = writeln!(md, "| {columns} |\n|{}", "---|".repeat(count));
        Self { md, columns: count }
    }

    /// Writes a row of `cells`; a row shorter than the header ends in blank cells (`| |`).
    pub fn row(&mut self, cells: &[&dyn Display]) {
        debug_assert!(cells.len() <= self.columns, "more cells than columns");
        self.md.push('|');
        for cell in cells {
            let _ = write!(self.md, " {cell} |");
        }
        let blank = self.columns.saturating_sub(cells.len());
        let _ = writeln!(self.md, "{}", " |".repeat(blank));
    }
}

#[cfg(test)]
mod tests {
    use super::Table;

    #[test]
    fn header_rule_rows_and_a_short_row_ending_in_blank_cells() {
        let mut md = String::from("Text before.\n\n");
        let mut table = Table::new(&mut md, "Variant | Req/sec | p99");
        table.row(&[&"sync-server", &1_000, &format!("{:.2} ms", 1.5)]);
        table.row(&[&"async-server", &"FAILED: no answer"]);
        assert_eq!(
            md,
            "Text before.\n\n| Variant | Req/sec | p99 |\n|---|---|---|\n| sync-server | 1000 | 1.50 ms |\n| async-server | FAILED: no answer | |\n"
        );
        let mut md = String::new();
        Table::new(&mut md, "Point");
        assert_eq!(md, "| Point |\n|---|\n");
    }
}
