//! The report's theme table as CSV: one row per theme (kind `theme` or `discovered`),
//! plus one row per theme and period for the trend.

use super::Report;
use crate::analyze::output::write_csv_row;

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// The columns. `avg_rating` is on the mentioners' most used scale, `rating_100` over
/// all their `ratings` with every scale mapped to 0–100. `impact` is in points of `impact_basis` (`nps`, `csat` percentage
/// points or `rating_100`) and leaves out `impact_records` records. `growth`, `difference` (rate points as a fraction), `p_value` and
/// `p_adjusted` (Benjamini–Hochberg) are the emerging test's.
const HEADER: &str = "kind,id,category,label,period,records,mentions,share,negative,neutral,positive,net_sentiment,avg_rating,rating_100,ratings,nps_mentioners,nps_others,impact,impact_basis,impact_records,emerging,growth,difference,p_value,p_adjusted";

/// Renders the theme table.
pub fn render(r: &Report) -> String {
    let mut out = format!("{HEADER}\n").into_bytes();
    let mut row = |cols: Vec<String>| {
        // Writing into memory cannot fail.
        let _ = write_csv_row(&mut out, &cols);
    };
    for t in &r.summary.themes {
        let e = t.emerging.as_ref();
        row(vec![
            if t.discovered { "discovered" } else { "theme" }.into(),
            t.id.clone(),
            t.category.clone(),
            r.label(t).to_string(),
            String::new(),
            t.records.to_string(),
            t.mentions.to_string(),
            t.share.to_string(),
            t.negative.to_string(),
            t.neutral.to_string(),
            t.positive.to_string(),
            t.net_sentiment.to_string(),
            opt(t.avg_rating),
            opt(t.rating_100),
            t.ratings.to_string(),
            opt(t.nps_mentioners),
            opt(t.nps_others),
            opt(t.impact),
            r.summary
                .impact_basis
                .filter(|_| t.impact.is_some())
                .map(|b| match b {
                    crate::metrics::ImpactBasis::Nps => "nps",
                    crate::metrics::ImpactBasis::Csat => "csat",
                    crate::metrics::ImpactBasis::Rating100 => "rating_100",
                })
                .unwrap_or_default()
                .to_string(),
            t.impact_records.to_string(),
            e.map(|e| e.emerging.to_string()).unwrap_or_default(),
            opt(e.and_then(|e| e.growth)),
            opt(e.map(|e| e.difference)),
            opt(e.map(|e| e.p_value)),
            opt(e.map(|e| e.p_adjusted)),
        ]);
    }
    for t in &r.summary.themes {
        for p in &t.trend {
            let mut cols = vec![
                "trend".into(),
                t.id.clone(),
                t.category.clone(),
                r.label(t).to_string(),
                p.period.clone(),
                p.records.to_string(),
                String::new(),
                p.share.to_string(),
            ];
            cols.resize(HEADER.split(',').count(), String::new());
            row(cols);
        }
    }
    // Cells are strings: the bytes are UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}
