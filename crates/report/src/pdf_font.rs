//! The shipped serif font (Liberation Serif 2, SIL Open Font License 1.1, metric-compatible
//! with Times New Roman, full Vietnamese coverage) measured and embedded in a PDF as
//! Type 0 / CIDFontType2 fonts with Identity-H encoding and a ToUnicode map, so that the text
//! reads back (pdftotext) and every font is embedded.

use pdf_writer::types::{CidFontType, FontFlags, SystemInfo, UnicodeCmap};
use pdf_writer::{Filter, Finish, Name, Pdf, Rect, Ref, Str};
use std::collections::BTreeMap;
use std::io::Write;

/// The four faces, in [`Face`] order.
const FILES: [(&str, &[u8]); 4] = [
    (
        "LiberationSerif",
        include_bytes!("../fonts/LiberationSerif-Regular.ttf"),
    ),
    (
        "LiberationSerif-Bold",
        include_bytes!("../fonts/LiberationSerif-Bold.ttf"),
    ),
    (
        "LiberationSerif-Italic",
        include_bytes!("../fonts/LiberationSerif-Italic.ttf"),
    ),
    (
        "LiberationSerif-BoldItalic",
        include_bytes!("../fonts/LiberationSerif-BoldItalic.ttf"),
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Face {
    Regular = 0,
    Bold = 1,
    Italic = 2,
    BoldItalic = 3,
}

pub struct Font {
    name: &'static str,
    data: &'static [u8],
    face: ttf_parser::Face<'static>,
    upem: f32,
    /// The glyphs used and the character each stands for.
    used: BTreeMap<u16, char>,
}

pub struct Fonts {
    pub fonts: Vec<Font>,
}

impl Fonts {
    pub fn load() -> Result<Fonts, String> {
        let mut fonts = Vec::new();
        for (name, data) in FILES {
            let face = ttf_parser::Face::parse(data, 0).map_err(|e| format!("font {name}: {e}"))?;
            fonts.push(Font {
                name,
                data,
                upem: face.units_per_em() as f32,
                face,
                used: BTreeMap::new(),
            });
        }
        Ok(Fonts { fonts })
    }

    fn glyph(&self, f: Face, c: char) -> u16 {
        let face = &self.fonts[f as usize].face;
        face.glyph_index(c)
            .or_else(|| face.glyph_index('?'))
            .map(|g| g.0)
            .unwrap_or(0)
    }

    /// The width of a text in points.
    pub fn width(&self, f: Face, size: f32, s: &str) -> f32 {
        let font = &self.fonts[f as usize];
        let units: u32 = s
            .chars()
            .map(|c| {
                font.face
                    .glyph_hor_advance(ttf_parser::GlyphId(self.glyph(f, c)))
                    .unwrap_or(0) as u32
            })
            .sum();
        units as f32 * size / font.upem
    }

    /// The text encoded as glyph ids (Identity-H), noting the glyphs used.
    pub fn encode(&mut self, f: Face, s: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(s.len() * 2);
        for c in s.chars() {
            let g = self.glyph(f, c);
            self.fonts[f as usize].used.entry(g).or_insert(c);
            out.extend_from_slice(&g.to_be_bytes());
        }
        out
    }

    /// Write the fonts used; returns the resource name and object of each.
    pub fn write(&self, pdf: &mut Pdf, next: &mut Ref) -> Result<Vec<(String, Ref)>, String> {
        let mut out = Vec::new();
        for (i, font) in self.fonts.iter().enumerate() {
            if font.used.is_empty() {
                continue;
            }
            let (type0, cid, desc, file, cmap) = (
                next.bump(),
                next.bump(),
                next.bump(),
                next.bump(),
                next.bump(),
            );
            let base = Name(font.name.as_bytes());
            pdf.type0_font(type0)
                .base_font(base)
                .encoding_predefined(Name(b"Identity-H"))
                .descendant_font(cid)
                .to_unicode(cmap);
            let info = SystemInfo {
                registry: Str(b"Adobe"),
                ordering: Str(b"Identity"),
                supplement: 0,
            };
            let scale = 1000.0 / font.upem;
            let mut c = pdf.cid_font(cid);
            c.subtype(CidFontType::Type2)
                .base_font(base)
                .system_info(info)
                .font_descriptor(desc)
                .cid_to_gid_map_predefined(Name(b"Identity"));
            {
                let mut w = c.widths();
                for &g in font.used.keys() {
                    let adv = font
                        .face
                        .glyph_hor_advance(ttf_parser::GlyphId(g))
                        .unwrap_or(0) as f32;
                    w.consecutive(g, [adv * scale]);
                }
            }
            c.finish();
            let bb = font.face.global_bounding_box();
            let mut flags = FontFlags::SERIF | FontFlags::NON_SYMBOLIC;
            if i >= 2 {
                flags |= FontFlags::ITALIC;
            }
            pdf.font_descriptor(desc)
                .name(base)
                .flags(flags)
                .bbox(Rect::new(
                    bb.x_min as f32 * scale,
                    bb.y_min as f32 * scale,
                    bb.x_max as f32 * scale,
                    bb.y_max as f32 * scale,
                ))
                .italic_angle(if i >= 2 { -15.0 } else { 0.0 })
                .ascent(font.face.ascender() as f32 * scale)
                .descent(font.face.descender() as f32 * scale)
                .cap_height(font.face.capital_height().unwrap_or(662) as f32 * scale)
                .stem_v(if i % 2 == 1 { 140.0 } else { 80.0 })
                .font_file2(file);
            let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
            z.write_all(font.data).map_err(|e| e.to_string())?;
            let packed = z.finish().map_err(|e| e.to_string())?;
            pdf.stream(file, &packed)
                .filter(Filter::FlateDecode)
                .pair(Name(b"Length1"), font.data.len() as i32);
            let mut map = UnicodeCmap::<u16>::new(Name(b"Custom"), info);
            for (&g, &ch) in &font.used {
                map.pair(g, ch);
            }
            pdf.cmap(cmap, &map.finish());
            out.push((format!("F{i}"), type0));
        }
        Ok(out)
    }
}
