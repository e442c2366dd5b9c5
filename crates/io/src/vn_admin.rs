//! Vietnam's administrative units, shipped with chiso (`data/vn-admin/`, MIT licence of the
//! `vietnamadminunits` data set beside the files): the legacy three-level structure in force
//! until 30 June 2025, the two-level structure from 1 July 2025, and the crosswalk from legacy
//! communes to 2025 communes.
//!
//! Codes: legacy units keep the General Statistics Office (GSO) code as their chiso code
//! (`58`, `582`, `22738`). The GSO reused codes in the 2025 structure, so 2025 units are coded
//! `2025-` + GSO code (`2025-56`, `2025-22738`); both carry the plain GSO code in `gso_code`.

use crate::names::english_unit_name;
use crate::FileError;
use chiso_core::{Code, SuccessorLink, Unit, UnitKind};
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

pub const LEGACY_CSV: &str = include_str!("../../../data/vn-admin/units_legacy.csv");
pub const UNITS_2025_CSV: &str = include_str!("../../../data/vn-admin/units_2025.csv");
pub const CROSSWALK_CSV: &str = include_str!("../../../data/vn-admin/crosswalk_2025.csv");

/// Prefix of the chiso code of a unit of the 2025 structure.
pub const PREFIX_2025: &str = "2025-";

/// Last day of the legacy structure.
pub fn legacy_end() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 30).unwrap_or(NaiveDate::MIN)
}

/// First day of the 2025 structure.
pub fn start_2025() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 7, 1).unwrap_or(NaiveDate::MIN)
}

/// The chiso code of a 2025 unit from its GSO code.
pub fn code_2025(gso: &str) -> String {
    format!("{PREFIX_2025}{gso}")
}

/// What was read: units (parents before children), successor links, and notes on gaps.
#[derive(Debug, Clone, Default)]
pub struct AdminUnits {
    pub units: Vec<Unit>,
    pub links: Vec<SuccessorLink>,
    /// Things worth telling the user that are not errors (e.g. a commune with no successor).
    pub notes: Vec<String>,
    /// The 2025 communes' areas in km² (`area_km2` of `units_2025.csv`, where given).
    pub areas: Vec<(Code, f64)>,
}

impl AdminUnits {
    pub fn count(&self, kind: UnitKind, structure_2025: bool) -> usize {
        self.units
            .iter()
            .filter(|u| {
                u.kind == kind && u.code.as_str().starts_with(PREFIX_2025) == structure_2025
            })
            .count()
    }
}

struct Csv<'a> {
    file: &'a str,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

fn read_csv<'a>(file: &'a str, text: &str, expected: &[&str]) -> Result<Csv<'a>, FileError> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let err = |row: usize, column: Option<&str>, reason: String| FileError {
        problem: crate::error::Problem::Other,
        file: file.to_string(),
        sheet: None,
        row,
        column: column.map(str::to_string),
        reason,
    };
    let header: Vec<String> = rdr
        .headers()
        .map_err(|e| err(1, None, format!("unreadable header: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    for col in expected {
        if !header.iter().any(|h| h == col) {
            return Err(err(
                1,
                Some(col),
                format!("the header has no column '{col}'"),
            ));
        }
    }
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| err(line, None, format!("unreadable row: {e}")))?;
        rows.push((line, rec.iter().map(|s| s.trim().to_string()).collect()));
    }
    Ok(Csv { file, header, rows })
}

impl Csv<'_> {
    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or(0)
    }
    fn err(&self, row: usize, column: &str, reason: impl Into<String>) -> FileError {
        FileError {
            problem: crate::error::Problem::Other,
            file: self.file.to_string(),
            sheet: None,
            row,
            column: Some(column.to_string()),
            reason: reason.into(),
        }
    }
    fn code(&self, row: usize, fields: &[String], column: &str) -> Result<String, FileError> {
        let v = &fields[self.col(column)];
        if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.err(
                row,
                column,
                format!("'{v}' is not a statistics office code (digits)"),
            ));
        }
        Ok(v.clone())
    }
    fn text(&self, row: usize, fields: &[String], column: &str) -> Result<String, FileError> {
        let v = &fields[self.col(column)];
        if v.is_empty() {
            return Err(self.err(row, column, "empty"));
        }
        Ok(v.clone())
    }
    fn coord(
        &self,
        row: usize,
        fields: &[String],
        column: &str,
        range: f64,
    ) -> Result<Option<f64>, FileError> {
        let v = &fields[self.col(column)];
        if v.is_empty() {
            return Ok(None);
        }
        match v.parse::<f64>() {
            Ok(x) if x.is_finite() && x.abs() <= range => Ok(Some(x)),
            _ => Err(self.err(row, column, format!("'{v}' is not a coordinate"))),
        }
    }
}

