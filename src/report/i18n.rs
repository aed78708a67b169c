//! The report's own words in Japanese and Korean: headings, table headers and KPI
//! names follow the label language (`--labels`, by default the data's dominant
//! language). The renderers write English; [`localize_markdown`] and
//! [`localize_html`] put the words of this table in place — only in headings, table
//! headers and the first cell of a row, never in the user's text.

/// English → (Japanese, Korean).
const WORDS: &[(&str, &str, &str)] = &[
    // The default title (`--title`); a title the user chose matches nothing here.
    (
        "Customer feedback report",
        "顧客の声レポート",
        "고객 피드백 보고서",
    ),
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

/// The report's notes, card lines and badges: English templates (`{}`: a value koe
/// wrote, a number or a name) → Japanese and Korean templates (`{0}`, `{1}`, …: the
/// values in the English order).
const PHRASES: &[(&str, &str, &str)] = &[
    // The Markdown report's header line (the HTML one joins its parts with ` · `).
    (
        "{} records from {}; {} undated.",
        "{1} の {0} 件、日付なし {2} 件。",
        "{1}의 {0}건, 날짜 없음 {2}건.",
    ),
    ("{} records from {}", "{1} の {0} 件", "{1}의 {0}건"),
    (
        "{#} records; {#} undated.",
        "{0} 件、日付なし {1} 件。",
        "{0}건, 날짜 없음 {1}건.",
    ),
    (
        "{} times left out: they ran backwards or were over a year (see the records' warnings)",
        "{0} 件の時刻を集計から除外: 逆行または1年超（各レコードの警告を参照）",
        "시각 {0}건을 집계에서 제외: 역행 또는 1년 초과(각 레코드의 경고 참조)",
    ),
    (
        "{} of {} records ({}) carry a churn signal (by kind: {})",
        "{1} 件中 {0} 件（{2}）に解約の兆候（種類別: {3}）",
        "{1}건 중 {0}건({2})에 이탈 신호(종류별: {3})",
    ),
    (
        "{} rejected (see the rejects file)",
        "{0} 件を除外（rejects ファイル参照）",
        "{0}건 제외(rejects 파일 참조)",
    ),
    ("{} undated", "日付なし {0} 件", "날짜 없음 {0}건"),
    ("generated by koe", "koe で作成", "koe로 작성"),
    (
        "{} answers (0–10)",
        "回答 {0} 件（0–10）",
        "응답 {0}건(0–10)",
    ),
    ("{#} answers (1–5)", "回答 {0} 件（1–5）", "응답 {0}건(1–5)"),
    ("{} promoters", "推奨者 {0}", "추천자 {0}"),
    ("{} detractors", "批判者 {0}", "비추천자 {0}"),
    ("top-2 of 5", "5段階の上位2", "5점 중 상위 2"),
    (
        "{#} ratings on other scales not counted ({})",
        "他の尺度の評価 {0} 件は含まない（{1}）",
        "다른 척도의 평점 {0}건 제외({1})",
    ),
    ("{#} ratings", "評価 {0} 件", "평점 {0}건"),
    ("{} of records", "全体の {0}", "전체의 {0}"),
    ("{#} pos", "肯定 {0}", "긍정 {0}"),
    ("{#} neu", "中立 {0}", "중립 {0}"),
    ("{#} neg", "否定 {0}", "부정 {0}"),
    (
        "Ratings of different scales are put on one 0–100 scale (0 = the scale's lowest value, 100 = its highest) wherever sources are combined: the average, the trend, the segments and the themes. CSAT counts only 1–5 answers and NPS only 0–10 answers; the numbers in brackets are the answers each figure uses.",
        "尺度の異なる評価は、ソースをまとめるところ（平均、推移、セグメント、テーマ）ではすべて0–100の尺度に換算します（0 = その尺度の最低値、100 = 最高値）。CSATは1–5の回答のみ、NPSは0–10の回答のみを数えます。括弧内の数は各指標が使う回答数です。",
        "척도가 다른 평점은 소스를 합치는 곳(평균, 추이, 세그먼트, 테마)에서 모두 0–100 척도로 환산합니다(0 = 그 척도의 최저값, 100 = 최고값). CSAT는 1–5 응답만, NPS는 0–10 응답만 셉니다. 괄호 안의 숫자는 각 지표가 사용하는 응답 수입니다.",
    ),
    (
        "(partial: {} of {} days)",
        "（部分期間: {1} 日中 {0} 日）",
        "(부분 기간: {1}일 중 {0}일)",
    ),
    (
        "bars: records (max {})",
        "棒: 件数（最大 {0}）",
        "막대: 건수(최대 {0})",
    ),
    (
        "red line: complaint share (0–100%)",
        "赤線: 不満の割合（0–100%）",
        "빨간 선: 불만 비율(0–100%)",
    ),
    (
        "Taxonomy: core themes (no domain pack matched the data).",
        "分類: 基本テーマ（データに合う分野パックなし）。",
        "분류: 기본 테마(데이터에 맞는 분야 팩 없음).",
    ),
    (
        "Taxonomy: core themes + domain packs {}.",
        "分類: 基本テーマ + 分野パック {0}。",
        "분류: 기본 테마 + 분야 팩 {0}.",
    ),
    (
        "No theme of the taxonomy was found.",
        "分類のテーマは見つかりませんでした。",
        "분류의 테마가 발견되지 않았습니다.",
    ),
    (
        "Bar length: records mentioning the theme; colour: sentiment of the mention",
        "棒の長さ: テーマに言及した件数、色: 言及の感情",
        "막대 길이: 테마를 언급한 건수, 색: 언급의 감성",
    ),
    ("negative", "否定", "부정"),
    ("neutral", "中立", "중립"),
    ("positive", "肯定", "긍정"),
    ("emerging", "増加中", "급증"),
    ("discovered", "発見", "발견"),
    ("not in the taxonomy", "分類にない", "분류에 없음"),
    (
        "Impact: NPS points the overall score would gain without the detractors (0–6) who mention the theme negatively; praise and neutral mentions have none.",
        "影響: テーマを否定的に挙げた批判者（0–6）がいなければ全体のNPSが上がるポイント。称賛や中立の言及には影響はありません。",
        "영향: 테마를 부정적으로 언급한 비추천자(0–6)가 없다면 전체 NPS가 오르는 포인트. 칭찬과 중립 언급에는 영향이 없습니다.",
    ),
    (
        "Impact (no NPS answers, so on CSAT): percentage points CSAT would gain without the 1–5 answers below the top boxes that mention the theme negatively; praise and neutral mentions have none.",
        "影響（NPSの回答がないためCSATで計測）: テーマを否定的に挙げた上位2以外の1–5の回答がなければCSATが上がるパーセントポイント。称賛や中立の言及には影響はありません。",
        "영향(NPS 응답이 없어 CSAT 기준): 테마를 부정적으로 언급한 상위 2 미만의 1–5 응답이 없다면 CSAT가 오르는 퍼센트포인트. 칭찬과 중립 언급에는 영향이 없습니다.",
    ),
    (
        "Impact (no NPS or 1–5 answers, so on the 0–100 average rating): points the average would gain without the ratings below the middle of their scale that mention the theme negatively; praise and neutral mentions have none.",
        "影響（NPSも1–5の回答もないため0–100の平均評価で計測）: テーマを否定的に挙げた尺度の中央未満の評価がなければ平均が上がるポイント。称賛や中立の言及には影響はありません。",
        "영향(NPS와 1–5 응답이 없어 0–100 평균 평점 기준): 테마를 부정적으로 언급한 척도 중간 미만의 평점이 없다면 평균이 오르는 포인트. 칭찬과 중립 언급에는 영향이 없습니다.",
    ),
    (
        "Impact: none, the data has no ratings to measure it on.",
        "影響: なし（計測に使える評価がデータにありません）。",
        "영향: 없음(측정할 평점이 데이터에 없습니다).",
    ),
    (
        "Not tested: the emerging test needs dated records in at least one full period before the latest.",
        "未検定: 増加の検定には、最新期間より前に少なくとも1つの完全な期間の日付付きレコードが必要です。",
        "검정 안 함: 급증 검정에는 최근 기간 이전에 적어도 한 개의 완전한 기간의 날짜 있는 레코드가 필요합니다.",
    ),
    (
        "The latest period {} is partial ({} of {} days have records), so it is tested together with {}.",
        "最新期間 {0} は部分期間（{2} 日中 {1} 日にレコードあり）のため、{3} と合わせて検定します。",
        "최근 기간 {0}은 부분 기간({2}일 중 {1}일에 레코드 있음)이라 {3}과 함께 검정합니다.",
    ),
    (
        "Test: each theme's rate (records mentioning it per record) in {} ({} records) against the earlier periods ({} records), one-sided Fisher exact test, p-values adjusted for the {} themes tested (Benjamini–Hochberg).",
        "検定: 各テーマの割合（レコードあたりの言及レコード数）を {0}（{1} 件）と以前の期間（{2} 件）で比較、片側 Fisher の正確検定、検定した {3} テーマで p 値を補正（Benjamini–Hochberg）。",
        "검정: 각 테마의 비율(레코드당 언급 레코드 수)을 {0}({1}건)과 이전 기간({2}건)으로 비교, 단측 Fisher 정확 검정, 검정한 {3}개 테마로 p값 보정(Benjamini–Hochberg).",
    ),
    (
        "Emerging needs an adjusted p ≤ {}, at least {} mentioning records in the window and a rate at least ×{} the earlier one.",
        "増加中とするには、補正 p ≤ {0}、対象期間に言及レコード {1} 件以上、以前の割合の ×{2} 以上が必要です。",
        "급증으로 보려면 보정 p ≤ {0}, 대상 기간의 언급 레코드 {1}건 이상, 이전 비율의 ×{2} 이상이 필요합니다.",
    ),
    (
        "None: no theme passed the test.",
        "なし: 検定を通ったテーマはありません。",
        "없음: 검정을 통과한 테마가 없습니다.",
    ),
    (
        "{} of records in {} ({} of {}) vs {} before ({} of {}): ×{}, {} points; adjusted p {} (p {})",
        "{1} の {0}（{3} 件中 {2} 件）、以前は {4}（{6} 件中 {5} 件）: ×{7}、{8} ポイント、補正 p {9}（p {10}）",
        "{1}의 {0}({3}건 중 {2}건), 이전 {4}({6}건 중 {5}건): ×{7}, {8}포인트, 보정 p {9}(p {10})",
    ),
    (
        "{} — {} negative of {} records",
        "{0} — {2} 件中 否定 {1} 件",
        "{0} — {2}건 중 부정 {1}건",
    ),
    (
        "What people give opinions about that no taxonomy theme lists; counted on the records like any theme (marked in the theme table).",
        "分類のどのテーマにもない、意見の対象。他のテーマと同じくレコードで数えます（テーマ表に印あり）。",
        "분류의 어떤 테마에도 없는 의견 대상. 다른 테마처럼 레코드로 셉니다(테마 표에 표시).",
    ),
    (
        "What people give opinions about that no taxonomy theme lists; they are counted on the records like any theme (marked *discovered* in the theme table).",
        "分類のどのテーマにもない、意見の対象。他のテーマと同じくレコードで数えます（テーマ表に *discovered* の印）。",
        "분류의 어떤 테마에도 없는 의견 대상. 다른 테마처럼 레코드로 셉니다(테마 표에 *discovered* 표시).",
    ),
    (
        "Adopt them with `koe themes --emit-toml FILE` and `--taxonomy FILE`.",
        "分類に加えるには `koe themes --emit-toml FILE` で書き出し、`--taxonomy FILE` で読み込みます。",
        "분류에 추가하려면 `koe themes --emit-toml FILE`로 내보내고 `--taxonomy FILE`로 읽습니다.",
    ),
    (
        "Adopt them with koe themes --emit-toml FILE and --taxonomy FILE.",
        "分類に加えるには koe themes --emit-toml FILE で書き出し、--taxonomy FILE で読み込みます。",
        "분류에 추가하려면 koe themes --emit-toml FILE로 내보내고 --taxonomy FILE로 읽습니다.",
    ),
    // The emerging section's closest theme and the reasons a theme is not emerging.
    (
        "Closest: {}: {} — not emerging: {}.",
        "最も近いテーマ: {0}: {1} — 増加中ではない理由: {2}。",
        "가장 가까운 테마: {0}: {1} — 급증이 아닌 이유: {2}.",
    ),
    (
        "{#} mention(s) in the recent window, fewer than {#}",
        "対象期間の言及が {0} 件で {1} 件未満",
        "대상 기간의 언급이 {0}건으로 {1}건 미만",
    ),
    (
        "rate grew less than ×{#}",
        "割合の伸びが ×{0} 未満",
        "비율 증가가 ×{0} 미만",
    ),
    (
        "not significant: adjusted p {} > {#}",
        "有意でない: 補正 p {0} > {1}",
        "유의하지 않음: 보정 p {0} > {1}",
    ),
    (
        "rate ×{} with adjusted p {} ≤ {#}",
        "割合 ×{0}、補正 p {1} ≤ {2}",
        "비율 ×{0}, 보정 p {1} ≤ {2}",
    ),
    // The summary's "based on" cells.
    ("{#} records", "{0} 件", "{0}건"),
    ("net {#}", "差引 {0}", "순 {0}"),
    ("{#} ratings: none", "評価 {0} 件: なし", "평점 {0}건: 없음"),
    ("{#}% within {}", "{1} 以内 {0}%", "{1} 이내 {0}%"),
    ("{#} ratings: {}", "評価 {0} 件: {1}", "평점 {0}건: {1}"),
    (
        "{} {#} (mean {#} on {})",
        "{0} {1} 件（平均 {2}、{3}）",
        "{0} {1}건(평균 {2}, {3})",
    ),
    (
        "{} {#} (mean {#})",
        "{0} {1} 件（平均 {2}）",
        "{0} {1}건(평균 {2})",
    ),
    ("none", "なし", "없음"),
    // Notes on what could not be computed.
    (
        "Customer cohorts not computed — {}",
        "顧客コホートは計算していません — {0}",
        "고객 코호트는 계산하지 않았습니다 — {0}",
    ),
    (
        "no customer id column ({})",
        "顧客IDの列がありません（{0}）",
        "고객 ID 열이 없습니다({0})",
    ),
    (
        "repeat contacts: no customer id column ({})",
        "再問い合わせ: 顧客IDの列がありません（{0}）",
        "재문의: 고객 ID 열이 없습니다({0})",
    ),
    // Churn signal kinds, as counted in "(by kind: …)".
    ("decided {#}", "解約を決めた {0}", "해지 결정 {0}"),
    ("threat {#}", "解約の示唆 {0}", "해지 암시 {0}"),
    ("ask {#}", "解約方法の質問 {0}", "해지 문의 {0}"),
    ("blocked {#}", "解約できない {0}", "해지 불가 {0}"),
    ("done {#}", "解約済み {0}", "해지 완료 {0}"),
    ("met", "達成", "달성"),
    ("not met", "未達", "미달"),
    ("improving", "改善中", "개선 중"),
    ("worsening", "悪化中", "악화 중"),
];

/// The values of `text` in the holes of `template`, when it has that shape: `{}` holds
/// any one value (never several ` · `-joined parts), `{#}` only a figure (digits with
/// `.,+-−–%×<>` and spaces), so that a generic template such as `{#} records` cannot
/// swallow a sentence that merely ends in "records".
fn holes<'a>(template: &str, text: &'a str) -> Option<Vec<&'a str>> {
    // The template's literals, and after each but the last, whether its hole is numeric.
    let mut lits: Vec<&str> = Vec::new();
    let mut numeric: Vec<bool> = Vec::new();
    let mut rest = template;
    loop {
        let any = rest.find("{}");
        let num = rest.find("{#}");
        let (at, len, is_num) = match (any, num) {
            (Some(a), Some(n)) if n < a => (n, 3, true),
            (Some(a), _) => (a, 2, false),
            (None, Some(n)) => (n, 3, true),
            (None, None) => break,
        };
        lits.push(&rest[..at]);
        numeric.push(is_num);
        rest = &rest[at + len..];
    }
    lits.push(rest);
    let (first, rest) = lits.split_first()?;
    let mut at = text.strip_prefix(first)?;
    let mut values = Vec::new();
    for (i, lit) in rest.iter().enumerate() {
        let last = i + 1 == rest.len();
        let end = if last {
            // The final literal ends the text.
            if !at.ends_with(lit) || at.len() < lit.len() {
                return None;
            }
            at.len() - lit.len()
        } else if lit.is_empty() {
            return None;
        } else {
            at.find(lit)?
        };
        let value = &at[..end];
        if value.is_empty() || value.contains(" · ") || numeric[i] && !is_figure(value) {
            return None;
        }
        values.push(value);
        at = &at[end + lit.len()..];
    }
    (rest.is_empty() && at.is_empty() || !rest.is_empty()).then_some(values)
}

