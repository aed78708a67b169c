//! The report's own words in Japanese and Korean: headings, table headers and KPI
//! names follow the label language (`--labels`, by default the data's dominant
//! language). The renderers write English; [`localize_markdown`] and
//! [`localize_html`] put the words of this table in place — only in headings, table
//! headers and the first cell of a row, never in the user's text.

/// English → (Japanese, Korean).
const WORDS: &[(&str, &str, &str)] = &[
    ("Summary", "概要", "요약"),
    ("Themes", "テーマ", "테마"),
    ("Emerging themes", "増加中のテーマ", "급증 테마"),
    ("Top complaints", "主な不満", "주요 불만"),
    (
        "Discovered themes (not in the taxonomy)",
        "発見されたテーマ（分類にないもの）",
        "발견된 테마(분류에 없음)",
    ),
    ("Discovered themes", "発見されたテーマ", "발견된 테마"),
    ("Churn signals", "解約の兆候", "이탈 신호"),
    ("Goals", "目標", "목표"),
    ("Trend by month", "月別の推移", "월별 추이"),
    ("Trend by week", "週別の推移", "주별 추이"),
    ("Metric", "指標", "지표"),
    ("Value", "値", "값"),
    ("Based on", "根拠", "기준"),
    ("Period", "期間", "기간"),
    ("Records", "件数", "건수"),
    ("NPS (answers)", "NPS（回答数）", "NPS(응답 수)"),
    ("CSAT (answers)", "CSAT（回答数）", "CSAT(응답 수)"),
    (
        "Rating /100 (ratings)",
        "評価 /100（件数）",
        "평점 /100(건수)",
    ),
    ("Rating /100", "評価 /100", "평점 /100"),
    ("Complaints", "不満", "불만"),
    ("Net sentiment", "感情スコア", "감성 점수"),
    ("Theme", "テーマ", "테마"),
    ("Category", "カテゴリ", "카테고리"),
    ("Share", "割合", "비율"),
    (
        "Neg / neu / pos",
        "否定 / 中立 / 肯定",
        "부정 / 중립 / 긍정",
    ),
    ("Net", "差引", "순"),
    (
        "NPS mentioners / others",
        "NPS 言及者 / その他",
        "NPS 언급자 / 기타",
    ),
    ("Trend", "推移", "추이"),
    ("Lang", "言語", "언어"),
    ("Negative", "否定", "부정"),
    ("Members", "構成語", "구성어"),
    ("Positive opinions", "肯定的な意見", "긍정 의견"),
    ("Negative opinions", "否定的な意見", "부정 의견"),
    ("Top themes", "上位テーマ", "상위 테마"),
    ("Goal", "目標", "목표"),
    ("Target", "目標値", "목표값"),
    ("Overall", "全体", "전체"),
    ("Latest", "最新", "최근"),
    ("Previous", "前期", "이전"),
    ("Status", "状態", "상태"),
    ("Moving", "傾向", "추세"),
    ("Figure", "指標", "지표"),
    ("Units", "件数", "건수"),
    (
        "First response (median)",
        "初回応答（中央値）",
        "첫 응답(중앙값)",
    ),
    (
        "First response (median / p90)",
        "初回応答（中央値 / p90）",
        "첫 응답(중앙값 / p90)",
    ),
    (
        "Resolution (median)",
        "解決時間（中央値）",
        "해결 시간(중앙값)",
    ),
    (
        "Resolution vs all",
        "解決時間（全体比）",
        "해결 시간(전체 대비)",
    ),
    ("Resolution rate", "解決率", "해결률"),
    ("Replies", "返信数", "답변 수"),
    ("Open at end", "期末の未解決", "기말 미해결"),
    ("With a signal", "兆候あり", "신호 있음"),
    ("Rate", "割合", "비율"),
    ("First contact", "初回問い合わせ", "첫 문의"),
    ("Customers", "顧客数", "고객 수"),
    ("Came back later", "後日の再来", "이후 재방문"),
    ("NPS", "NPS", "NPS"),
    (
        "Promoters / passives / detractors",
        "推奨者 / 中立者 / 批判者",
        "추천자 / 중립자 / 비추천자",
    ),
    (
        "CSAT (top-2 of 5)",
        "CSAT（5段階の上位2）",
        "CSAT(5점 중 상위 2)",
    ),
    (
        "Average rating (0–100)",
        "平均評価（0–100）",
        "평균 평점(0–100)",
    ),
    (
        "Complaints (negative records)",
        "不満（否定的な件数）",
        "불만(부정 건수)",
    ),
    (
        "Sentiment positive / neutral / negative",
        "感情 肯定 / 中立 / 否定",
        "감성 긍정 / 중립 / 부정",
    ),
    (
        "First response, median / p90",
        "初回応答 中央値 / p90",
        "첫 응답 중앙값 / p90",
    ),
    (
        "Later responses, median",
        "2回目以降の応答 中央値",
        "이후 응답 중앙값",
    ),
    (
        "Resolution time, median / p90",
        "解決時間 中央値 / p90",
        "해결 시간 중앙값 / p90",
    ),
    ("First-contact resolution", "初回解決率", "첫 문의 해결률"),
    (
        "Replies per conversation",
        "会話あたりの返信数",
        "대화당 답변 수",
    ),
];

