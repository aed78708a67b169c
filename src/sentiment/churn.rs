//! Churn signals: a customer saying they are leaving, want to leave, threaten to
//! leave, ask how to leave, cannot leave, or have left — in Japanese, Korean and
//! English.
//!
//! Cues are lemma sequences from `dictionaries/churn/{ja,ko,en}.tsv` (解約 する,
//! 他社 に 乗り換える; 해지 해지하다, 탈퇴하다; cancel, switch to), matched on the
//! tokens of each sentence. Every match is then decided by rules over its sentence:
//!
//! * the object or target: cancelling an order, a booking or e-mails is not churn
//!   (`veto` words); weak verbs (キャンセル, 취소, delete) count only with a service
//!   object (`service` words); switching to another plan of the same service is not
//!   churn (`internal`); a bare "move to"/"switch to" needs a rival target (`rival`
//!   words, or a proper noun);
//! * negation (ja ない after the predicate, ko 안/못 before or -지 않다/없다 after,
//!   en not/n't/never before): a refusal (解約しない, 해지 안 할게요, "I won't
//!   cancel") is no signal, a negated ability (解約できない, 해지할 수 없어요,
//!   "I can't cancel") is [`ChurnKind::Blocked`]; `never` cues (二度と使わない,
//!   다시는 안 써요, "never using this again") need the negation and an again word;
//! * questions (`?`, ja か, ko -까/-나요) and how-to words (解約方法, 해지 방법,
//!   "how") make [`ChurnKind::Ask`]; a question about the terms ("can I cancel
//!   anytime?", いつでも, 언제든) is no signal;
//! * conditionals: a cue after a condition (〜たら解約します, 또 이러면 해지할게요,
//!   "if this happens again I will cancel", "fix it or I'll cancel") is a
//!   [`ChurnKind::Threat`]; a cue inside the condition ("if I cancel, do I get a
//!   refund?", 解約したら返金されますか) is [`ChurnKind::Ask`];
//! * tense: a past cancellation is [`ChurnKind::Done`], unless the sentence or the
//!   next says the customer came back (`return` words) or it nearly happened (`near`);
//!   a passive (解約された, "my account was cancelled") is the provider's act and no
//!   signal.
//!
//! Everything else is [`ChurnKind::Decided`]: leaving now, wanting or planning to
//! leave, considering it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use thiserror::Error;

use super::rules;
use crate::text::{Lang, Pos, TextAnalysis, Token};

/// koe's Japanese churn cues, embedded at build time.
pub const BUILTIN_JA: &str = include_str!("../../dictionaries/churn/ja.tsv");
/// koe's Korean churn cues, embedded at build time.
pub const BUILTIN_KO: &str = include_str!("../../dictionaries/churn/ko.tsv");
/// koe's English churn cues, embedded at build time.
pub const BUILTIN_EN: &str = include_str!("../../dictionaries/churn/en.tsv");

/// A malformed cue list.
#[derive(Debug, Error)]
pub enum ChurnError {
    /// A line does not parse.
    #[error("churn cues ({lang}) line {line}: {reason} (expected `class<TAB>lemmas[<TAB>note]`)")]
    Parse {
        /// The list's language.
        lang: Lang,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}

/// What kind of churn signal a sentence carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChurnKind {
    /// Leaving now, wanting, planning or considering to leave (解約します, 해지할게요,
    /// "I'm cancelling", "switching to X").
    Decided,
    /// Leaving on a condition (〜なら解約します, 또 이러면 해지할 거예요, "if this
    /// happens again I will cancel").
    Threat,
    /// Asking how to leave or what leaving means (解約できますか, 해지 방법,
    /// "how do I cancel?"): a weaker signal, still a customer trying to go.
    Ask,
    /// Trying to leave and unable to (解約できない, 해지가 안 돼요, "I can't cancel").
    Blocked,
    /// Has left (解約しました, 해지했어요, "I cancelled"), not come back.
    Done,
}

