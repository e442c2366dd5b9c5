//! The roadmap of a year: a Gantt-style picture of a plan's tasks, or of all the plans of a
//! province, as SVG.
//!
//! One bar per task from its start to its due date, filled to its progress: green when done,
//! red when overdue, amber when at risk (progress behind the time elapsed), blue otherwise;
//! a dashed line marks the day the plans are judged on. Each row's label is shown whole, left
//! of the bars: the label column is as wide as the longest label, measured (within
//! [`LABEL_MIN_PX`] and [`LABEL_MAX_PX`]), and a longer label wraps onto as many lines as it
//! needs, its row growing with it. The label, the state and the dates are also in the row's
//! tooltip (`<title>`).

use crate::svg::{ellipsis, esc, text_width, wrap};
use chiso_core::plan::{Plan, TaskStatus};
use chrono::NaiveDate;

#[cfg(test)]
mod tests;

/// One bar of the roadmap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub start: NaiveDate,
    pub due: NaiveDate,
    /// Percent, 0–100 (more is drawn as 100).
    pub progress: u8,
    pub done: bool,
    pub at_risk: bool,
    pub overdue: bool,
}

/// The words a roadmap shows, in one language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoadmapLabels {
    pub done: String,
    pub on_track: String,
    pub at_risk: String,
    pub overdue: String,
    /// The colours explained, under the picture.
    pub legend: String,
    /// Shown instead of bars when there is no task.
    pub nothing: String,
    /// The province's roadmap title, followed by the year (see [`RoadmapLabels::province_title`]).
    pub province: String,
    /// Month names, January first.
    pub months: [String; 12],
}

impl RoadmapLabels {
    /// The message keys of the words (those of chiso-web's `i18n/*.ftl`), in the order of
    /// [`RoadmapLabels::translated`].
    pub const KEYS: [&'static str; 7] = [
        "task-state-done",
        "task-state-on_track",
        "task-state-at_risk",
        "task-state-overdue",
        "roadmap-legend",
        "roadmap-empty",
        "roadmap-province",
    ];

    /// The Vietnamese words.
    pub fn vi() -> RoadmapLabels {
        RoadmapLabels {
            done: "Hoàn thành".into(),
            on_track: "Đúng tiến độ".into(),
            at_risk: "Có nguy cơ chậm".into(),
            overdue: "Quá hạn".into(),
            legend: "Xanh lá: hoàn thành · Xanh dương: đúng tiến độ · Cam: có nguy cơ chậm (tiến độ < thời gian đã qua) · Đỏ: quá hạn".into(),
            nothing: "Không có nhiệm vụ nào để hiển thị.".into(),
            province: "Lộ trình thực hiện kế hoạch CĐS năm".into(),
            months: std::array::from_fn(|i| format!("T{}", i + 1)),
        }
    }

    /// The English words.
    pub fn en() -> RoadmapLabels {
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        RoadmapLabels {
            done: "Done".into(),
            on_track: "On track".into(),
            at_risk: "At risk".into(),
            overdue: "Overdue".into(),
            legend:
                "Green: done · Blue: on track · Amber: at risk (progress < time elapsed) · Red: overdue"
                    .into(),
            nothing: "No tasks to show.".into(),
            province: "Roadmap of the DX plans of".into(),
            months: MONTHS.map(String::from),
        }
    }

    /// The words of language `lang` ("vi" or "en"; anything else is Vietnamese).
    pub fn for_lang(lang: &str) -> RoadmapLabels {
        match lang {
            "en" => RoadmapLabels::en(),
            _ => RoadmapLabels::vi(),
        }
    }

    /// The words of `lang` as a translation table gives them: `t(key)` for each of
    /// [`RoadmapLabels::KEYS`]. A key the table does not know — `t` answers it empty or
    /// unchanged, as chiso-web's `I18n::t` does — keeps the word of [`RoadmapLabels::for_lang`];
    /// month names are always the chart's own.
    pub fn translated(lang: &str, t: impl Fn(&str) -> String) -> RoadmapLabels {
        let mut l = RoadmapLabels::for_lang(lang);
        let fields = [
            &mut l.done,
            &mut l.on_track,
            &mut l.at_risk,
            &mut l.overdue,
            &mut l.legend,
            &mut l.nothing,
            &mut l.province,
        ];
        for (key, field) in RoadmapLabels::KEYS.into_iter().zip(fields) {
            let word = t(key);
            if !word.is_empty() && word != key {
                *field = word;
            }
        }
        l
    }

