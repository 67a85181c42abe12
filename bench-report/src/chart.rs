//! Charts as SVG, drawn with plotters' SVG backend (no font library, no system library).
//!
//! The report decides *what* to draw (which series, which axes, which panels); this module
//! only draws a [`Chart`] description: one or more panels side by side under a title, each
//! either lines on linear or log axes, or grouped bars. Every chart sets its own width and
//! height, labels every axis and every tick, keeps the legend clear of the data, and keeps
//! series that coincide visible (each variant has its own colour *and* marker shape, and
//! lines drawn later are thinner, so one lying exactly on another still shows).

/// How an axis maps values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Base-10 logarithmic (values must be > 0; points at or below 0 are left out).
    Log,
}

/// One axis of a line panel, or the value axis of a bar panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// The axis title, with its unit: "Throughput (requests/s, log scale)".
    pub label: String,
    /// Linear or log.
    pub scale: Scale,
    /// Where ticks go, when the data calls for specific ones (e.g. workers 1 2 4 8); `None`:
    /// chosen automatically (decades and 2, 5 between them on a log axis). Every tick is
    /// labelled.
    pub ticks: Option<Vec<f64>>,
    /// The range shown; `None` on either side: fitted to the data (with a margin).
    pub range: (Option<f64>, Option<f64>),
}

/// How a series' line is drawn; its meaning is told by the panel's [`LinePanel::key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stroke {
    /// A solid line (measured values).
    Solid,
    /// A dashed line (e.g. the Little's-law bound, or p99).
    Dashed,
    /// A dotted line (e.g. the effective bound).
    Dotted,
}

/// One line of a line panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The legend's name for it; `None` keeps it out of the legend (a bound line whose
    /// variant is already listed, its style explained by the key).
    pub label: Option<String>,
    /// Which variant it belongs to: picks its colour and marker, the same in every chart
    /// of a run (the run's order of variants).
    pub variant: usize,
    /// Solid, dashed or dotted.
    pub stroke: Stroke,
    /// Draw the variant's marker at each point (measured series), or the line alone.
    pub markers: bool,
    /// (x, y) points, in x order; `f64::NAN` in y leaves a gap.
    pub points: Vec<(f64, f64)>,
}

/// A panel of lines.
#[derive(Debug, Clone, PartialEq)]
pub struct LinePanel {
    /// Above the panel (may be empty where the chart has one panel).
    pub title: String,
    /// The x axis.
    pub x: Axis,
    /// The y axis.
    pub y: Axis,
    /// The lines, drawn in this order.
    pub series: Vec<Series>,
    /// What each stroke means in this panel, shown in the legend in black:
    /// e.g. `[(Solid, "measured"), (Dashed, "bound: concurrency / delay")]`.
    pub key: Vec<(Stroke, String)>,
}

/// One group of bars in a bar panel: one bar per category.
#[derive(Debug, Clone, PartialEq)]
pub struct BarGroup {
    /// The legend's name: "measured", "bound: concurrency / delay", "p99".
    pub label: String,
    /// Colour index (its own palette slot, not a variant's).
    pub color: usize,
    /// One value per category; `None` draws no bar there.
    pub values: Vec<Option<f64>>,
}

/// A panel of grouped bars: categories along x (variants), one bar per group in each.
#[derive(Debug, Clone, PartialEq)]
pub struct BarPanel {
    /// Above the panel.
    pub title: String,
    /// The category names along x, in order.
    pub categories: Vec<String>,
    /// The x axis title.
    pub x_label: String,
    /// The value axis.
    pub y: Axis,
    /// The groups of bars.
    pub groups: Vec<BarGroup>,
}

/// One panel of a chart.
#[derive(Debug, Clone, PartialEq)]
pub enum Panel {
    /// Lines on two axes.
    Lines(LinePanel),
    /// Grouped bars.
    Bars(BarPanel),
}

/// A whole chart: a title (what, the machine, the load) over panels laid out side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title lines: the first says what the chart shows, the next ones the machine and the
    /// load ("AMD EPYC, 2 cores, wrk and the servers sharing them; wrk -t4, 5s per point").
    pub title: Vec<String>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The panels, left to right.
    pub panels: Vec<Panel>,
}

/// Why a chart could not be drawn.
#[derive(Debug)]
pub struct ChartError(pub String);

impl std::fmt::Display for ChartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ChartError {}

/// Draws `chart` as a standalone SVG document.
///
/// # Errors
/// If the chart has no panel, a log axis has no positive value to show, or plotters fails.
pub fn render_svg(chart: &Chart) -> Result<String, ChartError> {
    let _ = chart;
    Err(ChartError("charts are not drawn yet".into()))
}
