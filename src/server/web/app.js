// koe web page: hash routes #search?…, #themes?…, #record/ID over the JSON API.
"use strict";

const $ = (sel) => document.querySelector(sel);
const enc = new TextEncoder();
const dec = new TextDecoder();
let themeLabels = {};

// The page's own words in Japanese and Korean, keyed by the English ({0}, {1}: values).
// The language: ?lang=ja|ko|en in the page's address, else the data's dominant language
// (the server's label_lang, as in `koe report`), else the browser's; English otherwise.
const WORDS = {
  "koe — customer feedback": ["koe — 顧客の声", "koe — 고객의 소리"],
  "Search": ["検索", "검색"],
  "Themes": ["テーマ", "테마"],
  "Search complaints: 遅い, 해지, refund, \"customer service\", -praise …": ["不満を検索: 遅い, 해지, refund, \"customer service\", -praise …", "불만 검색: 遅い, 해지, refund, \"customer service\", -praise …"],
  "query": ["検索語", "검색어"],
  "sort": ["並べ替え", "정렬"],
  "Best match": ["関連度順", "관련도순"],
  "Newest": ["新しい順", "최신순"],
  "Lowest rating": ["評価の低い順", "낮은 평점순"],
  "Theme": ["テーマ", "테마"],
  "any": ["すべて", "전체"],
  "Sentiment": ["感情", "감성"],
  "negative": ["否定", "부정"],
  "neutral": ["中立", "중립"],
  "positive": ["肯定", "긍정"],
  "Language": ["言語", "언어"],
  "English": ["英語", "영어"],
  "Rating": ["評価", "평점"],
  "lowest rating": ["最低評価", "최저 평점"],
  "highest rating": ["最高評価", "최고 평점"],
  "From": ["開始", "시작"],
  "To": ["終了", "종료"],
  "Segment": ["セグメント", "세그먼트"],
  "Period": ["期間", "기간"],
  "month": ["月", "월"],
  "week": ["週", "주"],
  "Order": ["並び順", "순서"],
  "most negative": ["否定の多い順", "부정 많은 순"],
  "most records": ["件数の多い順", "건수 많은 순"],
  "Show": ["表示", "보기"],
  "Records": ["件数", "건수"],
  "Trend": ["推移", "추이"],
  "Impact": ["影響", "영향"],
  "points the score would gain without the low scorers who mention the theme negatively": ["テーマを否定的に挙げた低評価者がいなければスコアが上がるポイント", "테마를 부정적으로 언급한 낮은 평가자가 없을 때 점수가 오르는 포인트"],
  "Rating /100": ["評価 /100", "평점 /100"],
  "mean rating, every scale mapped to 0–100": ["平均評価（すべての尺度を0–100に換算）", "평균 평점(모든 척도를 0–100으로 환산)"],
  "← back": ["← 戻る", "← 뒤로"],
  "Type a query or pick a filter.": ["検索語を入力するか、絞り込み条件を選んでください。", "검색어를 입력하거나 필터를 고르세요."],
  "{0} matching records": ["該当 {0} 件", "일치 {0}건"],
  "← Previous": ["← 前へ", "← 이전"],
  "Next →": ["次へ →", "다음 →"],
  "page {0} of {1}": ["{1} ページ中 {0} ページ", "{1}쪽 중 {0}쪽"],
  "no date": ["日付なし", "날짜 없음"],
  "rating {0}": ["評価 {0}", "평점 {0}"],
  "unrated": ["評価なし", "평점 없음"],
  "Month": ["月", "월"],
  "NPS": ["NPS", "NPS"],
  "CSAT": ["CSAT", "CSAT"],
  "Complaints": ["不満", "불만"],
  "Net sentiment": ["感情スコア", "감성 점수"],
  "NPS points": ["NPS ポイント", "NPS 포인트"],
  "CSAT points": ["CSAT ポイント", "CSAT 포인트"],
  "rating points /100": ["評価ポイント /100", "평점 포인트 /100"],
  "{0} negative, {1} neutral, {2} positive": ["否定 {0}・中立 {1}・肯定 {2}", "부정 {0}, 중립 {1}, 긍정 {2}"],
  "new": ["新規", "신규"],
  "{0} of records in {1} ({2} of {3}) vs {4} before: {5}, adjusted p {6}": ["{1} の {0}（{3} 件中 {2} 件）、以前は {4}: {5}、補正 p {6}", "{1}의 {0}({3}건 중 {2}건), 이전 {4}: {5}, 보정 p {6}"],
  "emerging": ["増加中", "급증"],
  "discovered": ["発見", "발견"],
  "members: {0}": ["構成語: {0}", "구성어: {0}"],
  "{0} records": ["{0} 件", "{0}건"],
  " (discovered)": ["（発見）", " (발견)"],
  "Support ({0}: {1})": ["サポート（{0}: {1}）", "지원 ({0}: {1})"],
  "First response ≤ {0} h": ["初回返信 ≤ {0} 時間", "첫 응답 ≤ {0}시간"],
  "First response median": ["初回返信 中央値", "첫 응답 중앙값"],
  "First response p90": ["初回返信 p90", "첫 응답 p90"],
  "Later responses median": ["以降の返信 中央値", "이후 응답 중앙값"],
  "Resolution median": ["解決時間 中央値", "해결 시간 중앙값"],
  "Resolution p90": ["解決時間 p90", "해결 시간 p90"],
  "Resolution rate": ["解決率", "해결률"],
  "First-contact resolution": ["初回解決率", "첫 문의 해결률"],
  "Replies per conversation": ["会話あたりの返信数", "대화당 답장 수"],
  "Repeat contact ({0} days)": ["再問い合わせ（{0} 日以内）", "재문의 ({0}일 이내)"],
  "Units": ["件数", "건수"],
  "Resolved": ["解決", "해결"],
  "Backlog": ["未解決残", "미해결 잔량"],
  "Per month": ["月別", "월별"],
  "Per theme": ["テーマ別", "테마별"],
  "Per segment": ["セグメント別", "세그먼트별"],
  "{0} time left out of the figures (ran backwards or over a year)": ["{0} 件の時刻を集計から除外（逆行または1年超）", "시각 {0}건을 집계에서 제외(역행 또는 1년 초과)"],
  "{0} times left out of the figures (ran backwards or over a year)": ["{0} 件の時刻を集計から除外（逆行または1年超）", "시각 {0}건을 집계에서 제외(역행 또는 1년 초과)"],
  "Churn signals": ["解約のサイン", "이탈 신호"],
  "{0} of {1} records ({2}) say the customer is leaving ({3})": ["{1} 件中 {0} 件（{2}）が解約・離脱を示す（{3}）", "{1}건 중 {0}건({2})이 이탈 의사를 표현({3})"],
  "With a churn signal": ["解約のサインあり", "이탈 신호 있음"],
  "Rate": ["割合", "비율"],
  "First contact": ["初回問い合わせ", "첫 문의"],
  "Customers": ["顧客数", "고객 수"],
  "Came back": ["再来", "재방문"],
  "Cohorts: {0}": ["コホート: {0}", "코호트: {0}"],
};
let LANG = "en";

