//! Analysed records as Arrow record batches: the columns `koe analyze --format parquet`
//! writes and the Python package hands out.
//!
//! One row per record. The flat columns (always there, in this order):
//!
//! | column | type | what |
//! |---|---|---|
//! | `id` | utf8 | the record id (the id column, else `file:line`) |
//! | `file`, `line` | utf8, int64 | where the record came from (1-based line or row) |
//! | `lang` | utf8 | `ja`, `ko`, `en` or `other` |
//! | `text` | utf8 | the record text (only with [`Layout::text`]) |
//! | `sentiment_score` | float32 | in [−1, 1] |
//! | `sentiment_label` | utf8 | `pos`, `neu`, `neg` |
//! | `sentiment_confidence` | float32 | in [0, 1] |
//! | `themes` | list<utf8> | theme ids, in the analysis' order |
//! | `theme_sentiments` | list<float32> | each theme's sentiment score, same order |
//! | `theme_labels` | list<utf8> | each theme's label, same order |
//! | `keyphrases` | list<utf8> | most frequent first |
//! | `churn` | list<utf8> | churn-signal kinds, in text order |
//! | `mojibake` | bool | the text looked mis-decoded (repaired or suspect) |
//! | `mojibake_status` | utf8 | `clean`, `repaired`, `suspect` |
//! | `tokens` | int64 | number of tokens |
//! | `rating` | float64, null | the rating as given |
//! | `rating_scale` | utf8, null | its scale (`5`, `10`, `nps`, `100`, …) |
//! | `rating_normalized` | float64, null | on 0–1 (not rounded, unlike the JSON) |
//! | `nps` | utf8, null | `promoter`, `passive`, `detractor` on the NPS scale |
//! | `date` | date32, null | the record's date |
//! | `segments` | struct<name: utf8, …> | one child per segment column (only when there are any) |
//! | `warnings` | list<utf8> | non-fatal problems of the record |
//!
//! With [`Layout::nested`] the sentences and evidence follow as lists of structs
//! (byte offsets into the record text, as in the JSON):
//!
//! | column | type |
//! |---|---|
//! | `sentences` | list<struct<start int64, end int64, lang utf8, sentiment float32>> |
//! | `evidence` | list<struct<start int64, end int64, entry utf8, score float32, value float32, rules list<utf8>>> |
//! | `mentions` | list<struct<theme utf8, start int64, end int64, sentence int64, term utf8, sentiment float32>> |
//!
//! Rating and date columns are always there (null when a record has none), so the
//! batches of inputs with and without them share one schema. Integers are signed
//! (Spark reads unsigned Parquet integers poorly).
//!
//! Every value comes from the same [`Record`] and [`Analysis`] the JSON lines are
//! written from ([`crate::analyze::output::write_jsonl`]); nothing is recomputed.

use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Float32Builder, Float64Builder,
    Int64Builder, ListArray, RecordBatch, StringBuilder, StructArray,
};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Schema, SchemaRef};

use super::ExportError;
use crate::analyze::Analysis;
use crate::ingest::Record;
use crate::text::MojibakeStatus;

/// Which columns a batch has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Layout {
    /// Also the `sentences`, `evidence` and `mentions` list-of-struct columns.
    pub nested: bool,
    /// Also the record text (`text`).
    pub text: bool,
    /// Segment columns, the children of the `segments` struct (none: no `segments`
    /// column).
    pub segments: Vec<String>,
}

impl Layout {
    /// The flat columns only, without text or segments.
    pub fn flat() -> Layout {
        Layout::default()
    }

    /// Everything: flat and nested columns, the text, these segments (what
    /// `koe analyze --format parquet` writes).
    pub fn full(segments: Vec<String>) -> Layout {
        Layout {
            nested: true,
            text: true,
            segments,
        }
    }
}

/// Largest number of string bytes one batch holds: Arrow's `utf8` offsets are 32-bit.
/// [`BatchBuilder::push`] refuses a record that would go past it.
pub const MAX_BATCH_STRING_BYTES: usize = i32::MAX as usize;

fn list_of(item: DataType) -> DataType {
    DataType::List(Arc::new(Field::new_list_field(item, false)))
}

