use super::*;
use crate::test_support::{c, element, ratio_indicator, tree, value};
use crate::{Engine, Input};
use chiso_core::{DataElement, UnitGroup};
use chrono::Datelike;
use proptest::prelude::*;
use std::collections::HashMap;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// U0 (level 1) → U1, U2 (level 2); U3 below U1 (level 3). Group G: U1 and U2. Elements N,
/// D and B (broken down by SEX: M, F); indicator R = 100 × N / D.
fn engine() -> Engine {
    let y = Period::Year(2023);
    let mut values = Vec::new();
    for (u, n, d) in [("U1", 30.0, 50.0), ("U2", 10.0, 50.0), ("U3", 20.0, 50.0)] {
        values.push(value("N", u, y, n));
        values.push(value("D", u, y, d));
    }
    let mut m = value("B", "U1", y, 7.0);
    m.breakdown = Some(c("M"));
    values.push(m);
    let b = DataElement {
        breakdown: Some(c("SEX")),
        ..element("B")
    };
    Engine::build(Input {
        units: tree(&[0, 0, 1]),
        groups: vec![group()],
        elements: vec![element("N"), element("D"), b],
        breakdown_options: HashMap::from([("SEX".to_string(), vec![c("M"), c("F")])]),
        indicators: vec![ratio_indicator()],
        values,
        ..Default::default()
    })
}

fn group() -> UnitGroup {
    UnitGroup {
        code: c("G"),
        name_vi: "Nhóm G".into(),
        name_en: Some("Group G".into()),
        members: vec![c("U1"), c("U2")],
    }
}

fn parse(e: &Engine, q: &str) -> Result<Query, QueryError> {
    let pairs = q.split('&').filter_map(|kv| kv.split_once('='));
    Query::parse(e, pairs, day(2024, 3, 1))
}

fn period_name(p: &Period, lang: Lang) -> String {
    format!("{p} {}", lang.as_str())
}

fn evaluate(e: &Engine, q: &str) -> Grid {
    let q = parse(e, q).unwrap().resolve(e).unwrap();
    let elements = [
        element("N"),
        element("D"),
        DataElement {
            breakdown: Some(c("SEX")),
            ..element("B")
        },
    ];
    let groups = [group()];
    let breakdowns = [chiso_core::Breakdown {
        code: c("SEX"),
        name_vi: "Giới tính".into(),
        name_en: Some("Sex".into()),
        options: vec![
            chiso_core::BreakdownOption {
                code: c("M"),
                name_vi: "Nam".into(),
                name_en: Some("Male".into()),
            },
            chiso_core::BreakdownOption {
                code: c("F"),
                name_vi: "Nữ".into(),
                name_en: None,
            },
        ],
    }];
    let labels = Labels {
        elements: &elements,
        breakdowns: &breakdowns,
        groups: &groups,
        period: &period_name,
    };
    q.evaluate(e, &labels).unwrap()
}

