//! Charts as SVG, drawn with plotters' SVG backend (no font library, no system library).
//!
//! The report decides *what* to draw (which series, which axes, which panels); this module
//! only draws a [`Chart`] description: one or more panels side by side under a title, each
//! either lines on linear or log axes, or grouped bars. Every chart sets its own width and
//! height, labels every axis and every tick, keeps the legend clear of the data, and keeps
//! series that coincide visible (each variant has its own colour *and* marker shape, and
//! lines drawn later are thinner, so one lying exactly on another still shows).
//!
//! How a chart is laid out:
//! - the title lines at the top, centred (the first larger), wrapped to the width;
//! - the panels side by side, each as wide as the others, its title over its plot;
//! - the legend of the line panels below all panels, in a light frame: every labelled series
//!   (colour, marker, stroke), ordered by variant, then the panels' `key` (stroke meanings, in
//!   black). A bar panel has its own legend below it (a swatch per group);
//! - ticks: explicit ones where [`Axis::ticks`] gives them, else decades on a log axis (with
//!   1, 2, 5 or finer between them where the axis spans few decades), round steps on a linear
//!   one; labels read 1, 2.5, 100, 1k, 2.5k, 1M, 0.1; minor grid lines at 2..9 of each decade.
//!
//! Sizes: text is 13 to 17 pixels whatever the chart's size, so small charts get crowded.
//! 960x600 suits one panel, 1100x560 to 1100x600 two. A chart smaller than its text needs
//! gets an error rather than overlapping labels.
//!
//! The variants' looks ([`variant_look`]) and the bar colours ([`BAR_COLOURS`]) are public so
//! that prose can name them.
//!
//! plotters maps every value to its pixel (its linear coordinate, over log10 of the values on
//! a log axis), draws the grid, the axes with their tick labels, the x axis' title, the lines
//! (its path and dashed path elements), the markers (composed on the point) and the bars (its
//! rectangles, ordered and kept in the plot). This module adds what plotters does not do: the
//! layout and the legend, the y axis' title (plotters' mesh has one style for both titles,
//! and each must shrink alone), tick planning (1, 2, 5 on log axes, labels that fit),
//! clipping (plotters moves whatever lies outside the plot onto its edge), and the marker
//! shapes it lacks.

use std::ops::Range;

use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::drawing::{DrawingArea, IntoDrawingArea};
use plotters::element::{
    Circle, DashedPathElement, EmptyElement, PathElement, Polygon, Rectangle, Text,
};
use plotters::prelude::SVGBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, FontTransform, IntoFont, RGBColor, TextStyle, WHITE};

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

impl Axis {
    /// An axis titled `label`, its ticks chosen automatically and its range fitted to the data.
    pub fn new(label: impl Into<String>, scale: Scale) -> Self {
        Self {
            label: label.into(),
            scale,
            ticks: None,
            range: (None, None),
        }
    }
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

/// Draws `chart` as a standalone SVG document, `chart.width` x `chart.height` pixels.
///
/// A panel with nothing to show (no series, no point on its axes, all values missing) is
/// drawn as an empty, labelled panel that says so; NaN or infinite values and values at or
/// below 0 on a log axis are left out (and break the line there).
///
/// # Errors
/// If the chart has no panel, its size is outside [`MIN_WIDTH`] x [`MIN_HEIGHT`] to
/// [`MAX_SIDE`], it is too small for its labels and legend, an axis range given cannot be
/// shown (empty, inverted, or at or below 0 on a log axis), or plotters fails.
pub fn render_svg(chart: &Chart) -> Result<String, ChartError> {
    if chart.panels.is_empty() {
        return Err(ChartError("a chart needs at least one panel".into()));
    }
    if !(MIN_WIDTH..=MAX_SIDE).contains(&chart.width)
        || !(MIN_HEIGHT..=MAX_SIDE).contains(&chart.height)
    {
        return Err(ChartError(format!(
            "a chart of {}x{} pixels: width and height must be within {MIN_WIDTH}x{MIN_HEIGHT} \
             and {MAX_SIDE}x{MAX_SIDE}",
            chart.width, chart.height
        )));
    }
    let mut svg = String::new();
    {
        let root =
            SVGBackend::with_string(&mut svg, (chart.width, chart.height)).into_drawing_area();
        root.fill(&WHITE).map_err(drawing_failed)?;
        draw_chart(&root, chart)?;
        root.present().map_err(drawing_failed)?;
    }
    Ok(svg)
}

/// The smallest width accepted, in pixels.
pub const MIN_WIDTH: u32 = 240;
/// The smallest height accepted, in pixels.
pub const MIN_HEIGHT: u32 = 180;
/// The largest width or height accepted, in pixels.
pub const MAX_SIDE: u32 = 16_000;

/// The colours of the variants, in the run's order (index = [`Series::variant`], wrapping):
/// Okabe and Ito's palette, told apart with any common colour-vision deficiency (its yellow
/// left out: too faint on white). Each variant also has its own marker shape (see
/// [`MARKERS`]), so that even two series of the same colour can be told apart.
pub const VARIANT_COLOURS: [(u8, u8, u8); 6] = [
    (0, 114, 178),   // blue
    (213, 94, 0),    // vermilion
    (0, 158, 115),   // bluish green
    (204, 121, 167), // reddish purple
    (230, 159, 0),   // orange
    (86, 180, 233),  // sky blue
];

/// The colours of bar groups (index = [`BarGroup::color`], wrapping): blue, grey (meant for
/// bounds), bluish green, orange, vermilion, sky blue, reddish purple.
pub const BAR_COLOURS: [(u8, u8, u8); 7] = [
    (0, 114, 178),
    (153, 153, 153),
    (0, 158, 115),
    (230, 159, 0),
    (213, 94, 0),
    (86, 180, 233),
    (204, 121, 167),
];

/// The shape of a variant's markers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// A disc.
    Circle,
    /// A square.
    Square,
    /// A triangle pointing up.
    TriangleUp,
    /// A diamond.
    Diamond,
    /// A triangle pointing down.
    TriangleDown,
    /// A plus sign.
    Plus,
    /// A five-pointed star.
    Star,
}

/// The variants' marker shapes, in the run's order (index = [`Series::variant`], wrapping).
/// Seven shapes against six colours: the first 42 variants each look different.
pub const MARKERS: [Marker; 7] = [
    Marker::Circle,
    Marker::Square,
    Marker::TriangleUp,
    Marker::Diamond,
    Marker::TriangleDown,
    Marker::Plus,
    Marker::Star,
];

/// How variant `variant`'s lines and markers look: its colour, its marker shape and size, and
/// the width of its lines. The first variants get ever thinner lines (solid 4, 3, 2 pixels,
/// then 2) and ever smaller markers, so that a series lying exactly on an earlier one leaves
/// the earlier one showing around it; markers also differ in shape and carry a white rim.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VariantLook {
    /// Red, green, blue.
    pub colour: (u8, u8, u8),
    /// The marker's shape.
    pub marker: Marker,
    /// The marker's radius, in pixels.
    pub marker_radius: f64,
    /// The width of a solid line, in pixels.
    pub solid_width: u32,
    /// The width of a dashed or dotted line, in pixels.
    pub dashed_width: u32,
}

impl VariantLook {
    /// The width of a line drawn with `stroke`, in pixels.
    fn line_width(&self, stroke: Stroke) -> u32 {
        match stroke {
            Stroke::Solid => self.solid_width,
            Stroke::Dashed | Stroke::Dotted => self.dashed_width,
        }
    }
}

/// The look of variant `variant` (see [`VariantLook`]); the same in every chart.
pub fn variant_look(variant: usize) -> VariantLook {
    const RADIUS: [f64; 4] = [6.0, 5.0, 4.5, 4.0];
    const SOLID: [u32; 4] = [4, 3, 2, 2];
    const DASHED: [u32; 4] = [3, 2, 2, 2];
    let slot = variant.min(3);
    VariantLook {
        colour: VARIANT_COLOURS[variant % VARIANT_COLOURS.len()],
        marker: MARKERS[variant % MARKERS.len()],
        marker_radius: RADIUS[slot],
        solid_width: SOLID[slot],
        dashed_width: DASHED[slot],
    }
}

// ---------------------------------------------------------------------------------------------
// Layout constants. Sizes are in pixels of the SVG.

/// The font family written into the SVG (viewers pick their sans-serif face).
const FONT_FAMILY: &str = "sans-serif";
/// plotters writes `font-size = size / 1.24` into the SVG; the sizes below are the SVG's.
const PLOTTERS_FONT_SCALE: f64 = 1.24;
const TITLE_PX: f64 = 17.0;
const SUBTITLE_PX: f64 = 14.0;
const PANEL_TITLE_PX: f64 = 15.0;
const AXIS_TITLE_PX: f64 = 14.0;
const TICK_PX: f64 = 13.0;
const LEGEND_PX: f64 = 13.0;
const NOTE_PX: f64 = 14.0;
/// The smallest a label is shrunk to (category names, long axis titles) before it wraps.
const MIN_TEXT_PX: f64 = 9.0;
/// Line height as a multiple of the font size.
const LINE_SPACING: f64 = 1.3;

/// Tick marks, outside the plot.
const TICK_MARK: i32 = 5;
/// plotters puts a tick label twice the tick mark's length from the axis.
const TICK_LABEL_GAP: f64 = 10.0;
/// Space left of every panel, and beside the legend.
const PANEL_PAD: f64 = 6.0;
/// Space below every panel, under its x axis' title.
const PANEL_BOTTOM: f64 = 12.0;
/// The least room a plot must keep inside its axes.
const MIN_PLOT_SIDE: f64 = 40.0;
/// The least room between two tick labels: along x beside their widths, along y in all.
const TICK_LABEL_ROOM_X: f64 = 12.0;
const TICK_LABEL_ROOM_Y: f64 = 1.6 * TICK_PX;
/// An automatic axis gets at most this many ticks, and tries for at least the other.
const MAX_TICKS: usize = 10;
const MIN_TICKS: usize = 4;
/// Evenly spaced ticks come no closer than this, in pixels.
const LINEAR_TICK_SPACING: f64 = 40.0;
/// A log axis shorter than a few decades tries for one labelled tick per this many pixels.
const TICK_SPACING: f64 = 60.0;
/// The finest ticks of a log axis, in each decade (e.g. 10 12 14 16 18 20 25 30 40 ms).
const FINE_MANTISSAS: [f64; 14] = [
    1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0,
];
/// Minor grid lines (2..9 in each decade) on a log axis only when a decade is this long.
const MIN_DECADE_FOR_MINOR: f64 = 60.0;
/// Fitted ranges reach this share of the data's span beyond it on each side.
const RANGE_MARGIN: f64 = 0.05;
/// A fitted log range reaches out to the next decade when it lies this close (log10 units),
/// and no further than this share of the data's span.
const LOG_SNAP: f64 = 0.3;
const LOG_SNAP_SHARE: f64 = 0.1;
/// Linear values beyond this magnitude are left out (their span would overflow).
const LARGEST_LINEAR: f64 = 1e150;

/// Legend: a line sample, the gap before its text, the gap between columns, row height,
/// padding inside the legend's frame and the space above it.
const SAMPLE_W: f64 = 40.0;
const SAMPLE_TEXT_GAP: f64 = 6.0;
const LEGEND_COL_GAP: f64 = 22.0;
const LEGEND_ROW_H: f64 = 22.0;
const LEGEND_PAD: f64 = 6.0;
const LEGEND_MARGIN: f64 = 8.0;