impl ChurnKind {
    /// `decided`, `threat`, `ask`, `blocked`, `done`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChurnKind::Decided => "decided",
            ChurnKind::Threat => "threat",
            ChurnKind::Ask => "ask",
            ChurnKind::Blocked => "blocked",
            ChurnKind::Done => "done",
        }
    }

    /// Every kind, in the order of [`ChurnKind::as_str`]'s list.
    pub const ALL: [ChurnKind; 5] = [
        ChurnKind::Decided,
        ChurnKind::Threat,
        ChurnKind::Ask,
        ChurnKind::Blocked,
        ChurnKind::Done,
    ];

    /// The kind named `s` (what [`ChurnKind::as_str`] writes), if any.
    pub fn from_name(s: &str) -> Option<ChurnKind> {
        ChurnKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One churn signal: the cue's byte range in the ORIGINAL text, its kind and the
/// cue entry (lemmas) that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChurnSignal {
    /// Byte offset of the cue in the original text.
    pub start: usize,
    /// Byte end of the cue in the original text.
    pub end: usize,
    /// What the sentence says about leaving.
    pub kind: ChurnKind,
    /// The cue entry that matched (space-separated lemmas).
    pub cue: String,
}

/// How a cue counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CueClass {
    /// A leaving act (解約 する, 해지하다, cancel), unless its object is a `veto` word.
    Act,
    /// A verb that means leaving only with a `service` object (キャンセル, 취소, delete).
    Weak,
    /// Switching provider (乗り換える, 갈아타다), unless the target is `internal`.
    Switch,
    /// Moving somewhere (移る, 옮기다, switch to): needs a `rival` or named target.
    Move,
    /// A how-to noun (解約方法, 해지 방법): always [`ChurnKind::Ask`].
    Howto,
    /// Not using again (二度と使わない): needs a negation and an `again` word.
    Never,
    /// Not renewing (更新しない, "won't renew"): needs a negation.
    Neg,
}

/// Words the rules look for around a cue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Mod {
    Skip,
    Veto,
    Service,
    Internal,
    Rival,
    Pred,
    Stop,
    Ability,
    Blocked,
    Again,
    Return,
    Near,
    Policy,
    Affirm,
    Howto,
    Other,
}

const MODS: [Mod; 16] = [
    Mod::Skip,
    Mod::Veto,
    Mod::Service,
    Mod::Internal,
    Mod::Rival,
    Mod::Pred,
    Mod::Stop,
    Mod::Ability,
    Mod::Blocked,
    Mod::Again,
    Mod::Return,
    Mod::Near,
    Mod::Policy,
    Mod::Affirm,
    Mod::Howto,
    Mod::Other,
];

#[derive(Debug, Clone)]
struct Cue {
    words: Vec<String>,
    class: CueClass,
}

/// The cues of one language.
#[derive(Debug, Clone, Default)]
struct Cues {
    /// Cues by first word, longest first.
    by_first: HashMap<String, Vec<Cue>>,
    /// Modifier sequences by class.
    mods: HashMap<Mod, Vec<Vec<String>>>,
}

fn class_of(name: &str) -> Option<Result<CueClass, Mod>> {
    Some(match name {
        "act" => Ok(CueClass::Act),
        "weak" => Ok(CueClass::Weak),
        "switch" => Ok(CueClass::Switch),
        "move" => Ok(CueClass::Move),
        "howto" => Ok(CueClass::Howto),
        "never" => Ok(CueClass::Never),
        "neg" => Ok(CueClass::Neg),
        "skip" => Err(Mod::Skip),
        "veto" => Err(Mod::Veto),
        "service" => Err(Mod::Service),
        "internal" => Err(Mod::Internal),
        "rival" => Err(Mod::Rival),
        "pred" => Err(Mod::Pred),
        "stop" => Err(Mod::Stop),
        "ability" => Err(Mod::Ability),
        "blocked" => Err(Mod::Blocked),
        "again" => Err(Mod::Again),
        "return" => Err(Mod::Return),
        "near" => Err(Mod::Near),
        "policy" => Err(Mod::Policy),
        "affirm" => Err(Mod::Affirm),
        "howword" => Err(Mod::Howto),
        "other" => Err(Mod::Other),
        _ => return None,
    })
}