#[test]
fn each_parse_error_names_the_parameter_and_the_item() {
    let e = engine();
    let ok = "dimension=dx:N&filter=pe:2023&filter=ou:U0";
    for (q, param, message) in [
        ("dimension=dx", "dimension", "'dx': write DIMENSION:ITEM;ITEM, e.g. dx:A;B"),
        ("filter=xx:N", "filter", "unknown dimension 'xx'; use dx, pe, ou or co"),
        (&format!("{ok}&filter=dx:D"), "filter", "the dx dimension is given twice (as dimension or filter); give it once"),
        ("dimension=dx:N&filter=pe:2023", "dimension", "the ou dimension is missing (as a dimension or a filter)"),
        ("filter=pe:2023&filter=ou:U0", "dimension", "the dx dimension is missing (as a dimension or a filter)"),
        (&format!("{ok}&asOf=30/06/2025"), "asOf", "'30/06/2025' is not a date (YYYY-MM-DD)"),
        (&format!("{ok}&relativePeriodDate=2024-13-01"), "relativePeriodDate", "'2024-13-01' is not a date (YYYY-MM-DD)"),
        ("dimension=dx:;&filter=pe:2023&filter=ou:U0", "dimension", "the dx dimension has no items; write e.g. dx:ITEM"),
        ("dimension=dx:N&filter=pe: ;&filter=ou:U0", "filter", "the pe dimension has no items; write e.g. pe:ITEM"),
        ("dimension=dx:N@&filter=pe:2023&filter=ou:U0", "dimension", "dx item 'N@': the code contains the character '@'; use letters A-Z, digits, '_', '-' or '.'"),
        ("dimension=dx:B.M@&filter=pe:2023&filter=ou:U0", "dimension", "dx item 'B.M@': the code contains the character '@'; use letters A-Z, digits, '_', '-' or '.'"),
        ("dimension=dx:NOPE&filter=pe:2023&filter=ou:U0", "dimension", "unknown indicator or data element NOPE"),
        ("dimension=dx:N&filter=pe:2023Q7&filter=ou:U0", "filter", "'2023Q7': there is no such month, quarter, half, week or day"),
        ("dimension=dx:N&dimension=pe:LAST_YEARS&filter=ou:U0", "dimension", "'LAST_YEARS' is not a period; write a year 2023, a half 2023S2, a quarter 2023Q4, a month 202312, a week 2023W05 or a day 20231231"),
        ("dimension=dx:N&filter=pe:2023&dimension=ou:LEVEL-0", "dimension", "'LEVEL-0': LEVEL- needs a level from 1 to 20"),
        ("dimension=dx:N&filter=pe:2023&dimension=ou:LEVEL-21", "dimension", "'LEVEL-21': LEVEL- needs a level from 1 to 20"),
        ("dimension=dx:N&filter=pe:2023&dimension=ou:LEVEL-x", "dimension", "'LEVEL-x': LEVEL- needs a level from 1 to 20"),
        ("dimension=dx:N&filter=pe:2023&dimension=ou:U@", "dimension", "'U@': the code contains the character '@'; use letters A-Z, digits, '_', '-' or '.'"),
        ("dimension=dx:N&filter=pe:2023&dimension=ou:GROUP-@", "dimension", "'GROUP-@': the code contains the character '@'; use letters A-Z, digits, '_', '-' or '.'"),
        ("dimension=dx:N&filter=pe:2023&dimension=ou:U9", "dimension", "unknown unit U9"),
        ("dimension=dx:N&filter=pe:2023&filter=ou:OU_GROUP-H", "dimension", "unknown unit group H"),
    ] {
        let err = parse(&e, q).unwrap_err();
        assert_eq!((err.param(), err.to_string().as_str()), (param, message), "{q}");
    }
    // Errors come in the order given: the form first, then the items dimension by dimension.
    let err = parse(&e, "dimension=ou:U9&dimension=dx:NOPE&filter=pe:2023").unwrap_err();
    assert_eq!(
        err,
        QueryError::Engine(crate::EngineError::UnknownUnit("U9".into()))
    );
    let err = parse(
        &e,
        "dimension=dx:NOPE&dimension=ou:U9&filter=pe:2023&asOf=x",
    )
    .unwrap_err();
    assert_eq!(err.param(), "asOf");
    // A relative period that cannot be counted from the day is read as a period id.
    let err = parse(
        &e,
        "dimension=dx:N&dimension=pe:LAST_YEAR&filter=ou:U0&relativePeriodDate=1900-06-01",
    )
    .unwrap_err();
    assert!(
        matches!(err, QueryError::BadPeriod { param: "dimension", ref item, .. } if item == "LAST_YEAR"),
        "{err}"
    );
}

#[test]
fn the_query_holds_what_was_asked() {
    let e = engine();
    let q = parse(&e, "filter=pe:2023;THIS_MONTH&dimension=dx:R;B.M&dimension=ou:LEVEL-2;U0;OU_GROUP-G;GROUP-G;USER_ORGUNIT&asOf=2025-07-01&locale=en&skipMeta=true").unwrap();
    assert_eq!(q.rows, [Dimension::Data, Dimension::Unit]);
    assert_eq!(
        q.data,
        [
            DataItem {
                id: "R".into(),
                kind: DataKind::Indicator(c("R"))
            },
            DataItem {
                id: "B.M".into(),
                kind: DataKind::Element {
                    element: c("B"),
                    option: Some(c("M"))
                }
            },
        ]
    );
    assert_eq!(
        q.periods,
        [
            PeriodItem::Fixed(Period::Year(2023)),
            PeriodItem::Relative(RelativePeriod::ThisMonth)
        ]
    );
    assert_eq!(
        q.units,
        [
            UnitItem::Level(2),
            UnitItem::Unit(c("U0")),
            UnitItem::OuGroup {
                id: "OU_GROUP-G".into(),
                group: c("G")
            },
            UnitItem::Group {
                id: "GROUP-G".into(),
                group: c("G")
            },
            UnitItem::UserOrgUnit,
        ]
    );
    assert_eq!(
        (q.today, q.as_of, q.lang),
        (day(2024, 3, 1), Some(day(2025, 7, 1)), Lang::En)
    );
    let r = q.resolve(&e).unwrap();
    assert_eq!(r.periods, [Period::Year(2023), Period::Month(2024, 3)]);
    // Groups and roots in the order given, then the levels under the listed units.
    let ids: Vec<&str> = r.units.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, ["U1", "U2", "GROUP-G", "U0", "U1", "U2"]);
    assert_eq!(r.units[2].scope, Scope::Group(c("G")));
    // As a filter, OU_GROUP- is the group as a whole.
    let q = parse(&e, "dimension=dx:N&filter=pe:2023&filter=ou:OU_GROUP-G").unwrap();
    let r = q.resolve(&e).unwrap();
    assert_eq!(
        r.units,
        [UnitScope {
            id: "OU_GROUP-G".into(),
            scope: Scope::Group(c("G"))
        }]
    );
    let q = parse(
        &e,
        "dimension=dx:N&filter=pe:2023&dimension=ou:USER_ORGUNIT_CHILDREN;LEVEL-3",
    )
    .unwrap();
    let ids: Vec<String> = q
        .resolve(&e)
        .unwrap()
        .units
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(ids, ["U1", "U2", "U3"]);
}

