//! The report as Markdown (GitHub flavoured tables; quotes with the theme terms in bold).

use std::fmt::Write;

use super::{Report, excluded_note, num, pct, scales_note, signed, sparkline, with_n};
use crate::metrics::{Kpis, Quote};

/// A table cell: no pipes or line breaks.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// A quote with its highlights in bold.
pub(crate) fn quote_md(q: &Quote) -> String {
    let mut out = String::new();
    let mut at = 0;
    for &(s, e) in &q.highlights {
        if s < at || e > q.text.len() || !q.text.is_char_boundary(s) || !q.text.is_char_boundary(e)
        {
            continue;
        }
        out.push_str(&escape(&q.text[at..s]));
        out.push_str("**");
        out.push_str(&escape(&q.text[s..e]));
        out.push_str("**");
        at = e;
    }
    out.push_str(&escape(&q.text[at..]));
    // Text fields (title, body) are joined by a line break: keep them apart.
    out.replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', " / ")
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '*' | '_' | '`' | '[' | ']' | '<' | '>' | '#' | '|' | '\\'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn kpi_line(k: &Kpis) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} |",
        k.records,
        with_n(num(k.nps, 1), k.nps_answers),
        with_n(pct(k.csat), k.csat_answers),
        with_n(num(k.rating_100, 1), k.ratings),
        pct(k.complaint_share),
        num(k.net_sentiment, 2),
    )
}

/// Renders the report.
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    title(&mut o, r);
    summary_section(&mut o, r);
    trend_section(&mut o, r);
    themes_section(&mut o, r);
    emerging_section(&mut o, r);
    complaints_section(&mut o, r);
    discovered_section(&mut o, r);
    segments_section(&mut o, r);
    if let Some(sup) = &r.support {
        support_section(&mut o, r, sup);
    }
    churn_section(&mut o, r);
    goals_section(&mut o, r);
    super::i18n::localize_markdown(&o, &r.label_lang)
}

/// The title and what the records are.
fn title(o: &mut String, r: &Report) {
    let s = &r.summary;
    let t = &s.totals;
    let _ = writeln!(o, "# {}\n", cell(&r.title));
    let _ = writeln!(
        o,
        "{} records{}{}; {} undated.\n",
        t.records,
        // A report of records handed over in memory (Python) names no input.
        if r.inputs.is_empty() {
            String::new()
        } else {
            format!(" from {}", r.inputs.join(", "))
        },
        if r.rejected > 0 {
            format!(" ({} rejected, see the rejects file)", r.rejected)
        } else {
            String::new()
        },
        s.undated
    );
}

/// The headline figures, each with what it is based on.
fn summary_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    let t = &s.totals;
    let _ = writeln!(o, "## Summary\n");
    let _ = writeln!(o, "| Metric | Value | Based on |\n|---|---:|---:|");
    let note = |scale: &str| {
        let n = excluded_note(t, scale);
        if n.is_empty() { n } else { format!("; {n}") }
    };
    let _ = writeln!(
        o,
        "| NPS | {} | {} answers (0–10){} |",
        num(t.nps, 1),
        t.nps_answers,
        note("nps")
    );
    let _ = writeln!(
        o,
        "| Promoters / passives / detractors | {} / {} / {} | |",
        t.promoters, t.passives, t.detractors
    );
    let _ = writeln!(
        o,
        "| CSAT (top-2 of 5) | {} | {} answers (1–5){} |",
        pct(t.csat),
        t.csat_answers,
        note("stars5")
    );
    let _ = writeln!(
        o,
        "| Average rating (0–100) | {} | {} ratings: {} |",
        num(t.rating_100, 1),
        t.ratings,
        if t.ratings == 0 {
            "none".to_string()
        } else {
            scales_note(t)
        }
    );
    let _ = writeln!(
        o,
        "| Complaints (negative records) | {} ({}) | {} records |",
        t.complaints,
        pct(t.complaint_share),
        t.records
    );
    let _ = writeln!(
        o,
        "| Sentiment positive / neutral / negative | {} / {} / {} | net {} |",
        t.positive,
        t.neutral,
        t.negative,
        num(t.net_sentiment, 2)
    );
    let _ = writeln!(
        o,
        "\nRatings of different scales are put on one 0–100 scale (0 = the scale's lowest value, 100 = its highest) wherever sources are combined: the average, the trend, the segments and the themes. CSAT counts only 1–5 answers and NPS only 0–10 answers; the numbers in brackets are the answers each figure uses.\n"
    );
}