// `en` in the page's language, with {0}, {1}, … replaced by `args`.
function t(en, ...args) {
  const w = WORDS[en];
  const s = w && LANG === "ja" ? w[0] : w && LANG === "ko" ? w[1] : en;
  return s.replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)]));
}

// ?lang= first, then the data's language, then the browser's.
function pickLang(dataLang) {
  const asked = new URLSearchParams(location.search).get("lang");
  const browser = (navigator.language || "").slice(0, 2).toLowerCase();
  for (const l of [asked, dataLang, browser]) if (l === "ja" || l === "ko" || l === "en") return l;
  return "en";
}

// The page's fixed words (text, placeholders, titles, labels) in the page's language.
function localizePage() {
  document.documentElement.lang = LANG;
  document.title = t(document.title);
  if (LANG === "en") return;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const s = n.nodeValue.trim();
    if (s && WORDS[s]) n.nodeValue = n.nodeValue.replace(s, t(s));
  }
  for (const e of document.querySelectorAll("[placeholder],[title],[aria-label]")) {
    for (const a of ["placeholder", "title", "aria-label"]) {
      const v = e.getAttribute(a);
      if (v && WORDS[v]) e.setAttribute(a, t(v));
    }
  }
}

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else if (k === "text") e.textContent = v; else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k);
  return e;
}