#[test]
fn a_hand_built_query_is_checked_when_resolved_and_sized() {
    let e = engine();
    let mut q = parse(&e, "dimension=dx:N&dimension=pe:2023&filter=ou:U0").unwrap();
    q.periods = vec![PeriodItem::Relative(RelativePeriod::LastYear)];
    q.today = day(1900, 6, 1);
    let err = q.resolve(&e).unwrap_err();
    assert_eq!(
        (err.param(), err.to_string().as_str()),
        ("dimension", "'LAST_YEAR' cannot be counted from 1900-06-01")
    );
    q.today = day(2024, 3, 1);
    q.units = vec![UnitItem::Unit(c("U9"))];
    assert_eq!(q.resolve(&e).unwrap_err().to_string(), "unknown unit U9");
    q.units = vec![UnitItem::Unit(c("U0"))];
    let mut r = q.resolve(&e).unwrap();
    r.periods = vec![Period::Year(2023); MAX_ROWS + 1];
    let err = r.check_size().unwrap_err();
    assert_eq!(
        (err.param(), err.to_string().as_str()),
        (
            "dimension",
            "200001 combinations asked; at most 200000 per request"
        )
    );
    assert!(r.rows(&e).is_err(), "evaluation checks the size first");
}

#[test]
fn relative_periods_on_given_days() {
    use Period::*;
    let at = day(2024, 3, 1);
    let p = |r: &str, at| RelativePeriod::parse(r).unwrap().periods(at).unwrap();
    assert_eq!(p("TODAY", at), [Day(at)]);
    assert_eq!(p("THIS_WEEK", at), [Week(2024, 9)]);
    assert_eq!(
        p("LAST_4_WEEKS", day(2024, 1, 3)),
        [
            Week(2023, 49),
            Week(2023, 50),
            Week(2023, 51),
            Week(2023, 52)
        ]
    );
    assert_eq!(p("THIS_MONTH", at), [Month(2024, 3)]);
    assert_eq!(p("LAST_MONTH", at), [Month(2024, 2)]);
    assert_eq!(
        p("LAST_3_MONTHS", at),
        [Month(2023, 12), Month(2024, 1), Month(2024, 2)]
    );
    assert_eq!(p("LAST_12_MONTHS", at).first(), Some(&Month(2023, 3)));
    assert_eq!(p("THIS_QUARTER", at), [Quarter(2024, 1)]);
    assert_eq!(
        p("LAST_4_QUARTERS", at),
        [
            Quarter(2023, 1),
            Quarter(2023, 2),
            Quarter(2023, 3),
            Quarter(2023, 4)
        ]
    );
    assert_eq!(p("THIS_SIX_MONTH", day(2024, 7, 1)), [SixMonth(2024, 2)]);
    assert_eq!(p("LAST_SIX_MONTH", at), [SixMonth(2023, 2)]);
    assert_eq!(
        p("LAST_2_SIXMONTHS", at),
        [SixMonth(2023, 1), SixMonth(2023, 2)]
    );
    assert_eq!(p("THIS_YEAR", at), [Year(2024)]);
    assert_eq!(p("LAST_YEAR", at), [Year(2023)]);
    assert_eq!(
        p("LAST_5_YEARS", at),
        [Year(2019), Year(2020), Year(2021), Year(2022), Year(2023)]
    );
    assert_eq!(p("LAST_10_YEARS", at).len(), 10);
    assert_eq!(RelativePeriod::parse("LAST_12_MONTH"), None);
    for r in RelativePeriod::ALL {
        assert_eq!(RelativePeriod::parse(r.name()), Some(r));
    }
    assert_eq!(
        RelativePeriod::LastYear.periods(day(1900, 12, 31)),
        None,
        "no year before 1900"
    );
}