fn sentence_fields() -> Fields {
    Fields::from(vec![
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("lang", DataType::Utf8, false),
        Field::new("sentiment", DataType::Float32, false),
    ])
}

fn evidence_fields() -> Fields {
    Fields::from(vec![
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("entry", DataType::Utf8, false),
        Field::new("score", DataType::Float32, false),
        Field::new("value", DataType::Float32, false),
        Field::new("rules", list_of(DataType::Utf8), false),
    ])
}

fn mention_fields() -> Fields {
    Fields::from(vec![
        Field::new("theme", DataType::Utf8, false),
        Field::new("start", DataType::Int64, false),
        Field::new("end", DataType::Int64, false),
        Field::new("sentence", DataType::Int64, false),
        Field::new("term", DataType::Utf8, false),
        Field::new("sentiment", DataType::Float32, false),
    ])
}

fn segment_fields(segments: &[String]) -> Fields {
    segments
        .iter()
        .map(|s| Field::new(s.as_str(), DataType::Utf8, true))
        .collect()
}

/// The schema of the batches of `layout` (see the module documentation).
pub fn schema(layout: &Layout) -> SchemaRef {
    let mut fields = vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("lang", DataType::Utf8, false),
    ];
    if layout.text {
        fields.push(Field::new("text", DataType::Utf8, false));
    }
    fields.extend([
        Field::new("sentiment_score", DataType::Float32, false),
        Field::new("sentiment_label", DataType::Utf8, false),
        Field::new("sentiment_confidence", DataType::Float32, false),
        Field::new("themes", list_of(DataType::Utf8), false),
        Field::new("theme_sentiments", list_of(DataType::Float32), false),
        Field::new("theme_labels", list_of(DataType::Utf8), false),
        Field::new("keyphrases", list_of(DataType::Utf8), false),
        Field::new("churn", list_of(DataType::Utf8), false),
        Field::new("mojibake", DataType::Boolean, false),
        Field::new("mojibake_status", DataType::Utf8, false),
        Field::new("tokens", DataType::Int64, false),
        Field::new("rating", DataType::Float64, true),
        Field::new("rating_scale", DataType::Utf8, true),
        Field::new("rating_normalized", DataType::Float64, true),
        Field::new("nps", DataType::Utf8, true),
        Field::new("date", DataType::Date32, true),
    ]);
    if !layout.segments.is_empty() {
        fields.push(Field::new(
            "segments",
            DataType::Struct(segment_fields(&layout.segments)),
            false,
        ));
    }
    fields.push(Field::new("warnings", list_of(DataType::Utf8), false));
    if layout.nested {
        fields.extend([
            Field::new(
                "sentences",
                list_of(DataType::Struct(sentence_fields())),
                false,
            ),
            Field::new(
                "evidence",
                list_of(DataType::Struct(evidence_fields())),
                false,
            ),
            Field::new(
                "mentions",
                list_of(DataType::Struct(mention_fields())),
                false,
            ),
        ]);
    }
    Arc::new(Schema::new(fields))
}

/// The analyses of `items` as one record batch of `layout`.
pub fn record_batch<'a>(
    layout: &Layout,
    items: impl IntoIterator<Item = (&'a Record, &'a Analysis)>,
) -> Result<RecordBatch, ExportError> {
    let mut b = BatchBuilder::new(layout.clone());
    for (r, a) in items {
        b.push(r, a)?;
    }
    b.finish()
}

/// Offsets of a list column: one entry more than rows.
struct Offsets(Vec<i32>);

impl Offsets {
    fn new() -> Offsets {
        Offsets(vec![0])
    }

    /// Ends the current row at `len` values (`len` fits: the batch's bound keeps every
    /// child below `i32::MAX`).
    fn close(&mut self, len: usize) {
        self.0.push(i32::try_from(len).unwrap_or(i32::MAX));
    }

    fn finish(&mut self) -> OffsetBuffer<i32> {
        let offsets = std::mem::replace(&mut self.0, vec![0]);
        // Starts at 0, never decreases: the lengths only grow.
        OffsetBuffer::new(offsets.into())
    }
}

/// A `list<utf8>` column.
struct StrList {
    offsets: Offsets,
    values: StringBuilder,
    len: usize,
}