/// A figure as koe writes one: `12`, `-3.5`, `40.0%`, `< 0.001`, `×1.5`.
fn is_figure(s: &str) -> bool {
    s.chars().any(|c| c.is_ascii_digit())
        && s.chars()
            .all(|c| c.is_ascii_digit() || ".,+-−–%×<> ".contains(c))
}

/// A note, card line or badge in `lang`: a whole [`PHRASES`] template (its values in
/// turn, where they are koe's own words), else each of its ` · `-, sentence- or
/// `; `-separated parts; `None` when nothing matched.
fn phrase(lang: &str, en: &str) -> Option<String> {
    phrase_in(lang, en, 0)
}

/// [`phrase`] at a nesting `depth`: a template's values are phrases too (the reason
/// inside "Closest: …", the kinds inside "(by kind: …)"), but only through templates
/// with a hole — a value that is a single word (a theme's or segment's name) is never
/// translated as if it were one of koe's words.
fn phrase_in(lang: &str, en: &str, depth: usize) -> Option<String> {
    let whole = |s: &str| -> Option<String> {
        PHRASES.iter().find_map(|(template, ja, ko)| {
            if depth > 0 && !template.contains("{}") && !template.contains("{#}") {
                return None;
            }
            let values = holes(template, s)?;
            let mut out = if lang == "ja" { *ja } else { *ko }.to_string();
            for (i, v) in values.iter().enumerate() {
                let v = if depth < 3 {
                    phrase_in(lang, v, depth + 1).unwrap_or_else(|| (*v).to_string())
                } else {
                    (*v).to_string()
                };
                out = out.replace(&format!("{{{i}}}"), &v);
            }
            Some(out)
        })
    };
    if let Some(w) = whole(en) {
        return Some(w);
    }
    for sep in [" · ", ". ", "; ", ", "] {
        if !en.contains(sep) {
            continue;
        }
        let mut any = false;
        let pieces: Vec<&str> = en.split(sep).collect();
        let n = pieces.len();
        let parts: Vec<String> = pieces
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // A sentence split keeps its full stop.
                let p = if sep == ". " && i + 1 < n {
                    format!("{p}.")
                } else {
                    (*p).to_string()
                };
                match whole(p.trim()) {
                    Some(w) => {
                        any = true;
                        w
                    }
                    None => p,
                }
            })
            .collect();
        if any {
            let joiner = match (sep, lang) {
                (". ", _) => " ",
                ("; ", "ja") => "、",
                (", ", "ja") => "、",
                _ => sep,
            };
            return Some(parts.join(joiner));
        }
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

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
        let units: [(&str, &str, &str); 3] = [
            ("NPS points", "NPSポイント", "NPS 포인트"),
            (
                "CSAT percentage points",
                "CSATパーセントポイント",
                "CSAT 퍼센트포인트",
            ),
            (
                "points of the 0–100 average rating",
                "0–100の平均評価のポイント",
                "0–100 평균 평점 포인트",
            ),
        ];
        let rest = units.iter().fold(rest.to_string(), |r, (en, j, k)| {
            r.replace(en, if ja { j } else { k })
        });
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
/// `lang` (unchanged for English), and koe's own notes where they have the shape of a
/// [`PHRASES`] template (paragraphs, list items, `###` headings, the other cells) —
/// never the user's text (quotes are `>` lines; labels and values match no template).
pub fn localize_markdown(md: &str, lang: &str) -> String {
    if !wanted(lang) {
        return md.to_string();
    }
    let lines: Vec<&str> = md.lines().collect();
    let mut out = String::with_capacity(md.len() + md.len() / 8);
    for (i, line) in lines.iter().enumerate() {
        let next_is_rule = lines.get(i + 1).is_some_and(|n| n.starts_with("|---"));
        if let Some(h) = line.strip_prefix("# ") {
            // The title: only koe's default one is in the word table.
            out.push_str("# ");
            out.push_str(&word(lang, h).unwrap_or_else(|| h.to_string()));
        } else if let Some(h) = line.strip_prefix("## ") {
            out.push_str("## ");
            out.push_str(&word(lang, h).unwrap_or_else(|| h.to_string()));
        } else if let Some(h) = line.strip_prefix("### ") {
            out.push_str("### ");
            out.push_str(&phrase(lang, h).unwrap_or_else(|| h.to_string()));
        } else if let Some(item) = line.strip_prefix("- ") {
            out.push_str("- ");
            out.push_str(&phrase(lang, item).unwrap_or_else(|| item.to_string()));
        } else if line.starts_with("| ") && line.ends_with(" |") && !line.starts_with("|---") {
            let inner = &line[2..line.len() - 2];
            let cells: Vec<&str> = inner.split(" | ").collect();
            let mut new: Vec<String> = Vec::with_capacity(cells.len());
            for (j, c) in cells.iter().enumerate() {
                let translated = if next_is_rule || j == 0 {
                    word(lang, c)
                } else {
                    phrase(lang, c)
                };
                new.push(translated.unwrap_or_else(|| c.to_string()));
            }
            out.push_str("| ");
            out.push_str(&new.join(" | "));
            out.push_str(" |");
        } else if line.is_empty() || line.starts_with(['>', '#', '|', '<', '`', ' ']) {
            // Quotes (the user's words), the title, rules, markup: as written.
            out.push_str(line);
        } else {
            out.push_str(&phrase(lang, line).unwrap_or_else(|| line.to_string()));
        }
        out.push('\n');
    }
    if !md.ends_with('\n') {
        out.pop();
    }
    out
}