/// Dashes and gaps, in pixels along the line.
const DASH_ON: f64 = 10.0;
const DASH_OFF: f64 = 6.0;

const INK: RGBColor = RGBColor(0, 0, 0);
const SOFT_INK: RGBColor = RGBColor(64, 64, 64);
const GRID: RGBColor = RGBColor(218, 218, 218);
const MINOR_GRID: RGBColor = RGBColor(240, 240, 240);
const LEGEND_FRAME: RGBColor = RGBColor(190, 190, 190);
const BAR_EDGE: RGBColor = RGBColor(60, 60, 60);
const NOTE_INK: RGBColor = RGBColor(120, 120, 120);

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn drawing_failed<E: std::fmt::Display>(error: E) -> ChartError {
    ChartError(format!("plotters could not draw the chart: {error}"))
}

fn rgb((r, g, b): (u8, u8, u8)) -> RGBColor {
    RGBColor(r, g, b)
}

// ---------------------------------------------------------------------------------------------
// Numbers: pixels, counts, labels.

/// A pixel coordinate for plotters; every value passed is finite and near the chart, the
/// clamp only makes sure nothing can wrap around.
#[allow(clippy::cast_possible_truncation)]
fn pixel(value: f64) -> i32 {
    if value.is_nan() {
        0
    } else {
        value.round().clamp(-1.0e6, 1.0e6) as i32
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn pixel_size(value: f64) -> u32 {
    if value.is_nan() {
        0
    } else {
        value.round().clamp(0.0, 1.0e6) as u32
    }
}

#[allow(clippy::cast_precision_loss)]
fn count(n: usize) -> f64 {
    n as f64
}

/// An integral `value` (already rounded) as an i32, saturating.
#[allow(clippy::cast_possible_truncation)]
fn whole(value: f64) -> i32 {
    if value.is_nan() {
        0
    } else {
        value.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    }
}

/// A tick label: the shortest exact decimal, with k, M, G for thousands and up:
/// 1, 2.5, 10, 100, 1k, 2.5k, 100k, 1M, 0.1, 0.25.
pub fn format_number(value: f64) -> String {
    if !value.is_finite() {
        return String::new();
    }
    if value == 0.0 {
        return "0".into();
    }
    let magnitude = value.abs();
    if magnitude < 1e-4 {
        return format!("{value:.1e}");
    }
    let (scaled, suffix) = if magnitude >= 1e12 {
        return format!("{value:.1e}");
    } else if magnitude >= 1e9 {
        (value / 1e9, "G")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        (value, "")
    };
    let tolerance = 1e-9 * scaled.abs().max(1.0);
    let mut text = format!("{scaled:.6}");
    for decimals in 0..=6 {
        let candidate = format!("{scaled:.decimals$}");
        if candidate
            .parse::<f64>()
            .is_ok_and(|parsed| (parsed - scaled).abs() <= tolerance)
        {
            text = candidate;
            break;
        }
    }
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    if text == "-0" {
        text = "0".into();
    }
    format!("{text}{suffix}")
}

/// The width of `text` at `px`, estimated from DejaVu Sans (the widest common sans-serif
/// face, so narrower faces only leave more room). plotters' own estimate is cruder.
fn text_width(text: &str, px: f64) -> f64 {
    let ems: f64 = text
        .chars()
        .map(|c| match c {
            'i' | 'j' | 'l' | '.' | ',' | ':' | ';' | '\'' | '|' | '!' => 0.3,
            ' ' | 'f' | 't' | 'r' | '(' | ')' | '[' | ']' | '-' | '/' | 'I' => 0.4,
            'm' | 'w' | 'M' | 'W' | '%' | '@' => 0.98,
            'A'..='Z' => 0.74,
            _ => 0.64,
        })
        .sum();
    ems * px
}

/// `text` cut into lines no wider than `max_width` at `px`, breaking at spaces and after
/// hyphens ("async-blocking-" / "server"). A word wider than `max_width` keeps a line of
/// its own.
fn wrap_text(text: &str, px: f64, max_width: f64) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let mut token = String::new();
    for c in text.chars() {
        token.push(c);
        if c == ' ' || c == '-' {
            tokens.push(std::mem::take(&mut token));
        }
    }
    if !token.is_empty() {
        tokens.push(token);
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for token in tokens {
        let joined = format!("{line}{token}");
        if !line.trim().is_empty() && text_width(joined.trim_end(), px) > max_width {
            lines.push(line.trim_end().to_string());
            line = token;
        } else {
            line = joined;
        }
    }
    if !line.trim().is_empty() {
        lines.push(line.trim_end().to_string());
    }
    lines
}

/// A text style of `px` pixels (as the SVG will say) in `colour`.
fn text_style(px: f64, colour: RGBColor) -> TextStyle<'static> {
    (FONT_FAMILY, px * PLOTTERS_FONT_SCALE)
        .into_font()
        .color(&colour)
}

fn draw_text(
    area: &Area,
    text: &str,
    (x, y): (f64, f64),
    style: &TextStyle<'static>,
    anchor: (HPos, VPos),
) -> Result<(), ChartError> {
    let style = style.pos(Pos::new(anchor.0, anchor.1));
    area.draw(&Text::new(text.to_string(), (pixel(x), pixel(y)), style))
        .map_err(drawing_failed)
}

// ---------------------------------------------------------------------------------------------
// Axes: the range shown, the ticks and their labels.

/// Along which side of the plot an axis runs (tick labels need room differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Horizontal,
    Vertical,
}

/// Where a value sits on an axis: the value itself (linear) or its log10 (log); `None` when
/// it cannot be shown (NaN, infinite, at or below 0 on a log axis, or beyond
/// [`LARGEST_LINEAR`]).
fn to_axis(scale: Scale, value: f64) -> Option<f64> {
    match scale {
        Scale::Linear => (value.is_finite() && value.abs() <= LARGEST_LINEAR).then_some(value),
        Scale::Log => (value.is_finite() && value > 0.0).then(|| value.log10()),
    }
}

fn from_axis(scale: Scale, position: f64) -> f64 {
    match scale {
        Scale::Linear => position,
        Scale::Log => 10f64.powf(position),
    }
}

/// An axis worked out: the range shown and the labelled ticks, in axis units (log10 of the
/// value on a log axis), and the minor grid lines.
#[derive(Debug, Clone)]
struct AxisPlan {
    scale: Scale,
    lo: f64,
    hi: f64,
    ticks: Vec<(f64, String)>,
    minor: Vec<f64>,
}

impl AxisPlan {
    fn position(&self, value: f64) -> Option<f64> {
        to_axis(self.scale, value)
    }

    fn tolerance(&self) -> f64 {
        (self.hi - self.lo).abs() * 1e-9
    }

    fn contains(&self, position: f64) -> bool {
        position >= self.lo - self.tolerance() && position <= self.hi + self.tolerance()
    }

    /// The label of the tick at `position` (plotters asks by position).
    fn label(&self, position: f64) -> String {
        self.ticks
            .iter()
            .find(|(at, _)| (at - position).abs() <= self.tolerance())
            .map_or_else(
                || format_number(from_axis(self.scale, position)),
                |(_, text)| text.clone(),
            )
    }

    fn widest_label(&self) -> f64 {
        self.ticks
            .iter()
            .map(|(_, text)| text_width(text, TICK_PX))
            .fold(0.0, f64::max)
    }

    fn coord(&self) -> TickedAxis {
        TickedAxis {
            linear: (self.lo..self.hi).into(),
            ticks: self.ticks.iter().map(|(at, _)| *at).collect(),
            minor: self.minor.clone(),
        }
    }
}

/// plotters' linear coordinate over an axis' units, with our ticks (labelled, with grid
/// lines) and minor grid lines: plotters' own log coordinate labels neither 2 and 5 nor ticks
/// given by the data, and its `with_key_points` over `f64` cannot draw a mesh (`f64` has no
/// default label format, and the formatter trait is plotters' own).
struct TickedAxis {
    linear: RangedCoordf64,
    ticks: Vec<f64>,
    minor: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.linear.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.minor.clone()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> Range<f64> {
        self.linear.range()
    }
}

/// Works out an axis `length` pixels long showing `data` (values, not yet on the axis).
fn plan_axis(
    axis: &Axis,
    data: &[f64],
    length: f64,
    direction: Direction,
    name: &str,
) -> Result<AxisPlan, ChartError> {
    let explicit: Vec<f64> = axis
        .ticks
        .iter()
        .flatten()
        .filter_map(|&tick| to_axis(axis.scale, tick))
        .collect();
    let shown: Vec<f64> = data
        .iter()
        .filter_map(|&value| to_axis(axis.scale, value))
        .chain(explicit.iter().copied())
        .collect();
    let (lo, hi) = fit_range(axis, &shown, name)?;
    let mut plan = AxisPlan {
        scale: axis.scale,
        lo,
        hi,
        ticks: Vec::new(),
        minor: Vec::new(),
    };
    if explicit.is_empty() {
        let fits = |ticks: &[(f64, String)]| ticks_fit(ticks, lo, hi, length, direction);
        plan.ticks = match axis.scale {
            Scale::Linear => linear_ticks(lo, hi, length, Scale::Linear, &fits),
            Scale::Log => log_ticks(lo, hi, length, &fits),
        };
        if axis.scale == Scale::Log && length / (hi - lo) >= MIN_DECADE_FOR_MINOR {
            plan.minor = mantissa_ticks(lo, hi, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0])
                .into_iter()
                .map(|(at, _)| at)
                .filter(|at| !plan.ticks.iter().any(|(tick, _)| (tick - at).abs() < 1e-9))
                .collect();
        }
    } else {
        let mut ticks: Vec<(f64, f64)> = axis
            .ticks
            .iter()
            .flatten()
            .filter_map(|&tick| to_axis(axis.scale, tick).map(|at| (at, tick)))
            .filter(|(at, _)| plan.contains(*at))
            .collect();
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        ticks.dedup_by(|a, b| (a.0 - b.0).abs() <= plan.tolerance());
        plan.ticks = ticks
            .into_iter()
            .map(|(at, tick)| (at, format_number(tick)))
            .collect();
    }
    Ok(plan)
}

/// The range an axis shows, in axis units: the data (and the explicit ticks) with a margin,
/// or what the axis says. All-equal values get a range around them; no values at all get
/// 0..1 (1..10 on a log axis).
fn fit_range(axis: &Axis, shown: &[f64], name: &str) -> Result<(f64, f64), ChartError> {
    let scale_name = match axis.scale {
        Scale::Linear => "linear",
        Scale::Log => "log",
    };
    let bound = |value: Option<f64>, which: &str| -> Result<Option<f64>, ChartError> {
        value
            .map(|value| {
                to_axis(axis.scale, value).ok_or_else(|| {
                    ChartError(format!(
                        "{name} axis \"{}\": the range's {which} end {value} cannot be shown on \
                         a {scale_name} axis",
                        axis.label
                    ))
                })
            })
            .transpose()
    };
    let user_lo = bound(axis.range.0, "lower")?;
    let user_hi = bound(axis.range.1, "upper")?;
    let extent = shown.iter().fold(None, |extent: Option<(f64, f64)>, &at| {
        Some(extent.map_or((at, at), |(lo, hi)| (lo.min(at), hi.max(at))))
    });
    let (mut lo, mut hi) = match extent {
        Some((lo, hi)) => pad_range(axis.scale, lo, hi),
        None => (0.0, 1.0),
    };
    // A range one side of which is given keeps the data's other side, or a unit beyond it.
    match (user_lo, user_hi) {
        (Some(given_lo), Some(given_hi)) => {
            if given_lo >= given_hi {
                return Err(ChartError(format!(
                    "{name} axis \"{}\": the range {:?}..{:?} is empty or inverted",
                    axis.label, axis.range.0, axis.range.1
                )));
            }
            (lo, hi) = (given_lo, given_hi);
        }
        (Some(given_lo), None) => {
            lo = given_lo;
            if hi <= lo {
                hi = lo + 1.0;
            }
        }
        (None, Some(given_hi)) => {
            hi = given_hi;
            if lo >= hi {
                lo = hi - 1.0;
            }
        }
        (None, None) => {}
    }
    Ok((lo, hi))
}

