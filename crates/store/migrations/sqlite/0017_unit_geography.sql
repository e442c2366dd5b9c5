-- chiso schema, version 17 (sqlite): what a unit's map needs beyond its centroid. Its area in
-- km² (the 2025 communes' official areas, shipped in data/vn-admin/units_2025.csv) and its
-- real outline, imported from GeoJSON with `chiso boundaries import`: a GeoJSON geometry
-- (Polygon or MultiPolygon, longitude first), kept as its text, with the name of the file it
-- came from. A unit without a row has neither: maps draw it from its centroid.
CREATE TABLE unit_geography (
    unit_code       TEXT PRIMARY KEY REFERENCES units(code),
    area_km2        REAL,
    boundary        TEXT,
    boundary_source TEXT
);
