//! Support metrics of ticket and message exports, per period and per theme: first
//! response time and every later response time (median, p90, share within targets),
//! resolution time and rate, first-contact resolution, replies per conversation,
//! repeat contacts, backlog.
//!
//! Tickets (one row per ticket: created, first response, resolved, status, customer)
//! are measured row by row. Threaded messages (one row per message with a reply
//! link, like the Customer Support on Twitter export) are first put back together
//! into conversations: a customer message, the agent replies to it, the exchanges
//! after. A figure whose columns are missing is `None` with a note naming them.
//!
//! Memory: durations go into log-scale histograms (quantiles within 2.5%), counts per
//! period; only repeat contacts (customer, time) and messages (for the threads) are
//! kept per record, a few dozen bytes each.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::round3;
use crate::ingest::{Record, Support};

/// Settings of the support figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SupportConfig {
    /// Response-time targets, in hours: the share of first responses within each.
    pub targets_hours: Vec<f64>,
    /// A contact is a repeat when the same customer writes again within this many days.
    pub repeat_days: u32,
}

impl Default for SupportConfig {
    fn default() -> Self {
        SupportConfig {
            targets_hours: vec![1.0, 24.0],
            repeat_days: 7,
        }
    }
}

/// Durations: exact while there are few (nearest-rank quantiles), then in log-scale
/// buckets (bounded memory, quantiles within 2.5%).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Hist {
    /// The durations themselves, seconds, up to [`EXACT`] of them.
    exact: Vec<i64>,
    /// Bucket `i` holds durations in [60·R^i, 60·R^(i+1)) seconds; bucket 0 also
    /// everything under a minute. Used once there are more than [`EXACT`].
    buckets: Vec<u64>,
    n: u64,
    #[serde(with = "super::exact::float")]
    sum: f64,
}

const RATIO: f64 = 1.05;
/// Groups with up to this many durations get exact quantiles.
const EXACT: usize = 4096;

impl Hist {
    /// Adds the durations of `other`: exact while both are and their union fits in
    /// [`EXACT`], else all in buckets — what one pass over both would hold.
    fn merge(&mut self, other: &Hist) {
        self.n += other.n;
        self.sum += other.sum;
        if self.buckets.is_empty()
            && other.buckets.is_empty()
            && self.exact.len() + other.exact.len() <= EXACT
        {
            self.exact.extend_from_slice(&other.exact);
            return;
        }
        for v in std::mem::take(&mut self.exact)
            .into_iter()
            .chain(other.exact.iter().copied())
        {
            self.bucket(v);
        }
        if self.buckets.len() < other.buckets.len() {
            self.buckets.resize(other.buckets.len(), 0);
        }
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
    }

    fn bucket(&mut self, secs: i64) {
        let s = secs.max(0) as f64;
        let i = if s < 60.0 {
            0
        } else {
            ((s / 60.0).ln() / RATIO.ln()).floor() as usize
        };
        if self.buckets.len() <= i {
            self.buckets.resize(i + 1, 0);
        }
        self.buckets[i] += 1;
    }

    fn add(&mut self, secs: i64) {
        let secs = secs.max(0);
        self.n += 1;
        self.sum += secs as f64;
        if self.buckets.is_empty() && self.exact.len() < EXACT {
            self.exact.push(secs);
            return;
        }
        if !self.exact.is_empty() {
            for v in std::mem::take(&mut self.exact) {
                self.bucket(v);
            }
        }
        self.bucket(secs);
    }

    /// The q-quantile in hours: nearest rank (the ⌈q·n⌉-th smallest) while exact, else
    /// the geometric middle of the bucket holding that rank.
    fn quantile_hours(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        if self.buckets.is_empty() {
            let mut v = self.exact.clone();
            v.sort_unstable();
            return v.get(rank as usize - 1).map(|&s| s as f64 / 3600.0);
        }
        let mut seen = 0;
        for (i, &c) in self.buckets.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let lo = 60.0 * RATIO.powi(i as i32);
                let mid = if i == 0 { 30.0 } else { lo * RATIO.sqrt() };
                return Some(mid / 3600.0);
            }
        }
        None
    }
}

