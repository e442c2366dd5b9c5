//! The store's figures computed by columns: the records turned once into integer columns (a
//! unit's number, a month's number, a few flags and small counts per dossier — results and
//! ratings joined to their dossier while building), then every unit and month counted in one
//! pass over those columns into a dense table indexed by unit and month, split across threads
//! when there are many dossiers. No string is compared, hashed or allocated in the pass.
//!
//! It gives exactly what [`crate::figures::tally`] gives (a test holds them equal on random
//! records); the application layer counts this way, and the benchmark measures it.

use crate::figures::{Counts, Key};
use crate::model::{Dossier, DossierStatus, Rating, RatingValue, ResultKind, StoredResult};
use chiso_core::Code;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// A dossier's receipt packed in 32 bits: online, every component digital, one of the 53
/// essential services, then its components and those reused, 10 bits each.
const ONLINE: u32 = 1;
const DIGITISED: u32 = 1 << 1;
const ESSENTIAL: u32 = 1 << 2;
const COMPONENTS_AT: u32 = 3;
const REUSED_AT: u32 = 13;
const WIDE10: usize = (1 << 10) - 1;
/// A dossier's finishing packed in 32 bits: on time, rated, satisfied, not satisfied, then its
/// results, electronic results and results held by the store, 9 bits each.
const ON_TIME: u32 = 1;
const RATED: u32 = 1 << 1;
const SATISFIED: u32 = 1 << 2;
const UNSATISFIED: u32 = 1 << 3;
const RESULTS_AT: u32 = 4;
const ELECTRONIC_AT: u32 = 13;
const LINKED_AT: u32 = 22;
const WIDE9: u32 = (1 << 9) - 1;
/// Never met: a table holds at most [`MAX_CELLS`] cells, far below it.
const NONE: u32 = u32::MAX;
/// Rows counted into 32-bit cells before they are added into the 64-bit table: 2^22 rows of
/// at most 2^10 − 1 components (or 2^9 − 1 results) each stay below 2^32.
const BATCH: usize = 1 << 22;

/// A month as one number (year × 12 + month − 1).
fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// The records as columns, one entry per dossier: the table cell (unit × month) it counts in
/// when received and when finished, and what it adds there, packed.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The receiving units, numbered in the order first met.
    units: Vec<Code>,
    /// The first month any dossier counts in; months are counted from it.
    base: i64,
    /// Months from `base` to the last month any dossier counts in, plus one.
    months: usize,
    received_cell: Vec<u32>,
    received: Vec<u32>,
    finished_cell: Vec<u32>,
    finished: Vec<u32>,
    /// A dossier holds more than the packing carries (1,023 components, 511 results): the
    /// records are then counted row by row.
    wide: bool,
}

/// What a dossier's results add (results proper, not the scans of earlier papers).
#[derive(Clone, Copy, Default)]
struct ResultCounts {
    results: u32,
    electronic: u32,
    linked: u32,
}