async function api(path) {
  const r = await fetch(path, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({ error: r.statusText }));
  if (!r.ok) throw new Error(body.error || ("HTTP " + r.status));
  return body;
}

// Highlights are byte ranges into the UTF-8 snippet.
function highlighted(text, ranges) {
  const bytes = enc.encode(text);
  const out = el("span", {});
  let at = 0;
  for (const [s, e] of ranges) {
    if (s < at || e > bytes.length) continue;
    out.append(dec.decode(bytes.slice(at, s)));
    out.append(el("mark", { text: dec.decode(bytes.slice(s, e)) }));
    at = e;
  }
  out.append(dec.decode(bytes.slice(at)));
  return out;
}

function themeName(id) { return themeLabels[id] || id; }

function params(form) {
  const p = new URLSearchParams();
  for (const [k, v] of new FormData(form)) if (String(v).trim() !== "") p.set(k, String(v).trim());
  return p;
}

function fill(form, p) {
  for (const e of form.elements) if (e.name) e.value = p.get(e.name) || (e.tagName === "SELECT" ? e.options[0].value : "");
}

function show(view) {
  for (const v of ["search", "themes", "record"]) $("#view-" + v).hidden = v !== view;
  $("#nav-search").classList.toggle("active", view === "search");
  $("#nav-themes").classList.toggle("active", view === "themes");
}

async function runSearch(p) {
  show("search");
  fill($("#search-form"), p);
  const err = $("#search-error");
  err.hidden = true;
  if (![...p.keys()].length) { $("#summary").textContent = t("Type a query or pick a filter."); $("#hits").replaceChildren(); $("#facets").replaceChildren(); $("#pager").replaceChildren(); return; }
  const limit = 10, offset = Number(p.get("offset") || 0);
  p.set("limit", limit);
  let res;
  try { res = await api("/api/search?" + p.toString()); }
  catch (e) { err.textContent = e.message; err.hidden = false; $("#hits").replaceChildren(); return; }
  $("#summary").textContent = t("{0} matching records", res.total) + (res.total ? ` — ${offset + 1}–${offset + res.hits.length}` : "");
  $("#hits").replaceChildren(...res.hits.map(hitView));
  $("#facets").replaceChildren(...facetViews(res.facets, p));
  const pager = $("#pager");
  const prev = el("button", { type: "button", text: t("← Previous") });
  const next = el("button", { type: "button", text: t("Next →") });
  prev.disabled = offset === 0;
  next.disabled = offset + limit >= res.total;
  prev.onclick = () => go("search", p, { offset: Math.max(0, offset - limit) });
  next.onclick = () => go("search", p, { offset: offset + limit });
  pager.replaceChildren(prev, el("span", { class: "muted", text: t("page {0} of {1}", Math.floor(offset / limit) + 1, Math.max(1, Math.ceil(res.total / limit))) }), next);
  document.body.dataset.ready = "search";
}

function hitView(h) {
  const meta = el("div", { class: "meta" },
    el("a", { href: "#record/" + encodeURIComponent(h.id), text: h.id }),
    el("span", { text: h.date || t("no date") }),
    el("span", { text: h.rating != null ? t("rating {0}", h.rating) : t("unrated") }),
    el("span", { class: "badge " + h.sentiment, text: h.sentiment + " " + h.sentiment_score.toFixed(2) }),
    el("span", { text: h.lang }));
  const themes = el("div", { class: "meta" }, ...h.themes.map((t) => el("span", { class: "badge " + t.sentiment, text: themeName(t.id) })));
  return el("li", { class: "hit" }, meta, el("div", { class: "snippet" }, highlighted(h.snippet, h.highlights)), themes);
}