fn pad_range(scale: Scale, lo: f64, hi: f64) -> (f64, f64) {
    let span = hi - lo;
    if span <= lo.abs().max(hi.abs()) * 1e-9 {
        // All values (nearly) equal: a decade around them, or 10% (1 around 0).
        return match scale {
            Scale::Log => (lo - 0.5, hi + 0.5),
            Scale::Linear => {
                let half = if lo.abs() > 0.0 { lo.abs() * 0.1 } else { 1.0 };
                (lo - half, hi + half)
            }
        };
    }
    let margin = span * RANGE_MARGIN;
    if scale == Scale::Log {
        // Reach the next decade when it is near, so that a labelled tick lies beyond the data;
        // near: a small share of the data's span, so a narrow range is not squashed.
        let reach = LOG_SNAP.min(LOG_SNAP_SHARE * span);
        let snap = |padded: f64, decade: f64| {
            if (padded - decade).abs() <= reach {
                decade
            } else {
                padded
            }
        };
        let (padded_lo, padded_hi) = (lo - margin, hi + margin);
        return (
            snap(padded_lo, padded_lo.floor()),
            snap(padded_hi, padded_hi.ceil()),
        );
    }
    let padded_lo = lo - margin;
    // Counts and times are never negative: don't show an axis below 0 for them.
    let padded_lo = if scale == Scale::Linear && lo >= 0.0 && padded_lo < 0.0 {
        0.0
    } else {
        padded_lo
    };
    (padded_lo, hi + margin)
}

/// A check that tick labels at these positions leave room between them.
type FitsCheck<'a> = dyn Fn(&[(f64, String)]) -> bool + 'a;

/// Whether tick labels at these positions leave room between them on an axis `length`
/// pixels long.
fn ticks_fit(ticks: &[(f64, String)], lo: f64, hi: f64, length: f64, direction: Direction) -> bool {
    let at = |position: f64| (position - lo) / (hi - lo) * length;
    ticks.windows(2).all(|pair| {
        let gap = at(pair[1].0) - at(pair[0].0);
        let needed = match direction {
            Direction::Vertical => TICK_LABEL_ROOM_Y,
            Direction::Horizontal => {
                f64::midpoint(
                    text_width(&pair[0].1, TICK_PX),
                    text_width(&pair[1].1, TICK_PX),
                ) + TICK_LABEL_ROOM_X
            }
        };
        gap >= needed
    })
}

/// Evenly spaced ticks between the values at `lo` and `hi` on an axis of `scale`, `length`
/// pixels long: plotters' round steps (1, 2, 5 times a power of ten), the finest whose labels
/// fit, at most [`MAX_TICKS`] of them and one per [`LINEAR_TICK_SPACING`] pixels.
fn linear_ticks(
    lo: f64,
    hi: f64,
    length: f64,
    scale: Scale,
    fits: &FitsCheck,
) -> Vec<(f64, String)> {
    let (value_lo, value_hi) = (from_axis(scale, lo), from_axis(scale, hi));
    if !(value_hi - value_lo).is_finite() || value_hi <= value_lo {
        return Vec::new();
    }
    let values: RangedCoordf64 = (value_lo..value_hi).into();
    let ticks = |most: usize| -> Vec<(f64, String)> {
        values
            .key_points(most)
            .into_iter()
            .filter_map(|value| to_axis(scale, value).map(|at| (at, format_number(value))))
            .collect()
    };
    let most = usize::try_from(whole((length / LINEAR_TICK_SPACING).floor())).unwrap_or(0);
    (2..=most.clamp(2, MAX_TICKS))
        .rev()
        .map(ticks)
        .find(|found| found.len() >= 2 && fits(found))
        .unwrap_or_else(|| ticks(1))
}

/// Ticks of a log axis from `lo` to `hi` (log10 units) on `length` pixels. Decades, or every
/// 2nd, 3rd... decade if their labels would crowd; on an axis of few decades, finer: 1, 2, 5
/// in each decade, then 1..9, then [`FINE_MANTISSAS`], the first that gives one label per
/// [`TICK_SPACING`] pixels, as long as the labels fit and number at most [`MAX_TICKS`];
/// then evenly spaced values (a range of less than a decade) if they give more.
fn log_ticks(lo: f64, hi: f64, length: f64, fits: &FitsCheck) -> Vec<(f64, String)> {
    let decades = mantissa_ticks(lo, hi, &[1.0]);
    if decades.len() >= MIN_TICKS && !fits(&decades) {
        for every in [2, 3, 5, 10, 20, 50, 100] {
            let ticks: Vec<(f64, String)> = decades
                .iter()
                .filter(|(at, _)| whole(at.round()).rem_euclid(every) == 0)
                .cloned()
                .collect();
            if ticks.len() >= 2 && fits(&ticks) {
                return ticks;
            }
        }
        return decades.into_iter().take(1).collect();
    }
    let wanted = usize::try_from(whole((length / TICK_SPACING).floor()))
        .unwrap_or(0)
        .clamp(MIN_TICKS, 8);
    let mut best = if fits(&decades) { decades } else { Vec::new() };
    if best.len() < wanted {
        for mantissas in [
            &[1.0, 2.0, 5.0][..],
            &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0],
            &FINE_MANTISSAS,
        ] {
            let ticks = mantissa_ticks(lo, hi, mantissas);
            if !fits(&ticks) || ticks.len() > MAX_TICKS {
                break;
            }
            let enough = ticks.len() >= wanted;
            best = ticks;
            if enough {
                break;
            }
        }
    }
    if best.len() >= MIN_TICKS {
        return best;
    }
    let even = linear_ticks(lo, hi, length, Scale::Log, fits);
    if even.len() > best.len() {
        even
    } else {
        best
    }
}

/// The values `m * 10^e` (for each mantissa `m`) from `lo` to `hi` (log10 units), labelled.
fn mantissa_ticks(lo: f64, hi: f64, mantissas: &[f64]) -> Vec<(f64, String)> {
    let tolerance = (hi - lo).abs() * 1e-9;
    let mut ticks = Vec::new();
    for exponent in whole(lo.floor())..=whole(hi.ceil()) {
        for &mantissa in mantissas {
            let value = mantissa * 10f64.powi(exponent);
            let at = value.log10();
            if at.is_finite() && at >= lo - tolerance && at <= hi + tolerance {
                ticks.push((at, format_number(value)));
            }
        }
    }
    ticks
}

// ---------------------------------------------------------------------------------------------
// The chart: title, panels side by side, the legend of the line panels below them.

fn draw_chart(root: &Area, chart: &Chart) -> Result<(), ChartError> {
    let title_height = draw_title(root, &chart.title)?;
    let (_, body) = root.split_vertically(pixel(title_height));
    let (body_width, body_height) = body.dim_in_pixel();
    let legend = line_legend(&chart.panels);
    let legend_height = legend.height(f64::from(body_width));
    let panels_height = f64::from(body_height) - legend_height;
    if panels_height < 2.0 * MIN_PLOT_SIDE {
        return Err(too_small(chart.width, chart.height, "its title and legend"));
    }
    let (panels, legend_area) = body.split_vertically(pixel(panels_height));
    let areas = panels.split_evenly((1, chart.panels.len()));
    for (panel, area) in chart.panels.iter().zip(&areas) {
        match panel {
            Panel::Lines(lines) => draw_line_panel(area, lines)?,
            Panel::Bars(bars) => draw_bar_panel(area, bars)?,
        }
    }
    legend.draw(&legend_area)
}

fn too_small(
    width: impl std::fmt::Display,
    height: impl std::fmt::Display,
    what: &str,
) -> ChartError {
    ChartError(format!(
        "{width}x{height} pixels leave too little room for the plot beside {what}"
    ))
}

/// Draws the title lines, centred (the first larger), wrapped to the width; returns the
/// height they take.
fn draw_title(root: &Area, lines: &[String]) -> Result<f64, ChartError> {
    let width = f64::from(root.dim_in_pixel().0);
    let mut y = 10.0;
    for (index, line) in lines.iter().enumerate() {
        let (px, colour) = if index == 0 {
            (TITLE_PX, INK)
        } else {
            (SUBTITLE_PX, SOFT_INK)
        };
        let style = text_style(px, colour);
        for part in wrap_text(line, px, width - 24.0) {
            draw_text(
                root,
                &part,
                (width / 2.0, y),
                &style,
                (HPos::Center, VPos::Top),
            )?;
            y += px * LINE_SPACING;
        }
    }
    Ok(y + 4.0)
}

/// A panel's plot: plotters' chart over the axes' units (log10 of the value on a log axis,
/// where lines are clipped and ticks planned; a linear coordinate keeps every value finite).
type Plot<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<TickedAxis, TickedAxis>>;

/// The room a panel keeps for its title, its axes' labels and titles.
struct PanelLayout {
    title: Vec<String>,
    top: f64,
    left: f64,
    right: f64,
    y_labels: f64,
    x_labels: f64,
}

impl PanelLayout {
    /// Title lines wrapped to the panel, and the space above the plot.
    fn titled(title: &str, width: f64) -> Self {
        let lines = wrap_text(title, PANEL_TITLE_PX, width - 2.0 * PANEL_PAD);
        let top = 8.0 + count(lines.len()) * PANEL_TITLE_PX * LINE_SPACING;
        PanelLayout {
            title: lines,
            top: top + if title.trim().is_empty() { 0.0 } else { 6.0 },
            left: PANEL_PAD,
            right: 16.0,
            y_labels: 0.0,
            x_labels: 0.0,
        }
    }

    /// Room left of the plot for the y axis: its title (rotated) and its widest tick label.
    fn y_label_room(widest_tick: f64) -> f64 {
        AXIS_TITLE_PX * LINE_SPACING + 8.0 + widest_tick + TICK_LABEL_GAP + 2.0
    }

    /// Room below the plot for the x axis: `tick_lines` lines of tick labels and its title
    /// (at the room's bottom edge).
    fn x_label_room(tick_lines: usize, tick_px: f64) -> f64 {
        TICK_LABEL_GAP + count(tick_lines.max(1)) * tick_px * 1.2 + 6.0 + AXIS_TITLE_PX * 1.2
    }

    fn plot_height(&self, height: f64) -> f64 {
        height - self.top - self.x_labels - PANEL_BOTTOM
    }

    fn plot_width(&self, width: f64) -> f64 {
        width - self.left - self.y_labels - self.right
    }