impl Columns {
    /// Build the columns from the records. `results` and `ratings` of other dossiers are
    /// ignored; when a dossier has several ratings the last one counts, as in
    /// [`crate::figures::tally`].
    pub fn build(dossiers: &[Dossier], results: &[StoredResult], ratings: &[Rating]) -> Columns {
        let mut by_dossier: HashMap<&str, ResultCounts> = HashMap::new();
        for r in results.iter().filter(|r| r.kind == ResultKind::Result) {
            let c = by_dossier.entry(r.dossier.as_str()).or_default();
            c.results += 1;
            c.electronic += u32::from(r.electronic());
            c.linked += u32::from(r.linked());
        }
        let rated: HashMap<&str, RatingValue> = ratings
            .iter()
            .map(|r| (r.dossier.as_str(), r.value))
            .collect();
        let n = dossiers.len();
        let mut c = Columns::default();
        if n == 0 {
            return c;
        }
        // The units and the span of months first, so cells are small numbers.
        let mut numbers: HashMap<&str, u32> = HashMap::new();
        let mut unit_of = Vec::with_capacity(n);
        let (mut lo, mut hi) = (i64::MAX, i64::MIN);
        for d in dossiers {
            let next = c.units.len();
            let u = *numbers.entry(d.unit.as_str()).or_insert_with(|| {
                c.units.push(d.unit.clone());
                u32::try_from(next).unwrap_or(u32::MAX)
            });
            unit_of.push(u);
            let r = month_number(d.received);
            lo = lo.min(r);
            hi = hi.max(r);
            if let Some(f) = finished_day(d) {
                let f = month_number(f);
                lo = lo.min(f);
                hi = hi.max(f);
            }
        }
        c.base = lo;
        c.months = usize::try_from(hi - lo + 1).unwrap_or(usize::MAX);
        if c.units.len().saturating_mul(c.months) > MAX_CELLS {
            c.wide = true;
            return c;
        }
        let cell = |u: u32, day: NaiveDate| {
            u32::try_from(u as usize * c.months + (month_number(day) - lo) as usize).unwrap_or(NONE)
        };
        let mut received_cell = Vec::with_capacity(n);
        let mut received = Vec::with_capacity(n);
        let mut finished_cell = Vec::with_capacity(n);
        let mut finished = Vec::with_capacity(n);
        let mut wide = false;
        for (d, &u) in dossiers.iter().zip(&unit_of) {
            received_cell.push(cell(u, d.received));
            let comps = &d.components;
            let reused = comps.iter().filter(|x| x.reused || x.national_db).count();
            wide |= comps.len() > WIDE10;
            received.push(
                if d.online { ONLINE } else { 0 }
                    | if comps.iter().all(|x| x.is_digital()) {
                        DIGITISED
                    } else {
                        0
                    }
                    | if d.essential { ESSENTIAL } else { 0 }
                    | ((comps.len() & WIDE10) as u32) << COMPONENTS_AT
                    | ((reused & WIDE10) as u32) << REUSED_AT,
            );
            match finished_day(d) {
                Some(f) => {
                    finished_cell.push(cell(u, f));
                    let r = by_dossier.get(d.code.as_str()).copied().unwrap_or_default();
                    wide |= r.results > WIDE9;
                    let rating = rated.get(d.code.as_str()).copied();
                    finished.push(
                        if d.on_time() == Some(true) {
                            ON_TIME
                        } else {
                            0
                        } | match rating {
                            None => 0,
                            Some(RatingValue::Satisfied) => RATED | SATISFIED,
                            Some(RatingValue::Unsatisfied) => RATED | UNSATISFIED,
                            Some(_) => RATED,
                        } | (r.results & WIDE9) << RESULTS_AT
                            | (r.electronic & WIDE9) << ELECTRONIC_AT
                            | (r.linked & WIDE9) << LINKED_AT,
                    );
                }
                None => {
                    // Not finished: counted into the spare cell past the table, never read.
                    finished_cell.push(u32::try_from(c.units.len() * c.months).unwrap_or(NONE));
                    finished.push(0);
                }
            }
        }
        c.received_cell = received_cell;
        c.received = received;
        c.finished_cell = finished_cell;
        c.finished = finished;
        c.wide = wide;
        c
    }

    /// The number of dossiers.
    pub fn len(&self) -> usize {
        self.received.len()
    }

    pub fn is_empty(&self) -> bool {
        self.received.is_empty()
    }

    /// Whether these records can be counted by columns (else [`Columns::tally`] is none).
    pub fn countable(&self) -> bool {
        !self.wide
    }

