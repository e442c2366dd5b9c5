//! What every chart shares: text made safe for SVG, measured, wrapped or shortened to fit.

use std::borrow::Cow;

/// `s` made safe as XML text or as a double-quoted attribute value: `&`, `<`, `>` and `"`
/// escaped, and the control characters XML 1.0 forbids (a title pasted from a spreadsheet
/// may hold one) dropped, so the picture stays well-formed whatever a user typed.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `s`: all of it when it fits, else its beginning and "…".
/// A letter is never separated from the accents written after it (Vietnamese typed in
/// decomposed form, e.g. "ệ" as "e" + U+0323 + U+0302).
pub fn ellipsis(s: &str, max: usize) -> Cow<'_, str> {
    if s.chars().count() <= max {
        return Cow::Borrowed(s);
    }
    let chars: Vec<(usize, char)> = s.char_indices().collect();
    // Keep `max - 1` characters, then back off over accents so none is cut from its letter.
    let mut cut = max.saturating_sub(1);
    while cut > 0 && chars.get(cut).is_some_and(|&(_, c)| is_combining(c)) {
        cut -= 1;
    }
    let end = chars.get(cut).map_or(s.len(), |&(i, _)| i);
    Cow::Owned(format!("{}…", s[..end].trim_end()))
}

/// How wide `s` is drawn at `font_px` pixels, estimated from the advance widths of DejaVu
/// Sans (what "sans-serif" is on most Linux systems; Arial and Segoe UI are narrower), so a
/// text measured here fits in the room it is given. Accents written after their letter
/// (decomposed Vietnamese) take no room; a letter this table does not know is taken as wide
/// as a capital.
pub fn text_width(s: &str, font_px: f64) -> f64 {
    let units: u32 = s.chars().map(advance).sum();
    f64::from(units) * font_px / 2048.0
}

/// The advance width of `c` in DejaVu Sans, in 1/2048 em.
fn advance(c: char) -> u32 {
    match c {
        c if is_combining(c) => 0,
        ' ' | '.' | ',' | ';' | '·' | '\'' => 651,
        'i' | 'j' | 'l' | 'I' | 'J' | '!' | '|' => 604,
        ':' | '/' => 690,
        '-' | '–' => 739,
        '(' | ')' | '[' | ']' => 799,
        'f' | 't' | 'r' => 842,
        's' | 'c' | 'z' => 1126,
        'a' | 'e' | 'o' | 'k' | 'v' | 'x' | 'y' => 1260,
        'b' | 'd' | 'g' | 'h' | 'n' | 'p' | 'q' | 'u' | '0'..='9' => 1303,
        'w' => 1675,
        'm' => 1995,
        '%' => 1946,
        'W' => 2025,
        'M' | '&' => 1767,
        'A'..='Z' => 1612,
        // Vietnamese letters with their accents precomposed, other letters.
        c if c.is_lowercase() => 1303,
        _ => 1767,
    }
}

