//! The engine's snapshot: every unit's own stored number of every series and stored period,
//! in a compact binary file of our own, so that a server starts without reading every value
//! from the database. Everything else the engine holds (units, elements, indicators, reports,
//! approvals, rules) is small and always read from the database; the snapshot names the units
//! and the elements it was written for, and is refused when they differ.
//!
//! Layout (little-endian): the magic `CHISOENG`, the format version (u32), the audit row the
//! values reflect (its sequence number, i64, and its hash), the unit codes in the engine's
//! order, the element codes each with its breakdown options' codes, the number of slices (u64)
//! and each slice — element id, option id (u32 each), its period as text, then one f64 per
//! unit (NaN: no value) — and last the CRC-32 of every byte before it (u32).
//!
//! A string is its length (u32) and its UTF-8 bytes.

use crate::cube::{Engine, Series, Slice};
use chiso_core::Period;
use std::io::{Read, Write};

const MAGIC: &[u8; 8] = b"CHISOENG";
/// The format version written; any other is refused.
pub const SNAPSHOT_VERSION: u32 = 1;
/// Longest string accepted while reading (a code, a period, a hash).
const MAX_STRING: u32 = 4096;

/// The audit row a snapshot reflects: its values are the database's after that row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotHead {
    pub seq: i64,
    pub hash: String,
}

/// Why a snapshot was refused.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not an engine snapshot (it does not start with {MAGIC:?})")]
    NotASnapshot,
    #[error("written in format version {0}; this chiso reads version {SNAPSHOT_VERSION}")]
    Version(u32),
    #[error("the file ends early (truncated)")]
    Truncated,
    #[error("the checksum does not match (the file is damaged)")]
    Checksum,
    #[error("it was written for other {0} than the database holds")]
    Structure(&'static str),
    #[error("damaged: {0}")]
    Damaged(String),
    #[error("cannot read it: {0}")]
    Io(std::io::Error),
}

impl From<std::io::Error> for SnapshotError {
    fn from(e: std::io::Error) -> SnapshotError {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            SnapshotError::Truncated
        } else {
            SnapshotError::Io(e)
        }
    }
}

/// A writer that keeps the CRC-32 of what went through it.
struct Summed<W> {
    inner: W,
    crc: crc32fast::Hasher,
}

impl<W: Write> Summed<W> {
    fn put(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.crc.update(bytes);
        self.inner.write_all(bytes)
    }

    fn string(&mut self, s: &str) -> std::io::Result<()> {
        let len = u32::try_from(s.len())
            .map_err(|_| std::io::Error::other("a string longer than 4 GiB"))?;
        self.put(&len.to_le_bytes())?;
        self.put(s.as_bytes())
    }
}

/// A reader that keeps the CRC-32 of what came through it.
struct Checked<R> {
    inner: R,
    crc: crc32fast::Hasher,
}

impl<R: Read> Checked<R> {
    fn take(&mut self, buf: &mut [u8]) -> Result<(), SnapshotError> {
        self.inner.read_exact(buf)?;
        self.crc.update(buf);
        Ok(())
    }