    /// The title of a province's roadmap of `year`.
    pub fn province_title(&self, year: i32) -> String {
        format!("{} {year}", self.province)
    }
}

/// The bars of a plan's tasks as judged on `day`, in the plan's order. Each is labelled
/// "CODE. TITLE", or "UNIT · TITLE" when `unit_name` is given (a province's roadmap, where
/// rows of several plans meet); the title in language `lang` ("vi" or "en") when the task
/// has it.
pub fn task_bars(plan: &Plan, day: NaiveDate, unit_name: Option<&str>, lang: &str) -> Vec<Bar> {
    plan.tasks
        .iter()
        .map(|t| Bar {
            label: match unit_name {
                Some(u) => format!("{u} · {}", t.title_in(lang)),
                None => format!("{}. {}", t.code, t.title_in(lang)),
            },
            start: t.start,
            due: t.due,
            progress: t.progress,
            done: t.status == TaskStatus::Done,
            at_risk: t.at_risk(day),
            overdue: t.overdue(day),
        })
        .collect()
}

/// The narrowest the label column's lines are, in pixels at 12 px: short labels leave the
/// bars where they always were.
pub const LABEL_MIN_PX: f64 = 310.0;
/// The widest the label column's lines are: longer labels wrap onto more lines.
pub const LABEL_MAX_PX: f64 = 460.0;
/// The labels' font size and the distance between their lines.
const FONT_PX: f64 = 12.0;
const LINE: f64 = 14.0;
/// Where a label begins, and the room between the longest line and the bars.
const LABEL_X: f64 = 10.0;
const GAP: f64 = 10.0;
/// The most characters of the title shown above the picture.
const TITLE_CHARS: usize = 110;
/// Where the bars begin when the labels are short (see [`LABEL_MIN_PX`]).
#[cfg(test)]
const LEFT: f64 = LABEL_X + LABEL_MIN_PX + GAP;
/// The width of the year.
const WIDTH: f64 = 720.0;
/// Room right of the year for the percent of a bar that ends on 31 December.
const RIGHT: f64 = 40.0;
/// The height of a row whose label is one line; a row of `n` lines is `LINE` × (n − 1) more.
const ROW: f64 = 24.0;
const TOP: f64 = 50.0;
/// A generous width of one character at 12 px in a sans-serif font (digits are 6.7 px).
const CHAR_PX: f64 = 7.0;