    /// The panel's chart in `area`: its title over the plot, the grid, the axes with their
    /// ticks, labels and titles (each shrunk, down to [`MIN_TEXT_PX`], where it is longer than
    /// its side of the plot).
    fn plot<'a, 'b>(
        &self,
        area: &'a Area<'b>,
        (x, x_title): (&AxisPlan, &str),
        (y, y_title): (&AxisPlan, &str),
        x_grid: bool,
    ) -> Result<Plot<'a, 'b>, ChartError> {
        let (width, height) = area.dim_in_pixel();
        let (width, height) = (f64::from(width), f64::from(height));
        let centre = self.left + self.y_labels + self.plot_width(width) / 2.0;
        let style = text_style(PANEL_TITLE_PX, INK);
        for (index, line) in self.title.iter().enumerate() {
            let top = 8.0 + count(index) * PANEL_TITLE_PX * LINE_SPACING;
            draw_text(area, line, (centre, top), &style, (HPos::Center, VPos::Top))?;
        }
        let fitted = |text: &str, room: f64| {
            let width = text_width(text, AXIS_TITLE_PX);
            if width <= room {
                AXIS_TITLE_PX
            } else {
                (AXIS_TITLE_PX * room / width).floor().max(MIN_TEXT_PX)
            }
        };
        // plotters' mesh has one style for both axis titles: it draws the x axis' title, and
        // the y axis' is drawn here at its own size.
        let y_px = fitted(y_title, self.plot_height(height));
        let rotated = text_style(y_px, INK).transform(FontTransform::Rotate270);
        let middle = self.top + self.plot_height(height) / 2.0;
        let at = (self.left + 2.0 + y_px * 0.7, middle);
        draw_text(area, y_title, at, &rotated, (HPos::Center, VPos::Center))?;

        let mut chart = ChartBuilder::on(area)
            .margin_top(pixel(self.top))
            .margin_bottom(pixel(PANEL_BOTTOM))
            .margin_left(pixel(self.left))
            .margin_right(pixel(self.right))
            .x_label_area_size(pixel(self.x_labels))
            .y_label_area_size(pixel(self.y_labels))
            .build_cartesian_2d(x.coord(), y.coord())
            .map_err(drawing_failed)?;
        let x_label = |position: &f64| x.label(*position);
        let y_label = |position: &f64| y.label(*position);
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .x_label_style(text_style(TICK_PX, INK))
            .y_label_style(text_style(TICK_PX, INK))
            .x_desc(x_title)
            .axis_desc_style(text_style(fitted(x_title, self.plot_width(width)), INK))
            .bold_line_style(GRID.stroke_width(1))
            .light_line_style(MINOR_GRID.stroke_width(1))
            .axis_style(INK.stroke_width(1))
            .set_all_tick_mark_size(TICK_MARK);
        if !x_grid {
            mesh.disable_x_mesh();
        }
        mesh.draw().map_err(drawing_failed)?;
        Ok(chart)
    }
}

/// Says in the middle of the plot that it has nothing to show.
fn draw_no_data(chart: &Plot, x: &AxisPlan, y: &AxisPlan) -> Result<(), ChartError> {
    let centre = (f64::midpoint(x.lo, x.hi), f64::midpoint(y.lo, y.hi));
    let style = text_style(NOTE_PX, NOTE_INK).pos(Pos::new(HPos::Center, VPos::Center));
    chart
        .plotting_area()
        .draw(&Text::new("no data to show", centre, style))
        .map_err(drawing_failed)
}

// ---------------------------------------------------------------------------------------------
// Line panels.

fn draw_line_panel(area: &Area, panel: &LinePanel) -> Result<(), ChartError> {
    let (width, height) = area.dim_in_pixel();
    let (width, height) = (f64::from(width), f64::from(height));
    let xs: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|series| series.points.iter().map(|point| point.0))
        .collect();
    let ys: Vec<f64> = panel
        .series
        .iter()
        .flat_map(|series| series.points.iter().map(|point| point.1))
        .collect();

    let mut layout = PanelLayout::titled(&panel.title, width);
    layout.x_labels = PanelLayout::x_label_room(1, TICK_PX);
    let plot_height = layout.plot_height(height);
    if plot_height < MIN_PLOT_SIDE {
        return Err(too_small(width, height, "a panel's title and axis labels"));
    }
    let y = plan_axis(&panel.y, &ys, plot_height, Direction::Vertical, "y")?;
    layout.y_labels = PanelLayout::y_label_room(y.widest_label());
    let x = plan_axis(
        &panel.x,
        &xs,
        layout.plot_width(width),
        Direction::Horizontal,
        "x",
    )?;
    // The last x label is centred on the plot's right edge: keep room for its right half.
    let last_label = x
        .ticks
        .last()
        .map_or(0.0, |(_, text)| text_width(text, TICK_PX));
    layout.right = (last_label / 2.0 + 6.0).max(16.0);
    if layout.plot_width(width) < MIN_PLOT_SIDE {
        return Err(too_small(width, height, "a panel's axis labels"));
    }

    let chart = layout.plot(area, (&x, &panel.x.label), (&y, &panel.y.label), true)?;
    let plot = chart.plotting_area();
    let traces: Vec<Trace> = panel
        .series
        .iter()
        .map(|series| Trace::of(&x, &y, &series.points))
        .collect();
    // Lines first, in the series' order, then every marker over them.
    for (series, trace) in panel.series.iter().zip(&traces) {
        let look = variant_look(series.variant);
        let width = look.line_width(series.stroke);
        for line in &trace.lines {
            draw_line(plot, line.clone(), rgb(look.colour), width, series.stroke)?;
        }
        if !series.markers {
            // A point with no neighbour would vanish without a marker: a dot instead.
            for &point in &trace.lone {
                plot.draw(&Circle::new(point, width + 1, rgb(look.colour).filled()))
                    .map_err(drawing_failed)?;
            }
        }
    }
    for (series, trace) in panel.series.iter().zip(&traces) {
        if series.markers {
            let look = variant_look(series.variant);
            for &point in &trace.points {
                draw_marker(plot, point, &look)?;
            }
        }
    }
    if traces.iter().all(|trace| trace.points.is_empty()) {
        draw_no_data(&chart, &x, &y)?;
    }
    Ok(())
}

/// A series in axis units, cut into what can be drawn: lines (broken at gaps and where the
/// axes' range cuts them), points with no neighbour, and every point inside the plot.
/// plotters does not clip: it moves whatever lies outside the plot onto its edge.
#[derive(Debug, Default)]
struct Trace {
    lines: Vec<Vec<(f64, f64)>>,
    lone: Vec<(f64, f64)>,
    points: Vec<(f64, f64)>,
}

impl Trace {
    fn of(x: &AxisPlan, y: &AxisPlan, points: &[(f64, f64)]) -> Self {
        let shown: Vec<Option<(f64, f64)>> = points
            .iter()
            .map(|&(px, py)| Some((x.position(px)?, y.position(py)?)))
            .collect();
        let inside = |point: &(f64, f64)| x.contains(point.0) && y.contains(point.1);
        let mut trace = Trace::default();
        for (index, point) in shown.iter().enumerate() {
            let Some(point) = point.filter(inside) else {
                continue;
            };
            trace.points.push(point);
            let neighbour = |at: Option<usize>| at.and_then(|at| shown.get(at)?.as_ref());
            if neighbour(index.checked_sub(1)).is_none() && neighbour(Some(index + 1)).is_none() {
                trace.lone.push(point);
            }
        }
        let mut line: Vec<(f64, f64)> = Vec::new();
        let mut end_line = |line: &mut Vec<(f64, f64)>| {
            if line.len() > 1 {
                trace.lines.push(std::mem::take(line));
            }
            line.clear();
        };
        for pair in shown.windows(2) {
            let cut = match (pair[0], pair[1]) {
                (Some(p), Some(q)) => clip(p, q, (x.lo, x.hi), (y.lo, y.hi)),
                _ => None,
            };
            let Some(cut) = cut else {
                end_line(&mut line);
                continue;
            };
            if cut.start_cut {
                end_line(&mut line);
            }
            if line.is_empty() {
                line.push(cut.from);
            }
            line.push(cut.to);
            if cut.end_cut {
                end_line(&mut line);
            }
        }
        end_line(&mut line);
        trace
    }
}

/// A segment clipped to the plot: its ends, and whether either was cut.
struct Clipped {
    from: (f64, f64),
    to: (f64, f64),
    start_cut: bool,
    end_cut: bool,
}

/// Liang-Barsky: the part of segment `p`-`q` inside the box, if any.
fn clip(p: (f64, f64), q: (f64, f64), x: (f64, f64), y: (f64, f64)) -> Option<Clipped> {
    let (dx, dy) = (q.0 - p.0, q.1 - p.1);
    let (mut enter, mut leave) = (0.0_f64, 1.0_f64);
    let tolerance_x = (x.1 - x.0).abs() * 1e-9;
    let tolerance_y = (y.1 - y.0).abs() * 1e-9;
    for (direction, room) in [
        (-dx, p.0 - x.0 + tolerance_x),
        (dx, x.1 - p.0 + tolerance_x),
        (-dy, p.1 - y.0 + tolerance_y),
        (dy, y.1 - p.1 + tolerance_y),
    ] {
        if direction.abs() < f64::MIN_POSITIVE {
            if room < 0.0 {
                return None;
            }
        } else {
            let share = room / direction;
            if direction < 0.0 {
                if share > leave {
                    return None;
                }
                enter = enter.max(share);
            } else {
                if share < enter {
                    return None;
                }
                leave = leave.min(share);
            }
        }
    }
    Some(Clipped {
        from: (p.0 + enter * dx, p.1 + enter * dy),
        to: (p.0 + leave * dx, p.1 + leave * dy),
        start_cut: enter > 0.0,
        end_cut: leave < 1.0,
    })
}

/// Draws a line solid, dashed or dotted with plotters' path elements (the dashed one keeps
/// its rhythm across the line's corners), on a plot or, in pixels, in a legend.
fn draw_line<CT: CoordTranslate>(
    area: &DrawingArea<SVGBackend<'_>, CT>,
    points: Vec<CT::From>,
    colour: RGBColor,
    width: u32,
    stroke: Stroke,
) -> Result<(), ChartError>
where
    CT::From: Clone,
{
    let style = colour.stroke_width(width);
    let dot = f64::from(width.max(2));
    match stroke {
        Stroke::Solid => area.draw(&PathElement::new(points, style)),
        Stroke::Dashed => area.draw(&DashedPathElement::new(points, DASH_ON, DASH_OFF, style)),
        Stroke::Dotted => area.draw(&DashedPathElement::new(points, dot, dot + 3.0, style)),
    }
    .map_err(drawing_failed)
}

/// The corners of a marker's shape around (0, 0), for a marker of `radius`: plotters has
/// discs, triangles and crosses, but neither squares, diamonds, stars nor plus signs.
fn marker_outline(shape: Marker, radius: f64) -> Vec<(f64, f64)> {
    let around = |corners: usize, outer: f64, inner: Option<f64>, turn: f64| {
        let steps = if inner.is_some() {
            corners * 2
        } else {
            corners
        };
        (0..steps)
            .map(|step| {
                let r = match inner {
                    Some(inner) if step % 2 == 1 => inner,
                    _ => outer,
                };
                let angle = turn + std::f64::consts::TAU * count(step) / count(steps);
                (r * angle.cos(), r * angle.sin())
            })
            .collect::<Vec<_>>()
    };
    let up = -std::f64::consts::FRAC_PI_2;
    match shape {
        Marker::Circle => around(16, radius, None, 0.0),
        Marker::Square => {
            let half = radius * 0.8;
            vec![(-half, -half), (half, -half), (half, half), (-half, half)]
        }
        Marker::TriangleUp => around(3, radius * 1.25, None, up)
            .into_iter()
            .map(|(x, y)| (x, y + radius * 0.2))
            .collect(),
        Marker::TriangleDown => around(3, radius * 1.25, None, -up)
            .into_iter()
            .map(|(x, y)| (x, y - radius * 0.2))
            .collect(),
        Marker::Diamond => around(4, radius * 1.2, None, up),
        Marker::Star => around(5, radius * 1.3, Some(radius * 0.55), up),
        Marker::Plus => {
            let (arm, half) = (radius * 1.1, radius * 0.38);
            vec![
                (-half, -arm),
                (half, -arm),
                (half, -half),
                (arm, -half),
                (arm, half),
                (half, half),
                (half, arm),
                (-half, arm),
                (-half, half),
                (-arm, half),
                (-arm, -half),
                (-half, -half),
            ]
        }
    }
}