function facetViews(f, p) {
  const out = [];
  for (const [name, key] of [["Theme", "theme"], ["Sentiment", "sentiment"], ["Language", "lang"], ["Month", "month"]]) {
    const entries = Object.entries(f[key] || {}).sort((a, b) => b[1] - a[1]).slice(0, 12);
    if (!entries.length) continue;
    out.push(el("h4", { text: t(name) }));
    for (const [v, n] of entries) {
      const q = new URLSearchParams(p);
      q.delete("offset");
      if (key === "month") { q.set("from", v); q.set("to", v); } else q.set(key, v);
      out.push(el("a", { href: "#search?" + q.toString() }, el("span", { text: key === "theme" ? themeName(v) : v }), el("span", { class: "muted", text: n })));
    }
  }
  return out;
}

function trendSvg(points) {
  const w = 120, h = 28, max = Math.max(...points.map((p) => p.share), 1e-9);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "trend"); svg.setAttribute("width", w); svg.setAttribute("height", h);
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  const step = points.length > 1 ? w / (points.length - 1) : 0;
  line.setAttribute("points", points.map((p, i) => `${(i * step).toFixed(1)},${(h - 2 - (p.share / max) * (h - 4)).toFixed(1)}`).join(" "));
  const title = document.createElementNS("http://www.w3.org/2000/svg", "title");
  title.textContent = points.map((p) => `${p.period}: ${p.records}`).join(", ");
  svg.append(title, line);
  return svg;
}

function pct(x) { return x == null ? "–" : (x * 100).toFixed(1) + "%"; }
function num(x, d = 1) { return x == null ? "–" : Number(x).toFixed(d); }

async function runThemes(p) {
  show("themes");
  fill($("#themes-form"), p);
  const err = $("#themes-error");
  err.hidden = true;
  let s;
  try { s = await api("/api/themes?" + p.toString()); }
  catch (e) { err.textContent = e.message; err.hidden = false; return; }
  const tot = s.totals;
  $("#kpis").replaceChildren(
    ...[["Records", tot.records], ["NPS", num(tot.nps, 0)], ["CSAT", pct(tot.csat)], ["Rating /100", tot.ratings ? `${num(tot.rating_100, 1)} (${tot.ratings})` : "–"],
        ["Complaints", pct(tot.complaint_share)], ["Net sentiment", num(tot.net_sentiment, 2)]]
      .map(([k, v]) => el("div", { class: "kpi" }, el("span", { class: "muted", text: t(k) }), el("b", { text: String(v) }))));
  const units = { nps: "NPS points", csat: "CSAT points", rating_100: "rating points /100" };
  $("#impact-head").textContent = t("Impact") + (s.impact_basis ? " (" + t(units[s.impact_basis]) + ")" : "");
  const discovered = Object.fromEntries((s.discovered || []).map((d) => [d.id, d]));
  const rows = s.themes.filter((r) => r.records > 0);
  const max = Math.max(1, ...rows.map((r) => r.records));
  $("#theme-table tbody").replaceChildren(...rows.map((r) => {
    const bar = el("div", { class: "bar", title: t("{0} negative, {1} neutral, {2} positive", r.negative, r.neutral, r.positive) });
    bar.style.width = Math.max(8, (220 * r.records) / max) + "px";
    for (const k of ["negative", "neutral", "positive"]) {
      const seg = el("span", { class: k.slice(0, 3) });
      seg.style.width = (100 * r[k]) / Math.max(1, r.positive + r.neutral + r.negative) + "%";
      bar.append(seg);
    }
    const name = el("td", {}, el("a", { href: "#search?theme=" + encodeURIComponent(r.id), text: themeName(r.id) }));
    if (r.emerging && r.emerging.emerging) {
      // The server's decision (exact test, FDR-adjusted); the title says on what.
      const e = r.emerging;
      const growth = e.growth == null ? t("new") : "×" + num(e.growth, 1);
      const q = e.p_adjusted < 0.001 ? "< 0.001" : num(e.p_adjusted, 3);
      name.append(" ", el("span", { class: "badge emerging", text: t("emerging"),
        title: t("{0} of records in {1} ({2} of {3}) vs {4} before: {5}, adjusted p {6}", pct(e.latest_share), e.window.join(" + "), e.mentions, e.records, pct(e.baseline_share), growth, q) }));
    }
    if (r.discovered) {
      name.append(" ", el("span", { class: "badge discovered", text: t("discovered") }));
      const d = discovered[r.id];
      if (d) {
        const words = (list) => list.slice(0, 4).map(([w, n]) => `${w} ${n}`).join(" · ");
        const members = d.members.slice(0, 6).map((m) => m.label).join(", ");
        name.append(el("div", { class: "muted sub", text: t("members: {0}", members) }));
        if (d.opinions.positive.length) name.append(el("div", { class: "sub pos-text", text: "+ " + words(d.opinions.positive) }));
        if (d.opinions.negative.length) name.append(el("div", { class: "sub neg-text", text: "− " + words(d.opinions.negative) }));
      }
    }
    return el("tr", {}, name, el("td", { text: `${r.records} (${pct(r.share)})` }), el("td", {}, bar),
      el("td", {}, trendSvg(r.trend)), el("td", { text: r.impact == null ? "–" : (r.impact > 0 ? "+" : "") + num(r.impact, 1) }),
      el("td", { text: num(r.rating_100, 1) }));
  }));
  renderSupport(s.support, s.churn);
  document.body.dataset.ready = "themes";
}

