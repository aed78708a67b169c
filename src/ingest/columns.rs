//! Column roles from header names in English, Japanese and Korean, with explicit
//! overrides and clear errors for unknown names.

use unicode_normalization::UnicodeNormalization;

/// What a column is used for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnMap {
    /// Text columns, in order (e.g. title then body).
    pub text: Vec<usize>,
    /// Rating column.
    pub rating: Option<usize>,
    /// Date column.
    pub date: Option<usize>,
    /// Id column.
    pub id: Option<usize>,
    /// Segment columns (channel, product, plan, ...).
    pub segments: Vec<usize>,
    /// Support exports: tickets and threaded messages.
    pub support: SupportColumns,
}

/// The columns of ticket and message exports (Zendesk, Freshdesk, Intercom, the
/// Customer Support on Twitter format).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupportColumns {
    /// When the first agent response was sent.
    pub first_response: Option<usize>,
    /// When the ticket was resolved / solved / closed.
    pub resolved: Option<usize>,
    /// Ticket status (open, pending, solved, closed, ...).
    pub status: Option<usize>,
    /// Customer (requester, user) id.
    pub customer: Option<usize>,
    /// Agent (assignee).
    pub agent: Option<usize>,
    /// Message author (a customer id or a support account), in threaded exports.
    pub author: Option<usize>,
    /// Whether a message comes from the customer (`inbound`), in threaded exports.
    pub inbound: Option<usize>,
    /// The message this one answers, in threaded exports.
    pub reply_to: Option<usize>,
    /// Number of agent replies on a ticket.
    pub replies: Option<usize>,
}

impl SupportColumns {
    /// Whether any support column was found.
    pub fn any(&self) -> bool {
        *self != SupportColumns::default()
    }
}

/// Explicit column choices (`--text`, `--rating`, ...), by header name or 1-based index.
#[derive(Debug, Clone, Default)]
pub struct ColumnSpec {
    /// `--text`, may repeat.
    pub text: Vec<String>,
    /// `--rating`.
    pub rating: Option<String>,
    /// `--date`.
    pub date: Option<String>,
    /// `--id`.
    pub id: Option<String>,
    /// `--segment`, may repeat.
    pub segments: Vec<String>,
}

fn key(name: &str) -> String {
    name.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace() && !matches!(c, '_' | '-' | '.' | '・' | '/' | '(' | ')'))
        .collect()
}

