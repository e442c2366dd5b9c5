//! The report as a PDF laid out as an administrative document under Decree 30/2020/NĐ-CP
//! (Appendix I): A4 portrait, margins top and bottom 20 mm, left 30 mm, right 15 mm; the
//! shipped serif font embedded; the frame on page 1 (issuing body and number at the left,
//! national name, motto and place and date at the right, type and summary centred), the body
//! at 14 pt justified with the first line indented, the tables ruled and repeating their
//! header on each page, recipients and the signature at the end; page numbers from page 2,
//! centred in the top margin.

use crate::pdf_font::{Face, Fonts};
use crate::text::{Block, Doc, ParaKind, Table};
use crate::Lang;
use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

/// A PDF that could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PdfError(pub String);

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const LEFT: f32 = 30.0 * MM;
const RIGHT: f32 = 15.0 * MM;
const TOP: f32 = 20.0 * MM;
const BOTTOM: f32 = 20.0 * MM;
const WIDTH: f32 = PAGE_W - LEFT - RIGHT;
const INDENT: f32 = 10.0 * MM;

#[derive(Clone, Copy, PartialEq)]
enum Align {
    Justify,
    Left,
    Center,
}

enum Op {
    Text(Face, f32, f32, f32, String),
    Line(f32, f32, f32, f32, f32),
    /// x, y (bottom left), width, height, fill, stroke.
    Rect(f32, f32, f32, f32, Option<[f32; 3]>, Option<[f32; 3]>),
}

struct Layout {
    fonts: Fonts,
    pages: Vec<Vec<Op>>,
    /// The top of the free space on the current page.
    y: f32,
}