/// `en` in `lang`, with the prefixes koe writes before a name (`By channel`,
/// `Support (tickets: 10)`, `Impact (NPS points)`, `Repeat contact within 7 days`).
fn word(lang: &str, en: &str) -> Option<String> {
    let pick = |w: &(&str, &'static str, &'static str)| if lang == "ja" { w.1 } else { w.2 };
    if let Some(w) = WORDS.iter().find(|w| w.0 == en) {
        return Some(pick(w).to_string());
    }
    let (ja, ko) = (lang == "ja", lang == "ko");
    if let Some(rest) = en.strip_prefix("By ") {
        return Some(if ja {
            format!("{rest}別")
        } else {
            format!("{rest}별")
        });
    }
    if let Some(rest) = en.strip_prefix("Support (") {
        let rest = rest
            .replace(
                "tickets and conversations",
                if ja {
                    "チケットと会話"
                } else {
                    "티켓과 대화"
                },
            )
            .replace("tickets", if ja { "チケット" } else { "티켓" })
            .replace("conversations", if ja { "会話" } else { "대화" });
        return Some(format!("{} ({rest}", if ja { "サポート" } else { "지원" }));
    }
    if let Some(rest) = en.strip_prefix("Impact") {
        return Some(format!("{}{rest}", if ja { "影響" } else { "영향" }));
    }
    if let Some(rest) = en.strip_prefix("Repeat contact within ") {
        let days = rest.trim_end_matches(" days");
        return Some(if ja {
            format!("{days}日以内の再問い合わせ")
        } else {
            format!("{days}일 이내 재문의")
        });
    }
    let _ = ko;
    None
}

fn wanted(lang: &str) -> bool {
    matches!(lang, "ja" | "ko")
}

/// Headings, table header cells and the first cell of each row of a Markdown report in
/// `lang` (unchanged for English).
pub fn localize_markdown(md: &str, lang: &str) -> String {
    if !wanted(lang) {
        return md.to_string();
    }
    let lines: Vec<&str> = md.lines().collect();
    let mut out = String::with_capacity(md.len() + md.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        let next_is_rule = lines.get(i + 1).is_some_and(|n| n.starts_with("|---"));
        if let Some(h) = line.strip_prefix("## ") {
            out.push_str("## ");
            out.push_str(&word(lang, h).unwrap_or_else(|| h.to_string()));
        } else if line.starts_with("| ") && line.ends_with(" |") && !line.starts_with("|---") {
            let inner = &line[2..line.len() - 2];
            let cells: Vec<&str> = inner.split(" | ").collect();
            let mut new: Vec<String> = Vec::with_capacity(cells.len());
            for (j, c) in cells.iter().enumerate() {
                let translate = next_is_rule || j == 0;
                new.push(match translate.then(|| word(lang, c)).flatten() {
                    Some(w) => w,
                    None => c.to_string(),
                });
            }
            out.push_str("| ");
            out.push_str(&new.join(" | "));
            out.push_str(" |");
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    if !md.ends_with('\n') {
        out.pop();
    }
    out
}

/// The same for an HTML report: the text of `<h2>`, `<th>` and the first `<td>` of
/// each row.
pub fn localize_html(html: &str, lang: &str) -> String {
    if !wanted(lang) {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    let mut first_cell = false;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        rest = &rest[open..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..=close];
        out.push_str(tag);
        rest = &rest[close + 1..];
        let name = tag
            .trim_start_matches('<')
            .split([' ', '>'])
            .next()
            .unwrap_or("");
        if name == "tr" {
            first_cell = true;
        }
        let translate = match name {
            "h2" | "th" => true,
            "td" => std::mem::take(&mut first_cell),
            _ => false,
        };
        if name == "th" {
            first_cell = false;
        }
        if translate && let Some(end) = rest.find('<') {
            let text = &rest[..end];
            // Text koe wrote is escaped HTML; the table holds plain words and `&amp;`-free
            // phrases, so compare unescaped only where there is nothing to unescape.
            let trimmed = text.trim();
            match (!text.contains('&')).then(|| word(lang, trimmed)).flatten() {
                Some(w) => out.push_str(&text.replacen(trimmed, &w, 1)),
                None => out.push_str(text),
            }
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_headers_and_kpi_names_only() {
        let md = "## Summary\n\n| Metric | Value | Based on |\n|---|---:|---:|\n| NPS | 12 | Summary |\n\n## By channel\n\nSummary stays in text.\n";
        let ja = localize_markdown(md, "ja");
        assert!(ja.contains("## 概要"));
        assert!(ja.contains("| 指標 | 値 | 根拠 |"));
        assert!(
            ja.contains("| NPS | 12 | Summary |"),
            "only the first cell of a row: {ja}"
        );
        assert!(ja.contains("## channel別"));
        assert!(ja.contains("Summary stays in text."));
        assert_eq!(localize_markdown(md, "en"), md);
        let html = "<h2>Goals</h2><table><tr><th>Goal</th></tr><tr><td>Goals</td><td>Goals</td></tr></table><p>Goals</p>";
        let ko = localize_html(html, "ko");
        assert_eq!(
            ko,
            "<h2>목표</h2><table><tr><th>목표</th></tr><tr><td>목표</td><td>Goals</td></tr></table><p>Goals</p>"
        );
    }
}