const TITLE: &[&str] = &[
    "title",
    "subject",
    "headline",
    "reviewtitle",
    "タイトル",
    "件名",
    "見出し",
    "表題",
    "제목",
];
const TEXT: &[&str] = &[
    "review",
    "reviewtext",
    "reviewbody",
    "comment",
    "comments",
    "body",
    "text",
    "content",
    "feedback",
    "message",
    "description",
    "opinion",
    "answer",
    "verbatim",
    "freetext",
    "response",
    "remarks",
    "note",
    "notes",
    "本文",
    "コメント",
    "ご意見",
    "意見",
    "内容",
    "レビュー",
    "感想",
    "自由記述",
    "ご意見ご要望",
    "要望",
    "問い合わせ内容",
    "お問い合わせ内容",
    "回答",
    "내용",
    "리뷰",
    "후기",
    "의견",
    "본문",
    "댓글",
    "메시지",
    "리뷰내용",
    "문의내용",
];
const NPS: &[&str] = &[
    "nps",
    "npsscore",
    "recommend",
    "likelihoodtorecommend",
    "推奨度",
    "推奨",
    "おすすめ度",
    "推薦度",
    "추천",
    "추천점수",
    "추천의향",
    "nps점수",
];
const RATING: &[&str] = &[
    "rating",
    "stars",
    "star",
    "score",
    "rate",
    "reviewrating",
    "csat",
    "satisfaction",
    "評価",
    "星",
    "星の数",
    "満足度",
    "点数",
    "スコア",
    "評点",
    "평점",
    "별점",
    "점수",
    "만족도",
    "평가",
];
const DATE: &[&str] = &[
    "date",
    "created",
    "createdat",
    "timestamp",
    "time",
    "submitted",
    "submittedat",
    "posted",
    "postedat",
    "reviewdate",
    "datetime",
    "updatedat",
    "日付",
    "投稿日",
    "投稿日時",
    "回答日時",
    "回答日",
    "日時",
    "作成日",
    "作成日時",
    "受付日",
    "受付日時",
    "작성일",
    "날짜",
    "일자",
    "등록일",
    "작성일시",
    "응답일",
    "접수일",
];
const ID: &[&str] = &[
    "id",
    "reviewid",
    "ticketid",
    "responseid",
    "ticket",
    "no",
    "number",
    "回答id",
    "id番号",
    "レビューid",
    "問い合わせid",
    "問い合わせ番号",
    "チケットid",
    "チケット番号",
    "tweetid",
    "messageid",
    "응답id",
    "번호",
    "리뷰id",
    "티켓id",
];
const FIRST_RESPONSE: &[&str] = &[
    "firstresponseat",
    "firstresponse",
    "firstresponsedate",
    "firstrespondedat",
    "firstreplyat",
    "firstrepliedat",
    "firstreplied",
    "初回返信日時",
    "初回返信日",
    "初回回答日時",
    "初回応答日時",
    "一次回答日時",
    "첫응답시간",
    "첫응답일시",
    "최초응답일시",
    "첫답변일시",
];
const RESOLVED: &[&str] = &[
    "resolvedat",
    "resolved",
    "solvedat",
    "solved",
    "closedat",
    "closed",
    "completedat",
    "resolutiondate",
    "解決日時",
    "解決日",
    "完了日時",
    "対応完了日時",
    "クローズ日時",
    "終了日時",
    "해결일시",
    "해결시간",
    "종료일시",
    "처리완료일시",
    "완료일시",
];
const STATUS: &[&str] = &[
    "status",
    "state",
    "ticketstatus",
    "ステータス",
    "状態",
    "対応状況",
    "対応ステータス",
    "상태",
    "처리상태",
    "진행상태",
];
const CUSTOMER: &[&str] = &[
    "customerid",
    "customer",
    "requester",
    "requesterid",
    "userid",
    "clientid",
    "memberid",
    "顧客id",
    "顧客番号",
    "顧客",
    "会員id",
    "会員番号",
    "ユーザーid",
    "お客様id",
    "고객id",
    "고객번호",
    "고객",
    "회원id",
    "회원번호",
    "사용자id",
];
const AGENT: &[&str] = &[
    "agent",
    "agentname",
    "assignee",
    "assigneeid",
    "assigneename",
    "担当者",
    "担当",
    "担当オペレーター",
    "オペレーター",
    "상담원",
    "담당자",
    "상담사",
];
const REPLIES: &[&str] = &[
    "replies",
    "replycount",
    "agentreplies",
    "numberofreplies",
    "publiccomments",
    "返信回数",
    "返信数",
    "回答回数",
    "답변수",
    "답변횟수",
    "응답횟수",
];
const AUTHOR: &[&str] = &[
    "authorid",
    "author",
    "sender",
    "senderid",
    "from",
    "送信者",
    "발신자",
];
const INBOUND: &[&str] = &[
    "inbound",
    "isinbound",
    "fromcustomer",
    "direction",
    "sendertype",
];
const REPLY_TO: &[&str] = &[
    "inresponsetotweetid",
    "inresponseto",
    "inreplyto",
    "inreplytoid",
    "replyto",
    "replytoid",
    "parentid",
    "parentmessageid",
    "返信先",
    "返信先id",
    "답장대상",
    "상위메시지id",
];

const SEGMENT: &[&str] = &[
    "channel",
    "source",
    "platform",
    "product",
    "productname",
    "plan",
    "country",
    "region",
    "appversion",
    "version",
    "language",
    "lang",
    "category",
    "segment",
    "store",
    "device",
    "os",
    "brand",
    "tier",
    "team",
    "チャネル",
    "チャンネル",
    "プラン",
    "商品名",
    "商品",
    "製品",
    "製品名",
    "地域",
    "カテゴリ",
    "カテゴリー",
    "言語",
    "媒体",
    "채널",
    "상품",
    "상품명",
    "제품",
    "제품명",
    "플랜",
    "지역",
    "카테고리",
    "언어",
    "요금제",
];