impl Layout {
    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_H - TOP;
    }

    fn op(&mut self, op: Op) {
        if let Some(p) = self.pages.last_mut() {
            p.push(op);
        }
    }

    /// Room for `h` points, else a new page.
    fn ensure(&mut self, h: f32) {
        if self.y - h < BOTTOM {
            self.new_page();
        }
    }

    /// A text cut into lines no wider than `width` (the first `first` wide); a word wider
    /// than a line is cut between characters.
    fn wrap(&self, face: Face, size: f32, text: &str, first: f32, width: f32) -> Vec<String> {
        if self.fonts.width(face, size, text) <= first {
            return vec![text.trim().to_string()];
        }
        let mut lines = Vec::new();
        let mut cur = String::new();
        let space = self.fonts.width(face, size, " ");
        let mut w = 0.0;
        for word in text.split_whitespace() {
            let limit = if lines.is_empty() { first } else { width };
            let ww = self.fonts.width(face, size, word);
            if !cur.is_empty() && w + space + ww <= limit {
                cur.push(' ');
                cur.push_str(word);
                w += space + ww;
                continue;
            }
            if !cur.is_empty() {
                lines.push(std::mem::take(&mut cur));
            }
            let limit = if lines.is_empty() { first } else { width };
            if ww <= limit {
                cur = word.to_string();
                w = ww;
            } else {
                // Cut the word.
                w = 0.0;
                for ch in word.chars() {
                    let cw = self.fonts.width(face, size, &ch.to_string());
                    if w + cw > limit && !cur.is_empty() {
                        lines.push(std::mem::take(&mut cur));
                        w = 0.0;
                    }
                    cur.push(ch);
                    w += cw;
                }
            }
        }
        if !cur.is_empty() || lines.is_empty() {
            lines.push(cur);
        }
        lines
    }

    /// A paragraph from the current position between `x` and `x + width`.
    #[allow(clippy::too_many_arguments)]
    fn paragraph(
        &mut self,
        face: Face,
        size: f32,
        text: &str,
        x: f32,
        width: f32,
        indent: f32,
        align: Align,
        leading: f32,
    ) {
        let lines = self.wrap(face, size, text, width - indent, width);
        let n = lines.len();
        for (i, line) in lines.into_iter().enumerate() {
            self.ensure(leading);
            let base = self.y - size * 0.95;
            let (x0, w) = if i == 0 {
                (x + indent, width - indent)
            } else {
                (x, width)
            };
            match align {
                Align::Justify if i + 1 < n && line.contains(' ') => {
                    let words: Vec<&str> = line.split(' ').collect();
                    let total: f32 = words.iter().map(|s| self.fonts.width(face, size, s)).sum();
                    let gap = (w - total) / (words.len() - 1) as f32;
                    let mut cx = x0;
                    for word in words {
                        let ww = self.fonts.width(face, size, word);
                        self.op(Op::Text(face, size, cx, base, word.to_string()));
                        cx += ww + gap;
                    }
                }
                Align::Center => {
                    let lw = self.fonts.width(face, size, &line);
                    self.op(Op::Text(face, size, x0 + (w - lw) / 2.0, base, line));
                }
                _ => self.op(Op::Text(face, size, x0, base, line)),
            }
            self.y -= leading;
        }
    }

    /// A centred rule of `len` under the current position.
    fn rule(&mut self, cx: f32, len: f32) {
        let y = self.y - 5.0;
        self.op(Op::Line(cx - len / 2.0, y, cx + len / 2.0, y, 0.6));
        self.y -= 9.0;
    }

    fn frame(&mut self, doc: &Doc) {
        let left_w = WIDTH * 0.40;
        let right_x = LEFT + left_w;
        let right_w = WIDTH - left_w;
        let top = self.y;
        let (nation, motto) = match doc.lang {
            Lang::Vi => (
                "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                "Độc lập - Tự do - Hạnh phúc",
            ),
            _ => (
                "SOCIALIST REPUBLIC OF VIET NAM",
                "Independence - Freedom - Happiness",
            ),
        };
        // The issuing body and the number at the left.
        let issuer = doc.lines("issuer");
        let mut widest: f32 = 0.0;
        for l in &issuer {
            widest = widest.max(self.fonts.width(Face::Bold, 13.0, l));
            self.paragraph(Face::Bold, 13.0, l, LEFT, left_w, 0.0, Align::Center, 15.0);
        }
        if !issuer.is_empty() {
            self.rule(LEFT + left_w / 2.0, (widest * 0.4).max(40.0));
        }
        self.y -= 4.0;
        for l in doc.lines("number") {
            self.paragraph(
                Face::Regular,
                13.0,
                l,
                LEFT,
                left_w,
                0.0,
                Align::Center,
                15.0,
            );
        }
        let left_end = self.y;
        // The national name, the motto and the place and date at the right.
        self.y = top;
        if !issuer.is_empty() {
            self.paragraph(
                Face::Bold,
                12.0,
                nation,
                right_x,
                right_w,
                0.0,
                Align::Center,
                15.0,
            );
            self.paragraph(
                Face::Bold,
                13.0,
                motto,
                right_x,
                right_w,
                0.0,
                Align::Center,
                15.0,
            );
            let mw = self.fonts.width(Face::Bold, 13.0, motto);
            self.rule(right_x + right_w / 2.0, mw);
            self.y -= 6.0;
            for l in doc.lines("place") {
                self.paragraph(
                    Face::Italic,
                    13.0,
                    l,
                    right_x,
                    right_w,
                    0.0,
                    Align::Center,
                    15.0,
                );
            }
        }
        self.y = self.y.min(left_end) - 18.0;
        for l in doc.lines("translation") {
            self.paragraph(Face::Italic, 11.0, l, LEFT, WIDTH, 0.0, Align::Center, 13.0);
            self.y -= 6.0;
        }
        for l in doc.lines("type") {
            self.paragraph(Face::Bold, 14.0, l, LEFT, WIDTH, 0.0, Align::Center, 17.0);
        }
        let summary = doc.lines("summary");
        for l in &summary {
            self.paragraph(Face::Bold, 14.0, l, LEFT, WIDTH, 0.0, Align::Center, 17.0);
        }
        if !summary.is_empty() {
            self.rule(LEFT + WIDTH / 2.0, WIDTH / 5.0);
        }
        self.y -= 12.0;
    }

    fn table(&mut self, t: &Table) {
        const SIZE: f32 = 11.0;
        const LEAD: f32 = 13.0;
        const PAD: f32 = 3.0;
        self.ensure(17.0 + 3.0 * LEAD + 2.0 * PAD);
        self.paragraph(
            Face::Bold,
            13.0,
            &t.title,
            LEFT,
            WIDTH,
            0.0,
            Align::Center,
            16.0,
        );
        self.y -= 3.0;
        let total: f32 = t.widths.iter().sum::<f32>().max(1.0);
        let widths: Vec<f32> = t.widths.iter().map(|w| w / total * WIDTH).collect();
        let lay = |me: &Layout, cells: &[String], face: Face| -> Vec<Vec<String>> {
            cells
                .iter()
                .zip(&widths)
                .map(|(c, w)| me.wrap(face, SIZE, c, w - 2.0 * PAD, w - 2.0 * PAD))
                .collect()
        };
        let header = lay(self, &t.header, Face::Bold);
        // A narrow column (at most 30 % of the table) whose cells all fit on one line —
        // numbers, statuses, dates — is centred; text columns are at the left.
        let centred: Vec<bool> = (0..widths.len())
            .map(|i| {
                widths[i] <= WIDTH * 0.3
                    && t.rows.iter().all(|r| {
                        r.get(i).is_some_and(|c| {
                            self.fonts.width(Face::Regular, SIZE, c) < widths[i] - 2.0 * PAD
                        })
                    })
            })
            .collect();
        let draw = |me: &mut Layout, cells: &[Vec<String>], face: Face| {
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = lines as f32 * LEAD + 2.0 * PAD;
            let top = me.y;
            let mut x = LEFT;
            for ((c, w), centre) in cells.iter().zip(&widths).zip(&centred) {
                for (i, l) in c.iter().enumerate() {
                    let base = top - PAD - i as f32 * LEAD - SIZE * 0.95;
                    let lw = me.fonts.width(face, SIZE, l);
                    let cx = if *centre { x + (w - lw) / 2.0 } else { x + PAD };
                    me.op(Op::Text(face, SIZE, cx, base, l.clone()));
                }
                me.op(Op::Line(x, top, x, top - h, 0.5));
                x += w;
            }
            me.op(Op::Line(x, top, x, top - h, 0.5));
            me.op(Op::Line(LEFT, top, LEFT + WIDTH, top, 0.5));
            me.op(Op::Line(LEFT, top - h, LEFT + WIDTH, top - h, 0.5));
            me.y -= h;
        };
        let height = |cells: &[Vec<String>]| {
            cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * LEAD + 2.0 * PAD
        };
        draw(self, &header, Face::Bold);
        for r in &t.rows {
            let cells = lay(self, r, Face::Regular);
            if self.y - height(&cells) < BOTTOM {
                self.new_page();
                draw(self, &header, Face::Bold);
            }
            draw(self, &cells, Face::Regular);
        }
        self.y -= 10.0;
    }

    /// A chart's SVG drawn across the text width (never enlarged).
    fn chart(&mut self, svg: &str) {
        use crate::svgpdf::Shape;
        let (w, h, shapes) = crate::svgpdf::parse(svg);
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let k = (WIDTH / w).min(1.0);
        self.ensure(h * k + 6.0);
        let (x0, top) = (LEFT + (WIDTH - w * k) / 2.0, self.y);
        let (px, py) = (|x: f32| x0 + x * k, |y: f32| top - y * k);
        for s in shapes {
            match s {
                Shape::Rect {
                    x,
                    y,
                    w,
                    h,
                    fill,
                    stroke,
                } => self.op(Op::Rect(px(x), py(y + h), w * k, h * k, fill, stroke)),
                Shape::Line { x1, y1, x2, y2, .. } => {
                    self.op(Op::Line(px(x1), py(y1), px(x2), py(y2), 0.5))
                }
                Shape::Text {
                    x,
                    y,
                    size,
                    bold,
                    text,
                    ..
                } => {
                    let face = if bold { Face::Bold } else { Face::Regular };
                    self.op(Op::Text(face, size * k, px(x), py(y), text))
                }
            }
        }
        self.y -= h * k + 6.0;
    }

    fn end(&mut self, doc: &Doc) {
        let signer = doc.lines("signer");
        if signer.is_empty() {
            return;
        }
        let rec = doc.lines("recipients");
        let left_w = WIDTH * 0.45;
        let right_x = LEFT + left_w;
        let right_w = WIDTH - left_w;
        let rec_lines: usize = rec
            .iter()
            .map(|r| {
                self.wrap(Face::Regular, 11.0, &format!("- {r}"), left_w, left_w)
                    .len()
            })
            .sum();
        let need = (15.0 + rec_lines as f32 * 13.0).max(signer.len() as f32 * 17.0 + 80.0);
        self.y -= 8.0;
        self.ensure(need);
        let top = self.y;
        let label = if doc.lang == Lang::Vi {
            "Nơi nhận:"
        } else {
            "Recipients:"
        };
        self.paragraph(
            Face::BoldItalic,
            12.0,
            label,
            LEFT,
            left_w,
            0.0,
            Align::Left,
            15.0,
        );
        for r in rec {
            self.paragraph(
                Face::Regular,
                11.0,
                &format!("- {r}"),
                LEFT,
                left_w,
                0.0,
                Align::Left,
                13.0,
            );
        }
        let left_end = self.y;
        self.y = top;
        for l in signer {
            self.paragraph(
                Face::Bold,
                14.0,
                l,
                right_x,
                right_w,
                0.0,
                Align::Center,
                17.0,
            );
        }
        self.y -= 62.0;
        for l in doc.lines("signer_name") {
            self.paragraph(
                Face::Bold,
                14.0,
                l,
                right_x,
                right_w,
                0.0,
                Align::Center,
                17.0,
            );
        }
        self.y = self.y.min(left_end);
    }
}