/// The same for an HTML report: the text of `<h2>`, `<th>` and the first `<td>` of
/// each row, the KPI cards' names and lines, and koe's own notes, legends, badges and
/// status words (paragraphs, list items, `<h3>`, `meta` / `badge` spans, cells, chart
/// captions) where they have the shape of a [`PHRASES`] template — never the user's
/// text (quotes, labels and values match no template).
pub fn localize_html(html: &str, lang: &str) -> String {
    if !wanted(lang) {
        return html.to_string();
    }
    let mut out = String::with_capacity(html.len() + html.len() / 8);
    let mut rest = html;
    let mut first_cell = false;
    // Open elements: (name, class).
    let mut open: Vec<(String, String)> = Vec::new();
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        if !text.trim().is_empty() {
            out.push_str(&localize_text(lang, text, open.last()));
        } else {
            out.push_str(text);
        }
        rest = &rest[lt..];
        let Some(close) = rest.find('>') else { break };
        let tag = &rest[..=close];
        out.push_str(tag);
        rest = &rest[close + 1..];
        let name = tag
            .trim_start_matches('<')
            .split([' ', '>', '/'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if let Some(closing) = tag.strip_prefix("</") {
            let closing = closing.trim_end_matches('>').trim().to_ascii_lowercase();
            if let Some(at) = open.iter().rposition(|(n, _)| *n == closing) {
                open.truncate(at);
            }
            continue;
        }
        if tag.starts_with("<!") || tag.ends_with("/>") || VOID.contains(&name.as_str()) {
            continue;
        }
        let class = tag
            .split("class=\"")
            .nth(1)
            .and_then(|c| c.split('"').next())
            .unwrap_or("")
            .to_string();
        if name == "tr" {
            first_cell = true;
        }
        let header = match name.as_str() {
            "h1" | "title" | "h2" | "th" => true,
            "td" => std::mem::take(&mut first_cell),
            _ => false,
        };
        if name == "th" {
            first_cell = false;
        }
        open.push((name, if header { "#header".into() } else { class }));
    }
    out.push_str(rest);
    out
}

/// Elements without a closing tag.
const VOID: &[&str] = &["br", "meta", "link", "img", "input", "hr", "wbr"];

/// A text node of the HTML report in `lang`, by the element it is in.
fn localize_text(lang: &str, text: &str, parent: Option<&(String, String)>) -> String {
    let Some((name, class)) = parent else {
        return text.to_string();
    };
    let trimmed = text.trim();
    let plain = unescape(trimmed);
    let translated = if class == "#header" || (name == "div" && class == "k") {
        // Headings, header cells, a row's name and a card's name: the word table.
        word(lang, &plain)
    } else if matches!(
        name.as_str(),
        "p" | "li" | "h3" | "td" | "text" | "span" | "div"
    ) && (name != "span" || class.contains("meta") || class.contains("badge"))
        && (name != "div" || class == "s")
    {
        phrase(lang, &plain)
    } else {
        None
    };
    match translated {
        Some(w) => text.replacen(trimmed, &escape(&w), 1),
        None => text.to_string(),
    }
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
        // koe's own notes are translated where they have a template's shape; quotes
        // (the user's words) never are.
        let md = "# Report\n\n12 records from a.csv; 3 undated.\n\n### Late — 4 negative of 9 records\n\n> 4 negative of 9 records\n\n- 2 times left out: they ran backwards or were over a year (see the records' warnings)\n\n| Theme | Records |\n|---|---:|\n| Late | 1 of 10 records (10.0%) carry a churn signal (by kind: ask 1) |\n";
        let ja = localize_markdown(md, "ja");
        for w in [
            "a.csv の 12 件、日付なし 3 件。",
            "### Late — 9 件中 否定 4 件",
            "> 4 negative of 9 records",
            "- 2 件の時刻を集計から除外",
            "| Late | 10 件中 1 件（10.0%）に解約の兆候（種類別: 解約方法の質問 1） |",
        ] {
            assert!(ja.contains(w), "{w}: {ja}");
        }
        let ko = localize_markdown(md, "ko");
        assert!(ko.contains("a.csv의 12건, 날짜 없음 3건."), "{ko}");
        assert_eq!(localize_markdown(md, "en"), md);
        let html = "<h2>Goals</h2><table><tr><th>Goal</th></tr><tr><td>Goals</td><td>Goals</td></tr></table><p>Goals</p>";
        let ko = localize_html(html, "ko");
        assert_eq!(
            ko,
            "<h2>목표</h2><table><tr><th>목표</th></tr><tr><td>목표</td><td>Goals</td></tr></table><p>Goals</p>"
        );
    }

    #[test]
    fn cards_notes_and_badges_keep_their_figures() {
        let html = "<div class=\"card\"><div class=\"k\">Complaints</div><div class=\"v\">3</div><div class=\"s\">12 answers (0–10) · 3 promoters · 2 detractors</div></div><p class=\"meta\">Taxonomy: core themes + domain packs saas, ecommerce.</p><td>2026-03 <span class=\"meta\">(partial: 9 of 31 days)</span></td><span class=\"badge\">emerging</span><h3>Late &amp; lost — 4 negative of 9 records</h3><blockquote>12 answers (0–10)</blockquote>";
        let ja = localize_html(html, "ja");
        for w in [
            "<div class=\"k\">不満</div>",
            "<div class=\"s\">回答 12 件（0–10） · 推奨者 3 · 批判者 2</div>",
            "分類: 基本テーマ + 分野パック saas, ecommerce。",
            "（部分期間: 31 日中 9 日）",
            ">増加中<",
            "<h3>Late &amp; lost — 9 件中 否定 4 件</h3>",
            // The user's text is never translated, even where it looks like a note.
            "<blockquote>12 answers (0–10)</blockquote>",
        ] {
            assert!(ja.contains(w), "{w}: {ja}");
        }
        assert_eq!(holes("{} of {}", "3 of 4"), Some(vec!["3", "4"]));
        assert_eq!(holes("{} pos", "pos"), None);
        // A report of records from Python names no input.
        assert_eq!(
            localize_markdown(
                "# Customer feedback report\n\n120 records; 0 undated.\n",
                "ja"
            ),
            "# 顧客の声レポート\n\n120 件、日付なし 0 件。\n"
        );
        assert_eq!(holes("{#} records", "12 records"), Some(vec!["12"]));
        assert_eq!(holes("{#} records", "broken records"), None);
        assert_eq!(
            holes(
                "{#} ratings on other scales not counted ({})",
                "0 answers (1–5); 60 ratings on other scales not counted (nps 60)"
            ),
            None
        );
        // Values are phrases too, through templates with holes only.
        assert_eq!(
            phrase("ja", "Closest: Late: 30.0% of records in 2026-06 (3 of 10) vs 2.0% before (1 of 50): ×15.0, +28.0 points; adjusted p 0.293 (p 0.013) — not emerging: 3 mention(s) in the recent window, fewer than 5.").as_deref(),
            Some("最も近いテーマ: Late: 2026-06 の 30.0%（10 件中 3 件）、以前は 2.0%（50 件中 1 件）: ×15.0、+28.0 ポイント、補正 p 0.293（p 0.013） — 増加中ではない理由: 対象期間の言及が 3 件で 5 件未満。")
        );
        assert_eq!(
            phrase("ja", "Closest: none: x — not emerging: y.").as_deref(),
            Some("最も近いテーマ: none: x — 増加中ではない理由: y。")
        );
        assert_eq!(
            phrase(
                "ko",
                "0 answers (1–5); 60 ratings on other scales not counted (nps 60)"
            )
            .as_deref(),
            Some("응답 0건(1–5); 다른 척도의 평점 60건 제외(nps 60)")
        );
        assert_eq!(holes("met", "met"), Some(vec![]));
        assert_eq!(holes("met", "metal"), None);
        assert_eq!(localize_html(html, "en"), html);
    }
}