    /// Count every unit and month, on up to `threads` threads (1: on this one); none when the
    /// records are too wide for the columns ([`Columns::countable`]).
    pub fn tally(&self, threads: usize) -> Option<Dense> {
        if self.wide {
            return None;
        }
        let cells = self.units.len() * self.months;
        let n = self.len();
        let threads = threads.clamp(1, 64).min(n / 100_000 + 1);
        let table = if threads == 1 {
            self.tally_rows(0, n, cells)
        } else {
            let chunk = n.div_ceil(threads);
            let parts: Vec<Table> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|t| {
                        let (from, to) = ((t * chunk).min(n), ((t + 1) * chunk).min(n));
                        s.spawn(move || self.tally_rows(from, to, cells))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
                    .collect()
            });
            let mut sum = Table::new(cells);
            for part in &parts {
                sum.add(part);
            }
            sum
        };
        Some(Dense {
            received: table.received,
            finished: table.finished,
            units: self.units.clone(),
            base: self.base,
            months: self.months,
        })
    }

    /// Count the dossiers `from..to` into a fresh table: into 32-bit cells a batch at a time,
    /// then into the 64-bit table.
    fn tally_rows(&self, from: usize, to: usize, cells: usize) -> Table {
        let mut out = Table::new(cells);
        let mut rx = vec![Cell::default(); cells];
        // One spare cell past the table takes the dossiers not finished, without a branch.
        let mut fx = vec![Cell::default(); cells + 1];
        let mut at = from;
        while at < to {
            let end = (at + BATCH).min(to);
            let (rc, rv) = (&self.received_cell[at..end], &self.received[at..end]);
            for (&cell, &v) in rc.iter().zip(rv) {
                let c = &mut rx[cell as usize].0;
                let essential = (v & ESSENTIAL) >> 2;
                c[0] += 1;
                c[1] += v & ONLINE;
                c[2] += (v & DIGITISED) >> 1;
                c[3] += (v >> COMPONENTS_AT) & WIDE10 as u32;
                c[4] += (v >> REUSED_AT) & WIDE10 as u32;
                c[5] += essential;
                c[6] += essential & v;
            }
            let (fc, fv) = (&self.finished_cell[at..end], &self.finished[at..end]);
            for (&cell, &v) in fc.iter().zip(fv) {
                let c = &mut fx[cell as usize].0;
                c[0] += 1;
                c[1] += v & ON_TIME;
                c[2] += (v >> RESULTS_AT) & WIDE9;
                c[3] += (v >> ELECTRONIC_AT) & WIDE9;
                c[4] += (v >> LINKED_AT) & WIDE9;
                c[5] += (v & RATED) >> 1;
                c[6] += (v & SATISFIED) >> 2;
                c[7] += (v & UNSATISFIED) >> 3;
            }
            out.flush(&mut rx, &mut fx);
            at = end;
        }
        out
    }
}

/// Eight 32-bit counts in one aligned half cache line.
#[derive(Clone, Copy, Default)]
#[repr(align(32))]
struct Cell([u32; 8]);

/// The 64-bit table of counts: the receipt's seven counts and the finishing's eight per cell.
struct Table {
    received: Vec<[u64; 8]>,
    finished: Vec<[u64; 8]>,
}

impl Table {
    fn new(cells: usize) -> Table {
        Table {
            received: vec![[0; 8]; cells],
            finished: vec![[0; 8]; cells],
        }
    }

    fn add(&mut self, o: &Table) {
        for (a, b) in self.received.iter_mut().zip(&o.received) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        for (a, b) in self.finished.iter_mut().zip(&o.finished) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
    }

    /// Add a batch's 32-bit cells into the table and clear them.
    fn flush(&mut self, rx: &mut [Cell], fx: &mut [Cell]) {
        for (a, b) in self.received.iter_mut().zip(rx.iter_mut()) {
            a.iter_mut().zip(b.0).for_each(|(x, y)| *x += u64::from(y));
            *b = Cell::default();
        }
        // The spare cell past the table (dossiers not finished) is left out by the zip.
        for (a, b) in self.finished.iter_mut().zip(fx.iter_mut()) {
            a.iter_mut().zip(b.0).for_each(|(x, y)| *x += u64::from(y));
            *b = Cell::default();
        }
    }
}

/// The day a dossier counts as finished in, when it is finished.
fn finished_day(d: &Dossier) -> Option<NaiveDate> {
    match (d.status, d.finished) {
        (DossierStatus::Finished, Some(f)) => Some(f),
        _ => None,
    }
}

/// The counts of every unit and month, as a dense table (unit × month): what a dossier adds
/// when received (received, online, digitised, components, reused, essential, essential
/// online) and when finished (finished, on time, results, electronic, linked, ratings,
/// satisfied, not satisfied).
#[derive(Debug, Clone, Default)]
pub struct Dense {
    received: Vec<[u64; 8]>,
    finished: Vec<[u64; 8]>,
    units: Vec<Code>,
    base: i64,
    months: usize,
}

impl Dense {
    /// The units, in the table's order.
    pub fn units(&self) -> &[Code] {
        &self.units
    }

    /// The number of months the table spans.
    pub fn months(&self) -> usize {
        self.months
    }

    /// (year, month 1–12) of the table's month `k`.
    pub fn month(&self, k: usize) -> (i32, u8) {
        let n = self.base + k as i64;
        (
            i32::try_from(n.div_euclid(12)).unwrap_or(i32::MAX),
            (n.rem_euclid(12) + 1) as u8,
        )
    }

