//! Units' outlines in GeoJSON (RFC 7946): the file `chiso boundaries import` reads, and the
//! stored geometry the maps draw.
//!
//! The file is a `FeatureCollection`; each feature names its unit in `properties.code` (a
//! chiso unit code: `22738`, `2025-22738`) — or, failing that, in its `id` — and has a
//! `Polygon` or `MultiPolygon` geometry, longitude first, in WGS 84. Every ring has at least
//! four positions, its last equal to its first; every position is a finite longitude in
//! −180…180 and latitude in −90…90. Errors name the feature (its position, 1-based, and its
//! code) and what is wrong; a file with any error is refused whole.

use crate::error::{FileError, Problem};
use serde_json::Value;

/// The largest file read (64 MB): a province's communes at full survey detail fit well
/// under it; a larger file is refused before it is parsed.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// The most positions one unit's outline may hold.
pub const MAX_POSITIONS: usize = 200_000;

/// One unit's outline read from a file: its code as written and its geometry, re-serialised
/// compactly (only `type` and `coordinates` kept).
#[derive(Debug, Clone, PartialEq)]
pub struct Boundary {
    /// The feature's position in the file, 1-based.
    pub feature: usize,
    pub code: String,
    pub geometry: String,
}

fn err(file: &str, feature: usize, column: &str, reason: impl Into<String>) -> FileError {
    FileError {
        file: file.to_string(),
        sheet: None,
        row: feature,
        column: Some(column.to_string()),
        reason: reason.into(),
        problem: Problem::Other,
    }
}

/// A geometry's rings of (longitude, latitude), holes included, or why it is not a valid
/// `Polygon` or `MultiPolygon`.
pub fn rings(geometry: &Value) -> Result<Vec<Vec<(f64, f64)>>, String> {
    let kind = geometry.get("type").and_then(Value::as_str).unwrap_or("");
    let coords = geometry
        .get("coordinates")
        .ok_or("the geometry has no coordinates")?;
    let polygons: Vec<&Value> = match kind {
        "Polygon" => vec![coords],
        "MultiPolygon" => coords
            .as_array()
            .ok_or("MultiPolygon coordinates must be a list of polygons")?
            .iter()
            .collect(),
        "" => return Err("the geometry has no type".into()),
        other => {
            return Err(format!(
                "geometry type {other} is not an outline (Polygon or MultiPolygon)"
            ))
        }
    };
    let mut out = Vec::new();
    let mut positions = 0usize;
    for (pi, poly) in polygons.iter().enumerate() {
        let ring_list = poly
            .as_array()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| format!("polygon {} has no rings", pi + 1))?;
        for (ri, ring) in ring_list.iter().enumerate() {
            let at = || format!("polygon {}, ring {}", pi + 1, ri + 1);
            let pts = ring
                .as_array()
                .ok_or_else(|| format!("{}: not a list of positions", at()))?;
            positions += pts.len();
            if positions > MAX_POSITIONS {
                return Err(format!(
                    "the outline has more than {MAX_POSITIONS} positions: simplify it first"
                ));
            }
            let mut ring_pts = Vec::with_capacity(pts.len());
            for (k, p) in pts.iter().enumerate() {
                let pair = p
                    .as_array()
                    .filter(|a| a.len() >= 2)
                    .and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
                let Some((lon, lat)) = pair else {
                    return Err(format!(
                        "{}, position {}: not [longitude, latitude]",
                        at(),
                        k + 1
                    ));
                };
                let lon_ok = lon.is_finite() && (-180.0..=180.0).contains(&lon);
                let lat_ok = lat.is_finite() && (-90.0..=90.0).contains(&lat);
                if !(lon_ok && lat_ok) {
                    return Err(format!(
                        "{}, position {}: [{lon}, {lat}] is not a longitude and latitude \
                         (longitude first, −180…180; latitude −90…90)",
                        at(),
                        k + 1
                    ));
                }
                ring_pts.push((lon, lat));
            }
            if ring_pts.len() < 4 {
                return Err(format!(
                    "{}: a ring needs at least 4 positions, it has {}",
                    at(),
                    ring_pts.len()
                ));
            }
            if ring_pts.first() != ring_pts.last() {
                return Err(format!(
                    "{}: the ring is not closed (last position ≠ first)",
                    at()
                ));
            }
            out.push(ring_pts);
        }
    }
    if out.is_empty() {
        return Err("the geometry has no polygon".into());
    }
    Ok(out)
}

/// The rings of a stored geometry (text written by [`read`]); `None` when it cannot be read.
pub fn stored_rings(text: &str) -> Option<Vec<Vec<(f64, f64)>>> {
    serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|g| rings(&g).ok())
}