impl StrList {
    fn new() -> StrList {
        StrList {
            offsets: Offsets::new(),
            values: StringBuilder::new(),
            len: 0,
        }
    }

    fn push<S: AsRef<str>>(&mut self, items: impl IntoIterator<Item = S>) {
        for s in items {
            self.values.append_value(s);
            self.len += 1;
        }
        self.offsets.close(self.len);
    }

    fn finish(&mut self) -> ArrayRef {
        self.len = 0;
        list_array(
            DataType::Utf8,
            self.offsets.finish(),
            Arc::new(self.values.finish()),
        )
    }
}

fn list_array(item: DataType, offsets: OffsetBuffer<i32>, values: ArrayRef) -> ArrayRef {
    let field: FieldRef = Arc::new(Field::new_list_field(item, false));
    Arc::new(ListArray::new(field, offsets, values, None))
}

/// The `sentences` column.
struct Sentences {
    offsets: Offsets,
    start: Int64Builder,
    end: Int64Builder,
    lang: StringBuilder,
    sentiment: Float32Builder,
    len: usize,
}

/// The `evidence` column.
struct EvidenceCol {
    offsets: Offsets,
    start: Int64Builder,
    end: Int64Builder,
    entry: StringBuilder,
    score: Float32Builder,
    value: Float32Builder,
    rules: StrList,
    len: usize,
}

/// The `mentions` column.
struct Mentions {
    offsets: Offsets,
    theme: StringBuilder,
    start: Int64Builder,
    end: Int64Builder,
    sentence: Int64Builder,
    term: StringBuilder,
    sentiment: Float32Builder,
    len: usize,
}

struct Nested {
    sentences: Sentences,
    evidence: EvidenceCol,
    mentions: Mentions,
}