/// `s` in lines no wider than `max_px` at `font_px` pixels (see [`text_width`]), broken at
/// spaces; a word wider than a line is broken between letters, never between a letter and its
/// accents. Nothing is left out: the lines joined by spaces are `s` with its runs of white
/// space made single.
pub fn wrap(s: &str, max_px: f64, font_px: f64) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let joined = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if text_width(&joined, font_px) <= max_px {
            line = joined;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // The word alone, split between letters where it is wider than a line.
        for c in word.chars() {
            let mut longer = line.clone();
            longer.push(c);
            if !line.is_empty() && !is_combining(c) && text_width(&longer, font_px) > max_px {
                lines.push(std::mem::take(&mut line));
            }
            line.push(c);
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// A combining mark (the accents of decomposed Vietnamese and most Latin scripts).
fn is_combining(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}' | '\u{1AB0}'..='\u{1AFF}' | '\u{1DC0}'..='\u{1DFF}' | '\u{20D0}'..='\u{20FF}' | '\u{FE20}'..='\u{FE2F}')
}

/// A small check that `s` is well-formed XML, for the charts' tests (no XML library needed):
/// one root element, tags balanced and properly nested, attribute values quoted and free of
/// `<`, every `&` the start of a known entity or a character reference, no forbidden control
/// characters. Comments, processing instructions and CDATA are not used by the charts and are
/// refused.
#[cfg(test)]
pub(crate) fn well_formed(s: &str) -> Result<(), String> {
    fn entity(rest: &str) -> Result<usize, String> {
        let end = rest
            .find(';')
            .filter(|&e| e <= 10)
            .ok_or_else(|| format!("a bare & at {:?}", &rest[..rest.len().min(20)]))?;
        let name = &rest[1..end];
        let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
            || name
                .strip_prefix("#x")
                .is_some_and(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_hexdigit()))
            || name
                .strip_prefix('#')
                .is_some_and(|d| !d.is_empty() && d.chars().all(|c| c.is_ascii_digit()));
        if ok {
            Ok(end + 1)
        } else {
            Err(format!("unknown entity &{name};"))
        }
    }
    fn text(t: &str) -> Result<(), String> {
        let mut i = 0;
        while let Some(p) = t[i..].find(['&', '>']) {
            let at = i + p;
            if t[at..].starts_with('>') {
                // Allowed by XML, but the charts always escape it.
                return Err(format!("an unescaped > in {t:?}"));
            }
            i = at + entity(&t[at..])?;
        }
        Ok(())
    }
    if let Some(c) = s.chars().find(|&c| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || c == '\u{FFFE}' || c == '\u{FFFF}'
    }) {
        return Err(format!("a forbidden character U+{:04X}", c as u32));
    }
    let mut open: Vec<&str> = Vec::new();
    let mut roots = 0;
    let mut rest = s;
    while let Some(lt) = rest.find('<') {
        let before = &rest[..lt];
        if open.is_empty() && !before.trim().is_empty() {
            return Err(format!("text outside the root: {before:?}"));
        }
        text(before)?;
        rest = &rest[lt + 1..];
        if rest.starts_with(['!', '?']) {
            return Err(
                "comments, declarations and processing instructions are not expected".into(),
            );
        }
        // Find the tag's end, skipping quoted attribute values.
        let mut quote = None;
        let mut end = None;
        for (i, c) in rest.char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (Some(_), '<') => return Err("a < inside an attribute value".into()),
                (None, '<') => return Err("a < inside a tag".into()),
                (None, '>') => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let end = end.ok_or("a tag that never ends")?;
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            let name = name.trim_end();
            match open.pop() {
                Some(o) if o == name => {}
                o => return Err(format!("</{name}> closes {o:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name_end = body.find(|c: char| c.is_whitespace()).unwrap_or(body.len());
        let name = &body[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ':' | '.'))
        {
            return Err(format!("a bad tag name {name:?}"));
        }
        // Attributes: name="value" pairs, values checked like text (but may hold >).
        let mut attrs = body[name_end..].trim();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or_else(|| format!("an attribute without value in <{name}>"))?;
            let q = attrs[eq + 1..]
                .chars()
                .next()
                .filter(|&c| c == '"' || c == '\'')
                .ok_or_else(|| format!("an unquoted attribute in <{name}>"))?;
            let value_start = eq + 2;
            let value_len = attrs[value_start..]
                .find(q)
                .ok_or_else(|| format!("an unterminated attribute in <{name}>"))?;
            let value = &attrs[value_start..value_start + value_len];
            let mut i = 0;
            while let Some(p) = value[i..].find('&') {
                i += p + entity(&value[i + p..])?;
            }
            attrs = attrs[value_start + value_len + 1..].trim_start();
        }
        if open.is_empty() {
            roots += 1;
        }
        if !self_closing {
            open.push(name);
        }
    }
    if !open.is_empty() {
        return Err(format!("unclosed elements {open:?}"));
    }
    if !rest.trim().is_empty() {
        return Err(format!("text after the root: {rest:?}"));
    }
    if roots != 1 {
        return Err(format!("{roots} root elements"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_forbidden_controls() {
        assert_eq!(esc(r#"<b>&"x"'"#), "&lt;b&gt;&amp;&quot;x&quot;'");
        assert_eq!(esc("a\u{1}b\u{b}c\td\ne"), "abc\td\ne");
        assert_eq!(esc("Đẩy mạnh chuyển đổi số"), "Đẩy mạnh chuyển đổi số");
    }

    #[test]
    fn ellipsis_keeps_short_text_and_accents() {
        assert_eq!(ellipsis("Phước Hà", 8), "Phước Hà");
        assert_eq!(ellipsis("Phước Hà", 7), "Phước…");
        assert_eq!(ellipsis("abcdef", 4), "abc…");
        // "Việt" decomposed: V, i, e, U+0323, U+0302, t. Cutting after "e" would strip its
        // accents: the whole letter goes instead.
        let nfd = "Vie\u{323}\u{302}t Nam";
        assert_eq!(ellipsis(nfd, 4), "Vi…");
        assert_eq!(ellipsis(nfd, 6), "Vie\u{323}\u{302}…");
        assert_eq!(ellipsis("abc", 0), "…");
    }

    #[test]
    fn wrapping_keeps_every_word_and_every_line_fits() {
        let s = "Sở Thông tin và Truyền thông · Phối hợp doanh nghiệp viễn thông xóa thôn lõm sóng, phủ sóng 5G";
        let lines = wrap(s, 200.0, 12.0);
        assert!(lines.len() >= 3, "{lines:?}");
        assert_eq!(lines.join(" "), s);
        for l in &lines {
            assert!(text_width(l, 12.0) <= 200.0, "{l}");
        }
        // A word wider than a line is split between letters, its accents kept with them.
        let nfd = "Vie\u{323}\u{302}t".repeat(8);
        let lines = wrap(&nfd, 40.0, 12.0);
        assert_eq!(lines.concat(), nfd);
        for l in &lines {
            assert!(!l.starts_with(is_combining), "{l:?}");
            assert!(text_width(l, 12.0) <= 40.0, "{l}");
        }
        assert_eq!(wrap("", 100.0, 12.0), vec![String::new()]);
        assert_eq!(wrap("  a   b ", 100.0, 12.0), vec!["a b".to_string()]);
        // Wider letters measure wider; accents take no room.
        assert!(text_width("WWW", 12.0) > text_width("iii", 12.0));
        assert_eq!(text_width("e\u{323}\u{302}", 12.0), text_width("e", 12.0));
    }

    #[test]
    fn the_checker_refuses_what_is_not_well_formed() {
        assert!(well_formed(r#"<svg a="1"><g><text>x &amp; y</text></g><line/></svg>"#).is_ok());
        for bad in [
            "<svg><g></svg>",
            "<svg></g></svg>",
            "<svg>a & b</svg>",
            "<svg>a &nbsp; b</svg>",
            "<svg a=1></svg>",
            r#"<svg a="<"></svg>"#,
            "<svg><text>x</text>",
            "<svg/><svg/>",
            "text<svg/>",
            "<svg>\u{1}</svg>",
            "<svg>a > b</svg>",
        ] {
            assert!(well_formed(bad).is_err(), "{bad}");
        }
    }
}
