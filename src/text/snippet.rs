//! Snippets: a window of a text around a byte range, cut at char boundaries and
//! marked with `…` where it was cut. Search hits (the `index` stage) and the quotes
//! of a report (the `metrics` stage) both show text this way; it sits in the text
//! core, the lowest stage both depend on.

/// A window of a text around a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    /// The window, with `…` where it was cut.
    pub text: String,
    /// Where it starts in the source text.
    pub start: usize,
    /// Where it ends in the source text.
    pub end: usize,
    /// Length of the leading `…` (0 or 3).
    pub prefix: usize,
}

impl Window {
    /// At most about `max` bytes of `text` around `range`, cut at char boundaries.
    /// Offset `x` of `text` is `x - start + prefix` in the window.
    pub fn around(text: &str, range: std::ops::Range<usize>, max: usize) -> Window {
        let start = range.start.min(text.len());
        let end = range.end.clamp(start, text.len());
        let room = max.saturating_sub(end - start) / 2;
        let mut ws = start.saturating_sub(room);
        while !text.is_char_boundary(ws) {
            ws -= 1;
        }
        let mut we = (end + room).min(text.len());
        while !text.is_char_boundary(we) {
            we += 1;
        }
        let mut out = String::new();
        if ws > 0 {
            out.push('…');
        }
        let prefix = out.len();
        out.push_str(&text[ws..we]);
        if we < text.len() {
            out.push('…');
        }
        Window {
            text: out,
            start: ws,
            end: we,
            prefix,
        }
    }

    /// Byte ranges of `text` (source coordinates) that fall inside the window, in
    /// window coordinates.
    pub fn map(&self, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
        ranges
            .iter()
            .filter(|(s, e)| *s >= self.start && *e <= self.end && s <= e)
            .map(|(s, e)| (s - self.start + self.prefix, e - self.start + self.prefix))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_marks_cuts() {
        let text = "あいうえおかきくけこさしすせそ";
        let Window {
            text: w,
            start,
            prefix,
            ..
        } = Window::around(text, 15..18, 9);
        assert!(w.starts_with('…') && w.ends_with('…'), "{w}");
        assert_eq!(&w[15 - start + prefix..18 - start + prefix], "か");
        let w = Window::around("abcdef", 1..2, 100);
        assert_eq!((w.text.as_str(), w.start, w.prefix), ("abcdef", 0, 0));
    }
}