fn matches_any(k: &str, list: &[&str]) -> bool {
    list.contains(&k)
}

fn contains_any(k: &str, list: &[&str]) -> bool {
    list.iter().any(|w| w.chars().count() >= 2 && k.contains(w))
}

/// Resolves a column given by name or 1-based index.
pub fn resolve(spec: &str, headers: &[String]) -> Result<usize, String> {
    if let Some(i) = headers.iter().position(|h| h == spec) {
        return Ok(i);
    }
    let k = key(spec);
    if let Some(i) = headers.iter().position(|h| key(h) == k) {
        return Ok(i);
    }
    if let Ok(n) = spec.parse::<usize>()
        && n >= 1
        && n <= headers.len()
    {
        return Ok(n - 1);
    }
    Err(spec.to_string())
}

/// Assigns roles from header names, then applies explicit choices. Returns the map
/// or the explicit names that do not exist.
pub fn assign(headers: &[String], spec: &ColumnSpec) -> Result<ColumnMap, Vec<String>> {
    let keys: Vec<String> = headers.iter().map(|h| key(h)).collect();
    let mut map = ColumnMap::default();
    let mut used = vec![false; headers.len()];
    let pick = |pred: &dyn Fn(&str) -> bool, used: &mut Vec<bool>| -> Option<usize> {
        let i = keys
            .iter()
            .enumerate()
            .position(|(i, k)| !used[i] && pred(k))?;
        used[i] = true;
        Some(i)
    };
    let mut missing = Vec::new();
    let explicit = |s: &Option<String>,
                    used: &mut Vec<bool>,
                    missing: &mut Vec<String>|
     -> Option<Option<usize>> {
        let s = s.as_ref()?;
        match resolve(s, headers) {
            Ok(i) => {
                used[i] = true;
                Some(Some(i))
            }
            Err(name) => {
                missing.push(name);
                Some(None)
            }
        }
    };
    let id = explicit(&spec.id, &mut used, &mut missing);
    let date = explicit(&spec.date, &mut used, &mut missing);
    let rating = explicit(&spec.rating, &mut used, &mut missing);
    let mut text = Vec::new();
    for t in &spec.text {
        match resolve(t, headers) {
            Ok(i) => {
                used[i] = true;
                text.push(i);
            }
            Err(n) => missing.push(n),
        }
    }
    let mut segments = Vec::new();
    for t in &spec.segments {
        match resolve(t, headers) {
            Ok(i) => {
                used[i] = true;
                segments.push(i);
            }
            Err(n) => missing.push(n),
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    // Exact names first, then the support roles, then loose id and date names (so that
    // `customer_id` is no record id and `first_response_time` no date).
    let exact_id = id.unwrap_or_else(|| pick(&|k| matches_any(k, ID), &mut used));
    let mut support = SupportColumns::default();
    for (slot, list) in [
        (&mut support.first_response, FIRST_RESPONSE),
        (&mut support.resolved, RESOLVED),
        (&mut support.status, STATUS),
        (&mut support.customer, CUSTOMER),
        (&mut support.agent, AGENT),
        (&mut support.author, AUTHOR),
        (&mut support.inbound, INBOUND),
        (&mut support.reply_to, REPLY_TO),
        (&mut support.replies, REPLIES),
    ] {
        *slot = pick(&|k| matches_any(k, list), &mut used);
    }
    map.support = support;
    map.id = exact_id.or_else(|| {
        if id.is_some() {
            return None;
        }
        pick(&|k| k.ends_with("id") && k.chars().count() <= 12, &mut used)
    });
    map.date = date.unwrap_or_else(|| {
        pick(&|k| matches_any(k, DATE), &mut used)
            .or_else(|| pick(&|k| contains_any(k, DATE), &mut used))
    });
    map.rating = rating.unwrap_or_else(|| {
        pick(&|k| matches_any(k, NPS), &mut used)
            .or_else(|| pick(&|k| matches_any(k, RATING), &mut used))
            .or_else(|| {
                pick(
                    &|k| contains_any(k, NPS) || contains_any(k, RATING),
                    &mut used,
                )
            })
    });
    if spec.text.is_empty() {
        if let Some(t) = pick(&|k| matches_any(k, TITLE), &mut used) {
            text.push(t);
        }
        let body = pick(&|k| matches_any(k, TEXT), &mut used)
            .or_else(|| pick(&|k| contains_any(k, TEXT), &mut used));
        match body {
            Some(b) => text.push(b),
            None => {
                // A title alone is no text column; leave it for the caller's sample check.
            }
        }
    }
    map.text = text;
    if spec.segments.is_empty() {
        while let Some(s) = pick(&|k| matches_any(k, SEGMENT), &mut used) {
            segments.push(s);
        }
    }
    map.segments = segments;
    Ok(map)
}

/// Whether the header name suggests an NPS (0–10 recommend) column.
pub fn is_nps_name(name: &str) -> bool {
    let k = key(name);
    matches_any(&k, NPS) || contains_any(&k, NPS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn support_export_roles() {
        // Zendesk-style ticket export with Japanese headers.
        let m = assign(
            &h(&[
                "顧客ID",
                "チケットID",
                "作成日時",
                "初回返信日時",
                "解決日時",
                "ステータス",
                "担当者",
                "チャネル",
                "件名",
                "内容",
            ]),
            &ColumnSpec::default(),
        )
        .unwrap();
        assert_eq!(m.id, Some(1), "customer_id is not the record id");
        assert_eq!(m.date, Some(2));
        assert_eq!(
            m.support,
            SupportColumns {
                first_response: Some(3),
                resolved: Some(4),
                status: Some(5),
                customer: Some(0),
                agent: Some(6),
                ..SupportColumns::default()
            }
        );
        assert_eq!((m.text.clone(), m.segments.clone()), (vec![8, 9], vec![7]));
        // The Customer Support on Twitter format.
        let m = assign(
            &h(&[
                "tweet_id",
                "author_id",
                "inbound",
                "created_at",
                "text",
                "response_tweet_id",
                "in_response_to_tweet_id",
            ]),
            &ColumnSpec::default(),
        )
        .unwrap();
        assert_eq!((m.id, m.date, m.text.clone()), (Some(0), Some(3), vec![4]));
        assert_eq!(
            (m.support.author, m.support.inbound, m.support.reply_to),
            (Some(1), Some(2), Some(6))
        );
    }

    #[test]
    fn roles_in_three_languages() {
        let m = assign(
            &h(&["review_id", "date", "rating", "title", "review", "country"]),
            &ColumnSpec::default(),
        )
        .unwrap();
        assert_eq!(
            (m.id, m.date, m.rating, m.text.clone(), m.segments.clone()),
            (Some(0), Some(1), Some(2), vec![3, 4], vec![5])
        );
        let m = assign(
            &h(&[
                "回答ID",
                "回答日時",
                "推奨度",
                "ご意見・ご要望",
                "チャネル",
                "プラン",
            ]),
            &ColumnSpec::default(),
        )
        .unwrap();
        assert_eq!(
            (m.id, m.date, m.rating, m.text.clone(), m.segments.clone()),
            (Some(0), Some(1), Some(2), vec![3], vec![4, 5])
        );
        let m = assign(
            &h(&["응답ID", "작성일", "추천 점수", "의견", "채널"]),
            &ColumnSpec::default(),
        )
        .unwrap();
        assert_eq!(
            (m.id, m.date, m.rating, m.text.clone(), m.segments.clone()),
            (Some(0), Some(1), Some(2), vec![3], vec![4])
        );
    }

    #[test]
    fn explicit_and_missing() {
        let spec = ColumnSpec {
            text: vec!["bar".into(), "3".into()],
            ..Default::default()
        };
        let m = assign(&h(&["foo", "bar", "baz"]), &spec).unwrap();
        assert_eq!(m.text, vec![1, 2]);
        let spec = ColumnSpec {
            text: vec!["body".into()],
            rating: Some("stars".into()),
            ..Default::default()
        };
        assert_eq!(
            assign(&h(&["foo", "bar"]), &spec).unwrap_err(),
            vec!["stars".to_string(), "body".to_string()]
        );
    }
}
