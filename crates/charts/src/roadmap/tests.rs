//! What a reader of the roadmap relies on.

use super::*;
use crate::svg::well_formed;
use chiso_core::plan::{FundingSource, Person, PlanStatus, Task};
use chiso_core::Code;
use chrono::Datelike;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn bar(label: &str, start: NaiveDate, due: NaiveDate, progress: u8) -> Bar {
    Bar {
        label: label.into(),
        start,
        due,
        progress,
        done: false,
        at_risk: false,
        overdue: false,
    }
}

fn draw(bars: &[Bar]) -> String {
    let svg = roadmap_svg(
        "Kế hoạch CĐS 2024",
        2024,
        d(2024, 6, 30),
        bars,
        &RoadmapLabels::vi(),
    );
    if let Err(e) = well_formed(&svg) {
        panic!("{e}\n{svg}");
    }
    svg
}

/// The value of attribute `name` in `tag` (the text from `<` to `>`).
fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    Some(&tag[at..at + tag[at..].find('"')?])
}

fn num(tag: &str, name: &str) -> f64 {
    attr(tag, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{name} in {tag}"))
}

/// Every start tag `<name …>` of the picture.
fn tags<'a>(svg: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name} ");
    svg.match_indices(&open)
        .filter_map(|(i, _)| Some(&svg[i..i + svg[i..].find('>')? + 1]))
        .collect()
}

/// The lines of the label shown left of each row's bar.
fn row_lines(svg: &str) -> Vec<Vec<&str>> {
    svg.lines()
        .filter(|l| l.starts_with("<g>"))
        .map(|l| {
            l.match_indices("<text x=\"10\"")
                .filter_map(|(at, _)| {
                    let text = &l[at..];
                    let start = text.find('>')? + 1;
                    Some(&text[start..start + text[start..].find("</text>")?])
                })
                .collect()
        })
        .collect()
}

/// The label shown left of each row's bar, its lines joined by a space.
fn row_labels(svg: &str) -> Vec<String> {
    row_lines(svg).into_iter().map(|l| l.join(" ")).collect()
}

fn task(code: &str, title: &str, start: NaiveDate, due: NaiveDate, progress: u8) -> Task {
    Task {
        code: Code::parse(code).unwrap(),
        parent: None,
        title: title.into(),
        title_en: None,
        description: String::new(),
        deliverable: String::new(),
        deliverable_en: None,
        person: Person {
            name: "Nguyễn Văn A".into(),
            ..Default::default()
        },
        lead: Code::parse("58-SO-TTTT").unwrap(),
        cooperating: vec![],
        start,
        due,
        milestones: vec![],
        budget_allocated: 0,
        budget_spent: 0,
        funding: FundingSource::LocalBudget,
        targets: vec![],
        indicators: vec![],
        status: TaskStatus::InProgress,
        progress,
        completed_on: None,
        updates: vec![],
    }
}

fn plan(tasks: Vec<Task>) -> Plan {
    Plan {
        code: Code::parse("KH2024-58-SO-TTTT").unwrap(),
        unit: Code::parse("58-SO-TTTT").unwrap(),
        year: 2024,
        title: "Kế hoạch chuyển đổi số năm 2024".into(),
        title_en: None,
        status: PlanStatus::Approved,
        submitted_by: None,
        submitted_on: None,
        decided_by: None,
        approved_on: None,
        comments: vec![],
        tasks,
        note: None,
        note_en: None,
    }
}

#[test]
fn the_svg_is_well_formed_xml_in_both_languages() {
    let p = plan(vec![
        task("1", "Phủ sóng 5G", d(2024, 1, 15), d(2024, 4, 30), 60),
        task(
            "2",
            "Kho dữ liệu dùng chung",
            d(2024, 3, 1),
            d(2024, 12, 31),
            10,
        ),
        task("3", "Đào tạo kỹ năng số", d(2024, 2, 1), d(2024, 9, 30), 80),
    ]);
    let bars = task_bars(&p, d(2024, 6, 30), None, "vi");
    for labels in [RoadmapLabels::vi(), RoadmapLabels::en()] {
        let svg = roadmap_svg(&p.title, 2024, d(2024, 6, 30), &bars, &labels);
        well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>\n"));
        assert_eq!(tags(&svg, "rect").len(), 6, "two rectangles a task");
        assert!(svg.contains(&format!(">{}<", labels.months[0])));
        assert!(svg.contains(&format!(">{}<", esc(&labels.legend))));
    }
}