/// Read a GeoJSON file of outlines (see the module's documentation). `Err` holds every
/// error found, each naming its feature.
pub fn read(file: &str, bytes: &[u8]) -> Result<Vec<Boundary>, Vec<FileError>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(vec![FileError::whole_file(
            file,
            format!(
                "the file is {} MB, more than the {} MB a boundary file may be",
                bytes.len() / 1024 / 1024,
                MAX_FILE_BYTES / 1024 / 1024
            ),
        )]);
    }
    let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![FileError::whole_file(
            file,
            format!(
                "not GeoJSON (line {}, column {}): {e}",
                e.line(),
                e.column()
            ),
        )
        .of(Problem::Unreadable)]
    })?;
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        return Err(vec![FileError::whole_file(
            file,
            "a boundary file is a GeoJSON FeatureCollection (\"type\": \"FeatureCollection\")",
        )]);
    }
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            vec![FileError::whole_file(
                file,
                "the file has no \"features\" list",
            )]
        })?;
    if features.is_empty() {
        return Err(vec![FileError::whole_file(
            file,
            "the file has no features",
        )]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    let mut seen = std::collections::HashMap::new();
    for (i, f) in features.iter().enumerate() {
        let n = i + 1;
        let code = f
            .get("properties")
            .and_then(|p| p.get("code"))
            .or_else(|| f.get("id"))
            .and_then(|c| match c {
                Value::String(s) => Some(s.trim().to_string()),
                Value::Number(x) => Some(x.to_string()),
                _ => None,
            })
            .filter(|c| !c.is_empty());
        let Some(code) = code else {
            errors.push(err(
                file,
                n,
                "properties.code",
                format!("feature {n} names no unit (properties.code)"),
            ));
            continue;
        };
        if let Some(first) = seen.insert(code.clone(), n) {
            errors.push(
                err(
                    file,
                    n,
                    "properties.code",
                    format!("feature {n} ({code}): unit {code} already has an outline in feature {first}"),
                )
                .of(Problem::Duplicate),
            );
            continue;
        }
        let Some(geometry) = f.get("geometry").filter(|g| !g.is_null()) else {
            errors.push(err(
                file,
                n,
                "geometry",
                format!("feature {n} ({code}) has no geometry"),
            ));
            continue;
        };
        match rings(geometry) {
            Ok(_) => out.push(Boundary {
                feature: n,
                code,
                geometry: serde_json::json!({
                    "type": geometry.get("type"),
                    "coordinates": geometry.get("coordinates"),
                })
                .to_string(),
            }),
            Err(reason) => errors.push(err(
                file,
                n,
                "geometry",
                format!("feature {n} ({code}): {reason}"),
            )),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SQUARE: &str = r#"{"type":"Polygon","coordinates":[[[108.9,11.5],[109.0,11.5],[109.0,11.6],[108.9,11.5]]]}"#;

    fn file(features: &[String]) -> String {
        format!(
            r#"{{"type":"FeatureCollection","features":[{}]}}"#,
            features.join(",")
        )
    }

    fn feature(code: &str, geometry: &str) -> String {
        format!(
            r#"{{"type":"Feature","properties":{{"code":"{code}","name":"x"}},"geometry":{geometry}}}"#
        )
    }

    #[test]
    fn outlines_are_read_by_unit_code() {
        let multi = r#"{"type":"MultiPolygon","coordinates":[[[[108.9,11.5],[109.0,11.5],[109.0,11.6],[108.9,11.5]]],[[[109.1,11.5],[109.2,11.5],[109.2,11.6],[109.1,11.5]]]]}"#;
        let text = file(&[feature("22738", SQUARE), feature("2025-22738", multi)]);
        let b = read("xa.geojson", text.as_bytes()).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!((b[1].feature, b[1].code.as_str()), (2, "2025-22738"));
        assert_eq!(stored_rings(&b[1].geometry).unwrap().len(), 2);
        assert_eq!(stored_rings(&b[0].geometry).unwrap()[0][1], (109.0, 11.5));
    }

    #[test]
    fn every_bad_feature_is_named() {
        let open = r#"{"type":"Polygon","coordinates":[[[108.9,11.5],[109.0,11.5],[109.0,11.6],[108.95,11.55]]]}"#;
        let swapped = r#"{"type":"Polygon","coordinates":[[[11.5,108.9],[11.5,109.0],[11.6,109.0],[11.5,108.9]]]}"#;
        let point = r#"{"type":"Point","coordinates":[108.9,11.5]}"#;
        let text = file(&[
            feature("22738", SQUARE),
            feature("22741", open),
            feature("22744", swapped),
            feature("22747", point),
            feature("22738", SQUARE),
            r#"{"type":"Feature","properties":{},"geometry":null}"#.to_string(),
        ]);
        let errs = read("xa.geojson", text.as_bytes()).unwrap_err();
        let reasons: Vec<&str> = errs.iter().map(|e| e.reason.as_str()).collect();
        assert_eq!(errs.len(), 5, "{reasons:?}");
        assert!(reasons[0].starts_with("feature 2 (22741)") && reasons[0].contains("not closed"));
        assert!(reasons[1].starts_with("feature 3 (22744)") && reasons[1].contains("latitude"));
        assert!(reasons[2].contains("Point is not an outline"));
        assert!(reasons[3].contains("already has an outline in feature 1"));
        assert!(reasons[4].contains("feature 6 names no unit"));
        assert!(errs.iter().all(|e| e.file == "xa.geojson" && e.row >= 2));
    }

    #[test]
    fn a_file_that_is_not_outlines_is_refused_whole() {
        for text in [
            "{",
            "[]",
            r#"{"type":"Feature"}"#,
            r#"{"type":"FeatureCollection","features":[]}"#,
        ] {
            let errs = read("x.geojson", text.as_bytes()).unwrap_err();
            assert_eq!((errs.len(), errs[0].row), (1, 0), "{text}");
        }
        let big = vec![b' '; MAX_FILE_BYTES + 1];
        let errs = read("x.geojson", &big).unwrap_err();
        assert!(
            errs[0].reason.contains("more than the 64 MB"),
            "{}",
            errs[0].reason
        );
    }
}