/// The roadmap of `year` as SVG: `title` above, one row per bar (a line saying there is
/// nothing to show when `bars` is empty), the months, the day when it falls in the year, the
/// legend below. Dates outside the year are drawn at its edge. Always a whole SVG document,
/// whatever the input (a year chrono cannot represent gives the title and "nothing").
pub fn roadmap_svg(
    title: &str,
    year: i32,
    day: NaiveDate,
    bars: &[Bar],
    labels: &RoadmapLabels,
) -> String {
    // The year's first day and the next year's; none when chrono cannot hold them.
    let span = NaiveDate::from_ymd_opt(year, 1, 1).zip(
        year.checked_add(1)
            .and_then(|next| NaiveDate::from_ymd_opt(next, 1, 1)),
    );
    let bars = if span.is_some() { bars } else { &[] };
    // The label column: as wide as the longest label, within bounds; each label wrapped to
    // it.
    let longest = bars
        .iter()
        .map(|b| text_width(&b.label, FONT_PX))
        .fold(0.0, f64::max);
    let line_px = longest.clamp(LABEL_MIN_PX, LABEL_MAX_PX).ceil();
    let left = LABEL_X + line_px + GAP;
    let labels_of: Vec<Vec<String>> = bars
        .iter()
        .map(|b| wrap(&b.label, line_px, FONT_PX))
        .collect();
    // Each row's top: a label of n lines makes its row n − 1 lines taller.
    let mut tops = Vec::with_capacity(bars.len());
    let mut rows_end = TOP;
    for lines in &labels_of {
        tops.push(rows_end);
        rows_end += ROW + LINE * (lines.len().max(1) - 1) as f64;
    }
    if bars.is_empty() {
        rows_end += ROW;
    }
    let x = |d: NaiveDate| match span {
        Some((y0, y1)) => {
            let days = (y1 - y0).num_days() as f64;
            left + WIDTH * (d.clamp(y0, y1) - y0).num_days() as f64 / days
        }
        None => left,
    };
    let width = left + WIDTH + RIGHT;
    let height = rows_end + 40.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"{t}\">\n<title>{t}</title>\n<text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{shown}</text>\n",
        t = esc(title),
        shown = esc(&ellipsis(title, TITLE_CHARS)),
    );
    let months = (1..=12u32)
        .zip(&labels.months)
        .filter(|_| span.is_some())
        .filter_map(|(m, name)| Some((x(NaiveDate::from_ymd_opt(year, m, 1)?), name)));
    for (xm, name) in months {
        s.push_str(&format!(
            "<line x1=\"{xm:.1}\" y1=\"{}\" x2=\"{xm:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{}\" fill=\"#555\">{}</text>\n",
            TOP - 12.0,
            height - 30.0,
            xm + 3.0,
            TOP - 16.0,
            esc(name)
        ));
    }
    if bars.is_empty() {
        s.push_str(&format!(
            "<text x=\"10\" y=\"{:.1}\" fill=\"#555\">{}</text>\n",
            TOP + 12.0,
            esc(&labels.nothing)
        ));
    }
    for ((b, y), lines) in bars.iter().zip(tops).zip(&labels_of) {
        // At least 2 px wide, and inside the year even when it starts after it.
        let x0 = x(b.start).min(left + WIDTH - 2.0);
        let x1 = x(b.due).max(x0 + 2.0);
        let (fill, state) = if b.done {
            ("#2e7d32", &labels.done)
        } else if b.overdue {
            ("#c62828", &labels.overdue)
        } else if b.at_risk {
            ("#ef8f00", &labels.at_risk)
        } else {
            ("#1565c0", &labels.on_track)
        };
        s.push_str(&format!(
            "<g><title>{full} — {p}% ({state}) {st} → {du}</title>{label}<rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{w:.1}\" height=\"14\" fill=\"{fill}\" fill-opacity=\"0.25\" stroke=\"{fill}\"/><rect x=\"{x0:.1}\" y=\"{ry:.1}\" width=\"{pw:.1}\" height=\"14\" fill=\"{fill}\"/><text x=\"{tx:.1}\" y=\"{ty:.1}\" fill=\"#333\">{p}%</text></g>\n",
            full = esc(&b.label),
            p = b.progress,
            state = esc(state),
            st = b.start.format("%d/%m/%Y"),
            du = b.due.format("%d/%m/%Y"),
            ty = y + 12.0,
            label = lines
                .iter()
                .enumerate()
                .map(|(k, l)| format!(
                    "<text x=\"{LABEL_X}\" y=\"{:.1}\">{}</text>",
                    y + 12.0 + LINE * k as f64,
                    esc(l)
                ))
                .collect::<String>(),
            ry = y + 1.0,
            w = x1 - x0,
            pw = (x1 - x0) * f64::from(b.progress.min(100)) / 100.0,
            tx = x1 + 4.0,
        ));
    }
    if span.is_some_and(|(y0, y1)| day >= y0 && day < y1) {
        let xd = x(day);
        let date = day.format("%d/%m/%Y").to_string();
        // The date reads rightwards from the line, or leftwards when it would leave the picture.
        let (tx, anchor) = if xd + 3.0 + CHAR_PX * date.len() as f64 > width {
            (xd - 3.0, " text-anchor=\"end\"")
        } else {
            (xd + 3.0, "")
        };
        s.push_str(&format!(
            "<line x1=\"{xd:.1}\" y1=\"{}\" x2=\"{xd:.1}\" y2=\"{:.1}\" stroke=\"#c62828\" stroke-dasharray=\"4 3\"/><text x=\"{tx:.1}\" y=\"{:.1}\" fill=\"#c62828\"{anchor}>{date}</text>\n",
            TOP - 12.0,
            height - 30.0,
            height - 16.0,
        ));
    }
    s.push_str(&format!(
        "<text x=\"10\" y=\"{:.1}\" fill=\"#555\">{}</text>\n</svg>\n",
        height - 4.0,
        esc(&labels.legend)
    ));
    s
}