/// The totals of each period, when records are dated.
fn trend_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    if s.periods.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## Trend by {}\n",
        if s.period == crate::metrics::Period::Week {
            "week"
        } else {
            "month"
        }
    );
    let _ = writeln!(
        o,
        "| Period | Records | NPS (answers) | CSAT (answers) | Rating /100 (ratings) | Complaints | Net sentiment |\n|---|---:|---:|---:|---:|---:|---:|"
    );
    for p in &s.periods {
        let partial = if p.partial {
            format!(" *(partial: {} of {} days)*", p.days_covered, p.days)
        } else {
            String::new()
        };
        let _ = writeln!(o, "| {}{partial} {}", p.period, kpi_line(&p.kpis));
    }
    o.push('\n');
}

/// The theme table, biggest problems first.
fn themes_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    let _ = writeln!(o, "## Themes\n");
    let _ = writeln!(o, "{}\n", r.domains_note());
    if s.themes.is_empty() {
        let _ = writeln!(o, "No theme of the taxonomy was found.\n");
    } else {
        let _ = writeln!(
            o,
            "| Theme | Category | Records | Share | Neg / neu / pos | Net | Rating /100 | NPS mentioners / others | {} | Trend |\n|---|---|---:|---:|---|---:|---:|---|---:|---|",
            r.impact_header()
        );
        for th in &s.themes {
            let trend: Vec<f64> = th.trend.iter().map(|p| p.share).collect();
            let mut flag = if th.emerging.as_ref().is_some_and(|e| e.emerging) {
                " ▲ emerging".to_string()
            } else {
                String::new()
            };
            if th.discovered {
                flag.push_str(" *(discovered)*");
            }
            let _ = writeln!(
                o,
                "| {}{} | {} | {} | {} | {} / {} / {} | {:+.2} | {} | {} / {} | {} | {} |",
                cell(r.label(th)),
                flag,
                cell(th.category_label.get(&r.label_lang, &th.category)),
                th.records,
                pct(Some(th.share)),
                th.negative,
                th.neutral,
                th.positive,
                th.net_sentiment,
                num(th.rating_100, 1),
                num(th.nps_mentioners, 1),
                num(th.nps_others, 1),
                signed(th.impact),
                sparkline(&trend),
            );
        }
        let _ = writeln!(o, "\n{}\n", r.impact_note());
    }
}

/// The themes whose rate rose significantly in the latest period (or the closest).
fn emerging_section(o: &mut String, r: &Report) {
    let emerging: Vec<_> = r.emerging().collect();
    let _ = writeln!(o, "## Emerging themes\n");
    let _ = writeln!(o, "{}\n", cell(&r.emerging_method()));
    if emerging.is_empty() {
        let _ = writeln!(o, "None: no theme passed the test.\n");
        if let Some(th) = r.closest_to_emerging()
            && let (Some(line), Some(e)) = (Report::emerging_detail(th), th.emerging.as_ref())
        {
            let _ = writeln!(
                o,
                "Closest: {}: {} — not emerging: {}.\n",
                cell(r.label(th)),
                cell(&line),
                cell(&e.reason)
            );
        }
    } else {
        for th in emerging {
            if let Some(line) = Report::emerging_detail(th) {
                let _ = writeln!(o, "- **{}**: {}", cell(r.label(th)), cell(&line));
            }
        }
        o.push('\n');
    }
}