#[test]
fn text_a_user_typed_is_escaped() {
    let svg = roadmap_svg(
        "Plan <i>&\"q\"",
        2024,
        d(2024, 6, 30),
        &[bar("<b>&\"x\"", d(2024, 2, 1), d(2024, 3, 1), 5)],
        &RoadmapLabels::en(),
    );
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(svg.contains(">&lt;b&gt;&amp;&quot;x&quot;</text>"), "{svg}");
    assert!(
        svg.contains("<title>&lt;b&gt;&amp;&quot;x&quot; — 5%"),
        "{svg}"
    );
    assert!(svg.contains("aria-label=\"Plan &lt;i&gt;&amp;&quot;q&quot;\""));
    assert!(!svg.contains("<b>") && !svg.contains("<i>"));
    // The legend's "<" is escaped too.
    assert!(svg.contains("(progress &lt; time elapsed)"));
}

#[test]
fn control_characters_cannot_break_the_xml() {
    let svg = draw(&[bar(
        "Nhiệm vụ\u{1}\u{b} số 1",
        d(2024, 2, 1),
        d(2024, 3, 1),
        5,
    )]);
    assert!(svg.contains(">Nhiệm vụ số 1</text>"), "{svg}");
}

/// Every label is readable in full: all of its words are drawn, on as many lines as it
/// needs, each line measured to end before the bars begin; rows of longer labels are taller,
/// so no two labels overlap.
#[test]
fn no_label_is_cut_long_labels_wrap_left_of_the_bars() {
    let long = "Phường Đô Vinh · Đăng ký ít nhất một sản phẩm chuyển đổi số của xã và hướng dẫn người dân sử dụng";
    let longer = format!("{long} {long}");
    let short = "1. Phủ sóng 5G";
    let province = "Sở Thông tin và Truyền thông · Phối hợp doanh nghiệp viễn thông xóa thôn lõm sóng, phủ sóng 5G";
    let labels = [long, short, longer.as_str(), province];
    let bars: Vec<Bar> = labels
        .iter()
        .map(|l| bar(l, d(2024, 1, 15), d(2024, 4, 30), 60))
        .collect();
    let svg = draw(&bars);
    let lines = row_lines(&svg);
    assert_eq!(lines.len(), labels.len());
    // Where the year begins: the line of 1 January.
    let left = num(tags(&svg, "line")[0], "x1");
    for r in tags(&svg, "rect") {
        assert!(num(r, "x") >= left);
    }
    for (shown, label) in lines.iter().zip(labels) {
        assert_eq!(shown.join(" "), label, "every word of the label is drawn");
        assert!(!shown.concat().contains('…'), "{shown:?}");
        for l in shown {
            assert!(
                10.0 + text_width(l, 12.0) <= left,
                "{l:?} runs into the bars at {left}"
            );
        }
    }
    assert_eq!(lines[1], vec![short], "a short label is one line");
    assert!(lines[0].len() >= 2 && lines[2].len() > lines[0].len());
    // The label column grew from the longest label, within its bounds.
    assert!(left > LEFT && left <= 10.0 + LABEL_MAX_PX + 10.0);
    // Each row starts below the last line of the row above.
    let first_y = |row: usize| {
        svg.lines()
            .filter(|l| l.starts_with("<g>"))
            .nth(row)
            .map(|l| num(&l[l.find("<text ").unwrap()..], "y"))
            .unwrap()
    };
    for row in 1..labels.len() {
        let above = first_y(row - 1) + 14.0 * (lines[row - 1].len() - 1) as f64;
        assert!(first_y(row) >= above + 14.0, "row {row}");
    }
    // The whole label is in the tooltip too.
    assert!(svg.contains(&format!("<title>{long} — 60%")));
    // The picture is tall enough for every line and the legend.
    let height = num(tags(&svg, "svg")[0], "height");
    let last = first_y(labels.len() - 1) + 14.0 * (lines[labels.len() - 1].len() - 1) as f64;
    assert!(height >= last + 40.0);
}

#[test]
fn short_labels_keep_the_picture_as_it_was() {
    let svg = draw(&[bar("1. Phủ sóng 5G", d(2024, 1, 15), d(2024, 4, 30), 60)]);
    assert_eq!(num(tags(&svg, "svg")[0], "width"), LEFT + WIDTH + RIGHT);
    assert_eq!(row_labels(&svg), vec!["1. Phủ sóng 5G"]);
}

