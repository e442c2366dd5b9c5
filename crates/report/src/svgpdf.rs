//! Drawing the charts' SVG in the PDF: the subset the dashboard's bar chart writes —
//! `<rect>`, `<line>` and `<text>` at absolute positions, fills as colours or the series'
//! patterns (drawn as the series' colour, solid for the first, a tint for the others); titles,
//! descriptions and pattern definitions are not drawn.

/// A shape of the picture, in the SVG's pixels (y down).
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<[f32; 3]>,
        stroke: Option<[f32; 3]>,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        stroke: [f32; 3],
    },
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        fill: [f32; 3],
        text: String,
    },
}

fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let i = tag.find(&key)? + key.len();
    let rest = &tag[i..];
    Some(&rest[..rest.find('"')?])
}

fn num(tag: &str, name: &str) -> Option<f32> {
    attr(tag, name)?.parse().ok()
}

fn hex(c: &str) -> Option<[f32; 3]> {
    let c = c.strip_prefix('#')?;
    let v = |i: usize, n: usize| u8::from_str_radix(c.get(i..i + n)?, 16).ok();
    match c.len() {
        6 => Some([v(0, 2)?, v(2, 2)?, v(4, 2)?].map(|x| x as f32 / 255.0)),
        3 => Some([v(0, 1)?, v(1, 1)?, v(2, 1)?].map(|x| (x * 17) as f32 / 255.0)),
        _ => None,
    }
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// The picture's size and shapes.
pub fn parse(svg: &str) -> (f32, f32, Vec<Shape>) {
    let mut shapes = Vec::new();
    let root = svg.find("<svg").map(|i| &svg[i..]).unwrap_or("");
    let root_tag = &root[..root.find('>').unwrap_or(0)];
    let (w, h) = (
        num(root_tag, "width").unwrap_or(0.0),
        num(root_tag, "height").unwrap_or(0.0),
    );
    // Skip the definitions (patterns).
    let body = match (svg.find("<defs>"), svg.find("</defs>")) {
        (Some(a), Some(b)) if b > a => format!("{}{}", &svg[..a], &svg[b + 7..]),
        _ => svg.to_string(),
    };
    let mut rest = body.as_str();
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        let after = &rest[end + 1..];
        if tag.starts_with("<rect") {
            let stroke = attr(tag, "stroke").and_then(hex);
            let fill = match attr(tag, "fill") {
                Some(f) if f.starts_with("url(#s") => {
                    let first = f.starts_with("url(#s0)");
                    stroke.map(|c| {
                        if first {
                            c
                        } else {
                            c.map(|x| 1.0 - (1.0 - x) * 0.35)
                        }
                    })
                }
                Some(f) => hex(f),
                None => Some([0.0; 3]),
            };
            shapes.push(Shape::Rect {
                x: num(tag, "x").unwrap_or(0.0),
                y: num(tag, "y").unwrap_or(0.0),
                w: num(tag, "width").unwrap_or(0.0),
                h: num(tag, "height").unwrap_or(0.0),
                fill,
                stroke,
            });
        } else if tag.starts_with("<line") {
            shapes.push(Shape::Line {
                x1: num(tag, "x1").unwrap_or(0.0),
                y1: num(tag, "y1").unwrap_or(0.0),
                x2: num(tag, "x2").unwrap_or(0.0),
                y2: num(tag, "y2").unwrap_or(0.0),
                stroke: attr(tag, "stroke").and_then(hex).unwrap_or([0.0; 3]),
            });
        } else if tag.starts_with("<text") {
            let content = &after[..after.find("</text>").unwrap_or(0)];
            shapes.push(Shape::Text {
                x: num(tag, "x").unwrap_or(0.0),
                y: num(tag, "y").unwrap_or(0.0),
                size: num(tag, "font-size").unwrap_or(12.0),
                bold: attr(tag, "font-weight") == Some("bold"),
                fill: attr(tag, "fill").and_then(hex).unwrap_or([0.0; 3]),
                text: unescape(content),
            });
        } else if tag.starts_with("<title") || tag.starts_with("<desc") {
            // Skip the tooltip or description text.
            let close = if tag.starts_with("<title") {
                "</title>"
            } else {
                "</desc>"
            };
            if let Some(j) = after.find(close) {
                rest = &after[j..];
                continue;
            }
        }
        rest = after;
    }
    (w, h, shapes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_charts_shapes_are_read() {
        let svg = r##"<svg width="600" height="100"><title>T</title><desc>D</desc><defs><pattern id="s0"><rect width="6" height="6" fill="#0072B2"/></pattern></defs><text x="8" y="18" font-size="14" font-weight="bold">Tiêu đề</text><line x1="10" y1="0" x2="10" y2="90" stroke="#666"/><g><title>tip</title><rect x="10" y="20" width="50" height="14" fill="url(#s0)" stroke="#0072B2"/><text x="64" y="31" font-size="11" fill="#222">98,90%</text></g></svg>"##;
        let (w, h, shapes) = parse(svg);
        assert_eq!((w, h), (600.0, 100.0));
        assert_eq!(shapes.len(), 4, "{shapes:?}");
        assert!(matches!(&shapes[0], Shape::Text { bold: true, text, .. } if text == "Tiêu đề"));
        assert!(matches!(&shapes[2], Shape::Rect { w, fill: Some(_), .. } if *w == 50.0));
        assert!(matches!(&shapes[3], Shape::Text { text, .. } if text == "98,90%"));
    }
}