impl Cues {
    fn parse(lang: Lang, src: &str) -> Result<Cues, ChurnError> {
        let mut cues = Cues::default();
        for m in MODS {
            cues.mods.insert(m, Vec::new());
        }
        for (i, raw) in src.lines().enumerate() {
            let line = raw.trim_end();
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let err = |reason: String| ChurnError::Parse {
                lang,
                line: i + 1,
                reason,
            };
            let mut cols = line.split('\t');
            let class = cols.next().unwrap_or("").trim();
            let words: Vec<String> = cols
                .next()
                .unwrap_or("")
                .split(' ')
                .filter(|w| !w.is_empty())
                .map(str::to_string)
                .collect();
            if words.is_empty() {
                return Err(err("no lemmas".into()));
            }
            match class_of(class) {
                Some(Ok(class)) => {
                    let first = words[0].clone();
                    cues.by_first
                        .entry(first)
                        .or_default()
                        .push(Cue { words, class });
                }
                Some(Err(m)) => cues.mods.entry(m).or_default().push(words),
                None => return Err(err(format!("unknown class '{class}'"))),
            }
        }
        for list in cues.by_first.values_mut() {
            list.sort_by_key(|c| std::cmp::Reverse(c.words.len()));
        }
        Ok(cues)
    }
}

/// The churn detector: cue lists for ja, ko and en. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ChurnDetector {
    inner: Arc<[Cues; 3]>,
}

/// The lower-cased normalized form of a token, for matching beside its lemma.
fn folded(t: &TextAnalysis, tok: &Token) -> String {
    t.norm(tok).to_lowercase()
}

/// Whether the token is `word` (its lemma or its folded normalized form).
fn is(t: &TextAnalysis, tok: &Token, word: &str) -> bool {
    &*tok.lemma == word || (t.norm(tok) == word) || folds_to(t.norm(tok), word)
}

/// Whether `s` lower-cased is `word`, without building the lower-cased string (this
/// runs for every token against every cue: allocating there was ~15% of an analysis).
/// ASCII, kana, CJK ideographs and Hangul syllables have no case mapping beyond ASCII's,
/// so they skip the Unicode tables; `str::to_lowercase` differs from per-char lowering
/// only for Σ (final sigma), so text holding one takes the exact path.
fn folds_to(s: &str, word: &str) -> bool {
    let mut w = word.chars();
    for c in s.chars() {
        if c.is_ascii()
            || ('\u{3040}'..='\u{9fff}').contains(&c)
            || ('\u{ac00}'..='\u{d7a3}').contains(&c)
        {
            if w.next() != Some(c.to_ascii_lowercase()) {
                return false;
            }
        } else if c == 'Σ' {
            return s.to_lowercase() == word;
        } else {
            for l in c.to_lowercase() {
                if w.next() != Some(l) {
                    return false;
                }
            }
        }
    }
    w.next().is_none()
}

/// A sentence under decision.
struct Ctx<'a> {
    /// The original text (token spans point into it).
    text: &'a str,
    t: &'a TextAnalysis,
    lang: Lang,
    toks: &'a [Token],
    cues: &'a Cues,
    /// Whether this sentence or the next says the customer came back.
    returned: bool,
}