    /// The counts of unit `u` (its number in [`Dense::units`]) in month `k`, or none when no
    /// dossier counts there.
    pub fn get(&self, u: usize, k: usize) -> Option<Counts> {
        if k >= self.months {
            return None;
        }
        let i = u.checked_mul(self.months)? + k;
        let (r, f) = (self.received.get(i)?, self.finished.get(i)?);
        if r[0] == 0 && f[0] == 0 {
            return None;
        }
        let v = |x: u64| i64::try_from(x).unwrap_or(i64::MAX);
        Some(Counts {
            received: v(r[0]),
            online: v(r[1]),
            digitised: v(r[2]),
            components: v(r[3]),
            reused: v(r[4]),
            essential: v(r[5]),
            essential_online: v(r[6]),
            finished: v(f[0]),
            on_time: v(f[1]),
            results: v(f[2]),
            electronic: v(f[3]),
            linked: v(f[4]),
            ratings: v(f[5]),
            satisfied: v(f[6]),
            unsatisfied: v(f[7]),
        })
    }

    /// The (numerator, denominator) of a rate in every cell (unit × month, in order) at once,
    /// without building [`Counts`]: the benchmark's five rates read the table this way.
    pub fn parts(&self, r: crate::figures::Rate) -> impl Iterator<Item = (u64, u64)> + '_ {
        use crate::figures::Rate::*;
        let (side, n, d) = match r {
            ElectronicResults => (&self.finished, 3, 2),
            Digitisation => (&self.received, 2, 0),
            Reuse => (&self.received, 4, 3),
            StoreLinked => (&self.finished, 4, 2),
            OnTime => (&self.finished, 1, 0),
            Online => (&self.received, 1, 0),
            Essential53 => (&self.received, 6, 5),
            Satisfaction => (&self.finished, 6, 5),
        };
        side.iter().map(move |c| (c[n], c[d]))
    }

    /// Add one more dossier (received, and finished with its results and rating when it is)
    /// to its unit and month: the incremental update. A unit or month outside the table is
    /// refused (`false`, nothing changed): the table is then built again.
    pub fn add(
        &mut self,
        unit: usize,
        d: &Dossier,
        results: &[&StoredResult],
        rating: Option<RatingValue>,
    ) -> bool {
        let cell = |day: NaiveDate, me: &Dense| {
            let k = usize::try_from(month_number(day) - me.base).ok()?;
            (unit < me.units.len() && k < me.months).then_some(unit * me.months + k)
        };
        let Some(r) = cell(d.received, self) else {
            return false;
        };
        let f = finished_day(d).map(|f| cell(f, self));
        if f == Some(None) {
            return false;
        }
        let c = &mut self.received[r];
        c[0] += 1;
        c[1] += u64::from(d.online);
        c[2] += u64::from(d.components.iter().all(|x| x.is_digital()));
        c[3] += d.components.len() as u64;
        c[4] += d
            .components
            .iter()
            .filter(|x| x.reused || x.national_db)
            .count() as u64;
        c[5] += u64::from(d.essential);
        c[6] += u64::from(d.essential && d.online);
        if let Some(Some(f)) = f {
            let c = &mut self.finished[f];
            c[0] += 1;
            c[1] += u64::from(d.on_time() == Some(true));
            for x in results.iter().filter(|x| x.kind == ResultKind::Result) {
                c[2] += 1;
                c[3] += u64::from(x.electronic());
                c[4] += u64::from(x.linked());
            }
            if let Some(v) = rating {
                c[5] += 1;
                c[6] += u64::from(v == RatingValue::Satisfied);
                c[7] += u64::from(v == RatingValue::Unsatisfied);
            }
        }
        true
    }

    /// The counts by unit and month, as [`crate::figures::tally`] gives them: only the units
    /// and months some dossier counts in.
    pub fn to_map(&self) -> BTreeMap<Key, Counts> {
        let mut out = BTreeMap::new();
        for (u, code) in self.units.iter().enumerate() {
            for k in 0..self.months {
                if let Some(c) = self.get(u, k) {
                    let (y, m) = self.month(k);
                    out.insert((code.clone(), y, m), c);
                }
            }
        }
        out
    }
}

/// The most cells (units × months) a dense table is made of; records spread wider (many
/// units over many years) are counted row by row instead.
pub const MAX_CELLS: usize = 4_000_000;

/// Count dossiers, their results and ratings by receiving unit and month, by columns on the
/// threads the machine offers (row by row when the records are too wide for the columns).
pub fn tally(
    dossiers: &[Dossier],
    results: &[StoredResult],
    ratings: &[Rating],
) -> BTreeMap<Key, Counts> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match Columns::build(dossiers, results, ratings).tally(threads) {
        Some(dense) => dense.to_map(),
        None => crate::figures::tally(dossiers, results, ratings),
    }
}