async function runRecord(id) {
  show("record");
  let h;
  try { h = await api("/api/records/" + encodeURIComponent(id)); }
  catch (e) { $("#record").replaceChildren(el("div", { class: "error", text: e.message })); return; }
  const dl = el("div", { class: "meta" });
  $("#record").replaceChildren(
    el("h2", { text: h.id }),
    el("div", { class: "hit" }, ...(() => { const v = hitView({ ...h, snippet: "", highlights: [] }); return [v.firstChild, v.lastChild]; })()),
    el("div", { class: "text", text: h.snippet }),
    el("div", {}, ...Object.entries(h.segments).map(([k, v]) => el("span", { class: "badge", text: `${k}: ${v}` }))), dl);
  document.body.dataset.ready = "record";
}

// Support section: the report's support and churn figures (same code as koe report).
function hours(d, key) {
  if (!d) return "–";
  const h = d[key];
  return h < 1 ? Math.round(h * 60) + " min" : num(h, 1) + " h";
}
function rate(r) { return r ? `${pct(r.rate)} (${r.count}/${r.of})` : "–"; }
function ratio(x) { return x == null ? "" : ` ×${num(x, 1)}`; }

function supportTable(head, rows) {
  return el("table", { class: "support-table" },
    el("thead", {}, el("tr", {}, ...head.map((h) => el("th", { text: h })))),
    el("tbody", {}, ...rows.map((cells) => el("tr", {}, ...cells.map((c) => el("td", { text: String(c) }))))));
}

