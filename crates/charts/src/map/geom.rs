//! Plane geometry for maps drawn without boundary files: the convex hull of the units'
//! centroids, a buffered hull around them, and each centroid's Voronoi cell clipped to that
//! hull. Cells are convex polygons (counter-clockwise in a y-up plane), computed by clipping
//! the hull with the perpendicular bisector of the centroid and every neighbour near enough to
//! matter — O(n²) at worst, a few milliseconds for a province's few hundred communes.

/// A point of the plane.
pub type Pt = (f64, f64);

fn cross(o: Pt, a: Pt, b: Pt) -> f64 {
    (a.0 - o.0) * (b.1 - o.1) - (a.1 - o.1) * (b.0 - o.0)
}

fn dist(a: Pt, b: Pt) -> f64 {
    (a.0 - b.0).hypot(a.1 - b.1)
}

/// The convex hull of `points`, counter-clockwise, without repeated or collinear vertices
/// (Andrew's monotone chain). Fewer than three vertices when the points are fewer than three
/// or all on one line. Points that are not finite are ignored.
pub fn convex_hull(points: &[Pt]) -> Vec<Pt> {
    let mut p: Vec<Pt> = points
        .iter()
        .copied()
        .filter(|(x, y)| x.is_finite() && y.is_finite())
        .collect();
    p.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    p.dedup();
    if p.len() < 3 {
        return p;
    }
    let mut hull: Vec<Pt> = Vec::with_capacity(2 * p.len());
    // The lower chain, left to right.
    for &pt in &p {
        while hull.len() >= 2 && cross(hull[hull.len() - 2], hull[hull.len() - 1], pt) <= 0.0 {
            hull.pop();
        }
        hull.push(pt);
    }
    // The upper chain, right to left, never eating into the lower one.
    let base = hull.len() + 1;
    for &pt in p.iter().rev().skip(1) {
        while hull.len() >= base && cross(hull[hull.len() - 2], hull[hull.len() - 1], pt) <= 0.0 {
            hull.pop();
        }
        hull.push(pt);
    }
    hull.pop();
    hull
}

/// A convex polygon around `points` lying at least about `r` from each of them: the hull of
/// the points each surrounded by sixteen points on a circle of radius `r` (so a single point
/// or points on a line still get a proper area).
pub fn buffered_hull(points: &[Pt], r: f64) -> Vec<Pt> {
    const SIDES: usize = 16;
    let core = convex_hull(points);
    let mut around = Vec::with_capacity(core.len() * SIDES);
    for &(x, y) in &core {
        for k in 0..SIDES {
            let a = std::f64::consts::TAU * k as f64 / SIDES as f64;
            around.push((x + r * a.cos(), y + r * a.sin()));
        }
    }
    convex_hull(&around)
}

/// The signed area of a polygon (positive when counter-clockwise).
pub fn area(poly: &[Pt]) -> f64 {
    let n = poly.len();
    (0..n)
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            a.0 * b.1 - b.0 * a.1
        })
        .sum::<f64>()
        / 2.0
}

/// Whether `p` lies in the convex, counter-clockwise polygon `poly`, its edges included
/// within `eps`.
pub fn contains(poly: &[Pt], p: Pt, eps: f64) -> bool {
    let n = poly.len();
    n >= 3
        && (0..n).all(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % n]);
            let len = dist(a, b);
            len == 0.0 || cross(a, b, p) / len >= -eps
        })
}

/// The part of `poly` where `n · x <= c` (Sutherland–Hodgman against one half-plane). A
/// convex polygon stays convex and keeps its orientation.
pub fn clip(poly: &[Pt], n: Pt, c: f64) -> Vec<Pt> {
    let side = |p: Pt| n.0 * p.0 + n.1 * p.1 - c;
    let mut out = Vec::with_capacity(poly.len() + 1);
    for i in 0..poly.len() {
        let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
        let (sa, sb) = (side(a), side(b));
        if sa <= 0.0 {
            out.push(a);
        }
        if (sa < 0.0 && sb > 0.0) || (sa > 0.0 && sb < 0.0) {
            let t = sa / (sa - sb);
            out.push((a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1)));
        }
    }
    out
}