/// A variant's marker at `at` (on a plot, or in pixels in a legend), filled in its colour
/// with a white rim, so that markers lying on one another stay apart.
fn draw_marker<CT: CoordTranslate>(
    area: &DrawingArea<SVGBackend<'_>, CT>,
    at: CT::From,
    look: &VariantLook,
) -> Result<(), ChartError> {
    let colour = rgb(look.colour);
    let rim = WHITE.stroke_width(1);
    if look.marker == Marker::Circle {
        let r = pixel_size(look.marker_radius);
        return area
            .draw(
                &(EmptyElement::at(at)
                    + Circle::new((0, 0), r, colour.filled())
                    + Circle::new((0, 0), r, rim)),
            )
            .map_err(drawing_failed);
    }
    let corners: Vec<(i32, i32)> = marker_outline(look.marker, look.marker_radius)
        .into_iter()
        .map(|(dx, dy)| (pixel(dx), pixel(dy)))
        .collect();
    let outline: Vec<(i32, i32)> = corners.iter().chain(corners.first()).copied().collect();
    area.draw(
        &(EmptyElement::at(at)
            + Polygon::new(corners, colour.filled())
            + PathElement::new(outline, rim)),
    )
    .map_err(drawing_failed)
}

// ---------------------------------------------------------------------------------------------
// Bar panels.

fn draw_bar_panel(area: &Area, panel: &BarPanel) -> Result<(), ChartError> {
    let (width, full_height) = area.dim_in_pixel();
    let width = f64::from(width);
    let legend = bar_legend(panel);
    let height = f64::from(full_height) - legend.height(width);
    let (area, legend_area) = area.split_vertically(pixel(height));

    let categories = panel.categories.len();
    let mut layout = PanelLayout::titled(&panel.title, width);
    // The y labels' width is not known before the y axis is: plan with room for "100k".
    layout.y_labels = PanelLayout::y_label_room(text_width("100k", TICK_PX));
    let slot = layout.plot_width(width) / count(categories.max(1));
    let (names_px, names) = category_names(&panel.categories, slot - 6.0);
    let name_lines = names.iter().map(Vec::len).max().unwrap_or(1);
    layout.x_labels = PanelLayout::x_label_room(name_lines, names_px);
    let plot_height = layout.plot_height(height);
    if plot_height < MIN_PLOT_SIDE {
        return Err(too_small(
            width,
            full_height,
            "a bar panel's labels and legend",
        ));
    }
    let y = bar_value_axis(panel, plot_height)?;
    layout.y_labels = PanelLayout::y_label_room(y.widest_label());
    if layout.plot_width(width) < MIN_PLOT_SIDE {
        return Err(too_small(width, full_height, "a bar panel's axis labels"));
    }
    let x = AxisPlan {
        scale: Scale::Linear,
        lo: -0.5,
        hi: count(categories.max(1)) - 0.5,
        ticks: Vec::new(),
        minor: Vec::new(),
    };

    let chart = layout.plot(&area, (&x, &panel.x_label), (&y, &panel.y.label), false)?;
    // The category names under the plot, each centred under its bars.
    let names_style = text_style(names_px, INK).pos(Pos::new(HPos::Center, VPos::Top));
    for (index, lines) in names.iter().enumerate() {
        for (line_index, line) in lines.iter().enumerate() {
            let below = pixel(TICK_LABEL_GAP + count(line_index) * names_px * 1.2);
            let name = Text::new(line.clone(), (0, below), names_style.clone());
            chart
                .plotting_area()
                .draw(&(EmptyElement::at((count(index), y.lo)) + name))
                .map_err(drawing_failed)?;
        }
    }
    if draw_bars(chart.plotting_area(), &y, panel)? == 0 {
        draw_no_data(&chart, &x, &y)?;
    }
    legend.draw(&legend_area)
}

/// A bar panel's legend: a swatch per labelled group.
fn bar_legend(panel: &BarPanel) -> Legend {
    Legend {
        groups: vec![panel
            .groups
            .iter()
            .filter(|group| !group.label.trim().is_empty())
            .map(|group| Entry {
                sample: Sample::Swatch(rgb(BAR_COLOURS[group.color % BAR_COLOURS.len()])),
                text: group.label.clone(),
            })
            .collect()],
    }
}

/// The value axis of a bar panel: its values, and what the bars stand on (0 on a linear
/// axis; on a log axis a value far enough below the shortest bar to show it).
fn bar_value_axis(panel: &BarPanel, plot_height: f64) -> Result<AxisPlan, ChartError> {
    let mut shown: Vec<f64> = panel
        .groups
        .iter()
        .flat_map(|group| {
            group
                .values
                .iter()
                .take(panel.categories.len())
                .flatten()
                .copied()
        })
        .collect();
    if let Some((lo, hi)) = shown
        .iter()
        .filter_map(|&v| to_axis(panel.y.scale, v))
        .fold(None, |extent: Option<(f64, f64)>, at| {
            Some(extent.map_or((at, at), |(lo, hi)| (lo.min(at), hi.max(at))))
        })
    {
        shown.push(match panel.y.scale {
            Scale::Linear => 0.0,
            Scale::Log => 10f64.powf(lo - (0.15 * (hi - lo)).max(0.3)),
        });
    }
    plan_axis(&panel.y, &shown, plot_height, Direction::Vertical, "y")
}

/// Draws the bars (or "n/a" where a value is missing) on `plot`, whose y axis is `y`;
/// returns how many bars it drew.
fn draw_bars<CT: CoordTranslate<From = (f64, f64)>>(
    plot: &DrawingArea<SVGBackend<'_>, CT>,
    y: &AxisPlan,
    panel: &BarPanel,
) -> Result<usize, ChartError> {
    let base = match y.scale {
        Scale::Linear => 0.0_f64.clamp(y.lo, y.hi),
        Scale::Log => y.lo,
    };
    let groups = count(panel.groups.len().max(1));
    let mut drawn = 0;
    for (group_index, group) in panel.groups.iter().enumerate() {
        let colour = rgb(BAR_COLOURS[group.color % BAR_COLOURS.len()]);
        for (index, value) in group.values.iter().take(panel.categories.len()).enumerate() {
            let left = count(index) - 0.4 + 0.8 * count(group_index) / groups;
            let right = left + 0.8 / groups;
            let Some(top) = value.and_then(|value| y.position(value)) else {
                // No bar: say so, or it would read as a value too small to see.
                let style =
                    text_style(TICK_PX - 2.0, NOTE_INK).pos(Pos::new(HPos::Center, VPos::Bottom));
                plot.draw(
                    &(EmptyElement::at((f64::midpoint(left, right), base))
                        + Text::new("n/a", (0, -3), style)),
                )
                .map_err(drawing_failed)?;
                continue;
            };
            // plotters orders the corners (negative values hang below 0) and keeps them in
            // the plot; a pixel's margin on the left keeps neighbouring bars apart.
            for style in [colour.filled(), BAR_EDGE.stroke_width(1)] {
                let mut bar = Rectangle::new([(left, top), (right, base)], style);
                bar.set_margin(0, 0, 1, 0);
                plot.draw(&bar).map_err(drawing_failed)?;
            }
            drawn += 1;
        }
    }
    Ok(drawn)
}

/// The category names wrapped to `room` pixels each, at one font size for all of them
/// (smaller, down to [`MIN_TEXT_PX`], when a word would not fit).
fn category_names(categories: &[String], room: f64) -> (f64, Vec<Vec<String>>) {
    let mut px = TICK_PX;
    loop {
        let names: Vec<Vec<String>> = categories
            .iter()
            .map(|name| wrap_text(name, px, room))
            .collect();
        let fits = names
            .iter()
            .flatten()
            .all(|line| text_width(line, px) <= room);
        if fits || px <= MIN_TEXT_PX {
            return (px, names);
        }
        px -= 1.0;
    }
}

// ---------------------------------------------------------------------------------------------
// The legend, outside the plots: below the panels (lines) or below its panel (bars).

/// What a legend entry shows before its text.
#[derive(Debug, Clone, PartialEq)]
enum Sample {
    /// A stretch of line, with the variant's marker on it.
    Line {
        colour: RGBColor,
        width: u32,
        stroke: Stroke,
        /// The variant's look, where its series has markers.
        marker: Option<VariantLook>,
    },
    /// A patch of a bar's colour.
    Swatch(RGBColor),
}

#[derive(Debug, Clone, PartialEq)]
struct Entry {
    sample: Sample,
    text: String,
}

impl Entry {
    fn width(&self) -> f64 {
        SAMPLE_W + SAMPLE_TEXT_GAP + text_width(&self.text, LEGEND_PX) + LEGEND_COL_GAP
    }
}

/// Groups of entries, each group starting a row of its own and laid out in columns.
#[derive(Debug, Default)]
struct Legend {
    groups: Vec<Vec<Entry>>,
}

/// The legend of a chart's line panels: every labelled series (by variant, then in order),
/// then the strokes' meanings in black.
fn line_legend(panels: &[Panel]) -> Legend {
    let mut series: Vec<(usize, Entry)> = Vec::new();
    let mut keys: Vec<Entry> = Vec::new();
    for panel in panels {
        let Panel::Lines(panel) = panel else { continue };
        for line in &panel.series {
            let Some(label) = line.label.as_ref().filter(|label| !label.trim().is_empty()) else {
                continue;
            };
            let look = variant_look(line.variant);
            let entry = Entry {
                sample: Sample::Line {
                    colour: rgb(look.colour),
                    width: look.line_width(line.stroke),
                    stroke: line.stroke,
                    marker: line.markers.then_some(look),
                },
                text: label.clone(),
            };
            if !series.iter().any(|(_, known)| *known == entry) {
                series.push((line.variant, entry));
            }
        }
        for (stroke, meaning) in &panel.key {
            let entry = Entry {
                sample: Sample::Line {
                    colour: INK,
                    width: 2,
                    stroke: *stroke,
                    marker: None,
                },
                text: meaning.clone(),
            };
            if !meaning.trim().is_empty() && !keys.contains(&entry) {
                keys.push(entry);
            }
        }
    }
    series.sort_by_key(|(variant, _)| *variant);
    Legend {
        groups: vec![series.into_iter().map(|(_, entry)| entry).collect(), keys],
    }
}

impl Legend {
    fn is_empty(&self) -> bool {
        self.groups.iter().all(Vec::is_empty)
    }

    /// Rows of (x offset, entry), for a legend `width` pixels wide.
    fn rows(&self, width: f64) -> Vec<Vec<(f64, &Entry)>> {
        let room = width - 2.0 * (LEGEND_PAD + PANEL_PAD) + LEGEND_COL_GAP;
        let mut rows = Vec::new();
        for group in self.groups.iter().filter(|group| !group.is_empty()) {
            // One row, each entry as wide as it needs, when the group fits in one.
            if group.iter().map(Entry::width).sum::<f64>() <= room {
                let mut x = 0.0;
                rows.push(
                    group
                        .iter()
                        .map(|entry| {
                            let at = x;
                            x += entry.width();
                            (at, entry)
                        })
                        .collect(),
                );
                continue;
            }
            // Else in columns as wide as the widest entry.
            let column = group.iter().map(Entry::width).fold(0.0, f64::max);
            let columns = usize::try_from(whole((room / column).floor()))
                .unwrap_or(1)
                .max(1);
            for chunk in group.chunks(columns) {
                rows.push(
                    chunk
                        .iter()
                        .enumerate()
                        .map(|(index, entry)| (count(index) * column, entry))
                        .collect(),
                );
            }
        }
        rows
    }