fn int(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Nested {
    fn new() -> Nested {
        Nested {
            sentences: Sentences {
                offsets: Offsets::new(),
                start: Int64Builder::new(),
                end: Int64Builder::new(),
                lang: StringBuilder::new(),
                sentiment: Float32Builder::new(),
                len: 0,
            },
            evidence: EvidenceCol {
                offsets: Offsets::new(),
                start: Int64Builder::new(),
                end: Int64Builder::new(),
                entry: StringBuilder::new(),
                score: Float32Builder::new(),
                value: Float32Builder::new(),
                rules: StrList::new(),
                len: 0,
            },
            mentions: Mentions {
                offsets: Offsets::new(),
                theme: StringBuilder::new(),
                start: Int64Builder::new(),
                end: Int64Builder::new(),
                sentence: Int64Builder::new(),
                term: StringBuilder::new(),
                sentiment: Float32Builder::new(),
                len: 0,
            },
        }
    }

    fn push(&mut self, a: &Analysis) {
        let s = &mut self.sentences;
        for x in &a.sentences {
            s.start.append_value(int(x.start));
            s.end.append_value(int(x.end));
            s.lang.append_value(x.lang.as_str());
            s.sentiment.append_value(x.sentiment);
        }
        s.len += a.sentences.len();
        s.offsets.close(s.len);
        let e = &mut self.evidence;
        for x in &a.sentiment.evidence {
            e.start.append_value(int(x.start));
            e.end.append_value(int(x.end));
            e.entry.append_value(&x.entry);
            e.score.append_value(x.score);
            e.value.append_value(x.value);
            e.rules.push(&x.rules);
        }
        e.len += a.sentiment.evidence.len();
        e.offsets.close(e.len);
        let m = &mut self.mentions;
        for t in &a.themes {
            for x in &t.mentions {
                m.theme.append_value(&t.id);
                m.start.append_value(int(x.start));
                m.end.append_value(int(x.end));
                m.sentence.append_value(int(x.sentence));
                m.term.append_value(&x.term);
                m.sentiment.append_value(x.sentiment);
                m.len += 1;
            }
        }
        m.offsets.close(m.len);
    }

    fn finish(&mut self) -> [ArrayRef; 3] {
        let s = &mut self.sentences;
        s.len = 0;
        let sentences = list_array(
            DataType::Struct(sentence_fields()),
            s.offsets.finish(),
            Arc::new(StructArray::new(
                sentence_fields(),
                vec![
                    Arc::new(s.start.finish()),
                    Arc::new(s.end.finish()),
                    Arc::new(s.lang.finish()),
                    Arc::new(s.sentiment.finish()),
                ],
                None,
            )),
        );
        let e = &mut self.evidence;
        e.len = 0;
        let evidence = list_array(
            DataType::Struct(evidence_fields()),
            e.offsets.finish(),
            Arc::new(StructArray::new(
                evidence_fields(),
                vec![
                    Arc::new(e.start.finish()),
                    Arc::new(e.end.finish()),
                    Arc::new(e.entry.finish()),
                    Arc::new(e.score.finish()),
                    Arc::new(e.value.finish()),
                    e.rules.finish(),
                ],
                None,
            )),
        );
        let m = &mut self.mentions;
        m.len = 0;
        let mentions = list_array(
            DataType::Struct(mention_fields()),
            m.offsets.finish(),
            Arc::new(StructArray::new(
                mention_fields(),
                vec![
                    Arc::new(m.theme.finish()),
                    Arc::new(m.start.finish()),
                    Arc::new(m.end.finish()),
                    Arc::new(m.sentence.finish()),
                    Arc::new(m.term.finish()),
                    Arc::new(m.sentiment.finish()),
                ],
                None,
            )),
        );
        [sentences, evidence, mentions]
    }
}

/// Builds record batches one record at a time (what a streaming writer uses: push
/// records, [`finish`](BatchBuilder::finish) a batch every so often, go on).
pub struct BatchBuilder {
    layout: Layout,
    schema: SchemaRef,
    rows: usize,
    /// Upper bound of the string bytes of any one column.
    string_bytes: usize,
    id: StringBuilder,
    file: StringBuilder,
    line: Int64Builder,
    lang: StringBuilder,
    text: StringBuilder,
    score: Float32Builder,
    label: StringBuilder,
    confidence: Float32Builder,
    themes: StrList,
    theme_offsets: Offsets,
    theme_scores: Float32Builder,
    theme_labels: StrList,
    keyphrases: StrList,
    churn: StrList,
    mojibake: BooleanBuilder,
    mojibake_status: StringBuilder,
    tokens: Int64Builder,
    rating: Float64Builder,
    rating_scale: StringBuilder,
    rating_normalized: Float64Builder,
    nps: StringBuilder,
    date: Date32Builder,
    segments: Vec<StringBuilder>,
    warnings: StrList,
    nested: Option<Nested>,
}

impl BatchBuilder {
    /// An empty builder of `layout`'s batches.
    pub fn new(layout: Layout) -> BatchBuilder {
        BatchBuilder {
            schema: schema(&layout),
            rows: 0,
            string_bytes: 0,
            id: StringBuilder::new(),
            file: StringBuilder::new(),
            line: Int64Builder::new(),
            lang: StringBuilder::new(),
            text: StringBuilder::new(),
            score: Float32Builder::new(),
            label: StringBuilder::new(),
            confidence: Float32Builder::new(),
            themes: StrList::new(),
            theme_offsets: Offsets::new(),
            theme_scores: Float32Builder::new(),
            theme_labels: StrList::new(),
            keyphrases: StrList::new(),
            churn: StrList::new(),
            mojibake: BooleanBuilder::new(),
            mojibake_status: StringBuilder::new(),
            tokens: Int64Builder::new(),
            rating: Float64Builder::new(),
            rating_scale: StringBuilder::new(),
            rating_normalized: Float64Builder::new(),
            nps: StringBuilder::new(),
            date: Date32Builder::new(),
            segments: layout
                .segments
                .iter()
                .map(|_| StringBuilder::new())
                .collect(),
            warnings: StrList::new(),
            nested: layout.nested.then(Nested::new),
            layout,
        }
    }

    /// The schema of the batches.
    pub fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    /// Records pushed since the last [`finish`](BatchBuilder::finish).
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no record was pushed since the last [`finish`](BatchBuilder::finish).
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// An upper bound of the string bytes pushed since the last finish (how a writer
    /// bounds a batch's memory along with [`len`](BatchBuilder::len)).
    pub fn string_bytes(&self) -> usize {
        self.string_bytes
    }

    /// Adds one record and its analysis. Fails, adding nothing, when the batch would
    /// hold more than [`MAX_BATCH_STRING_BYTES`] of strings: finish the batch first.
    pub fn push(&mut self, r: &Record, a: &Analysis) -> Result<(), ExportError> {
        let text = r.text();
        let bytes = record_string_bytes(r, a, &text);
        if self.string_bytes + bytes > MAX_BATCH_STRING_BYTES {
            return Err(ExportError::BatchFull {
                rows: self.rows,
                bytes: self.string_bytes,
            });
        }
        self.string_bytes += bytes;
        self.rows += 1;
        self.id.append_value(&r.id);
        self.file.append_value(&*r.origin.file);
        self.line
            .append_value(i64::try_from(r.origin.line).unwrap_or(i64::MAX));
        self.lang.append_value(a.lang.as_str());
        if self.layout.text {
            self.text.append_value(&text);
        }
        let s = &a.sentiment.overall;
        self.score.append_value(s.score);
        self.label.append_value(s.label.as_str());
        self.confidence.append_value(s.confidence);
        self.themes.push(a.themes.iter().map(|t| &*t.id));
        for t in &a.themes {
            self.theme_scores.append_value(t.sentiment.score);
        }
        self.theme_offsets.close(self.theme_scores.len());
        self.theme_labels
            .push(a.themes.iter().map(|t| t.sentiment.label.as_str()));
        self.keyphrases.push(&a.keyphrases);
        self.churn.push(a.churn.iter().map(|c| c.kind.as_str()));
        self.mojibake
            .append_value(a.mojibake != MojibakeStatus::Clean);
        self.mojibake_status.append_value(a.mojibake.as_str());
        self.tokens.append_value(int(a.tokens));
        match r.rating {
            Some(x) => {
                self.rating.append_value(x.value);
                self.rating_scale.append_value(x.scale.as_str());
                self.rating_normalized.append_value(x.normalized());
                self.nps.append_option(x.nps_class().map(|c| c.as_str()));
            }
            None => {
                self.rating.append_null();
                self.rating_scale.append_null();
                self.rating_normalized.append_null();
                self.nps.append_null();
            }
        }
        self.date.append_option(
            r.date
                .map(|d| i32::try_from(d.days_since_epoch()).unwrap_or(i32::MAX)),
        );
        for (name, b) in self.layout.segments.iter().zip(&mut self.segments) {
            b.append_option(r.segments.get(name.as_str()));
        }
        self.warnings.push(&r.warnings);
        if let Some(n) = &mut self.nested {
            n.push(a);
        }
        Ok(())
    }

    /// The batch of the records pushed since the last finish; the builder is empty
    /// again after it.
    pub fn finish(&mut self) -> Result<RecordBatch, ExportError> {
        self.rows = 0;
        self.string_bytes = 0;
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.file.finish()),
            Arc::new(self.line.finish()),
            Arc::new(self.lang.finish()),
        ];
        if self.layout.text {
            columns.push(Arc::new(self.text.finish()));
        }
        columns.extend([
            Arc::new(self.score.finish()) as ArrayRef,
            Arc::new(self.label.finish()),
            Arc::new(self.confidence.finish()),
            self.themes.finish(),
            list_array(
                DataType::Float32,
                self.theme_offsets.finish(),
                Arc::new(self.theme_scores.finish()),
            ),
            self.theme_labels.finish(),
            self.keyphrases.finish(),
            self.churn.finish(),
            Arc::new(self.mojibake.finish()),
            Arc::new(self.mojibake_status.finish()),
            Arc::new(self.tokens.finish()),
            Arc::new(self.rating.finish()),
            Arc::new(self.rating_scale.finish()),
            Arc::new(self.rating_normalized.finish()),
            Arc::new(self.nps.finish()),
            Arc::new(self.date.finish()),
        ]);
        if !self.layout.segments.is_empty() {
            let children: Vec<ArrayRef> = self
                .segments
                .iter_mut()
                .map(|b| Arc::new(b.finish()) as ArrayRef)
                .collect();
            columns.push(Arc::new(StructArray::new(
                segment_fields(&self.layout.segments),
                children,
                None,
            )));
        }
        columns.push(self.warnings.finish());
        if let Some(n) = &mut self.nested {
            columns.extend(n.finish());
        }
        Ok(RecordBatch::try_new(self.schema.clone(), columns)?)
    }
}