/// The PDF's bytes. Bengali is not set in PDF (the shipped font has no Bengali): use HTML
/// or DOCX for the press summary.
pub fn document(doc: &Doc) -> Result<Vec<u8>, PdfError> {
    if doc.lang == Lang::Bn {
        return Err(PdfError(
            "the Bengali press summary is made as html or docx, not pdf".into(),
        ));
    }
    let mut l = Layout {
        fonts: Fonts::load().map_err(PdfError)?,
        pages: Vec::new(),
        y: 0.0,
    };
    l.new_page();
    l.frame(doc);
    for b in &doc.blocks {
        match b {
            Block::Heading(_, t) => {
                l.ensure(17.0 * 3.0);
                l.y -= 2.0;
                l.paragraph(
                    Face::Bold,
                    14.0,
                    t,
                    LEFT,
                    WIDTH,
                    INDENT,
                    Align::Justify,
                    17.0,
                );
                l.y -= 4.0;
            }
            Block::Para(ParaKind::Note, t) => {
                l.paragraph(
                    Face::Italic,
                    11.0,
                    t,
                    LEFT,
                    WIDTH,
                    0.0,
                    Align::Justify,
                    13.0,
                );
                l.y -= 6.0;
            }
            Block::Para(_, t) => {
                l.paragraph(
                    Face::Regular,
                    14.0,
                    t,
                    LEFT,
                    WIDTH,
                    INDENT,
                    Align::Justify,
                    17.0,
                );
                l.y -= 6.0;
            }
            Block::Table(t) => l.table(t),
            Block::Chart(svg, _) => l.chart(svg),
        }
    }
    l.end(doc);
    // Page numbers from the second page, centred in the top margin.
    let n = l.pages.len();
    for i in 1..n {
        let s = (i + 1).to_string();
        let w = l.fonts.width(Face::Regular, 13.0, &s);
        l.pages[i].push(Op::Text(
            Face::Regular,
            13.0,
            (PAGE_W - w) / 2.0,
            PAGE_H - 12.0 * MM,
            s,
        ));
    }
    write(l, doc)
}