    fn height(&self, width: f64) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            count(self.rows(width).len()) * LEGEND_ROW_H + 2.0 * LEGEND_PAD + LEGEND_MARGIN
        }
    }

    fn draw(&self, area: &Area) -> Result<(), ChartError> {
        if self.is_empty() {
            return Ok(());
        }
        let width = f64::from(area.dim_in_pixel().0);
        let rows = self.rows(width);
        let block = rows
            .iter()
            .filter_map(|row| {
                row.last()
                    .map(|(x, entry)| x + entry.width() - LEGEND_COL_GAP)
            })
            .fold(0.0, f64::max);
        let left = ((width - block) / 2.0).max(LEGEND_PAD + PANEL_PAD);
        let top = LEGEND_MARGIN / 2.0;
        let frame = [
            (pixel(left - LEGEND_PAD), pixel(top)),
            (
                pixel(left + block + LEGEND_PAD),
                pixel(top + count(rows.len()) * LEGEND_ROW_H + 2.0 * LEGEND_PAD),
            ),
        ];
        area.draw(&Rectangle::new(frame, LEGEND_FRAME.stroke_width(1)))
            .map_err(drawing_failed)?;
        let style = text_style(LEGEND_PX, INK);
        for (row_index, row) in rows.iter().enumerate() {
            let y = top + LEGEND_PAD + (count(row_index) + 0.5) * LEGEND_ROW_H;
            for (x, entry) in row {
                draw_sample(area, &entry.sample, left + x, y)?;
                draw_text(
                    area,
                    &entry.text,
                    (left + x + SAMPLE_W + SAMPLE_TEXT_GAP, y),
                    &style,
                    (HPos::Left, VPos::Center),
                )?;
            }
        }
        Ok(())
    }
}

