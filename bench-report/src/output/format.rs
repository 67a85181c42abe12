//! How figures are printed: one function per kind of figure, so every table and sentence
//! shows the same figure the same way.

/// A latency in µs: "850 µs", "12.11 ms", "1.03 s"; "—" where there is none.
pub fn ms(us: Option<f64>) -> String {
    match us {
        None => "—".to_owned(),
        Some(us) if us.abs() >= 1e6 => format!("{:.2} s", us / 1e6),
        Some(us) if us.abs() >= 1e3 => format!("{:.2} ms", us / 1e3),
        Some(us) => format!("{us:.0} µs"),
    }
}

/// A rate in req/s: whole above 100 ("8221"), one decimal below ("97.8"); "—" for none.
pub fn rate(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(value) if value >= 100.0 => format!("{value:.0}"),
        Some(value) => format!("{value:.1}"),
    }
}

/// A ratio: "84×", "1.30×".
pub fn times(ratio: f64) -> String {
    if ratio >= 10.0 {
        format!("{ratio:.0}×")
    } else {
        format!("{ratio:.2}×")
    }
}

/// A fraction as a whole percentage: "82%".
pub fn pct(fraction: f64) -> String {
    format!("{:.0}%", fraction * 100.0)
}

/// A fraction as a percentage read against `threshold`: whole where that is enough, with
/// as many decimals as it takes (up to two) for the printed figure to stand on the same side
/// of the threshold as the value (below, on it, or above). 0.7975 against 0.8 prints
/// "79.8%", not "80%"; 1.1004 against 1.1 prints "110.04%", not "110%".
pub fn pct_against(fraction: f64, threshold: f64) -> String {
    // The threshold as a percentage, without the float noise of 1.1 × 100 = 110.00000000000001.
    let limit = (threshold * 100.0 * 1e6).round() / 1e6;
    let side = |percent: f64| percent.partial_cmp(&limit);
    let value = fraction * 100.0;
    for decimals in 0..=2 {
        let text = format!("{value:.decimals$}");
        if text.parse::<f64>().ok().and_then(side) == side(value) {
            return format!("{text}%");
        }
    }
    // Still on the threshold at two decimals: cut toward the value's own side.
    let cut = if value < limit {
        (value * 100.0).floor()
    } else {
        (value * 100.0).ceil()
    };
    format!("{:.2}%", cut / 100.0)
}

/// A whole number with thousands separators: "10,000".
pub fn thousands(value: f64) -> String {
    let rounded = value.round();
    let digits = format!("{:.0}", rounded.abs());
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if rounded < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// A plain number: up to three decimals, no trailing zeros ("12.5", "250").
pub fn number(value: f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A memory size in KiB as MB with one decimal, as the tables show it: "8.0 MB".
pub fn megabytes(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latencies() {
        let cases = [
            (None, "—"),
            (Some(850.0), "850 µs"),
            (Some(12_110.0), "12.11 ms"),
            (Some(969_870.0), "969.87 ms"),
            (Some(1_030_000.0), "1.03 s"),
        ];
        for (us, expected) in cases {
            assert_eq!(ms(us), expected);
        }
    }

    #[test]
    fn rates_ratios_and_counts() {
        assert_eq!(rate(Some(8220.93)), "8221");
        assert_eq!(rate(Some(97.8)), "97.8");
        assert_eq!(rate(None), "—");
        assert_eq!(times(84.06), "84×");
        assert_eq!(times(1.296), "1.30×");
        assert_eq!(thousands(68_498.4), "68,498");
        assert_eq!(thousands(999.0), "999");
        assert_eq!(thousands(1_000_000.0), "1,000,000");
        assert_eq!(megabytes(5792), "5.7 MB");
        assert_eq!(number(250.0), "250");
        assert_eq!(number(12.5), "12.5");
        assert_eq!(number(0.0), "0");
    }

    #[test]
    fn a_percentage_never_reads_as_the_other_side_of_its_threshold() {
        // Past defect: "reached only 80%" was printed for 79.75%.
        let cases = [
            (0.7975, 0.8, "79.8%"),
            (0.79996, 0.8, "79.99%"),
            (0.82, 0.8, "82%"),
            (0.8, 0.8, "80%"),
            (0.55, 0.8, "55%"),
            (1.1004, 1.1, "110.04%"),
            (1.0996, 1.1, "109.96%"),
        ];
        for (fraction, threshold, expected) in cases {
            assert_eq!(pct_against(fraction, threshold), expected, "{fraction}");
        }
    }
}