#[test]
fn percent_and_date_stay_inside_the_picture() {
    let svg = roadmap_svg(
        "x",
        2024,
        d(2024, 12, 30),
        &[bar("a", d(2024, 1, 1), d(2024, 12, 31), 100)],
        &RoadmapLabels::vi(),
    );
    well_formed(&svg).unwrap();
    let width = num(tags(&svg, "svg")[0], "width");
    let texts = tags(&svg, "text");
    let percent = texts
        .iter()
        .find(|t| attr(t, "fill") == Some("#333"))
        .unwrap();
    assert!(num(percent, "x") + CHAR_PX * "100%".len() as f64 <= width);
    // 30 December: the date reads leftwards from the day's line.
    let date = texts
        .iter()
        .find(|t| attr(t, "fill") == Some("#c62828"))
        .unwrap();
    assert_eq!(attr(date, "text-anchor"), Some("end"), "{date}");
    assert!(num(date, "x") <= width);
    assert!(svg.contains(">30/12/2024</text>"));
    // Mid-year it reads rightwards, as before.
    let svg = draw(&[bar("a", d(2024, 1, 1), d(2024, 12, 31), 100)]);
    let date = tags(&svg, "text")
        .into_iter()
        .find(|t| attr(t, "fill") == Some("#c62828"))
        .unwrap();
    assert_eq!(attr(date, "text-anchor"), None);
}

#[test]
fn bars_lie_between_the_years_start_and_end() {
    let svg = draw(&[
        // Inside the year.
        bar("a", d(2024, 7, 1), d(2024, 9, 30), 50),
        // Starts the year before, ends the year after.
        bar("b", d(2023, 11, 1), d(2025, 2, 1), 30),
        // Wholly before, wholly after.
        bar("c", d(2023, 1, 1), d(2023, 3, 1), 0),
        bar("d", d(2025, 1, 2), d(2025, 3, 1), 0),
        // Due before its start.
        bar("e", d(2024, 5, 1), d(2024, 4, 1), 100),
    ]);
    let rects = tags(&svg, "rect");
    assert_eq!(rects.len(), 10);
    for r in &rects {
        let (x, w) = (num(r, "x"), num(r, "width"));
        assert!(x >= LEFT && x + w <= LEFT + WIDTH + 0.05, "{r}");
        assert!(w >= 0.0, "{r}");
    }
    // The outline spans start to due; the fill is the progress's share of it.
    let at = |date: NaiveDate| LEFT + WIDTH * f64::from(date.ordinal0()) / 366.0;
    let (outline, fill) = (rects[0], rects[1]);
    assert!((num(outline, "x") - at(d(2024, 7, 1))).abs() < 0.06);
    assert!((num(outline, "x") + num(outline, "width") - at(d(2024, 9, 30))).abs() < 0.1);
    assert!((num(fill, "width") - num(outline, "width") / 2.0).abs() < 0.1);
    // Across the year: from its first day to its last.
    assert_eq!(num(rects[2], "x"), LEFT);
    assert_eq!(num(rects[2], "width"), WIDTH);
    // Outside it: a sliver at the edge, still visible.
    assert_eq!(num(rects[4], "x"), LEFT);
    assert_eq!(num(rects[4], "width"), 2.0);
    assert_eq!(num(rects[6], "x") + num(rects[6], "width"), LEFT + WIDTH);
    assert_eq!(num(rects[8], "width"), 2.0);
}

#[test]
fn an_empty_plan_says_there_is_nothing_to_show() {
    let empty = plan(vec![]);
    for (labels, words) in [
        (RoadmapLabels::vi(), "Không có nhiệm vụ nào để hiển thị."),
        (RoadmapLabels::en(), "No tasks to show."),
    ] {
        let svg = roadmap_svg(
            &empty.title,
            empty.year,
            d(2024, 6, 30),
            &task_bars(&empty, d(2024, 6, 30), None, "vi"),
            &labels,
        );
        well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
        assert!(svg.contains(&format!(">{words}</text>")), "{svg}");
        assert!(tags(&svg, "rect").is_empty());
        // The message has a row of its own above the legend.
        let height = num(tags(&svg, "svg")[0], "height");
        assert!(height >= TOP + ROW + 40.0);
    }
}

#[test]
fn a_year_chrono_cannot_hold_still_gives_a_whole_svg() {
    for year in [i32::MAX, i32::MIN, 300_000] {
        let svg = roadmap_svg(
            "Năm lạ",
            year,
            d(2024, 6, 30),
            &[bar("a", d(2024, 1, 1), d(2024, 2, 1), 1)],
            &RoadmapLabels::vi(),
        );
        well_formed(&svg).unwrap_or_else(|e| panic!("{year}: {e}\n{svg}"));
        assert!(svg.contains(">Năm lạ</text>") && svg.contains("Không có nhiệm vụ nào"));
    }
}