proptest! {
    #[test]
    fn last_n_is_n_consecutive_periods_ending_before_the_current_one(
        offset in 0u64..60_000,
        which in 0usize..RelativePeriod::ALL.len(),
    ) {
        let today = day(1950, 1, 1) + chrono::Days::new(offset);
        let r = RelativePeriod::ALL[which];
        let (_, n) = r.shape();
        let ps = r.periods(today).unwrap();
        prop_assert_eq!(ps.len() as i64, n.max(1));
        let last = *ps.last().unwrap();
        if n == 0 {
            prop_assert!(last.start() <= today && today <= last.end(), "{} contains {}", last, today);
        } else {
            prop_assert!(last.end() < today, "{} ends before {}", last, today);
            let next = last.next().unwrap();
            prop_assert!(next.start() <= today && today <= next.end(), "{} is the current period", next);
        }
        for w in ps.windows(2) {
            prop_assert_eq!(w[0].next(), Some(w[1]));
        }
    }

    #[test]
    fn last_12_months_are_the_12_months_before_this_one(offset in 0u64..60_000) {
        let today = day(1950, 1, 1) + chrono::Days::new(offset);
        let ps = RelativePeriod::Last12Months.periods(today).unwrap();
        prop_assert_eq!(ps.len(), 12);
        for (k, p) in ps.iter().enumerate() {
            let months_back = 12 - k as i32;
            let total = today.year() * 12 + today.month0() as i32 - months_back;
            prop_assert_eq!(*p, Period::Month(total.div_euclid(12), (total.rem_euclid(12) + 1) as u8));
        }
    }
}

#[test]
fn the_grid_of_a_small_engine() {
    let e = engine();
    let g = evaluate(
        &e,
        "dimension=dx:R;N;B.M&dimension=ou:LEVEL-2;U0&filter=pe:2023&locale=en",
    );
    let names: Vec<&str> = g.headers.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["dx", "ou", "value"]);
    assert_eq!(g.headers[2].value_type, "NUMBER");
    assert_eq!((g.height, g.width, g.header_width), (5, 3, 3));
    let rows: Vec<Vec<&str>> = g
        .rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["R", "U1", "50"],
            ["R", "U2", "20"],
            ["N", "U1", "50"],
            ["N", "U2", "10"],
            ["B.M", "U1", "7"],
        ]
    );
    let name = |id: &str| g.meta_data.as_ref().unwrap().items[id].name.as_str();
    assert_eq!(
        [
            name("dx"),
            name("pe"),
            name("ou"),
            name("R"),
            name("B.M"),
            name("2023"),
            name("U1")
        ],
        [
            "Data",
            "Period",
            "Organisation unit",
            "R",
            "B Male",
            "2023 en",
            "Đơn vị 1"
        ]
    );
    let dims = &g.meta_data.as_ref().unwrap().dimensions;
    assert_eq!(dims["dx"], ["R", "N", "B.M"]);
    assert_eq!(dims["pe"], ["2023"]);
    assert_eq!(dims["ou"], ["U1", "U2"]);
    assert!(dims["co"].is_empty());

    // Periods as rows, relative to the given day; a group as a filter, named by the caller.
    let g = evaluate(&e, "dimension=dx:N&dimension=pe:THIS_YEAR;LAST_YEAR&filter=ou:GROUP-G&relativePeriodDate=2024-03-01&locale=en");
    assert_eq!(g.rows, [["N", "2023", "60"]]);
    assert_eq!(
        g.meta_data.as_ref().unwrap().dimensions["pe"],
        ["2024", "2023"]
    );
    assert_eq!(
        g.meta_data.as_ref().unwrap().items["GROUP-G"].name,
        "Group G"
    );
    let g = evaluate(&e, "filter=dx:N&filter=pe:2023&filter=ou:GROUP-G");
    assert_eq!(
        (g.headers.len(), g.rows.clone()),
        (1, vec![vec!["60".to_string()]])
    );
    assert_eq!(
        g.meta_data.as_ref().unwrap().items["GROUP-G"].name,
        "Nhóm G"
    );
    assert_eq!(g.meta_data.as_ref().unwrap().items["dx"].name, "Dữ liệu");
    assert_eq!(g.meta_data.as_ref().unwrap().items["2023"].name, "2023 vi");
    assert_eq!(grid::number(-0.0), "0");
}