fn code(s: &str) -> Code {
    // Only called with digit strings (checked) or "2025-" + digits.
    Code::parse(s).unwrap_or_else(|_| Code::parse("0").unwrap_or_else(|_| unreachable!()))
}

fn admin_unit(
    code_s: &str,
    gso: &str,
    name: &str,
    kind: UnitKind,
    parent: Option<&str>,
    legacy: bool,
) -> Unit {
    Unit {
        code: code(code_s),
        gso_code: Some(gso.to_string()),
        name_vi: name.to_string(),
        name_en: Some(english_unit_name(name)),
        kind,
        parent: parent.map(code),
        valid_from: if legacy { None } else { Some(start_2025()) },
        valid_to: if legacy { Some(legacy_end()) } else { None },
        lat: None,
        lon: None,
    }
}

/// Read the three files shipped with chiso, limited to one legacy province when `province` is
/// given (and to the 2025 units that succeed its communes).
pub fn embedded(province: Option<&str>) -> Result<AdminUnits, FileError> {
    parse(LEGACY_CSV, UNITS_2025_CSV, CROSSWALK_CSV, province)
}

/// Read the three files. `province` limits the legacy units to one province (GSO code) and
/// the 2025 units to the successors of its communes.
pub fn parse(
    legacy: &str,
    new: &str,
    crosswalk: &str,
    province: Option<&str>,
) -> Result<AdminUnits, FileError> {
    let lg = read_csv(
        "units_legacy.csv",
        legacy,
        &[
            "province_code",
            "province_name",
            "district_code",
            "district_name",
            "ward_code",
            "ward_name",
            "lat",
            "lon",
        ],
    )?;
    let nw = read_csv(
        "units_2025.csv",
        new,
        &[
            "province_code",
            "province_name",
            "ward_code",
            "ward_name",
            "lat",
            "lon",
        ],
    )?;
    let cw = read_csv(
        "crosswalk_2025.csv",
        crosswalk,
        &[
            "legacy_ward_code",
            "ward_code_2025",
            "province_code_2025",
            "kind",
            "is_default",
        ],
    )?;

    let mut out = AdminUnits::default();
    let mut provinces: BTreeMap<String, Unit> = BTreeMap::new();
    let mut districts: BTreeMap<String, Unit> = BTreeMap::new();
    let mut communes: BTreeMap<String, Unit> = BTreeMap::new();
    let mut commune_province: HashMap<String, String> = HashMap::new();
    let mut found_province = false;
    for (row, f) in &lg.rows {
        let p = lg.code(*row, f, "province_code")?;
        if province.is_some_and(|x| x != p) {
            continue;
        }
        found_province = true;
        let pname = lg.text(*row, f, "province_name")?;
        let d = lg.code(*row, f, "district_code")?;
        let dname = lg.text(*row, f, "district_name")?;
        provinces
            .entry(p.clone())
            .or_insert_with(|| admin_unit(&p, &p, &pname, UnitKind::Province, None, true));
        match districts.get(&d) {
            Some(u) if u.parent.as_ref().map(|c| c.as_str()) != Some(p.as_str()) => {
                return Err(lg.err(
                    *row,
                    "district_code",
                    format!("district {d} is listed under two provinces"),
                ));
            }
            Some(_) => {}
            None => {
                districts.insert(
                    d.clone(),
                    admin_unit(&d, &d, &dname, UnitKind::District, Some(&p), true),
                );
            }
        }
        // A few island districts have no communes: their row has an empty ward code.
        if f[lg.col("ward_code")].is_empty() {
            continue;
        }
        let w = lg.code(*row, f, "ward_code")?;
        let wname = lg.text(*row, f, "ward_name")?;
        let mut u = admin_unit(&w, &w, &wname, UnitKind::Commune, Some(&d), true);
        u.lat = lg.coord(*row, f, "lat", 90.0)?;
        u.lon = lg.coord(*row, f, "lon", 180.0)?;
        if communes.insert(w.clone(), u).is_some() {
            return Err(lg.err(*row, "ward_code", format!("commune {w} appears twice")));
        }
        commune_province.insert(w, p);
    }
    if let Some(p) = province {
        if !found_province {
            return Err(FileError {
                problem: crate::error::Problem::Other,
                file: "units_legacy.csv".into(),
                sheet: None,
                row: 1,
                column: Some("province_code".into()),
                reason: format!("no province with code {p}"),
            });
        }
    }

    // The 2025 structure.
    let mut new_units: BTreeMap<String, (Unit, String)> = BTreeMap::new();
    let mut new_provinces: BTreeMap<String, Unit> = BTreeMap::new();
    let mut new_areas: HashMap<String, f64> = HashMap::new();
    for (row, f) in &nw.rows {
        let p = nw.code(*row, f, "province_code")?;
        let pname = nw.text(*row, f, "province_name")?;
        let w = nw.code(*row, f, "ward_code")?;
        let wname = nw.text(*row, f, "ward_name")?;
        new_provinces.entry(p.clone()).or_insert_with(|| {
            admin_unit(&code_2025(&p), &p, &pname, UnitKind::Province, None, false)
        });
        let mut u = admin_unit(
            &code_2025(&w),
            &w,
            &wname,
            UnitKind::Commune,
            Some(&code_2025(&p)),
            false,
        );
        u.lat = nw.coord(*row, f, "lat", 90.0)?;
        u.lon = nw.coord(*row, f, "lon", 180.0)?;
        if nw.header.iter().any(|h| h == "area_km2") {
            let a = &f[nw.col("area_km2")];
            match a.parse::<f64>() {
                _ if a.is_empty() => {}
                Ok(x) if x.is_finite() && x > 0.0 => {
                    new_areas.insert(w.clone(), x);
                }
                // A few rows carry 0.0: the area is not known.
                Ok(0.0) => {}
                _ => return Err(nw.err(*row, "area_km2", format!("'{a}' is not an area in km²"))),
            }
        }
        if new_units.insert(w.clone(), (u, p)).is_some() {
            return Err(nw.err(*row, "ward_code", format!("commune {w} appears twice")));
        }
    }

    // The crosswalk.
    let mut links = Vec::new();
    let mut linked_legacy: HashSet<String> = HashSet::new();
    let mut used_new: BTreeSet<String> = BTreeSet::new();
    // Legacy province → 2025 province → number of its communes that went there.
    let mut province_flow: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (row, f) in &cw.rows {
        let from = cw.code(*row, f, "legacy_ward_code")?;
        let to = cw.code(*row, f, "ward_code_2025")?;
        let to_p = cw.code(*row, f, "province_code_2025")?;
        let kind = f[cw.col("kind")].as_str();
        let is_default = match f[cw.col("is_default")].as_str() {
            "1" => true,
            "0" => false,
            other => return Err(cw.err(*row, "is_default", format!("'{other}' is not 0 or 1"))),
        };
        let weight = match kind {
            "whole" => Some(1.0),
            // The crosswalk gives no shares for splits: the default successor takes it all.
            "split" => None,
            other => return Err(cw.err(*row, "kind", format!("'{other}' is not whole or split"))),
        };
        let Some(legacy_p) = commune_province.get(&from) else {
            if province.is_none() {
                return Err(cw.err(
                    *row,
                    "legacy_ward_code",
                    format!("unknown legacy commune {from}"),
                ));
            }
            continue;
        };
        match new_units.get(&to) {
            None => {
                return Err(cw.err(*row, "ward_code_2025", format!("unknown 2025 commune {to}")))
            }
            Some((_, p)) if *p != to_p => {
                return Err(cw.err(
                    *row,
                    "province_code_2025",
                    format!("commune {to} belongs to province {p}, not {to_p}"),
                ));
            }
            Some(_) => {}
        }
        linked_legacy.insert(from.clone());
        used_new.insert(to.clone());
        *province_flow
            .entry(legacy_p.clone())
            .or_default()
            .entry(to_p.clone())
            .or_default() += 1;
        links.push(SuccessorLink {
            from: code(&from),
            to: code(&code_2025(&to)),
            effective: start_2025(),
            weight,
            is_default,
        });
    }
    for w in communes.keys() {
        if !linked_legacy.contains(w) {
            out.notes.push(format!(
                "legacy commune {w} has no row in the crosswalk: it has no successor"
            ));
        }
    }
    // Province links: whole when all its communes went to one 2025 province.
    for (from, flows) in &province_flow {
        let Some((default_to, _)) = flows.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
        else {
            continue;
        };
        for to in flows.keys() {
            links.push(SuccessorLink {
                from: code(from),
                to: code(&code_2025(to)),
                effective: start_2025(),
                weight: if flows.len() == 1 { Some(1.0) } else { None },
                is_default: to == default_to,
            });
        }
    }

    out.units.extend(provinces.into_values());
    out.units.extend(districts.into_values());
    out.units.extend(communes.into_values());
    let wanted_provinces: BTreeSet<String> = match province {
        None => new_provinces.keys().cloned().collect(),
        Some(_) => province_flow
            .values()
            .flat_map(|f| f.keys().cloned())
            .collect(),
    };
    out.units.extend(
        new_provinces
            .into_iter()
            .filter(|(p, _)| wanted_provinces.contains(p))
            .map(|(_, u)| u),
    );
    out.units.extend(
        new_units
            .into_iter()
            .filter(|(w, _)| province.is_none() || used_new.contains(w))
            .map(|(w, (u, _))| {
                if let Some(&a) = new_areas.get(&w) {
                    out.areas.push((u.code.clone(), a));
                }
                u
            }),
    );
    out.links = links;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_country() {
        let a = embedded(None).unwrap();
        assert_eq!(a.count(UnitKind::Province, false), 63);
        assert_eq!(a.count(UnitKind::District, false), 696);
        // 10,040 rows: 10,035 communes and 5 island districts without communes.
        assert_eq!(a.count(UnitKind::Commune, false), 10_035);
        assert_eq!(a.count(UnitKind::Province, true), 34);
        assert_eq!(a.count(UnitKind::Commune, true), 3_321);
        assert_eq!(
            a.links
                .iter()
                .filter(|l| l.from.as_str().len() == 5)
                .count(),
            10_597
        );
        let whole = a
            .links
            .iter()
            .filter(|l| l.weight == Some(1.0) && l.from.as_str().len() == 5)
            .count();
        assert_eq!(whole, 9_564);
    }

    #[test]
    fn ninh_thuan_and_its_successors() {
        let a = embedded(Some("58")).unwrap();
        assert_eq!(a.count(UnitKind::Province, false), 1);
        assert_eq!(a.count(UnitKind::District, false), 7);
        assert_eq!(a.count(UnitKind::Commune, false), 62);
        assert_eq!(
            a.count(UnitKind::Province, true),
            1,
            "merged into Khánh Hòa"
        );
        let kh = a
            .units
            .iter()
            .find(|u| u.code.as_str() == "2025-56")
            .unwrap();
        assert_eq!(kh.name_vi, "Tỉnh Khánh Hòa");
        assert_eq!(kh.valid_from, Some(start_2025()));
        let nt = a.units.iter().find(|u| u.code.as_str() == "58").unwrap();
        assert_eq!(
            (nt.name_en.as_deref(), nt.valid_to),
            (Some("Ninh Thuan Province"), Some(legacy_end()))
        );
        // Every legacy commune of 58 has a successor; the 2025 communes are exactly those.
        let commune_links: Vec<_> = a
            .links
            .iter()
            .filter(|l| l.from.as_str().len() == 5)
            .collect();
        let successors: BTreeSet<_> = commune_links.iter().map(|l| l.to.as_str()).collect();
        assert_eq!(a.count(UnitKind::Commune, true), successors.len());
        assert_eq!(successors.len(), 24);
        // Each of them with its area in km².
        assert_eq!(a.areas.len(), 24);
        assert!(a
            .areas
            .iter()
            .all(|(c, km2)| successors.contains(c.as_str()) && *km2 > 0.0));
        let p = a.links.iter().find(|l| l.from.as_str() == "58").unwrap();
        assert_eq!(
            (p.to.as_str(), p.weight, p.is_default),
            ("2025-56", Some(1.0), true)
        );
        // Parents come before children.
        let pos = |c: &str| a.units.iter().position(|u| u.code.as_str() == c).unwrap();
        assert!(pos("58") < pos("582") && pos("582") < pos("22738"));
    }

    #[test]
    fn errors_name_file_row_and_column() {
        let legacy = "province_code,province_name,district_code,district_name,district_type,ward_code,ward_name,ward_type,lat,lon\n\
                      58,Tỉnh Ninh Thuận,582,Thành phố Phan Rang,Thành phố,22738,Phường Đô Vinh,Phường,11.6,north\n";
        let e = parse(legacy, UNITS_2025_CSV, CROSSWALK_CSV, Some("58")).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.row, e.column.as_deref()),
            ("units_legacy.csv", 2, Some("lon"))
        );
        assert_eq!(
            e.to_string(),
            "units_legacy.csv, dòng 2, cột lon: 'north' is not a coordinate"
        );
        let e = parse("a,b\n1,2\n", UNITS_2025_CSV, CROSSWALK_CSV, None).unwrap_err();
        assert_eq!((e.row, e.column.as_deref()), (1, Some("province_code")));
        let e = embedded(Some("99")).unwrap_err();
        assert!(e.reason.contains("no province with code 99"));
        let bad_cw = "legacy_ward_code,ward_code_2025,province_code_2025,kind,is_default\n22738,99999,56,whole,1\n";
        let e = parse(LEGACY_CSV, UNITS_2025_CSV, bad_cw, Some("58")).unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.row, e.column.as_deref()),
            ("crosswalk_2025.csv", 2, Some("ward_code_2025"))
        );
    }
}
