//! The report as a self-contained HTML fragment (the preview page wraps it) or page.

use crate::text::{Block, Doc, ParaKind};

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn lines(doc: &Doc, key: &str, class: &str) -> String {
    let l = doc.lines(key);
    if l.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = l.iter().map(|x| esc(x)).collect();
    format!("<p class=\"{class}\">{}</p>\n", inner.join("<br>"))
}

/// The document's body: the frame (issuer, number, national name, place and date, type and
/// summary), the text and tables, the recipients and the signature.
pub fn fragment(doc: &Doc) -> String {
    let mut o = String::new();
    o.push_str(&format!(
        "<article class=\"report\" lang=\"{}\">\n",
        doc.lang.as_str()
    ));
    if !doc.meta("issuer").is_empty() {
        o.push_str("<div class=\"report-head\"><div>");
        o.push_str(&lines(doc, "issuer", "report-issuer"));
        o.push_str(&lines(doc, "number", "report-number"));
        o.push_str("</div><div>");
        if doc.lang == crate::Lang::Vi {
            o.push_str("<p class=\"report-nation\">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM<br>Độc lập - Tự do - Hạnh phúc</p>\n");
        } else {
            o.push_str("<p class=\"report-nation\">SOCIALIST REPUBLIC OF VIET NAM<br>Independence - Freedom - Happiness</p>\n");
        }
        o.push_str(&lines(doc, "place", "report-place"));
        o.push_str("</div></div>\n");
    }
    o.push_str(&lines(doc, "translation", "report-note"));
    o.push_str(&lines(doc, "type", "report-type"));
    o.push_str(&lines(doc, "summary", "report-summary"));
    for b in &doc.blocks {
        match b {
            Block::Heading(l, t) => o.push_str(&format!("<h{0}>{1}</h{0}>\n", l + 1, esc(t))),
            Block::Chart(svg, _) => {
                o.push_str(&format!("<figure class=\"report-chart\">{svg}</figure>\n"))
            }
            Block::Para(ParaKind::Text, t) => o.push_str(&format!("<p>{}</p>\n", esc(t))),
            Block::Para(ParaKind::Item, t) => {
                o.push_str(&format!("<p class=\"report-item\">{}</p>\n", esc(t)))
            }
            Block::Para(ParaKind::Note, t) => {
                o.push_str(&format!("<p class=\"report-note\">{}</p>\n", esc(t)))
            }
            Block::Table(t) => {
                o.push_str(&format!(
                    "<div class=\"table-wrap\"><table class=\"report-table\"><caption>{}</caption><thead><tr>",
                    esc(&t.title)
                ));
                for h in &t.header {
                    o.push_str(&format!("<th>{}</th>", esc(h)));
                }
                o.push_str("</tr></thead><tbody>\n");
                for r in &t.rows {
                    o.push_str("<tr>");
                    for c in r {
                        o.push_str(&format!("<td>{}</td>", esc(c)));
                    }
                    o.push_str("</tr>\n");
                }
                o.push_str("</tbody></table></div>\n");
            }
        }
    }
    if !doc.meta("signer").is_empty() {
        o.push_str("<div class=\"report-foot\"><div>");
        let rec = doc.lines("recipients");
        if !rec.is_empty() {
            let label = if doc.lang == crate::Lang::Vi {
                "Nơi nhận:"
            } else {
                "Recipients:"
            };
            o.push_str(&format!(
                "<p class=\"report-recipients\"><strong><em>{label}</em></strong>"
            ));
            for r in rec {
                o.push_str(&format!("<br>- {}", esc(r)));
            }
            o.push_str("</p>");
        }
        o.push_str("</div><div>");
        o.push_str(&lines(doc, "signer", "report-signer"));
        o.push_str(&lines(doc, "signer_name", "report-signer-name"));
        o.push_str("</div></div>\n");
    }
    o.push_str("</article>\n");
    o
}

/// A whole page, for `chiso report --format html`.
pub fn page(doc: &Doc) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>\
body{{font-family:'Liberation Serif','Times New Roman',serif;max-width:50rem;margin:2rem auto;padding:0 1rem;font-size:14pt}}\
.report-head,.report-foot{{display:flex;justify-content:space-between;gap:1rem;text-align:center}}\
.report-issuer,.report-nation,.report-type,.report-summary,.report-signer,.report-signer-name{{font-weight:bold}}\
.report-type,.report-summary{{text-align:center}}.report-place{{font-style:italic}}\
.report-note{{font-size:11pt}}table{{border-collapse:collapse;width:100%;font-size:12pt}}\
td,th{{border:1px solid #000;padding:2px 4px}}caption{{font-weight:bold}}p{{text-align:justify}}\
</style></head><body>\n{}</body></html>\n",
        doc.lang.as_str(),
        esc(doc.meta("summary")),
        fragment(doc)
    )
}