impl Ctx<'_> {
    /// Whether a sequence of class `m` starts at token `i`; its length.
    fn mod_at(&self, m: Mod, i: usize) -> Option<usize> {
        let seqs = self.cues.mods.get(&m)?;
        seqs.iter()
            .filter(|seq| {
                seq.iter()
                    .enumerate()
                    .all(|(k, w)| self.toks.get(i + k).is_some_and(|tok| is(self.t, tok, w)))
            })
            .map(Vec::len)
            .max()
    }

    /// Whether a sequence of class `m` starts anywhere in `range`.
    fn mod_in(&self, m: Mod, range: std::ops::Range<usize>) -> bool {
        range.into_iter().any(|i| self.mod_at(m, i).is_some())
    }

    fn norm(&self, i: usize) -> &str {
        self.toks.get(i).map(|tok| self.t.norm(tok)).unwrap_or("")
    }

    fn is_punct(&self, i: usize) -> bool {
        self.toks
            .get(i)
            .is_some_and(|tok| matches!(tok.pos, Pos::Punct))
    }

    /// Matches `cue` at token `i`: the index of its last token and whether a negator
    /// was skipped inside it (ko 해지 안 할게요).
    fn match_cue(&self, cue: &Cue, i: usize) -> Option<(usize, bool)> {
        let mut at = i;
        let mut negated = false;
        for (k, w) in cue.words.iter().enumerate() {
            if k > 0 {
                // Particles and (ko) 안/못 may stand between the words of a cue.
                let mut hops = 0;
                while hops < 2 {
                    let Some(tok) = self.toks.get(at) else { break };
                    if is(self.t, tok, w) {
                        break;
                    }
                    if self.mod_at(Mod::Skip, at).is_some() {
                        negated ^= tok.negator;
                        at += 1;
                        hops += 1;
                    } else {
                        break;
                    }
                }
            }
            let tok = self.toks.get(at)?;
            if !is(self.t, tok, w) {
                return None;
            }
            at += 1;
        }
        Some((at - 1, negated))
    }

    /// The object or target window of a cue: before it (ja, ko) or after it (en).
    fn object_window(&self, first: usize, last: usize) -> std::ops::Range<usize> {
        if self.lang == Lang::En {
            let mut end = last + 1;
            while end < self.toks.len()
                && end <= last + 5
                && !self.is_punct(end)
                && self.mod_at(Mod::Stop, end).is_none()
            {
                end += 1;
            }
            last + 1..end
        } else {
            let mut start = first;
            while start > 0
                && start + 4 > first
                && !self.is_punct(start - 1)
                && self.mod_at(Mod::Stop, start - 1).is_none()
                && !rules::is_contrast(self.lang, &self.toks[start - 1])
                && !self.conditional_at(start - 1)
            {
                start -= 1;
            }
            start..first
        }
    }

    /// Whether an en cue at `first` is a passive participle (someone else's act): a
    /// be/get before it with no I/we after that ("why was my order cancelled", "got
    /// cancelled"; not "I'm glad I cancelled").
    /// A veto noun right before the participle is a reduced passive ("Order
    /// cancelled without notice").
    fn en_passive(&self, first: usize, pre_start: usize) -> bool {
        let participle = self.norm(first).ends_with("ed");
        if participle && first > pre_start && self.mod_at(Mod::Veto, first - 1).is_some() {
            return true;
        }
        participle
            && (pre_start..first)
                .rev()
                .find(|&i| matches!(&*self.toks[i].lemma, "be" | "get" | "got" | "i" | "we"))
                .is_some_and(|i| !matches!(&*self.toks[i].lemma, "i" | "we"))
    }

    /// Whether token `i` ends a conditional clause (たら, -면, if).
    fn conditional_at(&self, i: usize) -> bool {
        let Some(tok) = self.toks.get(i) else {
            return false;
        };
        let norm = self.norm(i);
        rules::is_conditional(self.lang, tok, norm)
            || self.lang == Lang::Ko && norm.ends_with('면') && tok.tag.contains("EC")
    }

    /// Whether the object window holds a proper noun (a named rival).
    fn named(&self, window: std::ops::Range<usize>) -> bool {
        window.into_iter().any(|i| {
            let Some(tok) = self.toks.get(i) else {
                return false;
            };
            match self.lang {
                Lang::En => {
                    // Capitalised as written (the normalized form is lower case).
                    i > 0
                        && tok.pos == Pos::Noun
                        && self
                            .text
                            .get(tok.span.clone())
                            .is_some_and(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
                }
                Lang::Ko => tok.tag.starts_with("NNP") || tok.tag.starts_with("SL"),
                Lang::Ja => tok.tag.contains("固有名詞"),
                Lang::Other => false,
            }
        })
    }

    /// The predicate after a ja/ko cue: endings, auxiliaries and `pred` words, up to
    /// a clause end. Returns its end and whether it ends in a conditional.
    fn predicate(&self, last: usize) -> (usize, bool) {
        let mut i = last + 1;
        while let Some(tok) = self.toks.get(i) {
            let norm = self.norm(i);
            if tok.pos == Pos::Punct
                || self.mod_at(Mod::Stop, i).is_some()
                || rules::is_contrast(self.lang, tok)
            {
                break;
            }
            if rules::is_conditional(self.lang, tok, norm)
                || self.lang == Lang::Ko && norm.ends_with('면') && tok.tag.contains("EC")
            {
                return (i, true);
            }
            // ko: a fused form ending in -면 (해지하면) is the cue itself.
            let keeps = matches!(tok.pos, Pos::Part | Pos::Aux)
                || tok.negator
                || self.mod_at(Mod::Pred, i).is_some();
            if !keeps {
                break;
            }
            i += 1;
        }
        (i, false)
    }

    /// The clause before an en cue, back to punctuation or a clause word.
    fn before(&self, first: usize) -> usize {
        let mut start = first;
        while start > 0
            && start + 7 > first
            && !self.is_punct(start - 1)
            && self.mod_at(Mod::Stop, start - 1).is_none()
        {
            start -= 1;
        }
        start
    }

    /// Whether the sentence asks a question at or after token `from`.
    fn question_after(&self, from: usize) -> bool {
        (from..self.toks.len()).any(|i| {
            let norm = self.norm(i);
            let Some(tok) = self.toks.get(i) else {
                return false;
            };
            // ja か asks only at the end of the sentence: 解約しようか迷う and musing
            // かな (解約しようかな) do not ask the company anything.
            if self.lang == Lang::Ja
                && norm == "か"
                && !(i + 1..self.toks.len()).all(|j| self.is_punct(j))
            {
                return false;
            }
            rules::is_question_end(self.lang, tok, norm)
        })
    }

    /// Whether a ja/ko past-tense ending lies in `range`.
    fn past_in(&self, range: std::ops::Range<usize>) -> bool {
        range.into_iter().any(|i| {
            let Some(tok) = self.toks.get(i) else {
                return false;
            };
            match self.lang {
                // た (not たい); たら is a conditional and ends the predicate earlier.
                Lang::Ja => &*tok.lemma == "た" && tok.pos == Pos::Aux,
                // A pre-final ending with the past ㅆ (했, 었, 았, 였; not 겠).
                Lang::Ko => {
                    tok.tag.contains("EP")
                        && self.norm(i).chars().any(|c| {
                            let u = c as u32;
                            (0xAC00..=0xD7A3).contains(&u) && (u - 0xAC00) % 28 == 20 && c != '겠'
                        })
                }
                _ => false,
            }
        })
    }

    /// Decides one cue match `first..=last`.
    fn decide(&self, cue: &Cue, first: usize, last: usize, neg_inside: bool) -> Option<ChurnKind> {
        let n = self.toks.len();
        // en nominalisations share the verb's stem: a cancellation fee is no act.
        if self.lang == Lang::En && self.norm(first).contains("ation") {
            return None;
        }
        let window = self.object_window(first, last);
        match cue.class {
            CueClass::Act | CueClass::Never | CueClass::Neg => {
                if self.mod_in(Mod::Veto, window.clone()) {
                    return None;
                }
            }
            CueClass::Weak => {
                if self.mod_in(Mod::Veto, window.clone())
                    || !self.mod_in(Mod::Service, window.clone())
                {
                    return None;
                }
            }
            CueClass::Switch => {
                if self.mod_in(Mod::Internal, window.clone()) {
                    return None;
                }
            }
            CueClass::Move => {
                if self.mod_in(Mod::Internal, window.clone())
                    || !(self.mod_in(Mod::Rival, window.clone()) || self.named(window.clone()))
                {
                    return None;
                }
            }
            CueClass::Howto => {
                return (!self.mod_in(Mod::Policy, 0..n)).then_some(ChurnKind::Ask);
            }
        }
        if self.mod_in(Mod::Near, 0..n) {
            return None;
        }

        // The clause around the cue.
        let (pred_end, cond_inside, pre_start) = match self.lang {
            Lang::En => (last + 1, false, self.before(first)),
            _ => {
                let (end, cond) = self.predicate(last);
                // ko 안/못 right before the verb: 안 해지할게요.
                let pre = if self.lang == Lang::Ko
                    && first > 0
                    && self.toks[first - 1].negator
                    && self.toks[first - 1].pos == Pos::Adv
                {
                    first - 1
                } else {
                    first
                };
                (end, cond, pre)
            }
        };
        let around = pre_start..pred_end.min(n);
        let negators = self.toks[around.clone()]
            .iter()
            .filter(|tok| tok.negator)
            .count()
            + usize::from(neg_inside);
        let mut negated = negators % 2 == 1 && !self.mod_in(Mod::Affirm, around.clone());
        if self.lang == Lang::Ko && neg_inside {
            negated = true;
        }
        let blocked_word = self.mod_in(Mod::Blocked, around.clone());
        let ability = self.mod_in(Mod::Ability, around.clone());
        // Someone else does it (you, they; ja passive れる): not the customer leaving.
        let other = self.mod_in(Mod::Other, around.clone())
            || self.lang != Lang::En && self.mod_in(Mod::Other, window.clone())
            || self.lang == Lang::En && self.en_passive(first, pre_start);
        let how = self.mod_in(Mod::Howto, 0..n);
        let question = self.question_after(first);
        let policy = self.mod_in(Mod::Policy, 0..n);

        match cue.class {
            CueClass::Never => {
                return (negated && self.mod_in(Mod::Again, 0..n)).then_some(ChurnKind::Decided);
            }
            CueClass::Neg => return negated.then_some(ChurnKind::Decided),
            _ => {}
        }
        if blocked_word || negated && ability {
            return Some(ChurnKind::Blocked);
        }
        if other {
            return None;
        }
        if negated {
            // ko 못 (cannot) on its own.
            let cannot = self.lang == Lang::Ko
                && self.toks[around.clone()]
                    .iter()
                    .any(|tok| tok.negator && &*tok.lemma == "못");
            return cannot.then_some(ChurnKind::Blocked);
        }
        if question || how {
            return (!policy).then_some(ChurnKind::Ask);
        }

        // Conditionals: the cue inside the condition asks what leaving means; after
        // it, leaving is threatened.
        let (inside, before) = match self.lang {
            Lang::En => {
                let cond_at = (0..first)
                    .rev()
                    .find(|&i| rules::is_conditional(self.lang, &self.toks[i], self.norm(i)));
                match cond_at {
                    Some(c) => {
                        // A modal, comma or `then` between the condition and the cue
                        // puts the cue in the main clause.
                        let main = (c + 1..first).any(|i| {
                            self.is_punct(i)
                                || matches!(
                                    &*self.toks[i].lemma,
                                    "will" | "would" | "then" | "go" | "gonna" | "shall"
                                )
                        });
                        (!main, main)
                    }
                    None => {
                        let or_before = (pre_start.saturating_sub(3)..first)
                            .any(|i| self.toks.get(i).is_some_and(|tok| &*tok.lemma == "or"));
                        let if_after = (last + 1..n)
                            .any(|i| rules::is_conditional(self.lang, &self.toks[i], self.norm(i)));
                        (false, or_before || if_after)
                    }
                }
            }
            _ => {
                let before = (0..first).any(|i| {
                    let tok = &self.toks[i];
                    let norm = self.norm(i);
                    rules::is_conditional(self.lang, tok, norm)
                        || self.lang == Lang::Ko && norm.ends_with('면') && tok.tag.contains("EC")
                });
                (cond_inside, before)
            }
        };
        if inside {
            return (!policy).then_some(ChurnKind::Ask);
        }
        if before {
            return Some(ChurnKind::Threat);
        }

        let past = match self.lang {
            Lang::En => {
                let surface = self.norm(first).to_lowercase();
                // Past: a participle or past form (cancelled, switched, left; "have cancelled").
                surface.ends_with("ed") || surface == "left"
            }
            _ => self.past_in(first..pred_end.min(n)),
        };
        if past {
            return (!self.returned).then_some(ChurnKind::Done);
        }
        Some(ChurnKind::Decided)
    }
}