function renderSupport(sup, churn) {
  const box = $("#support");
  const parts = [];
  if (sup) {
    const a = sup.all;
    const within = ((a.first_response && a.first_response.within) || []).map(([h, share]) => [t("First response ≤ {0} h", h), pct(share)]);
    parts.push(el("h2", { text: t("Support ({0}: {1})", sup.kind, a.units) }));
    parts.push(el("div", { class: "kpis" }, ...[
      [t("First response median"), hours(a.first_response, "median_hours")], [t("First response p90"), hours(a.first_response, "p90_hours")],
      ...within, [t("Later responses median"), hours(a.later_responses, "median_hours")],
      [t("Resolution median"), hours(a.resolution, "median_hours")], [t("Resolution p90"), hours(a.resolution, "p90_hours")],
      [t("Resolution rate"), rate(a.resolution_rate)], [t("First-contact resolution"), rate(a.first_contact_resolution)],
      [t("Replies per conversation"), num(a.replies_per_conversation, 2)],
      [t("Repeat contact ({0} days)", sup.repeat_days), rate(sup.repeat_contact)],
    ].map(([k, v]) => el("div", { class: "kpi support-kpi" }, el("span", { class: "muted", text: k }), el("b", { text: String(v) })))));
    const figures = (f) => [f.units, hours(f.first_response, "median_hours"), hours(f.first_response, "p90_hours"),
      hours(f.resolution, "median_hours"), rate(f.resolution_rate), rate(f.first_contact_resolution)];
    const head = [t("Units"), t("First response median"), "p90", t("Resolution median"), t("Resolved"), t("First-contact resolution")];
    const periods = Object.entries(sup.periods);
    if (periods.length) {
      parts.push(el("h3", { text: t("Per month") }));
      parts.push(supportTable([t("Month"), ...head, t("Backlog")],
        periods.map(([p, f]) => [p, ...figures(f), sup.backlog && sup.backlog[p] != null ? sup.backlog[p] : "–"])));
    }
    if (sup.themes.length) {
      parts.push(el("h3", { text: t("Per theme") }));
      parts.push(supportTable([t("Theme"), ...head], sup.themes.map((t) => {
        const row = figures(t);
        row[1] += ratio(t.first_response_vs_all);
        row[3] += ratio(t.resolution_vs_all);
        return [themeName(t.theme), ...row];
      })));
    }
    const segments = Object.entries(sup.segments || {});
    if (segments.length) {
      parts.push(el("h3", { text: t("Per segment") }));
      parts.push(supportTable([t("Segment"), ...head], segments.map(([v, f]) => [v, ...figures(f)])));
    }
    const notes = [...sup.missing];
    if (sup.excluded_times) notes.push(t(sup.excluded_times === 1 ? "{0} time left out of the figures (ran backwards or over a year)" : "{0} times left out of the figures (ran backwards or over a year)", sup.excluded_times));
    if (notes.length) parts.push(el("ul", { class: "notes" }, ...notes.map((n) => el("li", { text: n }))));
  }
  if (churn && churn.all.signals > 0) {
    const kinds = Object.entries(churn.kinds).map(([k, n]) => `${k} ${n}`).join(", ");
    parts.push(el("h2", { text: t("Churn signals") }));
    parts.push(el("p", { class: "churn-summary", text: t("{0} of {1} records ({2}) say the customer is leaving ({3})", churn.all.signals, churn.all.records, pct(churn.all.rate), kinds) }));
    const themes = churn.themes.filter(([, c]) => c.signals > 0);
    if (themes.length) parts.push(supportTable([t("Theme"), t("Records"), t("With a churn signal"), t("Rate")],
      themes.map(([id, c]) => [themeName(id), c.records, c.signals, pct(c.rate)])));
    if (churn.cohorts.length) parts.push(supportTable([t("First contact"), t("Customers"), t("Came back"), t("With a churn signal")],
      churn.cohorts.map((c) => [c.month, c.customers, c.came_back, c.with_signal])));
    else if (churn.cohorts_note) parts.push(el("ul", { class: "notes" }, el("li", { text: t("Cohorts: {0}", churn.cohorts_note) })));
  }
  box.replaceChildren(...parts);
  box.hidden = parts.length === 0;
}

function go(view, p, extra) {
  const q = new URLSearchParams(p);
  for (const [k, v] of Object.entries(extra || {})) q.set(k, v);
  location.hash = view + (q.toString() ? "?" + q.toString() : "");
}

function route() {
  document.body.dataset.ready = "";
  const raw = location.hash.slice(1);
  if (raw.startsWith("record/")) return runRecord(decodeURIComponent(raw.slice("record/".length)));
  const [view, query] = raw.split(/\?(.*)/s);
  const p = new URLSearchParams(query || "");
  if (view === "themes") return runThemes(p);
  return runSearch(p);
}

async function init() {
  $("#search-form").addEventListener("submit", (e) => { e.preventDefault(); go("search", params(e.target)); });
  $("#themes-form").addEventListener("submit", (e) => { e.preventDefault(); go("themes", params(e.target)); });
  window.addEventListener("hashchange", route);
  try {
    const health = await api("/api/health");
    const s = await api("/api/themes");
    LANG = pickLang(s.label_lang);
    localizePage();
    $("#status").textContent = t("{0} records", health.records);
    const sel = $("#f-theme");
    for (const r of s.themes) {
      // Labels in the page's language, else the data's dominant language (the server
      // says which), else any.
      const l = r.label || {};
      themeLabels[r.id] = l[LANG] || l[s.label_lang] || l.en || l.ja || l.ko || r.id;
      sel.append(el("option", { value: r.id, text: themeLabels[r.id] + (r.discovered ? t(" (discovered)") : "") }));
    }
  } catch (e) {
    LANG = pickLang(null);
    localizePage();
    $("#status").textContent = e.message;
  }
  route();
}

init();