/// The top complaint themes with their quotes.
fn complaints_section(o: &mut String, r: &Report) {
    let complaints: Vec<_> = r.top_complaints(5).collect();
    if complaints.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Top complaints\n");
    for th in complaints {
        let _ = writeln!(
            o,
            "### {} — {} negative of {} records\n",
            cell(r.label(th)),
            th.negative,
            th.records
        );
        for q in &th.quotes {
            let _ = writeln!(
                o,
                "> {}  \n> — `{}`{}{}\n",
                quote_md(q),
                q.id.replace('`', "'"),
                q.rating
                    .map(|x| format!(", rating {x}"))
                    .unwrap_or_default(),
                q.date
                    .as_ref()
                    .map(|d| format!(", {d}"))
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
    let _ = writeln!(o, "## Discovered themes (not in the taxonomy)\n");
    let _ = writeln!(
        o,
        "What people give opinions about that no taxonomy theme lists; they are counted on the records like any theme (marked *discovered* in the theme table).\n"
    );
    let _ = writeln!(
        o,
        "| Theme | Lang | Records | Negative | Members | Positive opinions | Negative opinions |\n|---|---|---:|---:|---|---|---|"
    );
    for d in &r.discovered {
        let (members, pos, neg) = Report::discovered_parts(d);
        let row = r.row_of(&d.id);
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&d.label),
            d.lang,
            row.map(|t| t.records).unwrap_or(0),
            row.map(|t| t.negative.to_string()).unwrap_or_default(),
            cell(&members.join(", ")),
            cell(&pos.join(", ")),
            cell(&neg.join(", "))
        );
    }
    let _ = writeln!(
        o,
        "\nAdopt them with `koe themes --emit-toml FILE` and `--taxonomy FILE`.\n"
    );
}

/// The totals and top themes of each value of the segment column.
fn segments_section(o: &mut String, r: &Report) {
    let s = &r.summary;
    if s.segments.is_empty() {
        return;
    }
    let _ = writeln!(
        o,
        "## By {}\n",
        cell(s.segment.as_deref().unwrap_or("segment"))
    );
    let _ = writeln!(
        o,
        "| Value | Records | NPS (answers) | CSAT (answers) | Rating /100 (ratings) | Complaints | Net sentiment | Top themes |\n|---|---:|---:|---:|---:|---:|---:|---|"
    );
    for seg in &s.segments {
        let mut top: Vec<(&str, u64)> = s
            .themes
            .iter()
            .filter_map(|t| {
                t.segments
                    .iter()
                    .find(|(v, _)| *v == seg.value)
                    .map(|(_, n)| (r.label(t), *n))
            })
            .collect();
        top.sort_by_key(|t| std::cmp::Reverse(t.1));
        let top: Vec<String> = top
            .iter()
            .take(3)
            .map(|(l, n)| format!("{} ({n})", cell(l)))
            .collect();
        let _ = writeln!(
            o,
            "| {} {} {} |",
            cell(&seg.value),
            kpi_line(&seg.kpis),
            top.join(", ")
        );
    }
    o.push('\n');
}

/// The goals and how they are doing.
fn goals_section(o: &mut String, r: &Report) {
    if r.goals.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Goals\n");
    let _ = writeln!(
        o,
        "| Goal | Metric | Target | Overall | Latest | Previous | Status | Moving |\n|---|---|---:|---:|---:|---:|---|---|"
    );
    for g in &r.goals {
        let dir = match g.goal.direction {
            super::goals::Direction::Higher => "≥",
            super::goals::Direction::Lower => "≤",
        };
        let _ = writeln!(
            o,
            "| {} | `{}` | {} {} | {} | {} | {} | {} | {} |",
            cell(g.goal.label.as_deref().unwrap_or(&g.goal.metric)),
            g.goal.metric,
            dir,
            g.display(Some(g.goal.target)),
            g.display(g.current),
            g.display(g.latest),
            g.display(g.previous),
            g.status,
            match g.improving {
                Some(true) => "improving",
                Some(false) => "worsening",
                None => "–",
            }
        );
    }
    o.push('\n');
}

/// The support section: response and resolution times, rates, per theme and period.
fn support_section(o: &mut String, r: &Report, s: &crate::metrics::support::SupportMetrics) {
    let v = super::SupportView::new(r, s);
    let _ = writeln!(o, "## {}\n", v.title);
    let _ = writeln!(o, "| Figure | Value |\n|---|---|");
    for (k, val) in &v.figures {
        let _ = writeln!(o, "| {} | {} |", cell(k), cell(val));
    }
    o.push('\n');
    text_tables(o, &v.tables, &v.notes);
}

/// The churn section: signal rates per period and theme, customer cohorts.
fn churn_section(o: &mut String, r: &Report) {
    if let Some(v) = super::ChurnView::new(r) {
        let _ = writeln!(o, "## Churn signals\n\n{}\n", v.headline);
        text_tables(o, &v.tables, &v.notes);
    }
}

/// Tables of text cells (name column, then figures), then the notes as a list.
fn text_tables(o: &mut String, tables: &[super::TextTable], notes: &[String]) {
    for t in tables.iter().filter(|t| !t.rows.is_empty()) {
        let _ = writeln!(o, "| {} |", t.head.join(" | "));
        let _ = writeln!(o, "|---|{}", "---:|".repeat(t.head.len().saturating_sub(1)));
        for row in &t.rows {
            let cells: Vec<String> = row.iter().map(|c| cell(c)).collect();
            let _ = writeln!(o, "| {} |", cells.join(" | "));
        }
        o.push('\n');
    }
    for n in notes {
        let _ = writeln!(o, "- {n}");
    }
    if !notes.is_empty() {
        o.push('\n');
    }
}