fn write(mut l: Layout, doc: &Doc) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Pdf::new();
    let mut next = Ref::new(1);
    let catalog = next.bump();
    let tree = next.bump();
    let info = next.bump();
    let pages = std::mem::take(&mut l.pages);
    let mut contents = Vec::new();
    for ops in &pages {
        let mut c = Content::new();
        let mut current: Option<(Face, f32)> = None;
        for op in ops {
            match op {
                Op::Text(face, size, x, y, s) => {
                    let bytes = l.fonts.encode(*face, s);
                    c.begin_text();
                    if current != Some((*face, *size)) {
                        let name = format!("F{}", *face as usize);
                        c.set_font(Name(name.as_bytes()), *size);
                        current = Some((*face, *size));
                    }
                    c.set_text_matrix([1.0, 0.0, 0.0, 1.0, *x, *y]);
                    c.show(Str(&bytes));
                    c.end_text();
                }
                Op::Rect(x, y, w, h, fill, stroke) => {
                    c.set_line_width(0.5);
                    if let Some([r, g, b]) = fill {
                        c.set_fill_rgb(*r, *g, *b);
                        c.rect(*x, *y, *w, *h);
                        c.fill_nonzero();
                    }
                    if let Some([r, g, b]) = stroke {
                        c.set_stroke_rgb(*r, *g, *b);
                        c.rect(*x, *y, *w, *h);
                        c.stroke();
                        c.set_stroke_rgb(0.0, 0.0, 0.0);
                    }
                    c.set_fill_rgb(0.0, 0.0, 0.0);
                }
                Op::Line(x1, y1, x2, y2, w) => {
                    c.set_line_width(*w);
                    c.move_to(*x1, *y1);
                    c.line_to(*x2, *y2);
                    c.stroke();
                }
            }
        }
        contents.push(c.finish());
    }
    let fonts = l.fonts.write(&mut pdf, &mut next).map_err(PdfError)?;
    let ids: Vec<(Ref, Ref)> = pages.iter().map(|_| (next.bump(), next.bump())).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(ids.iter().map(|(p, _)| *p))
        .count(ids.len() as i32);
    for ((page, content), data) in ids.iter().zip(&contents) {
        let mut p = pdf.page(*page);
        p.media_box(Rect::new(0.0, 0.0, PAGE_W, PAGE_H))
            .parent(tree)
            .contents(*content);
        let mut res = p.resources();
        let mut f = res.fonts();
        for (name, id) in &fonts {
            f.pair(Name(name.as_bytes()), *id);
        }
        f.finish();
        res.finish();
        p.finish();
        pdf.stream(*content, data);
    }
    let title = doc.lines("summary").join(" ");
    pdf.document_info(info)
        .title(TextStr(&title))
        .creator(TextStr("chiso"));
    Ok(pdf.finish())
}