    fn u32(&mut self) -> Result<u32, SnapshotError> {
        let mut b = [0u8; 4];
        self.take(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn u64(&mut self) -> Result<u64, SnapshotError> {
        let mut b = [0u8; 8];
        self.take(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn string(&mut self) -> Result<String, SnapshotError> {
        let len = self.u32()?;
        if len > MAX_STRING {
            return Err(SnapshotError::Damaged(format!(
                "a string of {len} bytes where at most {MAX_STRING} are written"
            )));
        }
        let mut b = vec![0u8; len as usize];
        self.take(&mut b)?;
        String::from_utf8(b).map_err(|_| SnapshotError::Damaged("a string is not UTF-8".into()))
    }
}

/// A snapshot being read: its head is known, its values not yet (see [`Engine::fill_from`]).
pub struct SnapshotReader<R> {
    r: Checked<R>,
    head: SnapshotHead,
}

impl<R: Read> SnapshotReader<R> {
    /// Read the start of a snapshot: its format and the audit row it reflects.
    pub fn open(inner: R) -> Result<SnapshotReader<R>, SnapshotError> {
        let mut r = Checked {
            inner,
            crc: crc32fast::Hasher::new(),
        };
        let mut magic = [0u8; 8];
        r.take(&mut magic).map_err(|e| match e {
            SnapshotError::Truncated => SnapshotError::NotASnapshot,
            e => e,
        })?;
        if &magic != MAGIC {
            return Err(SnapshotError::NotASnapshot);
        }
        let version = r.u32()?;
        if version != SNAPSHOT_VERSION {
            return Err(SnapshotError::Version(version));
        }
        let seq = r.u64()? as i64;
        let hash = r.string()?;
        Ok(SnapshotReader {
            r,
            head: SnapshotHead { seq, hash },
        })
    }

    pub fn head(&self) -> &SnapshotHead {
        &self.head
    }
}

impl Engine {
    /// Write every unit's own stored number to a snapshot reflecting the audit row `head`.
    pub fn write_snapshot<W: Write>(&self, out: W, head: &SnapshotHead) -> std::io::Result<W> {
        let mut w = Summed {
            inner: out,
            crc: crc32fast::Hasher::new(),
        };
        w.put(MAGIC)?;
        w.put(&SNAPSHOT_VERSION.to_le_bytes())?;
        w.put(&head.seq.to_le_bytes())?;
        w.string(&head.hash)?;
        w.put(&(self.units.len() as u32).to_le_bytes())?;
        for u in &self.units {
            w.string(u.code.as_str())?;
        }
        w.put(&(self.element_codes.len() as u32).to_le_bytes())?;
        for (code, options) in self.element_codes.iter().zip(&self.option_codes) {
            w.string(code.as_str())?;
            w.put(&(options.len() as u32).to_le_bytes())?;
            for o in options {
                w.string(o.as_str())?;
            }
        }
        let count: usize = self.data.values().map(|p| p.len()).sum();
        w.put(&(count as u64).to_le_bytes())?;
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK * 8);
        for (&(e, o), periods) in &self.data {
            for (p, s) in periods {
                w.put(&e.to_le_bytes())?;
                w.put(&o.to_le_bytes())?;
                w.string(&p.to_string())?;
                for part in s.own.chunks(CHUNK) {
                    buf.clear();
                    for x in part {
                        buf.extend_from_slice(&x.to_le_bytes());
                    }
                    w.put(&buf)?;
                }
            }
        }
        let crc = w.crc.clone().finalize();
        w.inner.write_all(&crc.to_le_bytes())?;
        Ok(w.inner)
    }

    /// Fill an engine built without values ([`Engine::skeleton`]) with a snapshot's own
    /// numbers and rebuild its sums. Refused — the engine is then to be dropped — when the
    /// snapshot names other units or elements than the engine holds, is damaged or truncated.
    pub fn fill_from<R: Read>(&mut self, snapshot: SnapshotReader<R>) -> Result<(), SnapshotError> {
        let mut r = snapshot.r;
        let n = r.u32()? as usize;
        if n != self.units.len() {
            return Err(SnapshotError::Structure("units"));
        }
        for i in 0..n {
            if r.string()? != self.units[i].code.as_str() {
                return Err(SnapshotError::Structure("units"));
            }
        }
        let elements = r.u32()? as usize;
        if elements != self.element_codes.len() {
            return Err(SnapshotError::Structure("data elements"));
        }
        for e in 0..elements {
            if r.string()? != self.element_codes[e].as_str() {
                return Err(SnapshotError::Structure("data elements"));
            }
            let options = r.u32()? as usize;
            if options != self.option_codes[e].len() {
                return Err(SnapshotError::Structure("breakdown options"));
            }
            for o in 0..options {
                if r.string()? != self.option_codes[e][o].as_str() {
                    return Err(SnapshotError::Structure("breakdown options"));
                }
            }
        }
        let count = r.u64()?;
        let mut buf = vec![0u8; CHUNK * 8];
        for _ in 0..count {
            let series: Series = (r.u32()?, r.u32()?);
            let known = (series.0 as usize) < elements
                && ((series.1 == crate::cube::NO_OPTION
                    && self.option_codes[series.0 as usize].is_empty())
                    || (series.1 as usize) < self.option_codes[series.0 as usize].len());
            if !known {
                return Err(SnapshotError::Damaged(format!(
                    "a slice of series {series:?}, which is not in the file's list"
                )));
            }
            let text = r.string()?;
            let period = Period::parse(&text)
                .map_err(|_| SnapshotError::Damaged(format!("'{text}' is not a period")))?;
            let slice = self
                .data
                .entry(series)
                .or_default()
                .entry(period)
                .or_insert_with(|| Slice::new(n));
            for part in slice.own.chunks_mut(CHUNK) {
                let bytes = &mut buf[..part.len() * 8];
                r.take(bytes)?;
                for (x, b) in part.iter_mut().zip(bytes.chunks_exact(8)) {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    *x = f64::from_le_bytes(a);
                }
            }
        }
        let crc = r.crc.clone().finalize();
        let mut b = [0u8; 4];
        r.inner.read_exact(&mut b)?;
        if u32::from_le_bytes(b) != crc {
            return Err(SnapshotError::Checksum);
        }
        let mut extra = [0u8; 1];
        if r.inner.read(&mut extra)? != 0 {
            return Err(SnapshotError::Damaged(
                "bytes follow the checksum (two files written into one?)".into(),
            ));
        }
        self.forget_carried();
        self.rebuild_sums();
        Ok(())
    }
}

/// Units written or read at a time.
const CHUNK: usize = 8192;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::{c, element, tree, value};
    use crate::{Input, Scope};
    use chiso_core::DataValue;
    use proptest::prelude::*;

    fn engine_with(parents: &[usize], values: &[(usize, u8, u8, i32)]) -> (Engine, Input) {
        let units = tree(parents);
        let n = units.len();
        let vals: Vec<DataValue> = values
            .iter()
            .map(|&(u, e, m, x)| {
                value(
                    &format!("E{}", e % 3),
                    units[u % n].unit.code.as_str(),
                    Period::Month(2024, m % 12 + 1),
                    f64::from(x) / 4.0,
                )
            })
            .collect();
        let input = Input {
            units,
            elements: vec![element("E0"), element("E1"), element("E2")],
            values: vals,
            ..Default::default()
        };
        (Engine::build(input.clone()), input)
    }

    fn written(e: &Engine, head: &SnapshotHead) -> Vec<u8> {
        e.write_snapshot(Vec::new(), head).unwrap()
    }

    fn read_into(bytes: &[u8], input: &Input) -> Result<Engine, SnapshotError> {
        let mut e = Engine::skeleton(input.clone());
        let r = SnapshotReader::open(bytes)?;
        e.fill_from(r)?;
        Ok(e)
    }

    /// Every slice's own values (bit for bit), sums and counts, in both views.
    fn same(a: &Engine, b: &Engine) -> bool {
        a.data.len() == b.data.len()
            && a.data.iter().all(|(k, periods)| {
                b.data.get(k).is_some_and(|q| {
                    q.len() == periods.len()
                        && periods.iter().all(|(p, s)| {
                            q.get(p).is_some_and(|t| {
                                s.own
                                    .iter()
                                    .map(|x| x.to_bits())
                                    .eq(t.own.iter().map(|x| x.to_bits()))
                                    && s.sum == t.sum
                                    && s.cnt == t.cnt
                                    && s.off.as_ref().map(|o| (&o.ok, &o.sum, &o.cnt))
                                        == t.off.as_ref().map(|o| (&o.ok, &o.sum, &o.cnt))
                            })
                        })
                })
            })
    }

    proptest! {
        #[test]
        fn a_snapshot_reads_back_the_same_engine(
            parents in proptest::collection::vec(0usize..1000, 1..40),
            values in proptest::collection::vec((0usize..40, 0u8..3, 0u8..12, -1000i32..100_000), 0..120),
            seq in 0i64..1_000_000,
        ) {
            let (engine, input) = engine_with(&parents, &values);
            let head = SnapshotHead { seq, hash: format!("{seq:064x}") };
            let bytes = written(&engine, &head);
            let reader = SnapshotReader::open(&bytes[..]).unwrap();
            prop_assert_eq!(reader.head(), &head);
            let back = read_into(&bytes, &input).unwrap();
            prop_assert!(same(&engine, &back));
            for u in &input.units {
                let s = Scope::Unit(u.unit.code.clone());
                for el in ["E0", "E1", "E2"] {
                    prop_assert_eq!(
                        engine.element(&c(el), None, &s, &Period::Year(2024), None).unwrap(),
                        back.element(&c(el), None, &s, &Period::Year(2024), None).unwrap()
                    );
                }
            }
        }

        #[test]
        fn a_damaged_byte_or_a_short_file_is_refused(
            values in proptest::collection::vec((0usize..10, 0u8..3, 0u8..12, 0i32..1000), 1..30),
            at in 0usize..10_000,
            flip in 1u8..=255,
            cut in 0usize..10_000,
        ) {
            let (engine, input) = engine_with(&[0, 0, 1, 1, 2, 3], &values);
            let bytes = written(&engine, &SnapshotHead { seq: 7, hash: "ab".into() });
            let mut damaged = bytes.clone();
            let i = at % damaged.len();
            damaged[i] ^= flip;
            prop_assert!(read_into(&damaged, &input).is_err());
            let short = &bytes[..cut % bytes.len()];
            prop_assert!(read_into(short, &input).is_err());
        }
    }

    #[test]
    fn a_snapshot_of_other_units_or_elements_or_version_is_refused() {
        let (engine, input) = engine_with(&[0, 0, 1], &[(1, 0, 1, 5), (2, 1, 2, 7)]);
        let bytes = written(
            &engine,
            &SnapshotHead {
                seq: 1,
                hash: "x".into(),
            },
        );
        let mut other = input.clone();
        other.elements.push(element("E9"));
        assert!(matches!(
            read_into(&bytes, &other),
            Err(SnapshotError::Structure("data elements"))
        ));
        let mut fewer = input.clone();
        fewer.units.pop();
        assert!(matches!(
            read_into(&bytes, &fewer),
            Err(SnapshotError::Structure("units"))
        ));
        let mut v2 = bytes.clone();
        v2[8] = 2;
        assert!(matches!(
            read_into(&v2, &input),
            Err(SnapshotError::Version(2))
        ));
        assert!(matches!(
            read_into(b"PK\x03\x04", &input),
            Err(SnapshotError::NotASnapshot)
        ));
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(matches!(
            read_into(&longer, &input),
            Err(SnapshotError::Damaged(_))
        ));
        assert!(read_into(&bytes, &input).is_ok());
    }
}
