//! The dashboard's section on the electronic data store (Project 06): the store's rates over
//! the structure for the period shown, and each receiving unit holding records (a commune, an
//! agency) with its five rates — electronic results, digitisation, reuse, store-linked, on
//! time. Every figure is the engine's: the store's counts are data values (source `derived`)
//! the application layer writes through the engine's one write path after every intake,
//! result, revocation or rating, so a figure here moves with the write that changed it.

use crate::format;
use crate::pages::dashboard_parts::Ctx;
use crate::pages::PageError;
use chiso_core::Period;
use chiso_engine::Scope;
use chiso_p06::figures::Rate;

/// The rates a receiving unit's row shows, in order.
const ROW_RATES: [Rate; 5] = [
    Rate::ElectronicResults,
    Rate::Digitisation,
    Rate::Reuse,
    Rate::StoreLinked,
    Rate::OnTime,
];

/// The section, or none when the store has no figures under the structure in `period`.
pub(crate) async fn store(
    c: &Ctx<'_>,
    period: &Period,
) -> Result<Option<minijinja::Value>, PageError> {
    let (st, lang) = (c.st, c.lang);
    let engine = st.app.read().await;
    if !Rate::ALL.iter().all(|r| engine.has_indicator(r.code())) {
        return Ok(None);
    }
    let v = engine.view(c.view);
    let err = |e: chiso_engine::EngineError| PageError::Internal(e.to_string());
    let rate = |r: Rate, unit: &chiso_core::Code| {
        v.indicator(
            r.code(),
            &Scope::Unit(unit.clone()),
            period,
            c.structure_as_of,
        )
        .map_err(err)
    };
    let shown = |x: &Option<chiso_engine::IndicatorValue>| {
        x.as_ref().map(|x| {
            minijinja::context! {
                value => format::percent(x.value, lang),
                parts => format!("{} / {}", format::count(x.numerator, lang), format::count(x.denominator, lang)),
            }
        })
    };
    let mut totals = Vec::new();
    let mut any_total = false;
    for r in Rate::ALL {
        let x = rate(r, &c.root.code)?;
        any_total |= x.is_some();
        totals.push(minijinja::context! {
            code => r.code(),
            name => st.i18n.t(lang, &format!("p06-rate-{}", r.code()), &[]),
            figure => shown(&x),
        });
    }
    // The receiving units: those under the root with no unit below them, existing on the
    // structure's day, with at least one of the five figures in the period.
    let on = c.structure_as_of.unwrap_or(period.end());
    let tree = engine.tree();
    let root = c.root.code.as_str();
    let mut rows = Vec::new();
    for u in tree.units() {
        let code = u.code.as_str();
        if code == root
            || !u.exists_on(on)
            || !tree.is_within(code, root)
            || tree.children(code).next().is_some()
        {
            continue;
        }
        let mut rates = Vec::new();
        let mut any = false;
        for r in ROW_RATES {
            let x = rate(r, &u.code)?;
            any |= x.is_some();
            rates.push(minijinja::context! { code => r.code(), figure => shown(&x) });
        }
        if !any {
            continue;
        }
        rows.push((
            u.name(lang.as_str()).to_string(),
            minijinja::context! {
                code => code,
                name => u.name(lang.as_str()).to_string(),
                rates,
            },
        ));
    }
    if rows.is_empty() && !any_total {
        return Ok(None);
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let heads: Vec<minijinja::Value> = ROW_RATES
        .iter()
        .map(|r| {
            minijinja::context! {
                code => r.code(),
                name => st.i18n.t(lang, &format!("p06-rate-{}", r.code()), &[]),
            }
        })
        .collect();
    Ok(Some(minijinja::context! {
        period => format::period(period, lang),
        period_value => period.to_string(),
        totals,
        heads,
        rows => rows.into_iter().map(|(_, r)| r).collect::<Vec<_>>(),
    }))
}