#[test]
fn vietnamese_text_survives() {
    let title = "Kế hoạch chuyển đổi số năm 2024 của Ủy ban nhân dân xã Phước Hà";
    let label = "Đẩy mạnh ứng dụng định danh điện tử VNeID ở thôn Giá";
    // Decomposed (NFD) text, as some keyboards and spreadsheets write it: "Việt Nam" repeated.
    let nfd = "Vie\u{323}\u{302}t Nam ".repeat(10);
    let svg = roadmap_svg(
        title,
        2024,
        d(2024, 6, 30),
        &[
            bar(label, d(2024, 1, 1), d(2024, 6, 1), 40),
            bar(&nfd, d(2024, 1, 1), d(2024, 6, 1), 40),
        ],
        &RoadmapLabels::vi(),
    );
    well_formed(&svg).unwrap();
    assert!(svg.contains(&format!(">{title}</text>")));
    assert!(svg.contains(&format!("<title>{label} — 40% (Đúng tiến độ)")));
    let shown = row_lines(&svg);
    assert_eq!(shown[0].join(" "), label);
    // No accent is cut from its letter: every line starts with a letter.
    assert_eq!(shown[1].join(" "), nfd.trim_end());
    for l in &shown[1] {
        assert!(!l.starts_with(['\u{323}', '\u{302}']), "{l:?}");
    }
    assert!(svg.contains(">T1<") && svg.contains(">T12<"));
    assert!(svg.contains("Đỏ: quá hạn"));
}

#[test]
fn task_bars_name_the_task_and_judge_it_on_the_day() {
    let mut done = task("3", "Xong sớm", d(2024, 1, 1), d(2024, 3, 1), 100);
    done.status = TaskStatus::Done;
    done.completed_on = Some(d(2024, 2, 20));
    let p = plan(vec![
        task("1", "Phủ sóng 5G", d(2024, 1, 15), d(2024, 4, 30), 60),
        task("2", "Kho dữ liệu", d(2024, 1, 1), d(2024, 12, 31), 10),
        done,
        task("4", "Chưa tới", d(2024, 9, 1), d(2024, 12, 1), 0),
    ]);
    let day = d(2024, 6, 30);
    let bars = task_bars(&p, day, None, "vi");
    assert_eq!(bars[0].label, "1. Phủ sóng 5G");
    assert!(bars[0].overdue && !bars[0].done);
    assert!(bars[1].at_risk && !bars[1].overdue);
    assert!(bars[2].done && !bars[2].overdue && !bars[2].at_risk);
    assert!(!bars[3].at_risk && !bars[3].overdue && !bars[3].done);
    let svg = draw(&bars);
    assert!(svg.contains("(Quá hạn) 15/01/2024 → 30/04/2024"));
    assert!(svg.contains("(Có nguy cơ chậm)") && svg.contains("(Hoàn thành)"));
    assert!(svg.contains("(Đúng tiến độ)"));
    let named = task_bars(&p, day, Some("Sở Thông tin và Truyền thông"), "vi");
    assert_eq!(named[0].label, "Sở Thông tin và Truyền thông · Phủ sóng 5G");
}

#[test]
fn translated_words_replace_the_charts_own_only_when_known() {
    let l = RoadmapLabels::translated("en", |k| match k {
        "task-state-overdue" => "Late".into(),
        "roadmap-legend" => String::new(),
        other => other.into(),
    });
    assert_eq!(l.overdue, "Late");
    assert_eq!(l.legend, RoadmapLabels::en().legend);
    assert_eq!(l.nothing, "No tasks to show.");
    assert_eq!(l.months[0], "Jan");
    assert_eq!(
        RoadmapLabels::translated("fr", |k| k.into()),
        RoadmapLabels::vi()
    );
    assert_eq!(
        RoadmapLabels::vi().province_title(2024),
        "Lộ trình thực hiện kế hoạch CĐS năm 2024"
    );
}

#[test]
fn the_same_input_draws_the_same_picture() {
    let bars = [bar("a", d(2024, 2, 1), d(2024, 5, 1), 40)];
    assert_eq!(draw(&bars), draw(&bars));
    // A row exactly as the web pages drew it before the chart moved here.
    assert!(draw(&bars).contains(
        "\n<g><title>a — 40% (Đúng tiến độ) 01/02/2024 → 01/05/2024</title><text x=\"10\" y=\"62.0\">a</text><rect x=\"391.0\" y=\"51.0\" width=\"177.0\" height=\"14\" fill=\"#1565c0\" fill-opacity=\"0.25\" stroke=\"#1565c0\"/><rect x=\"391.0\" y=\"51.0\" width=\"70.8\" height=\"14\" fill=\"#1565c0\"/><text x=\"572.0\" y=\"62.0\" fill=\"#333\">40%</text></g>\n"
    ));
}