impl ChurnDetector {
    /// koe's built-in cue lists.
    pub fn builtin() -> Result<ChurnDetector, ChurnError> {
        ChurnDetector::from_sources(BUILTIN_JA, BUILTIN_KO, BUILTIN_EN)
    }

    /// Cue lists from text in the `dictionaries/churn/` format.
    pub fn from_sources(ja: &str, ko: &str, en: &str) -> Result<ChurnDetector, ChurnError> {
        Ok(ChurnDetector {
            inner: Arc::new([
                Cues::parse(Lang::Ja, ja)?,
                Cues::parse(Lang::Ko, ko)?,
                Cues::parse(Lang::En, en)?,
            ]),
        })
    }

    fn cues(&self, lang: Lang) -> Option<&Cues> {
        match lang {
            Lang::Ja => self.inner.first(),
            Lang::Ko => self.inner.get(1),
            Lang::En => self.inner.get(2),
            Lang::Other => None,
        }
    }

    /// The churn signals of an analysed text, in text order; spans are byte ranges of
    /// the original text.
    /// `text` is the text `t` was made from.
    pub fn detect(&self, text: &str, t: &TextAnalysis) -> Vec<ChurnSignal> {
        let mut out = Vec::new();
        for (si, s) in t.sentences.iter().enumerate() {
            let Some(cues) = self.cues(s.lang) else {
                continue;
            };
            let toks = t.sentence_tokens(s);
            let ctx = |toks| Ctx {
                text,
                t,
                lang: s.lang,
                toks,
                cues,
                returned: false,
            };
            // "Came back" in this sentence or the next makes a past cancellation history.
            let mut returned = {
                let c = ctx(toks);
                c.mod_in(Mod::Return, 0..toks.len())
            };
            if let Some(next) = t.sentences.get(si + 1) {
                let ntoks = t.sentence_tokens(next);
                if next.lang == s.lang {
                    let c = ctx(ntoks);
                    returned |= c.mod_in(Mod::Return, 0..ntoks.len());
                }
            }
            let ctx = Ctx {
                returned,
                ..ctx(toks)
            };
            let mut i = 0;
            while i < toks.len() {
                let mut advanced = false;
                let first_words = [
                    toks[i].lemma.to_string(),
                    t.norm(&toks[i]).to_string(),
                    folded(t, &toks[i]),
                ];
                let candidates = first_words
                    .iter()
                    .filter_map(|w| cues.by_first.get(w.as_str()))
                    .flatten();
                let mut best: Option<(&Cue, usize, bool)> = None;
                for cue in candidates {
                    if let Some((last, neg)) = ctx.match_cue(cue, i)
                        && best.is_none_or(|(_, l, _)| last > l)
                    {
                        best = Some((cue, last, neg));
                    }
                }
                if let Some((cue, last, neg)) = best {
                    if let Some(kind) = ctx.decide(cue, i, last, neg) {
                        out.push(ChurnSignal {
                            start: toks[i].span.start,
                            end: toks[last].span.end,
                            kind,
                            cue: cue.words.join(" "),
                        });
                    }
                    i = last + 1;
                    advanced = true;
                }
                if !advanced {
                    i += 1;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_without_allocation_agrees_with_to_lowercase() {
        for (s, w) in [
            ("Cancel", "cancel"),
            ("CANCEL", "cancel"),
            ("cancel", "cancel"),
            ("Cancelled", "cancel"),
            ("İ", "i\u{307}"),
            ("ΟΔΟΣ", "οδος"),
            ("ΟΔΟΣ", "οδοσ"),
            ("解約", "解約"),
            ("", ""),
        ] {
            assert_eq!(folds_to(s, w), s.to_lowercase() == w, "{s} {w}");
        }
    }

    #[test]
    fn churn_builtin_lists_parse_and_hold_cues() {
        let det = ChurnDetector::builtin().expect("built-in lists parse");
        for lang in [Lang::Ja, Lang::Ko, Lang::En] {
            let cues = det.cues(lang).expect("a list per language");
            assert!(cues.by_first.len() >= 10, "{lang:?}");
            for m in [Mod::Skip, Mod::Veto, Mod::Service, Mod::Again, Mod::Return] {
                assert!(!cues.mods[&m].is_empty(), "{lang:?} {m:?}");
            }
        }
        assert!(det.cues(Lang::Other).is_none());
    }

    #[test]
    fn churn_list_errors_name_the_line() {
        let bad = "# comment\nact\t解約 する\nnonsense\t解約\n";
        let err = ChurnDetector::from_sources(bad, "", "").expect_err("unknown class");
        let msg = err.to_string();
        assert!(msg.contains("line 3") && msg.contains("nonsense"), "{msg}");
        let err = ChurnDetector::from_sources("", "act\t\n", "").expect_err("no lemmas");
        assert!(err.to_string().contains("no lemmas"), "{err}");
    }

    #[test]
    fn churn_kind_names_are_the_serialized_ones() {
        for k in [
            ChurnKind::Decided,
            ChurnKind::Threat,
            ChurnKind::Ask,
            ChurnKind::Blocked,
            ChurnKind::Done,
        ] {
            let json = serde_json::to_string(&k).expect("serializes");
            assert_eq!(json, format!("\"{}\"", k.as_str()));
        }
    }

    #[test]
    fn churn_longest_cue_wins_and_spans_cover_it() {
        let det =
            ChurnDetector::from_sources("", "", "act\tcancel\nact\tcancel now\n").expect("parses");
        let text = "I cancel now.";
        let t = crate::text::TextProcessor::builder()
            .build()
            .expect("dictionaries")
            .new_worker()
            .analyze(text, crate::text::LangHint::Fixed(Lang::En));
        let found = det.detect(text, &t);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(&text[found[0].start..found[0].end], "cancel now");
        assert_eq!(found[0].cue, "cancel now");
    }
}
