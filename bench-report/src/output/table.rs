//! A markdown table, built row by row: `| a | b |`, then `|---|---|`, then one line a row.

use std::fmt::{self, Display, Write};

/// A markdown table: its header, its rule and its rows, each line ending in a newline.
pub struct Table {
    columns: usize,
    text: String,
}

impl Table {
    /// A table whose header is `columns`, the cells written as in markdown with `|` between
    /// them (`"Variant | Req/sec | p99"`), every column left-aligned (`---`).
    pub fn new(columns: &str) -> Self {
        let count = columns.split('|').count();
        let text = format!("| {columns} |\n|{}\n", "---|".repeat(count));
        Self {
            columns: count,
            text,
        }
    }

    /// Adds a row of `cells`; a row shorter than the header has its last cells blank.
    pub fn row(&mut self, cells: &[&dyn Display]) -> &mut Self {
        debug_assert!(cells.len() <= self.columns, "more cells than columns");
        self.text.push('|');
        for cell in cells {
            let _ = write!(self.text, " {cell} |");
        }
        for _ in cells.len()..self.columns {
            self.text.push_str(" |");
        }
        self.text.push('\n');
        self
    }
}

impl Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_rule_and_rows() {
        let mut table = Table::new("Variant | Req/sec | p99");
        table.row(&[&"sync-server", &1_000, &format!("{:.2} ms", 1.5)]);
        table.row(&[&"async-server", &"2,000", &"—"]);
        assert_eq!(
            table.to_string(),
            "| Variant | Req/sec | p99 |\n|---|---|---|\n| sync-server | 1000 | 1.50 ms |\n| async-server | 2,000 | — |\n"
        );
    }

    #[test]
    fn a_short_row_ends_in_blank_cells() {
        let mut table = Table::new("Timer | Req/sec | Of bound");
        table.row(&[&"tokio", &"FAILED: no answer"]);
        assert_eq!(
            table.to_string(),
            "| Timer | Req/sec | Of bound |\n|---|---|---|\n| tokio | FAILED: no answer | |\n"
        );
    }

    #[test]
    fn a_table_without_rows_is_its_header() {
        assert_eq!(Table::new("Point").to_string(), "| Point |\n|---|\n");
    }
}
