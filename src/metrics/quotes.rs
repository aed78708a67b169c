//! Representative quotes of a theme: the most negative mentions of a complaint, the
//! most positive of praise, each as a window of its record's text with the theme's
//! terms to highlight.

use serde::{Deserialize, Serialize};

use super::Facts;
use crate::sentiment::Label;
use crate::text::snippet::Window;
use crate::themes::ThemeHit;

/// A representative quote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Quote {
    /// Record id.
    pub id: String,
    /// The sentence (or a window of it).
    pub text: String,
    /// Byte ranges in `text` to highlight (the theme's terms).
    pub highlights: Vec<(usize, usize)>,
    /// Sentiment of the mention.
    pub sentiment: f32,
    /// Rating, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rating: Option<f64>,
    /// Date, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Offers a theme's mention in one record as a quote: kept when it fits the theme
/// (negative for a complaint, positive for praise) and ranks among the best `keep`
/// so far in `quotes` (rank, quote).
pub(super) fn offer(
    quotes: &mut Vec<(f32, Quote)>,
    hit: &ThemeHit,
    f: &Facts<'_>,
    praise: bool,
    keep: usize,
) {
    let Some(m) = hit.mentions.first() else {
        return;
    };
    if keep == 0 {
        return;
    }
    // A complaint theme is quoted only where its own mention is negative (a 4-star
    // praise that mentions a refund is no refund complaint), praise only where positive.
    let wanted = if praise { Label::Pos } else { Label::Neg };
    if hit.sentiment.label != wanted {
        return;
    }
    // Nor is a record that is positive as a whole or rated high (4–5 of 5, 8–10 of 10).
    if !praise && (f.label == Label::Pos || f.rating.is_some_and(|r| r.normalized() >= 0.75)) {
        return;
    }
    // Complaints are illustrated by their most negative mentions, praise by its most
    // positive; mid-length quotes read best.
    let polarity = if praise {
        hit.sentiment.score
    } else {
        -hit.sentiment.score
    };
    let len = f.text.len() as f32;
    let length_fit = if (30.0..=300.0).contains(&len) {
        0.1
    } else {
        0.0
    };
    let rank = polarity + length_fit;
    if quotes.len() >= keep {
        let worst = quotes
            .iter()
            .enumerate()
            .min_by(|a, b| a.1.0.total_cmp(&b.1.0))
            .map(|(i, q)| (i, q.0));
        match worst {
            Some((i, r)) if r < rank => {
                quotes.swap_remove(i);
            }
            _ => return,
        }
    }
    let w = Window::around(f.text, m.start..m.end, 240);
    let spans: Vec<(usize, usize)> = hit.mentions.iter().map(|x| (x.start, x.end)).collect();
    let highlights = w
        .map(&spans)
        .into_iter()
        .filter(|(s, e)| w.text.is_char_boundary(*s) && w.text.is_char_boundary(*e))
        .collect();
    quotes.push((
        rank,
        Quote {
            id: f.id.to_string(),
            text: w.text,
            highlights,
            sentiment: hit.sentiment.score,
            rating: f.rating.map(|r| r.value),
            date: f
                .date
                .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)),
        },
    ));
}

/// The total order of quotes, best first: higher rank, then smaller record id, then
/// smaller text.
fn order(a: &(f32, Quote), b: &(f32, Quote)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0)
        .then_with(|| a.1.id.cmp(&b.1.id))
        .then_with(|| a.1.text.cmp(&b.1.text))
}

/// Merges the quotes kept of another part of the records: the best `keep` of both in
/// the total order, the same whatever the order of the parts. One pass breaks ties in
/// rank by arrival (the first kept), which a merge cannot know: where quotes tie in
/// rank at the cut, a merge can keep other records of the same rank, and list tied
/// quotes in another order.
pub(super) fn merge(quotes: &mut Vec<(f32, Quote)>, other: &[(f32, Quote)], keep: usize) {
    quotes.extend(other.iter().cloned());
    quotes.sort_by(order);
    quotes.truncate(keep);
}

/// The quotes kept, best first.
pub(super) fn best_first(quotes: &[(f32, Quote)]) -> Vec<Quote> {
    let mut quotes: Vec<&(f32, Quote)> = quotes.iter().collect();
    quotes.sort_by(|a, b| b.0.total_cmp(&a.0));
    quotes.into_iter().map(|(_, q)| q.clone()).collect()
}
