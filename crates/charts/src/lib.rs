//! chiso's charts: pure functions from data to SVG text.
//!
//! The web pages, the reports and the command line draw the same picture from the same
//! input by calling these functions; nothing here does I/O, knows HTTP or reads a database.
//! Every chart is one `String` of SVG (UTF-8, well-formed XML, text escaped), so it can be
//! served as `image/svg+xml`, embedded in a PDF or written to a file.
//!
//! - [`roadmap`]: the Gantt-style roadmap of a plan's tasks, or of a province's plans.
//! - [`svg`]: what the charts share (escaping, shortening labels).
//! - [`bar`]: bar and grouped bar charts (units, tiers, periods side by side).
//! - [`line`]: a trend over periods.
//! - [`map`]: the choropleth of an indicator over a district's or a province's communes.
//! - [`sparkline`] and [`bullet`]: a value's trend and a value against its target, small
//!   enough for a cell of the steering dashboard.

pub mod map;
pub mod roadmap;
pub mod svg;
// --- explore: bar and line charts ---
pub mod bar;
pub mod line;
// --- dashboard ---
pub mod bullet;
pub mod sparkline;