/// Durations summarised.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Durations {
    /// How many durations.
    pub n: u64,
    /// Median, hours.
    pub median_hours: f64,
    /// 90th percentile, hours.
    pub p90_hours: f64,
    /// Mean, hours.
    pub mean_hours: f64,
    /// Share within each target: (target hours, share 0..1).
    pub within: Vec<(f64, f64)>,
}

/// A share with the counts it comes from.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rate {
    /// Share 0..1.
    pub rate: f64,
    /// Numerator.
    pub count: u64,
    /// Denominator.
    pub of: u64,
}

impl Rate {
    fn of(count: u64, of: u64) -> Option<Rate> {
        (of > 0).then(|| Rate {
            rate: count as f64 / of as f64,
            count,
            of,
        })
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Acc {
    units: u64,
    first: Hist,
    first_within: Vec<u64>,
    later: Hist,
    resolution: Hist,
    resolved: u64,
    judged: u64,
    fcr: u64,
    fcr_judged: u64,
    replies: u64,
    conversations: u64,
}

impl Acc {
    fn merge(&mut self, other: &Acc) {
        self.units += other.units;
        self.first.merge(&other.first);
        if self.first_within.len() < other.first_within.len() {
            self.first_within.resize(other.first_within.len(), 0);
        }
        for (mine, theirs) in self.first_within.iter_mut().zip(&other.first_within) {
            *mine += theirs;
        }
        self.later.merge(&other.later);
        self.resolution.merge(&other.resolution);
        self.resolved += other.resolved;
        self.judged += other.judged;
        self.fcr += other.fcr;
        self.fcr_judged += other.fcr_judged;
        self.replies += other.replies;
        self.conversations += other.conversations;
    }

    fn first_response(&mut self, secs: i64, targets: &[f64]) {
        self.first.add(secs);
        if self.first_within.len() < targets.len() {
            self.first_within.resize(targets.len(), 0);
        }
        for (i, t) in targets.iter().enumerate() {
            if secs as f64 <= t * 3600.0 {
                self.first_within[i] += 1;
            }
        }
    }

    fn durations(h: &Hist, within: Option<(&[u64], &[f64])>) -> Option<Durations> {
        Some(Durations {
            n: h.n,
            median_hours: round3(h.quantile_hours(0.5)?),
            p90_hours: round3(h.quantile_hours(0.9)?),
            mean_hours: round3(h.sum / h.n as f64 / 3600.0),
            within: within
                .map(|(counts, targets)| {
                    targets
                        .iter()
                        .enumerate()
                        .map(|(i, &t)| {
                            (
                                t,
                                round3(counts.get(i).copied().unwrap_or(0) as f64 / h.n as f64),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    fn figures(&self, targets: &[f64]) -> SupportFigures {
        SupportFigures {
            units: self.units,
            first_response: Self::durations(&self.first, Some((&self.first_within, targets))),
            later_responses: Self::durations(&self.later, None),
            resolution: Self::durations(&self.resolution, None),
            resolution_rate: Rate::of(self.resolved, self.judged),
            first_contact_resolution: Rate::of(self.fcr, self.fcr_judged),
            replies_per_conversation: (self.conversations > 0)
                .then(|| round3(self.replies as f64 / self.conversations as f64)),
        }
    }
}

/// The figures of one group (all, a period, a theme).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SupportFigures {
    /// Tickets or conversations.
    pub units: u64,
    /// Time to the first agent response.
    pub first_response: Option<Durations>,
    /// Time of every later agent response (to the customer message it answers).
    pub later_responses: Option<Durations>,
    /// Time to resolution.
    pub resolution: Option<Durations>,
    /// Resolved share (by status, a resolution time, or a closing customer message).
    pub resolution_rate: Option<Rate>,
    /// Resolved with one agent reply.
    pub first_contact_resolution: Option<Rate>,
    /// Agent replies per conversation (or per ticket, with a reply count column).
    pub replies_per_conversation: Option<f64>,
}

/// One theme's support figures, with how they compare to all.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SupportThemeRow {
    /// Theme id.
    pub theme: Arc<str>,
    /// The figures.
    #[serde(flatten)]
    pub figures: SupportFigures,
    /// Median resolution time ÷ the median of all ("takes 2.3× longer to resolve").
    pub resolution_vs_all: Option<f64>,
    /// Median first response ÷ the median of all.
    pub first_response_vs_all: Option<f64>,
}

/// The support section of a report.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SupportMetrics {
    /// What was measured: `tickets`, `conversations` (threaded messages) or both.
    pub kind: String,
    /// All records.
    pub all: SupportFigures,
    /// Per period (`YYYY-MM`, by creation time in UTC).
    pub periods: BTreeMap<String, SupportFigures>,
    /// Open at the end of each period (created by then, not resolved by then);
    /// `None` without creation and resolution times.
    pub backlog: Option<BTreeMap<String, u64>>,
    /// Per theme, most units first.
    pub themes: Vec<SupportThemeRow>,
    /// Per value of the report's segment column (`--segment`), when there is one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub segments: BTreeMap<String, SupportFigures>,
    /// Contacts followed by another from the same customer within `repeat_days`
    /// (contacts in the last `repeat_days` of the data are not judged).
    pub repeat_contact: Option<Rate>,
    /// The window of a repeat contact, days.
    pub repeat_days: u32,
    /// Figures that cannot be computed, and the column each needs.
    pub missing: Vec<String>,
    /// Times left out because they ran backwards or were over a year (see the records'
    /// warnings).
    pub excluded_times: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Message {
    id: Arc<str>,
    created: Option<i64>,
    inbound: bool,
    reply_to: Option<Arc<str>>,
    customer: Option<Arc<str>>,
    themes: Vec<Arc<str>>,
    segment: Option<String>,
    resolved_cue: bool,
}

/// Collects the support fields of analysed records. Its state serializes (for
/// partial reports) and [`SupportCollector::merge`]s with another part's.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct SupportCollector {
    config: SupportConfig,
    all: Acc,
    periods: BTreeMap<String, Acc>,
    themes: HashMap<Arc<str>, Acc>,
    segments: BTreeMap<String, Acc>,
    created: BTreeMap<String, u64>,
    resolved_in: BTreeMap<String, u64>,
    contacts: Vec<(Arc<str>, i64)>,
    messages: Vec<Message>,
    seen: Seen,
    tickets: u64,
    excluded: u64,
}

/// Which columns the data had.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
struct Seen {
    created: bool,
    first_response: bool,
    resolved: bool,
    status: bool,
    customer: bool,
    threads: bool,
    replies: bool,
}

fn month(secs: i64) -> String {
    jiff::Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m").to_string())
        .unwrap_or_else(|_| "?".into())
}

/// Statuses that mean resolved, in the languages of real exports.
fn status_resolved(status: &str) -> Option<bool> {
    let s = status.trim().to_lowercase();
    const DONE: &[&str] = &[
        "solved",
        "resolved",
        "closed",
        "done",
        "completed",
        "complete",
        "解決",
        "解決済み",
        "解決済",
        "完了",
        "対応完了",
        "クローズ",
        "終了",
        "해결",
        "해결됨",
        "완료",
        "처리완료",
        "종료",
    ];
    const OPEN: &[&str] = &[
        "open",
        "new",
        "pending",
        "on-hold",
        "on hold",
        "hold",
        "in progress",
        "waiting",
        "reopened",
        "未対応",
        "対応中",
        "保留",
        "新規",
        "未解決",
        "再オープン",
        "접수",
        "처리중",
        "대기",
        "보류",
        "미해결",
        "진행중",
    ];
    if DONE.contains(&s.as_str()) {
        Some(true)
    } else if OPEN.contains(&s.as_str()) {
        Some(false)
    } else {
        None
    }
}

/// A customer's closing message: thanks, it works now, solved.
fn closes(text: &str) -> bool {
    let t = text.to_lowercase();
    const CUES: &[&str] = &[
        "thank",
        "thx",
        "that worked",
        "it works now",
        "works now",
        "solved",
        "fixed now",
        "all good",
        "ありがとう",
        "解決しました",
        "直りました",
        "助かりました",
        "감사",
        "고맙",
        "해결됐",
        "해결되었",
    ];
    CUES.iter().any(|c| t.contains(c))
}

/// The end of the warnings of times left out of the figures (see ingest).
const LEFT_OUT: &str = "left out of the figures";

/// What the support figures read of one record: its support fields, its id (threaded
/// messages are linked by it), how many of its times were left out (see the record's
/// warnings) and whether its text closes a conversation (thanks, it works now).
/// Made from a record with [`SupportFacts::of`], or from what a search index kept of
/// one, so `koe report` and `koe serve` measure with the same code.
#[derive(Debug, Clone, Copy)]
pub struct SupportFacts<'a> {
    /// Record id (read for threaded messages only).
    pub id: &'a str,
    /// The support fields.
    pub support: &'a Support,
    /// Times left out of the figures (ran backwards or over a year).
    pub excluded: u64,
    /// The text reads as a customer closing the conversation (read for threaded
    /// messages only).
    pub closes: bool,
}

impl<'a> SupportFacts<'a> {
    /// The facts of a record with support fields.
    pub fn of(record: &'a Record) -> Option<SupportFacts<'a>> {
        let support = record.support.as_deref()?;
        let mut facts = SupportFacts {
            id: &record.id,
            support,
            excluded: record
                .warnings
                .iter()
                .filter(|w| w.ends_with(LEFT_OUT))
                .count() as u64,
            closes: false,
        };
        facts.closes = facts.threaded() && closes(&record.text());
        Some(facts)
    }

    /// A message of a threaded export (a sender side or a reply link), not a ticket.
    pub fn threaded(&self) -> bool {
        self.support.inbound.is_some() || self.support.reply_to.is_some()
    }
}

/// One conversation put back together from threaded messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Id of the customer message that starts it.
    pub start: Arc<str>,
    /// When it started (seconds since the epoch).
    pub created: Option<i64>,
    /// The customer (author of the first message).
    pub customer: Option<Arc<str>>,
    /// Seconds from the first customer message answered to the first agent reply.
    pub first_response: Option<i64>,
    /// Seconds of every later agent reply to the customer message it answers.
    pub later_responses: Vec<i64>,
    /// Agent replies.
    pub replies: u64,
    /// The customer closed it (thanks, it works now) after an agent reply.
    pub resolved: bool,
    /// Themes of the customer's first message (what the conversation is about).
    pub themes: Vec<Arc<str>>,
    /// Ids of its messages, in time order.
    pub messages: Vec<Arc<str>>,
    /// The segment value of its first message.
    pub segment: Option<String>,
}

/// Groups messages by reply links (a message belongs to the conversation of the
/// message it answers; unknown ids and cycles stop the walk) and measures each: an
/// agent reply's response time is to the customer message it answers.
fn build_conversations(messages: &[Message]) -> Vec<Conversation> {
    let index: HashMap<&str, usize> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (&*m.id, i))
        .collect();
    let root = |mut i: usize| -> usize {
        for _ in 0..messages.len() {
            match messages[i].reply_to.as_deref().and_then(|r| index.get(r)) {
                Some(&p) if p != i => i = p,
                _ => break,
            }
        }
        i
    };
    let mut threads: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..messages.len() {
        threads.entry(root(i)).or_default().push(i);
    }
    let mut out = Vec::new();
    for (_, mut members) in threads {
        members.sort_by_key(|&i| (messages[i].created.unwrap_or(i64::MAX), i));
        // A conversation starts with a customer message.
        let Some(&start) = members.iter().find(|&&i| messages[i].inbound) else {
            continue;
        };
        let mut first: Option<i64> = None;
        let mut later = Vec::new();
        let mut replies = 0u64;
        for &i in &members {
            let m = &messages[i];
            if m.inbound {
                continue;
            }
            replies += 1;
            let asked = m
                .reply_to
                .as_deref()
                .and_then(|r| index.get(r))
                .map(|&j| &messages[j])
                .filter(|q| q.inbound);
            if let (Some(q), Some(t)) = (asked, m.created)
                && let Some(qt) = q.created
            {
                let d = t - qt;
                if d >= 0 {
                    if first.is_none() {
                        first = Some(d);
                    } else {
                        later.push(d);
                    }
                }
            }
        }
        let last_customer = members.iter().rev().find(|&&i| messages[i].inbound);
        let resolved =
            replies > 0 && last_customer.is_some_and(|&i| messages[i].resolved_cue && i != start);
        let mut themes = messages[start].themes.clone();
        themes.sort();
        themes.dedup();
        out.push(Conversation {
            start: messages[start].id.clone(),
            created: messages[start].created,
            customer: messages[start].customer.clone(),
            first_response: first,
            later_responses: later,
            replies,
            resolved,
            themes,
            messages: members.iter().map(|&i| messages[i].id.clone()).collect(),
            segment: messages[start].segment.clone(),
        });
    }
    out.sort_by_key(|c| (c.created.unwrap_or(i64::MAX), c.start.clone()));
    out
}

impl SupportCollector {
    /// A collector with these settings.
    pub fn new(config: SupportConfig) -> SupportCollector {
        SupportCollector {
            config,
            ..SupportCollector::default()
        }
    }

    /// Adds one record with the ids of its themes.
    pub fn add(&mut self, record: &Record, themes: &[Arc<str>]) {
        self.add_in(record, themes, None);
    }

    /// Adds one record with the ids of its themes and its value of the report's
    /// segment column.
    pub fn add_in(&mut self, record: &Record, themes: &[Arc<str>], segment: Option<&str>) {
        if let Some(facts) = SupportFacts::of(record) {
            self.add_facts(&facts, themes, segment);
        }
    }

    /// Adds what the figures read of one record ([`SupportFacts`]: from the record,
    /// or as a search index kept it) with the ids of its themes and its value of the
    /// report's segment column.
    pub fn add_facts(
        &mut self,
        facts: &SupportFacts<'_>,
        themes: &[Arc<str>],
        segment: Option<&str>,
    ) {
        let s = facts.support;
        self.excluded += facts.excluded;
        if facts.threaded() {
            self.seen.threads = true;
            self.messages.push(Message {
                id: Arc::from(facts.id),
                created: s.created.map(|t| t.as_second()),
                inbound: s.inbound.unwrap_or(true),
                reply_to: s.reply_to.as_deref().map(Arc::from),
                customer: s.author.as_deref().or(s.customer.as_deref()).map(Arc::from),
                themes: themes.to_vec(),
                segment: segment.map(str::to_string),
                resolved_cue: facts.closes,
            });
            return;
        }
        self.ticket(s, themes, segment);
    }

    fn ticket(&mut self, s: &Support, themes: &[Arc<str>], segment: Option<&str>) {
        self.tickets += 1;
        let created = s.created.map(|t| t.as_second());
        self.seen.created |= created.is_some();
        self.seen.first_response |= s.first_response.is_some();
        self.seen.resolved |= s.resolved.is_some();
        self.seen.status |= s.status.is_some();
        let period = created.map(month);
        let first = created
            .zip(s.first_response)
            .map(|(c, f)| f.as_second() - c);
        let resolution = created.zip(s.resolved).map(|(c, r)| r.as_second() - c);
        let resolved = match s.status.as_deref().and_then(status_resolved) {
            Some(b) => Some(b),
            None if s.resolved.is_some() => Some(true),
            None if self.seen.resolved || s.status.is_some() => Some(false),
            None => None,
        };
        if let Some(c) = created {
            *self.created.entry(month(c)).or_default() += 1;
        }
        if let Some(r) = s.resolved {
            *self.resolved_in.entry(month(r.as_second())).or_default() += 1;
        }
        if let Some(cust) = s.customer.as_deref() {
            self.seen.customer = true;
            if let Some(c) = created {
                self.contacts.push((Arc::from(cust), c));
            }
        }
        let targets = self.config.targets_hours.clone();
        self.seen.replies |= s.replies.is_some();
        let replies = s.replies;
        let apply = |acc: &mut Acc| {
            acc.units += 1;
            if let Some(f) = first {
                acc.first_response(f, &targets);
            }
            if let Some(r) = resolution {
                acc.resolution.add(r);
            }
            if let Some(r) = resolved {
                acc.judged += 1;
                acc.resolved += u64::from(r);
            }
            // With a reply count: first-contact resolution (resolved with one reply).
            if let Some(n) = replies {
                acc.conversations += 1;
                acc.replies += u64::from(n);
                if resolved.is_some() {
                    acc.fcr_judged += 1;
                    acc.fcr += u64::from(resolved == Some(true) && n == 1);
                }
            }
        };
        apply(&mut self.all);
        if let Some(p) = period {
            apply(self.periods.entry(p).or_default());
        }
        for t in themes {
            apply(self.themes.entry(t.clone()).or_default());
        }
        if let Some(seg) = segment {
            apply(self.segments.entry(seg.to_string()).or_default());
        }
    }

    /// Adds the state of another part of the records (same settings, else
    /// [`Incompatible`](super::Incompatible)). Counts and duration histograms merge
    /// exactly (exact quantiles switch to log buckets past 4096 durations in a group
    /// either way); contacts and threaded messages are kept whole until
    /// [`finish`](Self::finish), so repeat contacts and conversations split across
    /// parts are put back together. Messages are put in (time, id) order before
    /// conversations are built, so merged messages of one thread with the same time
    /// can pair up differently than in the input's order.
    pub fn merge(&mut self, other: &SupportCollector) -> Result<(), super::Incompatible> {
        super::Incompatible::check("support settings", &self.config, &other.config)?;
        self.all.merge(&other.all);
        for (k, a) in &other.periods {
            self.periods.entry(k.clone()).or_default().merge(a);
        }
        for (k, a) in &other.themes {
            self.themes.entry(k.clone()).or_default().merge(a);
        }
        for (k, a) in &other.segments {
            self.segments.entry(k.clone()).or_default().merge(a);
        }
        for (k, n) in &other.created {
            *self.created.entry(k.clone()).or_default() += n;
        }
        for (k, n) in &other.resolved_in {
            *self.resolved_in.entry(k.clone()).or_default() += n;
        }
        self.contacts.extend(other.contacts.iter().cloned());
        self.messages.extend(other.messages.iter().cloned());
        self.messages.sort_by(|a, b| {
            (a.created.unwrap_or(i64::MAX), &a.id).cmp(&(b.created.unwrap_or(i64::MAX), &b.id))
        });
        let (a, b) = (&mut self.seen, other.seen);
        a.created |= b.created;
        a.first_response |= b.first_response;
        a.resolved |= b.resolved;
        a.status |= b.status;
        a.customer |= b.customer;
        a.threads |= b.threads;
        a.replies |= b.replies;
        self.tickets += other.tickets;
        self.excluded += other.excluded;
        Ok(())
    }

    /// The conversations of the threaded messages added so far, in order of their
    /// first message.
    pub fn conversations(&self) -> Vec<Conversation> {
        build_conversations(&self.messages)
    }

    /// Measures the conversations of the threaded messages.
    fn measure_conversations(&mut self) {
        let conversations = build_conversations(&self.messages);
        self.messages = Vec::new();
        let targets = self.config.targets_hours.clone();
        for c in conversations {
            let period = c.created.map(month);
            if let (Some(t), Some(cust)) = (c.created, c.customer.clone()) {
                self.contacts.push((cust, t));
                self.seen.customer = true;
            }
            if let Some(t) = c.created {
                self.seen.created = true;
                *self.created.entry(month(t)).or_default() += 1;
            }
            let apply = |acc: &mut Acc| {
                acc.units += 1;
                acc.conversations += 1;
                acc.replies += c.replies;
                if let Some(f) = c.first_response {
                    acc.first_response(f, &targets);
                }
                for &l in &c.later_responses {
                    acc.later.add(l);
                }
                acc.judged += 1;
                acc.resolved += u64::from(c.resolved);
                acc.fcr_judged += 1;
                acc.fcr += u64::from(c.resolved && c.replies == 1);
            };
            apply(&mut self.all);
            if let Some(p) = period {
                apply(self.periods.entry(p).or_default());
            }
            for t in &c.themes {
                apply(self.themes.entry(t.clone()).or_default());
            }
            if let Some(seg) = &c.segment {
                apply(self.segments.entry(seg.clone()).or_default());
            }
        }
    }

    /// The figures, or `None` when no record had support fields.
    pub fn finish(mut self) -> Option<SupportMetrics> {
        let threads = self.seen.threads;
        self.measure_conversations();
        if self.all.units == 0 {
            return None;
        }
        let targets = self.config.targets_hours.clone();
        let all = self.all.figures(&targets);
        let mut missing = self.missing_columns(threads);
        let themes = self.theme_rows(&all, &targets);
        let backlog = (self.seen.created && (self.seen.resolved || self.seen.status) && !threads)
            .then(|| self.backlog());
        let repeat_contact = self.repeat_contact();
        if self.seen.customer && repeat_contact.is_none() {
            missing.push(format!(
                "repeat contacts: no contact is followed by {} days of data to judge it",
                self.config.repeat_days
            ));
        }
        Some(SupportMetrics {
            kind: match (self.tickets > 0, threads) {
                (true, true) => "tickets and conversations",
                (false, true) => "conversations",
                _ => "tickets",
            }
            .into(),
            all,
            periods: self
                .periods
                .iter()
                .map(|(p, a)| (p.clone(), a.figures(&targets)))
                .collect(),
            backlog,
            themes,
            segments: self
                .segments
                .iter()
                .map(|(v, a)| (v.clone(), a.figures(&targets)))
                .collect(),
            repeat_contact,
            repeat_days: self.config.repeat_days,
            missing,
            excluded_times: self.excluded,
        })
    }

    /// The figures the data has no column for, each with the column it needs.
    fn missing_columns(&self, threads: bool) -> Vec<String> {
        let mut missing = Vec::new();
        if self.tickets > 0 {
            if !self.seen.created {
                missing.push("all times: no creation time with a time of day (a created_at / 作成日時 / 접수일시 column)".to_string());
            }
            if !self.seen.first_response {
                missing.push("first response: no first-response time column (first_response_at / 初回返信日時 / 첫응답일시)".into());
            }
            if !self.seen.resolved {
                missing.push("resolution time: no resolved/solved time column (solved_at / 解決日時 / 해결일시)".into());
            }
            if !self.seen.resolved && !self.seen.status {
                missing.push("resolution rate: no status or resolution time column".into());
            }
            if !self.seen.replies {
                missing.push("first-contact resolution: needs a reply count column (replies / 返信回数 / 답변수) or threaded messages".into());
            }
        }
        if !self.seen.customer {
            missing.push(
                "repeat contacts: no customer id column (customer_id / 顧客ID / 고객ID)".into(),
            );
        }
        if threads {
            missing.push("resolution time of conversations: messages carry no resolution time (the resolution rate comes from the customer's closing message)".into());
        }
        missing
    }

    /// Each theme's figures and how its medians compare to those of `all`, most units
    /// first.
    fn theme_rows(&self, all: &SupportFigures, targets: &[f64]) -> Vec<SupportThemeRow> {
        let median = |f: &SupportFigures, pick: fn(&SupportFigures) -> Option<&Durations>| {
            pick(f).map(|d| d.median_hours)
        };
        let all_res = median(all, |f| f.resolution.as_ref());
        let all_first = median(all, |f| f.first_response.as_ref());
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => Some(round3(a / b)),
            _ => None,
        };
        let mut themes: Vec<SupportThemeRow> = self
            .themes
            .iter()
            .map(|(id, acc)| {
                let figures = acc.figures(targets);
                SupportThemeRow {
                    theme: id.clone(),
                    resolution_vs_all: ratio(median(&figures, |f| f.resolution.as_ref()), all_res),
                    first_response_vs_all: ratio(
                        median(&figures, |f| f.first_response.as_ref()),
                        all_first,
                    ),
                    figures,
                }
            })
            .collect();
        themes.sort_by(|a, b| {
            b.figures
                .units
                .cmp(&a.figures.units)
                .then(a.theme.cmp(&b.theme))
        });
        themes
    }

    /// Tickets open at the end of each period (created by then, not resolved by then).
    fn backlog(&self) -> BTreeMap<String, u64> {
        let mut open = 0i64;
        let mut out = BTreeMap::new();
        let mut periods: Vec<&String> =
            self.created.keys().chain(self.resolved_in.keys()).collect();
        periods.sort();
        periods.dedup();
        for p in periods {
            open += self.created.get(p).copied().unwrap_or(0) as i64;
            open -= self.resolved_in.get(p).copied().unwrap_or(0) as i64;
            out.insert(p.clone(), open.max(0) as u64);
        }
        out
    }

    fn repeat_contact(&mut self) -> Option<Rate> {
        if self.contacts.is_empty() {
            return None;
        }
        let window = i64::from(self.config.repeat_days) * 86_400;
        let last = self.contacts.iter().map(|c| c.1).max()?;
        self.contacts.sort();
        let (mut repeats, mut judged) = (0, 0);
        for (i, (cust, t)) in self.contacts.iter().enumerate() {
            if *t > last - window {
                continue; // Its window runs past the data: cannot be judged.
            }
            judged += 1;
            if self
                .contacts
                .get(i + 1)
                .is_some_and(|(c2, t2)| c2 == cust && *t2 - *t <= window)
            {
                repeats += 1;
            }
        }
        Rate::of(repeats, judged)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_exact_then_close() {
        let mut h = Hist::default();
        for m in 1..=100 {
            h.add(m * 60);
        }
        assert_eq!(h.quantile_hours(0.5).unwrap() * 60.0, 50.0);
        assert_eq!(h.quantile_hours(0.9).unwrap() * 60.0, 90.0);
        // Past EXACT values: buckets, within 2.5%.
        let mut h = Hist::default();
        for i in 0..10_000 {
            h.add(60 * (1 + i % 100));
        }
        assert!(h.exact.is_empty());
        let median = h.quantile_hours(0.5).unwrap() * 60.0;
        let p90 = h.quantile_hours(0.9).unwrap() * 60.0;
        assert!((median - 50.0).abs() <= 50.0 * 0.025, "{median}");
        assert!((p90 - 90.0).abs() <= 90.0 * 0.025, "{p90}");
    }

    #[test]
    fn statuses_in_three_languages() {
        for s in ["Solved", "closed", "解決済み", "完了", "해결", "종료"] {
            assert_eq!(status_resolved(s), Some(true), "{s}");
        }
        for s in ["open", "Pending", "対応中", "처리중"] {
            assert_eq!(status_resolved(s), Some(false), "{s}");
        }
        assert_eq!(status_resolved("escalated to tier 2"), None);
    }
}
