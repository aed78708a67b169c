//! The report as one self-contained HTML file: inline CSS and SVG charts, no script,
//! no fonts or CDN to fetch, readable offline and printable.

use std::fmt::Write;

use super::{Report, excluded_note, num, pct, scales_note, signed, with_n};
use crate::metrics::{Kpis, Quote, ThemeRow};

/// HTML-escapes text.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn quote_html(q: &Quote) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(s, e) in &q.highlights {
        if s < at || e > q.text.len() || !q.text.is_char_boundary(s) || !q.text.is_char_boundary(e)
        {
            continue;
        }
        out.push_str(&esc(&q.text[at..s]));
        out.push_str("<mark>");
        out.push_str(&esc(&q.text[s..e]));
        out.push_str("</mark>");
        at = e;
    }
    out.push_str(&esc(&q.text[at..]));
    // Text fields (title, body) are joined by a line break: keep them apart.
    out.replace("\r\n", "\n").replace('\n', "<br>")
}

const CSS: &str = r#"
:root{--neg:#c8402f;--neu:#9aa3ad;--pos:#2f8f5b;--ink:#1d2430;--muted:#5d6875;--line:#dde2e8;--accent:#3558c6}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI","Hiragino Sans","Yu Gothic","Noto Sans CJK JP","Noto Sans KR","Malgun Gothic",sans-serif;color:var(--ink);margin:0;background:#f6f7f9;line-height:1.5}
main{max-width:1100px;margin:0 auto;padding:24px}
h1{font-size:1.7rem;margin:0 0 4px}h2{font-size:1.25rem;margin:32px 0 12px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:1rem;margin:18px 0 6px}
.meta{color:var(--muted);font-size:.9rem}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px;margin-top:16px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px}
.card .v{font-size:1.6rem;font-weight:650}.card .k{color:var(--muted);font-size:.8rem;text-transform:uppercase;letter-spacing:.04em}
.card .s{color:var(--muted);font-size:.8rem}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.88rem}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:middle}
th{background:#eef1f5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.badge{display:inline-block;background:#fde8e4;color:var(--neg);border-radius:10px;padding:0 8px;font-size:.75rem;font-weight:600;margin-left:6px}
.badge.disc{background:#e7ecfb;color:var(--accent)}
.bar{display:flex;height:14px;border-radius:3px;overflow:hidden;min-width:2px}
.bar span{display:block;height:100%}
.neg{background:var(--neg)}.neu{background:var(--neu)}.pos{background:var(--pos)}
blockquote{margin:8px 0;padding:8px 12px;background:#fff;border-left:4px solid var(--neg);border-radius:4px}
blockquote.praise{border-left-color:var(--pos)}
blockquote .who{display:block;color:var(--muted);font-size:.8rem;margin-top:4px}
mark{background:#ffe58a;padding:0 1px;border-radius:2px}
.legend span{display:inline-block;width:10px;height:10px;margin:0 4px 0 12px;border-radius:2px}
.met{color:var(--pos);font-weight:600}.notmet{color:var(--neg);font-weight:600}
svg text{font-family:inherit;font-size:11px;fill:var(--muted)}
@media print{body{background:#fff}main{max-width:none;padding:0}.card,table,blockquote{break-inside:avoid}h2{break-after:avoid}}
"#;

fn card(o: &mut String, key: &str, value: &str, sub: &str) {
    let _ = write!(
        o,
        "<div class=\"card\"><div class=\"k\">{}</div><div class=\"v\">{}</div><div class=\"s\">{}</div></div>",
        esc(key),
        esc(value),
        esc(sub)
    );
}

/// The non-empty parts, joined by ` · `.
fn dotted(parts: &[String]) -> String {
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A small inline SVG line of a series.
fn sparkline_svg(values: &[f64]) -> String {
    let (w, h) = (120.0, 26.0);
    if values.len() < 2 {
        return String::new();
    }
    let max = values.iter().cloned().fold(0.0_f64, f64::max).max(1e-9);
    let step = w / (values.len() - 1) as f64;
    let pts: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            format!(
                "{:.1},{:.1}",
                i as f64 * step,
                h - 2.0 - v / max * (h - 4.0)
            )
        })
        .collect();
    let last = pts.last().cloned().unwrap_or_default();
    let (lx, ly) = last.split_once(',').unwrap_or(("0", "0"));
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"trend\"><polyline fill=\"none\" stroke=\"#3558c6\" stroke-width=\"1.6\" points=\"{}\"/><circle cx=\"{lx}\" cy=\"{ly}\" r=\"2.5\" fill=\"#3558c6\"/></svg>",
        pts.join(" ")
    )
}

/// Records per period (bars) with the complaint share (line).
fn trend_chart(periods: &[crate::metrics::PeriodRow]) -> String {
    let (w, h, left, bottom) = (1000.0, 220.0, 40.0, 30.0);
    let n = periods.len().max(1) as f64;
    let max = periods
        .iter()
        .map(|p| p.kpis.records)
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let slot = (w - left) / n;
    let mut o = format!(
        "<svg viewBox=\"0 0 {w} {h}\" width=\"100%\" role=\"img\" aria-label=\"records and complaint share by period\">"
    );
    let _ = write!(
        o,
        "<line x1=\"{left}\" y1=\"{y}\" x2=\"{w}\" y2=\"{y}\" stroke=\"#dde2e8\"/>",
        y = h - bottom
    );
    let mut line = Vec::new();
    for (i, p) in periods.iter().enumerate() {
        let x = left + i as f64 * slot;
        let bh = p.kpis.records as f64 / max * (h - bottom - 20.0);
        let _ = write!(
            o,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"#c9d3e6\"><title>{}: {} records</title></rect>",
            x + slot * 0.15,
            h - bottom - bh,
            slot * 0.7,
            bh,
            esc(&p.period),
            p.kpis.records
        );
        if periods.len() <= 24 || i % (periods.len() / 12).max(1) == 0 {
            let _ = write!(
                o,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                x + slot / 2.0,
                h - 10.0,
                esc(&p.period)
            );
        }
        if let Some(c) = p.kpis.complaint_share {
            line.push(format!(
                "{:.1},{:.1}",
                x + slot / 2.0,
                h - bottom - c * (h - bottom - 20.0)
            ));
        }
    }
    if line.len() > 1 {
        let _ = write!(
            o,
            "<polyline fill=\"none\" stroke=\"#c8402f\" stroke-width=\"2\" points=\"{}\"/>",
            line.join(" ")
        );
    }
    let _ = write!(
        o,
        "<text x=\"{left}\" y=\"12\">bars: records (max {max}) · red line: complaint share (0–100%)</text></svg>"
    );
    o
}

fn kpi_cells(k: &Kpis) -> String {
    format!(
        "<td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
        k.records,
        with_n(num(k.nps, 1), k.nps_answers),
        with_n(pct(k.csat), k.csat_answers),
        with_n(num(k.rating_100, 1), k.ratings),
        pct(k.complaint_share),
        num(k.net_sentiment, 2)
    )
}

fn theme_bar(t: &ThemeRow, max: u64) -> String {
    let total = (t.negative + t.neutral + t.positive).max(1) as f64;
    let width = t.records as f64 / max.max(1) as f64 * 100.0;
    format!(
        "<div class=\"bar\" style=\"width:{width:.1}%\" title=\"{} negative, {} neutral, {} positive\"><span class=\"neg\" style=\"width:{:.1}%\"></span><span class=\"neu\" style=\"width:{:.1}%\"></span><span class=\"pos\" style=\"width:{:.1}%\"></span></div>",
        t.negative,
        t.neutral,
        t.positive,
        t.negative as f64 / total * 100.0,
        t.neutral as f64 / total * 100.0,
        t.positive as f64 / total * 100.0
    )
}

/// Renders the report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    head(&mut o, r);
    summary_cards(&mut o, r);
    trend_section(&mut o, r);
    themes_section(&mut o, r);
    emerging_section(&mut o, r);
    complaints_section(&mut o, r);
    discovered_section(&mut o, r);
    segments_section(&mut o, r);
    support_section(&mut o, r);
    churn_section(&mut o, r);
    goals_section(&mut o, r);
    o.push_str("</main></body></html>\n");
    super::i18n::localize_html(&o, &r.label_lang)
}

/// The document head, the title and what the records are.
fn head(o: &mut String, r: &Report) {
    let s = &r.summary;
    let t = &s.totals;
    let lang = match r.label_lang.as_str() {
        "ja" | "ko" => r.label_lang.as_str(),
        _ => "en",
    };
    let _ = write!(
        o,
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{CSS}</style></head><body><main>",
        esc(&r.title)
    );
    let _ = write!(
        o,
        "<h1>{}</h1><p class=\"meta\">{} records{}{} · {} undated · generated by koe</p>",
        esc(&r.title),
        t.records,
        // A report of records handed over in memory (Python) names no input.
        if r.inputs.is_empty() {
            String::new()
        } else {
            format!(" from {}", esc(&r.inputs.join(", ")))
        },
        if r.rejected > 0 {
            format!(" · {} rejected (see the rejects file)", r.rejected)
        } else {
            String::new()
        },
        s.undated
    );
}

/// The headline figures as cards.
fn summary_cards(o: &mut String, r: &Report) {
    let t = &r.summary.totals;
    o.push_str("<section class=\"cards\">");
    card(
        o,
        "NPS",
        &num(t.nps, 1),
        &dotted(&[
            format!(
                "{} answers (0–10) · {} promoters · {} detractors",
                t.nps_answers, t.promoters, t.detractors
            ),
            excluded_note(t, "nps"),
        ]),
    );
    card(
        o,
        "CSAT",
        &pct(t.csat),
        &dotted(&[
            format!("top-2 of 5 · {} answers (1–5)", t.csat_answers),
            excluded_note(t, "stars5"),
        ]),
    );
    card(
        o,
        "Average rating (0–100)",
        &num(t.rating_100, 1),
        &format!("{} ratings · {}", t.ratings, scales_note(t)),
    );
    card(
        o,
        "Complaints",
        &t.complaints.to_string(),
        &format!("{} of records", pct(t.complaint_share)),
    );
    card(
        o,
        "Net sentiment",
        &num(t.net_sentiment, 2),
        &format!(
            "{} pos · {} neu · {} neg",
            t.positive, t.neutral, t.negative
        ),
    );
    o.push_str("</section>");
    o.push_str("<p class=\"meta\">Ratings of different scales are put on one 0–100 scale (0 = the scale's lowest value, 100 = its highest) wherever sources are combined: the average, the trend, the segments and the themes. CSAT counts only 1–5 answers and NPS only 0–10 answers; the numbers in brackets are the answers each figure uses.</p>");
}

/// The chart and table of each period, when records are dated.
fn trend_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    if s.periods.is_empty() {
        return;
    }
    let _ = write!(o, "<h2>Trend</h2>{}", trend_chart(&s.periods));
    o.push_str("<table><thead><tr><th>Period</th><th class=\"n\">Records</th><th class=\"n\">NPS (answers)</th><th class=\"n\">CSAT (answers)</th><th class=\"n\">Rating /100 (ratings)</th><th class=\"n\">Complaints</th><th class=\"n\">Net sentiment</th></tr></thead><tbody>");
    for p in &s.periods {
        let partial = if p.partial {
            format!(
                " <span class=\"meta\">(partial: {} of {} days)</span>",
                p.days_covered, p.days
            )
        } else {
            String::new()
        };
        let _ = write!(
            o,
            "<tr><td>{}{partial}</td>{}</tr>",
            esc(&p.period),
            kpi_cells(&p.kpis)
        );
    }
    o.push_str("</tbody></table>");
}

/// The theme table, biggest problems first.
fn themes_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    o.push_str("<h2>Themes</h2>");
    let _ = write!(o, "<p class=\"meta\">{}</p>", esc(&r.domains_note()));
    if s.themes.is_empty() {
        o.push_str("<p>No theme of the taxonomy was found.</p>");
    } else {
        o.push_str("<p class=\"legend\">Bar length: records mentioning the theme; colour: sentiment of the mention<span class=\"neg\"></span>negative<span class=\"neu\"></span>neutral<span class=\"pos\"></span>positive</p>");
        let _ = write!(
            o,
            "<table><thead><tr><th>Theme</th><th style=\"width:24%\">Volume</th><th class=\"n\">Records</th><th class=\"n\">Share</th><th class=\"n\">Net</th><th class=\"n\">Rating /100</th><th class=\"n\">NPS mentioners / others</th><th class=\"n\">{}</th><th>Trend</th></tr></thead><tbody>",
            esc(&r.impact_header())
        );
        let max = s.themes.iter().map(|t| t.records).max().unwrap_or(1);
        for th in &s.themes {
            let mut badge = match th.emerging.as_ref() {
                Some(e) if e.emerging => format!(
                    "<span class=\"badge\" title=\"{}\">emerging</span>",
                    esc(&Report::emerging_detail(th).unwrap_or_default())
                ),
                _ => String::new(),
            };
            if th.discovered {
                badge.push_str(" <span class=\"badge disc\">discovered</span>");
            }
            let trend: Vec<f64> = th.trend.iter().map(|p| p.share).collect();
            let _ = write!(
                o,
                "<tr><td><b>{}</b>{badge}<br><span class=\"meta\">{}</span></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{:+.2}</td><td class=\"n\">{}</td><td class=\"n\">{} / {}</td><td class=\"n\">{}</td><td>{}</td></tr>",
                esc(r.label(th)),
                esc(th.category_label.get(&r.label_lang, &th.category)),
                theme_bar(th, max),
                th.records,
                pct(Some(th.share)),
                th.net_sentiment,
                num(th.rating_100, 1),
                num(th.nps_mentioners, 1),
                num(th.nps_others, 1),
                signed(th.impact),
                sparkline_svg(&trend)
            );
        }
        let _ = write!(
            o,
            "</tbody></table><p class=\"meta\">{}</p>",
            esc(r.impact_note())
        );
    }
}

/// The themes whose rate rose significantly in the latest period (or the closest).
fn emerging_section(o: &mut String, r: &Report) {
    o.push_str("<h2>Emerging themes</h2>");
    let _ = write!(o, "<p class=\"meta\">{}</p>", esc(&r.emerging_method()));
    let emerging: Vec<_> = r.emerging().collect();
    if emerging.is_empty() {
        o.push_str("<p>None: no theme passed the test.</p>");
        if let Some(th) = r.closest_to_emerging()
            && let (Some(line), Some(e)) = (Report::emerging_detail(th), th.emerging.as_ref())
        {
            let _ = write!(
                o,
                "<p class=\"meta\">Closest: {}: {} — not emerging: {}.</p>",
                esc(r.label(th)),
                esc(&line),
                esc(&e.reason)
            );
        }
    } else {
        o.push_str("<ul>");
        for th in emerging {
            if let Some(line) = Report::emerging_detail(th) {
                let _ = write!(o, "<li><b>{}</b>: {}</li>", esc(r.label(th)), esc(&line));
            }
        }
        o.push_str("</ul>");
    }
}

/// The top complaint themes with their quotes.
fn complaints_section(o: &mut String, r: &Report) {
    let complaints: Vec<_> = r.top_complaints(5).collect();
    if complaints.is_empty() {
        return;
    }
    o.push_str("<h2>Top complaints</h2>");
    for th in complaints {
        let _ = write!(
            o,
            "<h3>{} — {} negative of {} records</h3>",
            esc(r.label(th)),
            th.negative,
            th.records
        );
        for q in &th.quotes {
            let _ = write!(
                o,
                "<blockquote>{}<span class=\"who\">{}{}{}</span></blockquote>",
                quote_html(q),
                esc(&q.id),
                q.rating
                    .map(|x| format!(" · rating {x}"))
                    .unwrap_or_default(),
                q.date
                    .as_ref()
                    .map(|d| format!(" · {}", esc(d)))
                    .unwrap_or_default()
            );
        }
    }
}

/// Themes discovery found beyond the taxonomy.
fn discovered_section(o: &mut String, r: &Report) {
    if r.discovered.is_empty() {
        return;
    }
    o.push_str("<h2>Discovered themes <span class=\"badge disc\">not in the taxonomy</span></h2><p class=\"meta\">What people give opinions about that no taxonomy theme lists; counted on the records like any theme (marked in the theme table).</p><table><thead><tr><th>Theme</th><th>Lang</th><th class=\"n\">Records</th><th class=\"n\">Negative</th><th>Members</th><th>Positive opinions</th><th>Negative opinions</th></tr></thead><tbody>");
    for d in &r.discovered {
        let (members, pos, neg) = Report::discovered_parts(d);
        let row = r.row_of(&d.id);
        let _ = write!(
            o,
            "<tr><td><b>{}</b></td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&d.label),
            esc(&d.lang),
            row.map(|t| t.records).unwrap_or(0),
            row.map(|t| t.negative).unwrap_or(0),
            esc(&members.join(", ")),
            esc(&pos.join(", ")),
            esc(&neg.join(", "))
        );
    }
    o.push_str("</tbody></table>");
}

/// The totals of each value of the segment column.
fn segments_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    if s.segments.is_empty() {
        return;
    }
    let _ = write!(
        o,
        "<h2>By {}</h2><table><thead><tr><th>Value</th><th class=\"n\">Records</th><th class=\"n\">NPS (answers)</th><th class=\"n\">CSAT (answers)</th><th class=\"n\">Rating /100 (ratings)</th><th class=\"n\">Complaints</th><th class=\"n\">Net sentiment</th></tr></thead><tbody>",
        esc(s.segment.as_deref().unwrap_or("segment"))
    );
    for seg in &s.segments {
        let _ = write!(
            o,
            "<tr><td>{}</td>{}</tr>",
            esc(&seg.value),
            kpi_cells(&seg.kpis)
        );
    }
    o.push_str("</tbody></table>");
}