/// The intersection of two convex, counter-clockwise polygons.
pub fn intersect(a: &[Pt], b: &[Pt]) -> Vec<Pt> {
    let mut out = a.to_vec();
    for i in 0..b.len() {
        if out.is_empty() {
            break;
        }
        let (p, q) = (b[i], b[(i + 1) % b.len()]);
        // Inside is to the left of p → q: keep where the outward normal's product is small.
        let n = (q.1 - p.1, p.0 - q.0);
        out = clip(&out, n, n.0 * p.0 + n.1 * p.1);
    }
    out
}

/// Each point's Voronoi cell within the convex, counter-clockwise polygon `bound`: the part
/// of `bound` nearer to that point than to any other. The cells cover `bound` without
/// overlapping; a point lying in `bound` lies in its own cell. Two points at the same place
/// share the cell between them (the first keeps it, the later ones get an empty cell), so the
/// caller moves such points apart first (see [`separate`]).
pub fn voronoi_cells(points: &[Pt], bound: &[Pt]) -> Vec<Vec<Pt>> {
    points
        .iter()
        .enumerate()
        .map(|(i, &p)| {
            let mut others: Vec<(f64, usize)> = points
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(j, &q)| (dist(p, q), j))
                .collect();
            others.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut cell = bound.to_vec();
            for (d, j) in others {
                // A bisector cannot cut the cell once the neighbour lies more than twice the
                // cell's farthest vertex away.
                let reach = cell.iter().map(|&v| dist(p, v)).fold(0.0, f64::max);
                if cell.is_empty() || d > 2.0 * reach {
                    break;
                }
                let q = points[j];
                if d == 0.0 {
                    if j < i {
                        cell.clear();
                    }
                    continue;
                }
                let n = (q.0 - p.0, q.1 - p.1);
                let m = ((p.0 + q.0) / 2.0, (p.1 + q.1) / 2.0);
                cell = clip(&cell, n, n.0 * m.0 + n.1 * m.1);
            }
            cell
        })
        .collect()
}

/// `points` with every point that lies within `min` of an earlier one moved away from it, in
/// a direction that depends only on its index, so that no two points coincide (two communes
/// given the same centroid still get a cell each).
pub fn separate(points: &[Pt], min: f64) -> Vec<Pt> {
    let mut out: Vec<Pt> = Vec::with_capacity(points.len());
    for (i, &p) in points.iter().enumerate() {
        let mut q = p;
        let mut k = 0;
        while k < 64 && out.iter().any(|&o| dist(o, q) < min) {
            let a = 2.399_963 * (i + k) as f64; // the golden angle: directions spread out
            let r = min * (1.0 + k as f64 / 4.0);
            q = (p.0 + r * a.cos(), p.1 + r * a.sin());
            k += 1;
        }
        out.push(q);
    }
    out
}

/// The median distance from each point to its nearest neighbour (0 for fewer than two).
pub fn median_spacing(points: &[Pt]) -> f64 {
    let mut nearest: Vec<f64> = points
        .iter()
        .enumerate()
        .filter_map(|(i, &p)| {
            points
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != i)
                .map(|(_, &q)| dist(p, q))
                .min_by(f64::total_cmp)
        })
        .collect();
    if nearest.is_empty() {
        return 0.0;
    }
    nearest.sort_by(f64::total_cmp);
    nearest[nearest.len() / 2]
}

/// `line` with the vertices that stray less than `tol` from the straight line between their
/// kept neighbours removed (Douglas–Peucker); the first and last vertices are kept.
pub fn simplify(line: &[Pt], tol: f64) -> Vec<Pt> {
    if line.len() < 3 {
        return line.to_vec();
    }
    let mut keep = vec![false; line.len()];
    keep[0] = true;
    keep[line.len() - 1] = true;
    let mut stack = vec![(0usize, line.len() - 1)];
    while let Some((a, b)) = stack.pop() {
        let (pa, pb) = (line[a], line[b]);
        let len = dist(pa, pb);
        let mut best = (0.0, 0usize);
        for (k, &p) in line.iter().enumerate().take(b).skip(a + 1) {
            let d = if len == 0.0 {
                dist(pa, p)
            } else {
                cross(pa, pb, p).abs() / len
            };
            if d > best.0 {
                best = (d, k);
            }
        }
        if best.0 > tol {
            keep[best.1] = true;
            stack.push((a, best.1));
            stack.push((best.1, b));
        }
    }
    line.iter()
        .zip(keep)
        .filter_map(|(&p, k)| k.then_some(p))
        .collect()
}