/// An upper bound of the bytes one record adds to any string column of a batch (the
/// largest column is the text, or the nested strings of a short text with many hits).
fn record_string_bytes(r: &Record, a: &Analysis, text: &str) -> usize {
    let evidence: usize = a
        .sentiment
        .evidence
        .iter()
        .map(|e| e.entry.len() + e.rules.iter().map(|x| x.len()).sum::<usize>())
        .sum();
    let mentions: usize = a
        .themes
        .iter()
        .flat_map(|t| t.mentions.iter().map(|m| m.term.len().max(t.id.len())))
        .sum();
    let keyphrases: usize = a.keyphrases.iter().map(String::len).sum();
    let warnings: usize = r.warnings.iter().map(String::len).sum();
    let segments: usize = r.segments.values().map(String::len).sum();
    [
        text.len(),
        r.id.len() + r.origin.file.len(),
        evidence,
        mentions,
        keyphrases,
        warnings,
        segments,
        a.themes.iter().map(|t| t.id.len()).sum(),
    ]
    .into_iter()
    .max()
    .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::Analyzer;
    use crate::ingest::{IngestOptions, Reader};
    use arrow::array::{
        Array, AsArray, BooleanArray, Date32Array, Float32Array, Float64Array, Int64Array,
    };
    use arrow::datatypes::Float32Type;

    fn fixture_records(name: &str) -> Vec<Record> {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/ingest")
            .join(name);
        Reader::open_path(&path, &IngestOptions::default())
            .expect("fixture")
            .filter_map(Result::ok)
            .collect()
    }

    /// Every column of a batch of real fixture records holds what the JSON line of the
    /// same record says.
    #[test]
    fn batches_hold_what_the_json_lines_say() {
        let analyzer = Analyzer::builder().build().expect("dictionaries");
        let mut w = analyzer.worker();
        let mut records = fixture_records("nps_survey_ja.csv");
        records.extend(fixture_records("appstore_reviews.csv"));
        assert!(records.len() > 10);
        let analyses: Vec<Analysis> = records.iter().map(|r| w.analyze(r)).collect();
        let mut segments: Vec<String> = records
            .iter()
            .flat_map(|r| r.segments.keys().map(|k| k.to_string()))
            .collect();
        segments.sort();
        segments.dedup();
        assert!(!segments.is_empty());
        let layout = Layout::full(segments.clone());
        let batch = record_batch(&layout, records.iter().zip(&analyses)).expect("batch");
        assert_eq!(batch.num_rows(), records.len());
        assert_eq!(batch.schema(), schema(&layout));
        let col = |name: &str| batch.column_by_name(name).expect(name).clone();
        let ids = col("id");
        let ids = ids.as_string::<i32>();
        let scores = col("sentiment_score");
        let scores = scores.as_any().downcast_ref::<Float32Array>().expect("f32");
        let labels = col("sentiment_label");
        let labels = labels.as_string::<i32>();
        let themes = col("themes");
        let themes = themes.as_list::<i32>();
        let theme_scores = col("theme_sentiments");
        let theme_scores = theme_scores.as_list::<i32>();
        let theme_labels = col("theme_labels");
        let theme_labels = theme_labels.as_list::<i32>();
        let keyphrases = col("keyphrases");
        let keyphrases = keyphrases.as_list::<i32>();
        let mojibake = col("mojibake");
        let mojibake = mojibake.as_any().downcast_ref::<BooleanArray>().expect("b");
        let rating = col("rating");
        let rating = rating.as_any().downcast_ref::<Float64Array>().expect("f64");
        let date = col("date");
        let date = date.as_any().downcast_ref::<Date32Array>().expect("date");
        let lines = col("line");
        let lines = lines.as_any().downcast_ref::<Int64Array>().expect("i64");
        let segs = col("segments");
        let segs = segs.as_struct();
        let sentences = col("sentences");
        let sentences = sentences.as_list::<i32>();
        let evidence = col("evidence");
        let evidence = evidence.as_list::<i32>();
        let mentions = col("mentions");
        let mentions = mentions.as_list::<i32>();
        let mut seen_rating = false;
        let mut seen_date = false;
        for (i, (r, a)) in records.iter().zip(&analyses).enumerate() {
            let mut json = Vec::new();
            crate::analyze::output::write_jsonl(&mut json, r, a).expect("json");
            let v: serde_json::Value = serde_json::from_slice(&json).expect("json");
            assert_eq!(ids.value(i), v["id"]);
            assert_eq!(lines.value(i), v["source"]["line"].as_i64().expect("line"));
            assert_eq!(
                f64::from(scores.value(i)),
                v["sentiment"]["score"].as_f64().expect("score")
            );
            assert_eq!(labels.value(i), v["sentiment"]["label"]);
            let ts = themes.value(i);
            let ts = ts.as_string::<i32>();
            let tv = theme_scores.value(i);
            let tv = tv.as_primitive::<Float32Type>();
            let tl = theme_labels.value(i);
            let tl = tl.as_string::<i32>();
            let json_themes = v["themes"].as_array().expect("themes");
            assert_eq!(ts.len(), json_themes.len());
            for (k, t) in json_themes.iter().enumerate() {
                assert_eq!(ts.value(k), t["id"]);
                assert_eq!(
                    f64::from(tv.value(k)),
                    t["sentiment"]["score"].as_f64().expect("s")
                );
                assert_eq!(tl.value(k), t["sentiment"]["label"]);
            }
            let kp = keyphrases.value(i);
            assert_eq!(kp.len(), a.keyphrases.len());
            assert_eq!(mojibake.value(i), v["mojibake"] != "clean");
            match v.get("rating") {
                Some(x) => {
                    seen_rating = true;
                    assert_eq!(rating.value(i), x["value"].as_f64().expect("rating"));
                }
                None => assert!(rating.is_null(i)),
            }
            match v.get("date") {
                Some(d) => {
                    seen_date = true;
                    let days = r.date.expect("date").days_since_epoch();
                    assert_eq!(i64::from(date.value(i)), days, "{d}");
                }
                None => assert!(date.is_null(i)),
            }
            for (k, name) in segments.iter().enumerate() {
                let c = segs.column(k).as_string::<i32>();
                match v["segments"].get(name) {
                    Some(x) => assert_eq!(c.value(i), x),
                    None => assert!(c.is_null(i)),
                }
            }
            assert_eq!(sentences.value(i).len(), a.sentences.len());
            assert_eq!(evidence.value(i).len(), a.sentiment.evidence.len());
            let n_mentions: usize = a.themes.iter().map(|t| t.mentions.len()).sum();
            assert_eq!(mentions.value(i).len(), n_mentions);
        }
        assert!(seen_rating && seen_date);
        assert!(themes.values().len() > 0, "some record has themes");
    }

    /// A builder finishes batch after batch; the flat layout has no nested, text or
    /// segment columns.
    #[test]
    fn builder_is_reusable_and_flat_is_flat() {
        let analyzer = Analyzer::builder().build().expect("dictionaries");
        let mut w = analyzer.worker();
        let records = fixture_records("nps_survey_ko.csv");
        let analyses: Vec<Analysis> = records.iter().map(|r| w.analyze(r)).collect();
        let mut b = BatchBuilder::new(Layout::flat());
        for names in ["sentences", "evidence", "mentions", "text", "segments"] {
            assert!(b.schema().field_with_name(names).is_err(), "{names}");
        }
        let (first, rest) = records.split_at(3);
        for (r, a) in first.iter().zip(&analyses) {
            b.push(r, a).expect("push");
        }
        assert_eq!(b.len(), 3);
        let one = b.finish().expect("batch");
        assert!(b.is_empty());
        for (r, a) in rest.iter().zip(&analyses[3..]) {
            b.push(r, a).expect("push");
        }
        let two = b.finish().expect("batch");
        assert_eq!(one.num_rows() + two.num_rows(), records.len());
        let ids = two.column(0).as_string::<i32>();
        assert_eq!(ids.value(0), rest[0].id);
        let empty = b.finish().expect("empty batch");
        assert_eq!(empty.num_rows(), 0);
    }
}