/// The support section: response and resolution times, rates, per theme and period.
fn support_section(o: &mut String, r: &Report) {
    let Some(sup) = &r.support else {
        return;
    };
    let v = super::SupportView::new(r, sup);
    let _ = write!(o, "<h2>{}</h2><table><tbody>", esc(&v.title));
    for (k, val) in &v.figures {
        let _ = write!(o, "<tr><th>{}</th><td>{}</td></tr>", esc(k), esc(val));
    }
    o.push_str("</tbody></table>");
    text_tables(o, &v.tables, &v.notes);
}

/// The churn section: signal rates per period and theme, customer cohorts.
fn churn_section(o: &mut String, r: &Report) {
    if let Some(v) = super::ChurnView::new(r) {
        let _ = write!(o, "<h2>Churn signals</h2><p>{}</p>", esc(&v.headline));
        text_tables(o, &v.tables, &v.notes);
    }
}

/// The goals and how they are doing.
fn goals_section(o: &mut String, r: &Report) {
    if r.goals.is_empty() {
        return;
    }
    o.push_str("<h2>Goals</h2><table><thead><tr><th>Goal</th><th>Metric</th><th class=\"n\">Target</th><th class=\"n\">Overall</th><th class=\"n\">Latest</th><th class=\"n\">Previous</th><th>Status</th><th>Moving</th></tr></thead><tbody>");
    for g in &r.goals {
        let dir = match g.goal.direction {
            super::goals::Direction::Higher => "≥",
            super::goals::Direction::Lower => "≤",
        };
        let class = if g.status == "met" { "met" } else { "notmet" };
        let _ = write!(
            o,
            "<tr><td>{}</td><td><code>{}</code></td><td class=\"n\">{dir} {}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"{class}\">{}</td><td>{}</td></tr>",
            esc(g.goal.label.as_deref().unwrap_or(&g.goal.metric)),
            esc(&g.goal.metric),
            g.display(Some(g.goal.target)),
            g.display(g.current),
            g.display(g.latest),
            g.display(g.previous),
            esc(&g.status),
            match g.improving {
                Some(true) => "improving",
                Some(false) => "worsening",
                None => "–",
            }
        );
    }
    o.push_str("</tbody></table>");
}

/// Tables of text cells (name column, then right-aligned figures), then the notes.
fn text_tables(o: &mut String, tables: &[super::TextTable], notes: &[String]) {
    let class = |i: usize| if i > 0 { " class=\"n\"" } else { "" };
    for t in tables.iter().filter(|t| !t.rows.is_empty()) {
        o.push_str("<table><thead><tr>");
        for (i, h) in t.head.iter().enumerate() {
            let _ = write!(o, "<th{}>{}</th>", class(i), esc(h));
        }
        o.push_str("</tr></thead><tbody>");
        for row in &t.rows {
            o.push_str("<tr>");
            for (i, c) in row.iter().enumerate() {
                let _ = write!(o, "<td{}>{}</td>", class(i), esc(c));
            }
            o.push_str("</tr>");
        }
        o.push_str("</tbody></table>");
    }
    for n in notes {
        let _ = write!(o, "<p class=\"meta\">{}</p>", esc(n));
    }
}