fn draw_sample(area: &Area, sample: &Sample, x: f64, y: f64) -> Result<(), ChartError> {
    match sample {
        Sample::Line {
            colour,
            width,
            stroke,
            marker,
        } => {
            let ends = vec![(pixel(x), pixel(y)), (pixel(x + SAMPLE_W), pixel(y))];
            draw_line(area, ends, *colour, *width, *stroke)?;
            if let Some(look) = marker {
                draw_marker(area, (pixel(x + SAMPLE_W / 2.0), pixel(y)), look)?;
            }
            Ok(())
        }
        Sample::Swatch(colour) => {
            let corners = [
                (pixel(x + 8.0), pixel(y - 7.0)),
                (pixel(x + SAMPLE_W - 8.0), pixel(y + 7.0)),
            ];
            area.draw(&Rectangle::new(corners, colour.filled()))
                .map_err(drawing_failed)?;
            area.draw(&Rectangle::new(corners, BAR_EDGE.stroke_width(1)))
                .map_err(drawing_failed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One element of the SVG: its name, attributes and text.
    #[derive(Debug)]
    struct Element {
        name: String,
        attrs: Vec<(String, String)>,
        text: String,
    }

    impl Element {
        fn attr(&self, name: &str) -> Option<&str> {
            self.attrs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.as_str())
        }

        fn number(&self, name: &str) -> f64 {
            self.attr(name)
                .and_then(|value| value.parse().ok())
                .unwrap_or_else(|| panic!("{self:?} has no number {name}"))
        }

        fn points(&self) -> Vec<(f64, f64)> {
            self.attr("points")
                .unwrap_or_default()
                .split_whitespace()
                .map(|pair| {
                    let (x, y) = pair.split_once(',').expect("x,y");
                    (x.parse().expect("x"), y.parse().expect("y"))
                })
                .collect()
        }
    }

    /// The SVG's elements, in document order (plotters writes one per tag, text on its own
    /// line inside `<text>`).
    fn elements(svg: &str) -> Vec<Element> {
        svg.split('<')
            .skip(1)
            .filter(|chunk| !chunk.starts_with('/'))
            .map(|chunk| {
                let name: String = chunk
                    .chars()
                    .take_while(char::is_ascii_alphanumeric)
                    .collect();
                let (head, text) = chunk.split_once('>').unwrap_or((chunk, ""));
                let mut attrs = Vec::new();
                let mut rest = &head[name.len()..];
                while let Some((key, after)) = rest.split_once("=\"") {
                    let (value, after) = after.split_once('"').expect("closing quote");
                    attrs.push((key.trim().to_string(), value.to_string()));
                    rest = after;
                }
                let text = text
                    .trim()
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&");
                Element { name, attrs, text }
            })
            .collect()
    }

    fn texts(svg: &str) -> Vec<String> {
        elements(svg)
            .into_iter()
            .filter(|e| e.name == "text")
            .map(|e| e.text)
            .collect()
    }

    fn hex((r, g, b): (u8, u8, u8)) -> String {
        format!("#{r:02X}{g:02X}{b:02X}")
    }

    /// The solid lines of `variant` (its colour and solid width), in document order.
    fn solid_lines(svg: &str, variant: usize) -> Vec<Element> {
        let look = variant_look(variant);
        elements(svg)
            .into_iter()
            .filter(|e| {
                e.name == "polyline"
                    && e.attr("stroke") == Some(hex(look.colour).as_str())
                    && e.attr("stroke-width") == Some(look.solid_width.to_string().as_str())
            })
            .collect()
    }

    /// Markers of `variant`: discs or polygons filled with its colour.
    fn markers(svg: &str, variant: usize) -> Vec<Element> {
        let look = variant_look(variant);
        let name = if look.marker == Marker::Circle {
            "circle"
        } else {
            "polygon"
        };
        elements(svg)
            .into_iter()
            .filter(|e| e.name == name && e.attr("fill") == Some(hex(look.colour).as_str()))
            .collect()
    }

    fn assert_clean(svg: &str) {
        assert!(svg.starts_with("<svg "), "not an SVG document");
        assert!(svg.trim_end().ends_with("</svg>"), "the SVG is not closed");
        for bad in ["NaN", "inf"] {
            assert!(!svg.contains(bad), "the SVG holds {bad}");
        }
    }

    fn series(
        label: Option<&str>,
        variant: usize,
        stroke: Stroke,
        points: &[(f64, f64)],
    ) -> Series {
        Series {
            label: label.map(String::from),
            variant,
            stroke,
            markers: stroke == Stroke::Solid,
            points: points.to_vec(),
        }
    }

    fn lines_chart(title: &[&str], panel: LinePanel) -> Chart {
        Chart {
            title: title.iter().map(|line| (*line).to_string()).collect(),
            width: 960,
            height: 600,
            panels: vec![Panel::Lines(panel)],
        }
    }

    const CONNECTIONS: [f64; 7] = [1.0, 10.0, 50.0, 100.0, 200.0, 500.0, 1000.0];

    fn along(ys: &[f64]) -> Vec<(f64, f64)> {
        CONNECTIONS
            .iter()
            .copied()
            .zip(ys.iter().copied())
            .collect()
    }

    fn throughput_chart() -> Chart {
        let sync = along(&[96.5, 97.9, 97.4, 97.2, 97.7, 97.1, 97.2]);
        let asynchronous = along(&[88.1, 872.4, 4237.2, 8346.5, 16115.2, 38019.7, 71160.2]);
        lines_chart(
            &[
                "Throughput vs connections (10 ms delay per request)",
                "AMD EPYC, 2 cores; wrk -t4, 5s per point",
            ],
            LinePanel {
                title: String::new(),
                x: Axis::new("Connections (wrk -c, log scale)", Scale::Log),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                series: vec![
                    series(Some("sync-server"), 0, Stroke::Solid, &sync),
                    series(Some("async-server"), 1, Stroke::Solid, &asynchronous),
                    series(None, 0, Stroke::Dashed, &along(&[100.0; 7])),
                    series(
                        None,
                        1,
                        Stroke::Dashed,
                        &along(&[100.0, 1e3, 5e3, 1e4, 2e4, 5e4, 1e5]),
                    ),
                ],
                key: vec![
                    (Stroke::Solid, "measured".into()),
                    (Stroke::Dashed, "bound: concurrency / delay".into()),
                ],
            },
        )
    }

    #[test]
    fn a_line_chart_has_its_size_title_axes_ticks_and_legend() {
        let svg = render_svg(&throughput_chart()).expect("drawn");
        assert_clean(&svg);
        assert!(svg.starts_with(r#"<svg width="960" height="600" viewBox="0 0 960 600""#));
        let texts = texts(&svg);
        for expected in [
            "Throughput vs connections (10 ms delay per request)",
            "AMD EPYC, 2 cores; wrk -t4, 5s per point",
            "Connections (wrk -c, log scale)",
            "Throughput (requests/s, log scale)",
            "sync-server",
            "async-server",
            "measured",
            "bound: concurrency / delay",
            // x: 1..1000 gets decades with 2 and 5 between them; y: 88..100k.
            "1",
            "2",
            "5",
            "10",
            "100",
            "1k",
            "10k",
            "100k",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "no text {expected:?} in {texts:?}"
            );
        }
        // One line per measured series in the plot (all seven points), one in the legend.
        for variant in [0, 1] {
            let lines = solid_lines(&svg, variant);
            let lengths: Vec<usize> = lines.iter().map(|line| line.points().len()).collect();
            assert_eq!(lengths, vec![7, 2], "variant {variant}'s solid lines");
            assert_eq!(
                markers(&svg, variant).len(),
                7 + 1,
                "variant {variant}'s markers"
            );
        }
        // Each marker sits on its point: a disc centred on it, a square around it.
        let discs: Vec<(f64, f64)> = markers(&svg, 0)
            .iter()
            .map(|disc| (disc.number("cx"), disc.number("cy")))
            .collect();
        assert_eq!(discs[..7], solid_lines(&svg, 0)[0].points()[..]);
        for (square, point) in markers(&svg, 1)
            .iter()
            .zip(solid_lines(&svg, 1)[0].points())
        {
            let corners = square.points();
            let centre = corners.iter().fold((0.0, 0.0), |sum, corner| {
                (sum.0 + corner.0 / 4.0, sum.1 + corner.1 / 4.0)
            });
            assert_eq!(corners.len(), 4, "a square");
            assert!(
                (centre.0 - point.0).abs() <= 1.0 && (centre.1 - point.1).abs() <= 1.0,
                "a square around {centre:?}, its point at {point:?}"
            );
        }
    }

    #[test]
    fn explicit_ticks_are_each_labelled() {
        let mut x = Axis::new("Workers (log scale)", Scale::Log);
        x.ticks = Some(vec![1.0, 2.0, 4.0, 8.0]);
        let mut y = Axis::new("Throughput (requests/s)", Scale::Linear);
        y.range = (Some(0.0), None);
        let points = [(1.0, 97.2), (2.0, 196.6), (4.0, 390.5), (8.0, 783.8)];
        let chart = lines_chart(
            &["Throughput vs workers"],
            LinePanel {
                title: String::new(),
                x,
                y,
                series: vec![series(Some("sync-server"), 0, Stroke::Solid, &points)],
                key: Vec::new(),
            },
        );
        let svg = render_svg(&chart).expect("drawn");
        assert_clean(&svg);
        let texts = texts(&svg);
        for expected in ["1", "2", "4", "8", "0", "800"] {
            assert!(
                texts.iter().any(|t| t == expected),
                "no tick {expected:?} in {texts:?}"
            );
        }
        // Only the given ticks on x: no 3, 5 or 10.
        for unexpected in ["3", "5", "10"] {
            assert!(
                !texts.iter().any(|t| t == unexpected),
                "tick {unexpected:?} appeared"
            );
        }
    }

    #[test]
    fn two_identical_series_both_show() {
        let points = along(&[97.0; 7]);
        let chart = lines_chart(
            &["Identical"],
            LinePanel {
                title: String::new(),
                x: Axis::new("Connections", Scale::Log),
                y: Axis::new("Throughput", Scale::Log),
                series: vec![
                    series(Some("sync-server"), 0, Stroke::Solid, &points),
                    series(Some("async-blocking-server"), 2, Stroke::Solid, &points),
                ],
                key: Vec::new(),
            },
        );
        let svg = render_svg(&chart).expect("drawn");
        assert_clean(&svg);
        let first = solid_lines(&svg, 0);
        let second = solid_lines(&svg, 2);
        // Same place, different colours, the later thinner on top.
        assert_eq!(first[0].points(), second[0].points());
        assert_eq!(first[0].points().len(), 7);
        assert_ne!(variant_look(0).colour, variant_look(2).colour);
        assert!(variant_look(2).solid_width < variant_look(0).solid_width);
        let position = |wanted: &Element| {
            svg.find(&format!("points=\"{}\"", wanted.attr("points").unwrap()))
                .map(|at| (at, wanted.attr("stroke").unwrap().to_string()))
        };
        let (first_at, _) = position(&first[0]).unwrap();
        let later = svg[first_at + 1..]
            .find(&format!(
                "stroke=\"{}\" stroke-width=\"{}\"",
                hex(variant_look(2).colour),
                variant_look(2).solid_width
            ))
            .is_some();
        assert!(later, "the thinner line is drawn after the wider one");
        // Both variants' markers, of different shapes and sizes, at every point.
        assert_ne!(variant_look(0).marker, variant_look(2).marker);
        assert!(variant_look(2).marker_radius < variant_look(0).marker_radius);
        assert_eq!(markers(&svg, 0).len(), 7 + 1);
        assert_eq!(markers(&svg, 2).len(), 7 + 1);
        let texts = texts(&svg);
        assert!(texts.contains(&"sync-server".to_string()));
        assert!(texts.contains(&"async-blocking-server".to_string()));
    }

    #[test]
    fn nan_breaks_a_line_and_log_axes_leave_out_values_at_or_below_zero() {
        let points = [
            (1.0, 10.0),
            (2.0, 20.0),
            (3.0, f64::NAN),
            (4.0, 40.0),
            (5.0, 0.0),
            (6.0, 60.0),
            (7.0, -1.0),
            (8.0, 80.0),
            (9.0, 90.0),
        ];
        let chart = lines_chart(
            &["Gaps"],
            LinePanel {
                title: String::new(),
                x: Axis::new("x", Scale::Linear),
                y: Axis::new("y (log scale)", Scale::Log),
                series: vec![series(Some("gappy"), 0, Stroke::Solid, &points)],
                key: Vec::new(),
            },
        );
        let svg = render_svg(&chart).expect("drawn");
        assert_clean(&svg);
        // 1-2 and 8-9 are lines; 4 and 6 stand alone; plus the legend's sample.
        let lengths: Vec<usize> = solid_lines(&svg, 0)
            .iter()
            .map(|l| l.points().len())
            .collect();
        assert_eq!(lengths, vec![2, 2, 2]);
        assert_eq!(
            markers(&svg, 0).len(),
            6 + 1,
            "a marker for each value shown"
        );
    }

    #[test]
    fn dashed_and_dotted_lines_keep_their_colour_and_rhythm() {
        let svg = render_svg(&throughput_chart()).expect("drawn");
        let look = variant_look(1);
        let dashes: Vec<Element> = elements(&svg)
            .into_iter()
            .filter(|e| {
                e.name == "polyline"
                    && e.attr("stroke") == Some(hex(look.colour).as_str())
                    && e.attr("stroke-width") == Some(look.dashed_width.to_string().as_str())
            })
            .collect();
        assert!(
            dashes.len() > 20,
            "a dashed line is many dashes: {}",
            dashes.len()
        );
        for dash in &dashes {
            let points = dash.points();
            let length: f64 = points
                .windows(2)
                .map(|p| (p[1].0 - p[0].0).hypot(p[1].1 - p[0].1))
                .sum();
            // Rounded to whole pixels: a dash is at most DASH_ON long, give or take.
            assert!(length <= DASH_ON + 2.0, "a dash {length} px long");
        }
    }

    #[test]
    fn the_legend_sits_below_the_plot() {
        let svg = render_svg(&throughput_chart()).expect("drawn");
        let all = elements(&svg);
        let text_y = |wanted: &str| {
            all.iter()
                .filter(|e| e.name == "text" && e.text == wanted)
                .map(|e| e.number("y"))
                .collect::<Vec<_>>()
        };
        let x_title = text_y("Connections (wrk -c, log scale)")[0];
        let lowest_tick = text_y("1k")[0];
        for entry in [
            "sync-server",
            "async-server",
            "measured",
            "bound: concurrency / delay",
        ] {
            let y = text_y(entry)[0];
            assert!(
                y > x_title && y > lowest_tick,
                "{entry} at y={y}, inside the plot"
            );
            assert!(y + LEGEND_PX < 600.0, "{entry} at y={y}, off the chart");
        }
        let frame = all
            .iter()
            .find(|e| e.name == "rect" && e.attr("fill") == Some("none"))
            .expect("the legend's frame");
        assert!(
            frame.number("y") > x_title,
            "the legend's frame overlaps the plot"
        );
        let bottom = frame.number("y") + frame.number("height");
        assert!(bottom <= 600.0, "the legend's frame is cut off at {bottom}");
    }

    #[test]
    fn two_panels_each_show_their_title_and_series_and_share_one_legend() {
        let panel = |title: &str, variants: [(usize, &str, f64); 2]| {
            let mut series_list = Vec::new();
            for (variant, name, base) in variants {
                let p50 = along(&[base; 7]);
                let p99 = along(&[base * 1.5; 7]);
                series_list.push(series(Some(name), variant, Stroke::Solid, &p50));
                let mut dashed = series(None, variant, Stroke::Dashed, &p99);
                dashed.markers = true;
                series_list.push(dashed);
            }
            Panel::Lines(LinePanel {
                title: title.into(),
                x: Axis::new("Connections", Scale::Log),
                y: Axis::new("Latency (ms, log scale)", Scale::Log),
                series: series_list,
                key: vec![
                    (Stroke::Solid, "p50".into()),
                    (Stroke::Dashed, "p99".into()),
                ],
            })
        };
        let chart = Chart {
            title: vec!["Latency vs connections".into()],
            width: 1100,
            height: 600,
            panels: vec![
                panel(
                    "Blocking",
                    [
                        (0, "sync-server", 1000.0),
                        (2, "async-blocking-server", 1100.0),
                    ],
                ),
                panel(
                    "Non-blocking",
                    [
                        (1, "async-server", 11.0),
                        (3, "async-blocking-offload", 12.0),
                    ],
                ),
            ],
        };
        let svg = render_svg(&chart).expect("drawn");
        assert_clean(&svg);
        let texts = texts(&svg);
        for once in [
            "Blocking",
            "Non-blocking",
            "sync-server",
            "async-server",
            "async-blocking-server",
            "async-blocking-offload",
            "p50",
            "p99",
        ] {
            let n = texts.iter().filter(|t| *t == once).count();
            assert_eq!(n, 1, "{once:?} shows {n} times");
        }
        for variant in 0..4 {
            assert_eq!(markers(&svg, variant).len(), 14 + 1, "variant {variant}");
        }
    }

    #[test]
    fn bars_stand_in_groups_with_a_legend_and_a_log_axis() {
        let chart = Chart {
            title: vec!["The seed's comparison".into(), "AMD EPYC, 2 cores".into()],
            width: 1100,
            height: 560,
            panels: vec![Panel::Bars(BarPanel {
                title: "Throughput against its bound".into(),
                categories: vec![
                    "sync-server".into(),
                    "async-server".into(),
                    "async-blocking-server".into(),
                ],
                x_label: "Variant".into(),
                y: Axis::new("Throughput (requests/s, log scale)", Scale::Log),
                groups: vec![
                    BarGroup {
                        label: "measured".into(),
                        color: 0,
                        values: vec![Some(97.8), Some(8220.9), Some(97.1)],
                    },
                    BarGroup {
                        label: "bound: concurrency / delay".into(),
                        color: 1,
                        values: vec![Some(100.0), Some(10000.0), None],
                    },
                ],
            })],
        };
        let svg = render_svg(&chart).expect("drawn");
        assert_clean(&svg);
        assert!(svg.starts_with(r#"<svg width="1100" height="560""#));
        let texts = texts(&svg);
        let joined = texts.join(" ");
        for expected in [
            "The seed's comparison",
            "Throughput against its bound",
            "Variant",
            "Throughput (requests/s, log scale)",
            "measured",
            "bound: concurrency / delay",
            "100",
            "1k",
            "10k",
            "n/a",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "no text {expected:?} in {texts:?}"
            );
        }
        for name in ["sync-server", "async-server"] {
            assert!(joined.contains(name), "no category {name}");
        }
        assert!(
            joined.contains("async-blocking-server") || joined.contains("async-blocking- server"),
            "no category async-blocking-server in {joined}"
        );
        let filled = |colour: (u8, u8, u8)| {
            elements(&svg)
                .into_iter()
                .filter(|e| e.name == "rect" && e.attr("fill") == Some(hex(colour).as_str()))
                .count()
        };
        assert_eq!(
            filled(BAR_COLOURS[0]),
            3 + 1,
            "three measured bars and a swatch"
        );
        assert_eq!(filled(BAR_COLOURS[1]), 2 + 1, "two bounds and a swatch");
    }

    fn edge_panel(series_list: Vec<Series>, y_scale: Scale) -> Panel {
        Panel::Lines(LinePanel {
            title: "A panel".into(),
            x: Axis::new("x axis", Scale::Log),
            y: Axis::new("y axis", y_scale),
            series: series_list,
            key: vec![(Stroke::Dashed, "bound".into())],
        })
    }

    fn one(points: &[(f64, f64)]) -> Vec<Series> {
        vec![series(Some("s"), 0, Stroke::Solid, points)]
    }

    fn edge_chart(panels: Vec<Panel>) -> Chart {
        Chart {
            title: vec!["Edge".into()],
            width: 800,
            height: 500,
            panels,
        }
    }

    fn edge_bars(categories: Vec<String>, values: Vec<Option<f64>>, scale: Scale) -> Panel {
        Panel::Bars(BarPanel {
            title: "Bars".into(),
            categories,
            x_label: "Variant".into(),
            y: Axis::new("y axis", scale),
            groups: vec![BarGroup {
                label: "measured".into(),
                color: 9,
                values,
            }],
        })
    }

    #[test]
    fn edge_cases_draw_or_say_there_is_no_data() {
        let names = |n: usize| (0..n).map(|i| format!("variant-{i}")).collect::<Vec<_>>();
        let lines = |points: &[(f64, f64)], scale| edge_panel(one(points), scale);
        let (log, linear) = (Scale::Log, Scale::Linear);
        let nan = f64::NAN;
        // (case, panel, whether it has nothing to show)
        let drawn: Vec<(&str, Panel, bool)> = vec![
            ("no series", edge_panel(vec![], log), true),
            ("empty series", lines(&[], log), true),
            ("one point", lines(&[(10.0, 97.0)], log), false),
            (
                "all equal",
                lines(&[(1.0, 97.0), (10.0, 97.0)], linear),
                false,
            ),
            ("all zero", lines(&[(1.0, 0.0), (10.0, 0.0)], linear), false),
            ("all equal x", lines(&[(5.0, 1.0), (5.0, 2.0)], log), false),
            (
                "nothing > 0 on log",
                lines(&[(1.0, 0.0), (10.0, -3.0)], log),
                true,
            ),
            (
                "NaN and infinite",
                lines(
                    &[(1.0, nan), (f64::INFINITY, 3.0), (10.0, -f64::INFINITY)],
                    linear,
                ),
                true,
            ),
            (
                "extremes",
                lines(&[(1e-300, 1e-300), (1e300, 1e300)], log),
                false,
            ),
            (
                "beyond linear",
                lines(&[(1.0, 1e200), (2.0, -1e200)], linear),
                true,
            ),
            ("no categories", edge_bars(vec![], vec![], log), true),
            (
                "no bar values",
                edge_bars(names(2), vec![None, Some(nan)], log),
                true,
            ),
            (
                "more values than categories",
                edge_bars(names(1), vec![Some(1.0), Some(2.0)], linear),
                false,
            ),
            (
                "negative bars",
                edge_bars(names(2), vec![Some(-5.0), Some(3.0)], linear),
                false,
            ),
            (
                "many categories",
                edge_bars(names(40), vec![Some(1.0); 40], log),
                false,
            ),
        ];
        for (case, panel, empty) in drawn {
            let svg =
                render_svg(&edge_chart(vec![panel])).unwrap_or_else(|e| panic!("{case}: {e}"));
            assert_clean(&svg);
            let texts = texts(&svg);
            assert!(
                texts.iter().any(|t| t == "y axis"),
                "{case}: no y axis title"
            );
            let says_empty = texts.iter().any(|t| t == "no data to show");
            assert_eq!(says_empty, empty, "{case}: says whether it has data");
        }
    }

    #[test]
    fn impossible_charts_fail_with_a_reason() {
        let mut inverted = Axis::new("y axis", Scale::Linear);
        inverted.range = (Some(10.0), Some(1.0));
        let mut zero_on_log = Axis::new("y axis", Scale::Log);
        zero_on_log.range = (Some(0.0), None);
        let with_y = |y: Axis| {
            edge_chart(vec![Panel::Lines(LinePanel {
                title: String::new(),
                x: Axis::new("x", Scale::Linear),
                y,
                series: one(&[(1.0, 2.0), (2.0, 3.0)]),
                key: Vec::new(),
            })])
        };
        let refused: Vec<(&str, Chart, &str)> = vec![
            ("no panel", edge_chart(vec![]), "at least one panel"),
            (
                "too narrow",
                Chart {
                    width: 10,
                    ..edge_chart(vec![edge_panel(vec![], Scale::Log)])
                },
                "width and height",
            ),
            (
                "too tall",
                Chart {
                    height: 100_000,
                    ..edge_chart(vec![edge_panel(vec![], Scale::Log)])
                },
                "width and height",
            ),
            ("inverted range", with_y(inverted), "empty or inverted"),
            ("0 on a log axis", with_y(zero_on_log), "cannot be shown"),
            (
                "too many panels for the width",
                Chart {
                    width: MIN_WIDTH,
                    ..edge_chart((0..6).map(|_| edge_panel(vec![], Scale::Log)).collect())
                },
                "too little room",
            ),
        ];
        for (case, chart, reason) in refused {
            let error = render_svg(&chart).expect_err(case);
            assert!(error.0.contains(reason), "{case}: {error}");
        }
    }

    #[test]
    fn a_long_axis_title_shrinks_alone() {
        let long = "a rather long axis title that needs more room than there is";
        let chart = Chart {
            width: 400,
            height: 300,
            ..lines_chart(
                &["Small"],
                LinePanel {
                    title: String::new(),
                    x: Axis::new(long, Scale::Linear),
                    y: Axis::new("y", Scale::Linear),
                    series: vec![series(
                        Some("s"),
                        0,
                        Stroke::Solid,
                        &[(0.0, 1.0), (25.0, 3.0)],
                    )],
                    key: Vec::new(),
                },
            )
        };
        let svg = render_svg(&chart).expect("drawn");
        let size = |wanted: &str| {
            elements(&svg)
                .into_iter()
                .find(|e| e.name == "text" && e.text == wanted)
                .map_or_else(|| panic!("no text {wanted:?}"), |e| e.number("font-size"))
        };
        assert!(size(long) < AXIS_TITLE_PX - 0.5, "the long title shrinks");
        assert!(size(long) >= MIN_TEXT_PX - 0.01, "not below the smallest");
        assert!(
            (size("y") - AXIS_TITLE_PX).abs() < 0.01,
            "the short one keeps its size"
        );
    }

    #[test]
    fn no_size_and_no_panel_count_makes_it_panic() {
        let long = "a rather long axis title that needs more room than there is";
        for width in [MIN_WIDTH, 300, 500, 2000] {
            for height in [MIN_HEIGHT, 250, 400, 2000] {
                for panels in 1..=4 {
                    let mut chart = throughput_chart();
                    chart.width = width;
                    chart.height = height;
                    chart.title.push(long.repeat(3));
                    let Panel::Lines(mut panel) = chart.panels[0].clone() else {
                        unreachable!()
                    };
                    panel.x.label = long.into();
                    panel.title = long.into();
                    chart.panels = vec![Panel::Lines(panel); panels];
                    match render_svg(&chart) {
                        Ok(svg) => {
                            assert_clean(&svg);
                            assert!(svg.starts_with(&format!(
                                r#"<svg width="{width}" height="{height}""#
                            )));
                        }
                        Err(error) => assert!(error.0.contains("too little room"), "{error}"),
                    }
                }
            }
        }
    }

    fn labels(scale: Scale, data: &[f64], length: f64, direction: Direction) -> Vec<String> {
        plan_axis(&Axis::new("a", scale), data, length, direction, "test")
            .expect("planned")
            .ticks
            .into_iter()
            .map(|(_, label)| label)
            .collect()
    }

    #[test]
    fn log_axes_get_decades_then_two_and_five_then_finer() {
        let cases: [(&[f64], f64, Direction, &[&str]); 5] = [
            // Six decades: decades only.
            (
                &[19.8, 1_587_301.6],
                430.0,
                Direction::Vertical,
                &["10", "100", "1k", "10k", "100k", "1M"],
            ),
            // Three decades on a long axis: 1, 2, 5.
            (
                &[1.0, 1000.0],
                800.0,
                Direction::Horizontal,
                &["1", "2", "5", "10", "20", "50", "100", "200", "500", "1k"],
            ),
            (
                &[10.3, 4959.1],
                370.0,
                Direction::Vertical,
                &[
                    "10", "20", "50", "100", "200", "500", "1k", "2k", "5k", "10k",
                ],
            ),
            // Less than a decade: finer steps.
            (
                &[10.28, 52.1],
                370.0,
                Direction::Vertical,
                &["10", "12", "14", "16", "18", "20", "25", "30", "40", "50"],
            ),
            // A narrow range on a short axis: evenly spaced values.
            (
                &[11.0, 14.0],
                200.0,
                Direction::Vertical,
                &["11", "12", "13", "14"],
            ),
        ];
        for (data, length, direction, expected) in cases {
            assert_eq!(
                labels(Scale::Log, data, length, direction),
                expected,
                "{data:?} on {length} px"
            );
        }
    }

    #[test]
    fn linear_axes_get_round_steps_and_all_equal_values_a_range() {
        assert_eq!(
            labels(Scale::Linear, &[0.0, 50.0], 800.0, Direction::Horizontal),
            ["0", "10", "20", "30", "40", "50"]
        );
        assert_eq!(
            labels(Scale::Linear, &[0.0, 783.8], 400.0, Direction::Vertical),
            ["0", "100", "200", "300", "400", "500", "600", "700", "800"]
        );
        let around = labels(Scale::Linear, &[97.0, 97.0], 400.0, Direction::Vertical);
        assert!(
            around.len() >= 3 && around.contains(&"96".to_string()),
            "{around:?}"
        );
        let around_zero = labels(Scale::Linear, &[0.0], 400.0, Direction::Vertical);
        assert!(around_zero.contains(&"0".to_string()), "{around_zero:?}");
        let on_log = labels(Scale::Log, &[97.0, 97.0], 400.0, Direction::Vertical);
        assert!(on_log.contains(&"100".to_string()), "{on_log:?}");
    }

    #[test]
    fn numbers_read_as_people_write_them() {
        for (value, text) in [
            (0.0, "0"),
            (-0.0, "0"),
            (1.0, "1"),
            (2.5, "2.5"),
            (12.0, "12"),
            (0.1, "0.1"),
            (0.25, "0.25"),
            (1000.0, "1k"),
            (2500.0, "2.5k"),
            (100_000.0, "100k"),
            (1_000_000.0, "1M"),
            (2e9, "2G"),
            (-50.0, "-50"),
            (99.999_999_999_9, "100"),
            (1e-5, "1.0e-5"),
        ] {
            assert_eq!(format_number(value), text, "{value}");
        }
    }

    #[test]
    fn clipping_cuts_what_leaves_the_plot() {
        let inside = clip((0.5, 0.5), (0.6, 0.6), (0.0, 1.0), (0.0, 1.0)).expect("inside");
        assert!(!inside.start_cut && !inside.end_cut);
        let leaving = clip((0.5, 0.5), (1.5, 0.5), (0.0, 1.0), (0.0, 1.0)).expect("leaving");
        assert!(leaving.end_cut && (leaving.to.0 - 1.0).abs() < 1e-6);
        assert!(clip((2.0, 2.0), (3.0, 3.0), (0.0, 1.0), (0.0, 1.0)).is_none());
        let crossing = clip((-1.0, 0.5), (2.0, 0.5), (0.0, 1.0), (0.0, 1.0)).expect("crossing");
        assert!(crossing.start_cut && crossing.end_cut);
    }

    #[test]
    fn a_range_given_cuts_lines_at_the_plot_edge() {
        let mut y = Axis::new("y", Scale::Linear);
        y.range = (Some(0.0), Some(50.0));
        let chart = lines_chart(
            &["Clipped"],
            LinePanel {
                title: String::new(),
                x: Axis::new("x", Scale::Linear),
                y,
                series: vec![series(
                    Some("s"),
                    0,
                    Stroke::Solid,
                    &[(0.0, 10.0), (1.0, 100.0), (2.0, 10.0)],
                )],
                key: Vec::new(),
            },
        );
        let svg = render_svg(&chart).expect("drawn");
        assert_clean(&svg);
        let lines = solid_lines(&svg, 0);
        // Up to the top edge and back down from it: two lines, plus the legend's sample.
        assert_eq!(lines.len(), 3);
        let top = lines[0].points()[1].1;
        assert!(
            (top - lines[1].points()[0].1).abs() < 1.0,
            "both cut at the same edge"
        );
        assert_eq!(
            markers(&svg, 0).len(),
            2 + 1,
            "the point above the range has no marker"
        );
    }
}
