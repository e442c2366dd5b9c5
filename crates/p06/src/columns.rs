//! The store's figures computed by columns: the records turned once into two columns of
//! 32-bit words (results and ratings joined to their dossier while building), then every unit
//! and month counted in one pass over those words into a dense table indexed by unit and
//! month, split across threads when there are many dossiers. No string is compared, hashed or
//! allocated in the pass.
//!
//! A word is a dossier's table cell (unit × month) and the number of what it adds there, in a
//! small dictionary of the distinct additions the records hold: when received, the dossier
//! itself, online or not, every component digital or not, its components and those reused,
//! an essential service or not; when finished, on time or not, its results, electronic
//! results and results held by the store, its rating. Records have few distinct additions
//! (a few dozen in the benchmark), so the pass reads 4 bytes a dossier a side and adds one
//! 8-lane vector from the dictionary into one 32-byte cell.
//!
//! It gives exactly what [`crate::figures::tally`] gives (a test holds them equal on random
//! records); the application layer counts this way, and the benchmark measures it.

use crate::figures::{Counts, Key};
use crate::model::{Dossier, DossierStatus, Rating, RatingValue, ResultKind, StoredResult};
use chiso_core::Code;
use chrono::{Datelike, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// A month as one number (year × 12 + month − 1).
fn month_number(d: NaiveDate) -> i64 {
    i64::from(d.year()) * 12 + i64::from(d.month0())
}

/// Eight 32-bit counts in one aligned half cache line: what one dossier adds (a dictionary
/// entry), or what a batch of dossiers added to a cell.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
#[repr(align(32))]
struct Cell([u32; 8]);

impl Cell {
    #[inline(always)]
    fn add(&mut self, o: &Cell) {
        for (a, b) in self.0.iter_mut().zip(o.0) {
            *a = a.wrapping_add(b);
        }
    }
}

/// One side of the records (the receipts, or the finishings): a word per dossier — its cell
/// shifted left by `bits`, or'ed with its addition's number in `dict`.
#[derive(Debug, Clone, Default)]
struct Side {
    words: Vec<u32>,
    dict: Vec<Cell>,
    bits: u32,
    /// Words counted into 32-bit cells before they are added into the 64-bit table: no lane
    /// of a cell can pass 2^32 − 1 within a batch.
    batch: usize,
}

impl std::fmt::Debug for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// The distinct additions met while building a side, numbered in the order first met.
#[derive(Default)]
struct Dict {
    numbers: HashMap<Cell, u32>,
    entries: Vec<Cell>,
}

impl Dict {
    fn number(&mut self, c: Cell) -> u32 {
        let next = u32::try_from(self.entries.len()).unwrap_or(u32::MAX);
        *self.numbers.entry(c).or_insert_with(|| {
            self.entries.push(c);
            next
        })
    }

    /// The side's words, or none when a cell and an addition's number do not fit 32 bits
    /// together (records spread over millions of cells with over a thousand kinds of dossier).
    fn side(self, cells: usize, cell_of: &[u32], number_of: &[u32]) -> Option<Side> {
        let bits = usize::BITS - self.entries.len().saturating_sub(1).leading_zeros();
        if bits >= 32 || (cells as u64) << bits > 1 << 32 {
            return None;
        }
        let words = cell_of
            .iter()
            .zip(number_of)
            .map(|(c, n)| c << bits | n)
            .collect();
        let top = self
            .entries
            .iter()
            .flat_map(|c| c.0)
            .max()
            .unwrap_or(0)
            .max(1);
        Some(Side {
            words,
            dict: self.entries,
            bits,
            batch: (u32::MAX / top) as usize,
        })
    }
}

/// The records as columns: the units and months of the table, and the two sides' words.
#[derive(Debug, Clone, Default)]
pub struct Columns {
    /// The receiving units, numbered in the order first met.
    units: Vec<Code>,
    /// The first month any dossier counts in; months are counted from it.
    base: i64,
    /// Months from `base` to the last month any dossier counts in, plus one.
    months: usize,
    /// What every dossier adds in the month it was received.
    received: Side,
    /// What every finished dossier adds in the month it was finished.
    finished: Side,
    /// The number of dossiers.
    n: usize,
    /// The records do not fit the columns (see [`Dict::side`], [`MAX_CELLS`]): they are then
    /// counted row by row.
    wide: bool,
}

/// What a dossier's results add (results proper, not the scans of earlier papers).
#[derive(Clone, Copy, Default)]
struct ResultCounts {
    results: u32,
    electronic: u32,
    linked: u32,
}

fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl Columns {
    /// Build the columns from the records. `results` and `ratings` of other dossiers are
    /// ignored; when a dossier has several ratings the last one counts, as in
    /// [`crate::figures::tally`].
    pub fn build(dossiers: &[Dossier], results: &[StoredResult], ratings: &[Rating]) -> Columns {
        let mut by_dossier: HashMap<&str, ResultCounts> = HashMap::new();
        for r in results.iter().filter(|r| r.kind == ResultKind::Result) {
            let c = by_dossier.entry(r.dossier.as_str()).or_default();
            c.results = c.results.saturating_add(1);
            c.electronic = c.electronic.saturating_add(u32::from(r.electronic()));
            c.linked = c.linked.saturating_add(u32::from(r.linked()));
        }
        let rated: HashMap<&str, RatingValue> = ratings
            .iter()
            .map(|r| (r.dossier.as_str(), r.value))
            .collect();
        let n = dossiers.len();
        let mut c = Columns {
            n,
            ..Columns::default()
        };
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
                small(next)
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
        let cells = c.units.len().saturating_mul(c.months);
        if cells > MAX_CELLS {
            c.wide = true;
            return c;
        }
        let cell = |u: u32, day: NaiveDate| {
            small(u as usize * c.months + (month_number(day) - lo) as usize)
        };
        let (mut rdict, mut fdict) = (Dict::default(), Dict::default());
        let (mut rcell, mut rnum) = (Vec::with_capacity(n), Vec::with_capacity(n));
        let (mut fcell, mut fnum) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for (d, &u) in dossiers.iter().zip(&unit_of) {
            let comps = &d.components;
            rcell.push(cell(u, d.received));
            rnum.push(rdict.number(Cell([
                1,
                u32::from(d.online),
                u32::from(comps.iter().all(|x| x.is_digital())),
                small(comps.len()),
                small(comps.iter().filter(|x| x.reused || x.national_db).count()),
                u32::from(d.essential),
                u32::from(d.essential && d.online),
                0,
            ])));
            if let Some(f) = finished_day(d) {
                let r = by_dossier.get(d.code.as_str()).copied().unwrap_or_default();
                let rating = rated.get(d.code.as_str()).copied();
                fcell.push(cell(u, f));
                fnum.push(fdict.number(Cell([
                    1,
                    u32::from(d.on_time() == Some(true)),
                    r.results,
                    r.electronic,
                    r.linked,
                    u32::from(rating.is_some()),
                    u32::from(rating == Some(RatingValue::Satisfied)),
                    u32::from(rating == Some(RatingValue::Unsatisfied)),
                ])));
            }
        }
        match (
            rdict.side(cells, &rcell, &rnum),
            fdict.side(cells, &fcell, &fnum),
        ) {
            (Some(r), Some(f)) => {
                c.received = r;
                c.finished = f;
            }
            _ => c.wide = true,
        }
        c
    }

    /// The number of dossiers.
    pub fn len(&self) -> usize {
        self.n
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// The number of distinct additions (kinds of dossier) met on receipt and on finishing.
    pub fn kinds(&self) -> (usize, usize) {
        (self.received.dict.len(), self.finished.dict.len())
    }

    /// Whether these records can be counted by columns (else [`Columns::tally`] is none).
    pub fn countable(&self) -> bool {
        !self.wide
    }

    /// Count every unit and month, on up to `threads` threads (1: on this one); none when the
    /// records do not fit the columns ([`Columns::countable`]).
    pub fn tally(&self, threads: usize) -> Option<Dense> {
        let cells = self.units.len() * self.months;
        let mut out = Dense {
            received: vec![[0; 8]; cells],
            finished: vec![[0; 8]; cells],
            units: self.units.clone(),
            base: self.base,
            months: self.months,
            scratch: Vec::new(),
        };
        self.tally_into(threads, &mut out).then_some(out)
    }

    /// [`Columns::tally`] into a table an earlier count of the same columns made, its counts
    /// replaced: a count made again allocates nothing (the threads' 32-bit cells are kept with
    /// the table). False (the table untouched) when the records do not fit the columns or the
    /// table is not of their shape.
    pub fn tally_into(&self, threads: usize, out: &mut Dense) -> bool {
        let cells = self.units.len() * self.months;
        if self.wide
            || out.received.len() != cells
            || out.finished.len() != cells
            || out.months != self.months
            || out.base != self.base
            || out.units != self.units
        {
            return false;
        }
        // Threads share the dossiers in equal parts; a part under 100,000 dossiers is not
        // worth a thread. The calling thread counts the first part itself.
        let threads = threads.clamp(1, 64).min(self.n / 100_000 + 1);
        let mut scratch = std::mem::take(&mut out.scratch);
        scratch.resize_with(2 * threads, Vec::new);
        for acc in &mut scratch {
            acc.clear();
            acc.resize(cells, Cell::default());
        }
        let work = |t: usize, pair: &mut [Vec<Cell>]| -> [Option<Vec<[u64; 8]>>; 2] {
            let (r, f) = pair.split_at_mut(1);
            [
                self.received.count(t, threads, &mut r[0]),
                self.finished.count(t, threads, &mut f[0]),
            ]
        };
        let spilled: Vec<[Option<Vec<[u64; 8]>>; 2]> = if threads == 1 {
            vec![work(0, &mut scratch)]
        } else {
            std::thread::scope(|s| {
                let mut pairs = scratch.chunks_mut(2);
                let mine = pairs.next();
                let handles: Vec<_> = pairs
                    .enumerate()
                    .map(|(t, pair)| s.spawn(move || work(t + 1, pair)))
                    .collect();
                let mut out: Vec<_> = mine.map(|pair| work(0, pair)).into_iter().collect();
                out.extend(
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
                );
                out
            })
        };
        out.received.fill([0; 8]);
        out.finished.fill([0; 8]);
        for (pair, [r, f]) in scratch.chunks(2).zip(spilled) {
            add_cells(&mut out.received, &pair[0]);
            add_cells(&mut out.finished, &pair[1]);
            for (table, wide) in [(&mut out.received, r), (&mut out.finished, f)] {
                for (a, b) in table.iter_mut().zip(wide.iter().flatten()) {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                }
            }
        }
        out.scratch = scratch;
        true
    }
}

fn add_cells(table: &mut [[u64; 8]], cells: &[Cell]) {
    for (a, b) in table.iter_mut().zip(cells) {
        a.iter_mut().zip(b.0).for_each(|(x, y)| *x += u64::from(y));
    }
}

impl Side {
    /// Count part `t` of `parts` of the words into `acc` (zeroed, one per cell): the last
    /// batch stays there, the batches before it (when the part is longer than a batch) are
    /// added into the 64-bit table returned.
    fn count(&self, t: usize, parts: usize, acc: &mut [Cell]) -> Option<Vec<[u64; 8]>> {
        let n = self.words.len();
        let chunk = n.div_ceil(parts.max(1));
        let (from, to) = ((t * chunk).min(n), ((t + 1) * chunk).min(n));
        let mut wide: Option<Vec<[u64; 8]>> = None;
        let mask = (1u32 << self.bits).wrapping_sub(1);
        let (bits, dict) = (self.bits, self.dict.as_slice());
        for (k, batch) in self.words[from..to].chunks(self.batch.max(1)).enumerate() {
            if k > 0 {
                let w = wide.get_or_insert_with(|| vec![[0; 8]; acc.len()]);
                add_cells(w, acc);
                acc.fill(Cell::default());
            }
            for &w in batch {
                // A word's cell is below `cells` and its number below the dictionary's
                // length by construction ([`Dict::side`]); `get` keeps a fault from reading
                // past either.
                if let (Some(c), Some(d)) = (
                    acc.get_mut((w >> bits) as usize),
                    dict.get((w & mask) as usize),
                ) {
                    c.add(d);
                }
            }
        }
        wide
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
    /// The counting threads' 32-bit cells (receipts and finishings of each), kept for the
    /// next count into this table ([`Columns::tally_into`]).
    scratch: Vec<Vec<Cell>>,
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
