//! The complaint search index. Only this module knows tantivy.
//!
//! Documents are analysed records: the original text (stored) indexed by its lemmas
//! through koe's own text core ([`KoeTokenizer`], also registered with tantivy as
//! `koe`; at index time the pipeline's tokens are handed over pre-tokenized, so a
//! record is analysed once), plus language, sentiment, themes with their sentiment,
//! rating, NPS band, date and segment columns, the kinds of its churn signals and
//! what the support figures read of it (ticket times, status, customer, thread
//! links: [`RecordFacts::support`]), so the server's report has the support and
//! churn sections of `koe report`. Queries ([`query`]) are analysed the
//! same way, so 遅い finds 遅く and refund finds refunded.
//!
//! An index directory holds tantivy's files and `koe-index.json` with the schema
//! version; opening an index of another version is [`IndexError::Incompatible`].
//! That file also marks the directory as koe's: `--rebuild` deletes no directory
//! without it. Opening checks tantivy's checksums, and a panic inside tantivy while
//! searching (damaged files) is caught here: the index is then
//! [`IndexError::Damaged`] for good, never a crash.

mod cancel;
mod facts;
mod panics;
pub mod query;
mod search;
mod tokenizer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analyze::Analysis;
use crate::ingest::Record;
use crate::text::TextProcessor;
pub use cancel::Cancel;
pub use facts::{RecordFacts, SupportRecord};
pub use search::{Facets, Hit, HitTheme, SearchOptions, SearchResults, Sort};
pub use tokenizer::KoeTokenizer;

/// Version of the index layout; bump when fields change.
pub const SCHEMA_VERSION: &str = "koe.index/4";
/// Deepest offset a search may ask for (the server's default cap too): a search
/// holds offset + limit hits in memory.
pub const MAX_OFFSET: usize = 10_000;
/// Largest page a search may ask for.
pub const MAX_LIMIT: usize = 10_000;
const META_FILE: &str = "koe-index.json";

/// Errors of the index.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// tantivy failed.
    #[error("index {path}: {message}")]
    Tantivy {
        /// Index directory.
        path: String,
        /// What failed.
        message: String,
    },
    /// The directory holds an index of another koe version, or something else.
    #[error(
        "index {path} was built by an incompatible koe ({found}; this koe reads {expected}): rebuild it with `koe index --rebuild --index {path} ...`"
    )]
    Incompatible {
        /// Index directory.
        path: String,
        /// Its version.
        found: String,
        /// Ours.
        expected: String,
    },
    /// No index there.
    #[error("no koe index in {path}: build one with `koe index INPUT... --index {path}`")]
    Missing {
        /// Index directory.
        path: String,
    },
    /// Query syntax.
    #[error(transparent)]
    Query(#[from] query::QueryError),
    /// File system.
    #[error("index {path}: {message}")]
    Io {
        /// Index directory.
        path: String,
        /// What failed.
        message: String,
    },
    /// The work was cancelled ([`Cancel`]) before it finished; nothing was changed.
    #[error("cancelled before it finished")]
    Cancelled,
    /// Paging beyond [`MAX_OFFSET`] or [`MAX_LIMIT`].
    #[error("{0}")]
    Paging(String),
    /// Damaged files (failed checksums, or tantivy panicked reading them).
    #[error(
        "index {path} is damaged ({detail}): rebuild it with `koe index --rebuild --index {path} ...`"
    )]
    Damaged {
        /// Index directory.
        path: String,
        /// What showed it.
        detail: String,
    },
    /// `--rebuild` of a directory koe did not create.
    #[error(
        "{path} is not an index koe created ({detail}): koe deletes only directories marked with its koe-index.json; delete it yourself if it should go"
    )]
    NotKoe {
        /// The directory.
        path: String,
        /// What is in it.
        detail: String,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    schema: String,
    koe: String,
}

/// The fields of the schema.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub text: Field,
    pub parts: Field,
    pub lang: Field,
    pub label: Field,
    pub score: Field,
    pub theme: Field,
    pub theme_sentiment: Field,
    pub rating: Field,
    pub nps: Field,
    pub scale: Field,
    pub day: Field,
    pub segment: Field,
    pub churn: Field,
    pub support: Field,
}

/// An exact-match keyword field: no field norms (nothing ranks on it), optionally a
/// fast (columnar) copy for facets and hit metadata.
fn keyword(fast: bool) -> TextOptions {
    let o = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("raw")
            .set_index_option(IndexRecordOption::Basic)
            .set_fieldnorms(false),
    );
    if fast { o.set_fast("raw") } else { o }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text_opts = TextOptions::default()
        .set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer("koe")
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
        .set_stored();
    let fields = Fields {
        id: b.add_text_field("id", keyword(false) | STORED),
        text: b.add_text_field("text", text_opts),
        // Nouns inside compounds (露天風呂 → 風呂): found by a word, ranked below it.
        parts: b.add_text_field(
            "parts",
            TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer("raw")
                    .set_index_option(IndexRecordOption::WithFreqs)
                    .set_fieldnorms(false),
            ),
        ),
        lang: b.add_text_field("lang", keyword(true)),
        label: b.add_text_field("sentiment", keyword(true)),
        // Sentiment score in thousandths: an f64 column costs 8 bits a record more.
        score: b.add_i64_field("score", FAST),
        theme: b.add_text_field("theme", keyword(true)),
        // `theme=label` per theme of the record: hit metadata, read from the column.
        theme_sentiment: b
            .add_text_field("theme_sentiment", TextOptions::default().set_fast("raw")),
        // Range filters and sorting run on the columns.
        rating: b.add_f64_field("rating", FAST),
        nps: b.add_text_field("nps", keyword(true)),
        scale: b.add_text_field("scale", keyword(true)),
        day: b.add_i64_field("day", FAST),
        segment: b.add_text_field("segment", keyword(true)),
        // Kinds of the record's churn signals (decided, threat, ask, blocked, done).
        churn: b.add_text_field("churn", keyword(true)),
        // What the support figures read of the record (`SupportRecord`, compact
        // JSON): a column only, never searched.
        support: b.add_text_field("support", TextOptions::default().set_fast("raw")),
    };
    (b.build(), fields)
}

/// An open index.
#[derive(Clone)]
pub struct KoeIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    path: PathBuf,
    text: TextProcessor,
    /// Text workers for query analysis and snippets, reused across searches.
    workers: Arc<std::sync::Mutex<Vec<crate::text::TextWorker>>>,
    /// Set when reading the index panicked: its files are damaged.
    damaged: Arc<std::sync::atomic::AtomicBool>,
}

impl std::fmt::Debug for KoeIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KoeIndex")
            .field("path", &self.path)
            .finish()
    }
}

/// Whether a tantivy error message says the files are damaged.
fn is_corruption(message: &str) -> bool {
    let m = message.to_ascii_lowercase();
    m.contains("corrupt")
        || m.contains("failed to fill whole buffer")
        // A length or offset read from damaged bytes points past the file.
        || m.contains("end of buffer")
        || m.contains("checksum")
}

fn tantivy_err(path: &Path) -> impl Fn(tantivy::TantivyError) -> IndexError + '_ {
    move |e| IndexError::Tantivy {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl KoeIndex {
    /// Opens the index in `dir`, creating it when there is none (or starting over
    /// with `rebuild`).
    pub fn create_or_open(
        dir: &Path,
        text: &TextProcessor,
        rebuild: bool,
    ) -> Result<KoeIndex, IndexError> {
        let io = |e: std::io::Error| IndexError::Io {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        if rebuild && dir.exists() {
            let marked = std::fs::read_to_string(dir.join(META_FILE))
                .ok()
                .and_then(|m| serde_json::from_str::<Meta>(&m).ok())
                .is_some_and(|m| m.schema.starts_with("koe.index/"));
            let empty = std::fs::read_dir(dir).map_err(io)?.next().is_none();
            if !marked && !empty {
                let detail = if dir.join(META_FILE).exists() {
                    "its koe-index.json is not koe's"
                } else if dir.join("meta.json").exists() {
                    "a search index without koe-index.json: another program's, or one from a koe before the marker"
                } else {
                    "other files"
                };
                return Err(IndexError::NotKoe {
                    path: dir.display().to_string(),
                    detail: detail.into(),
                });
            }
            if marked {
                std::fs::remove_dir_all(dir).map_err(io)?;
            }
        }
        if dir.join(META_FILE).exists() {
            return Self::open(dir, text);
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        if std::fs::read_dir(dir).map_err(io)?.next().is_some() {
            return Err(IndexError::Incompatible {
                path: dir.display().to_string(),
                found: "a directory that is not a koe index".into(),
                expected: SCHEMA_VERSION.into(),
            });
        }
        // The marker first: a directory koe started to fill is koe's to delete.
        let meta = Meta {
            schema: SCHEMA_VERSION.into(),
            koe: env!("CARGO_PKG_VERSION").into(),
        };
        let json = serde_json::to_string_pretty(&meta).unwrap_or_default();
        std::fs::write(dir.join(META_FILE), json).map_err(io)?;
        let (schema, _) = schema();
        // Review text compresses well with zstd (CJK included); bigger blocks help it.
        let settings = tantivy::IndexSettings {
            docstore_compression: tantivy::store::Compressor::Zstd(
                tantivy::store::ZstdCompressor {
                    compression_level: Some(9),
                },
            ),
            // 32 KiB: a hit decompresses one block; 128 KiB blocks would save ~10% of
            // the store but cost ~0.2 ms a hit.
            docstore_blocksize: 32 * 1024,
            ..tantivy::IndexSettings::default()
        };
        Index::builder()
            .schema(schema)
            .settings(settings)
            .create_in_dir(dir)
            .map_err(tantivy_err(dir))?;
        Self::open(dir, text)
    }

    /// Opens an existing index, checking its files' checksums (a damaged index is
    /// [`IndexError::Damaged`], whether tantivy reports it or panics on it). The check
    /// reads the whole index once: right for a server or a writer that keep it open;
    /// a one-shot search uses [`KoeIndex::open_unverified`].
    pub fn open(dir: &Path, text: &TextProcessor) -> Result<KoeIndex, IndexError> {
        Self::open_checked(dir, text, true)
    }

    /// Opens an existing index without reading all of it for the checksums (a search
    /// of a 50 GB index must not read 50 GB first). Damage met while reading is still
    /// [`IndexError::Damaged`], never a panic.
    pub fn open_unverified(dir: &Path, text: &TextProcessor) -> Result<KoeIndex, IndexError> {
        Self::open_checked(dir, text, false)
    }

    fn open_checked(
        dir: &Path,
        text: &TextProcessor,
        verify: bool,
    ) -> Result<KoeIndex, IndexError> {
        let damaged = |detail: String| IndexError::Damaged {
            path: dir.display().to_string(),
            detail,
        };
        match panics::quietly(|| Self::open_unguarded(dir, text, verify)) {
            Err(()) => Err(damaged("opening it failed".into())),
            Ok(Err(IndexError::Tantivy { message, .. })) if is_corruption(&message) => {
                Err(damaged(message))
            }
            Ok(r) => r,
        }
    }

    fn open_unguarded(
        dir: &Path,
        text: &TextProcessor,
        verify: bool,
    ) -> Result<KoeIndex, IndexError> {
        let path = dir.display().to_string();
        let meta = match std::fs::read_to_string(dir.join(META_FILE)) {
            Ok(m) => m,
            Err(_) if dir.join("meta.json").exists() => {
                return Err(IndexError::Incompatible {
                    path,
                    found: "an index without koe-index.json".into(),
                    expected: SCHEMA_VERSION.into(),
                });
            }
            Err(_) => return Err(IndexError::Missing { path }),
        };
        let found = serde_json::from_str::<Meta>(&meta)
            .map(|m| m.schema)
            .unwrap_or_else(|_| "an unreadable koe-index.json".into());
        if found != SCHEMA_VERSION {
            return Err(IndexError::Incompatible {
                path,
                found,
                expected: SCHEMA_VERSION.into(),
            });
        }
        let index = Index::open_in_dir(dir).map_err(tantivy_err(dir))?;
        // Every file of the last commit against its checksum (reads the whole index
        // once). A file that vanished meanwhile (a merge in another process) is no
        // damage: only mismatches count.
        let checked = if verify {
            index.validate_checksum()
        } else {
            Ok(Default::default())
        };
        let bad = match checked {
            Ok(bad) => bad,
            Err(tantivy::TantivyError::OpenReadError(
                tantivy::directory::error::OpenReadError::FileDoesNotExist(_),
            )) => Default::default(),
            Err(e) => {
                return Err(IndexError::Damaged {
                    path,
                    detail: e.to_string(),
                });
            }
        };
        if !bad.is_empty() {
            let mut files: Vec<String> = bad.iter().map(|p| p.display().to_string()).collect();
            files.sort();
            return Err(IndexError::Damaged {
                path,
                detail: format!("checksum mismatch in {}", files.join(", ")),
            });
        }
        // The same version string must also mean the same fields.
        if index.schema() != schema().0 {
            return Err(IndexError::Incompatible {
                path,
                found: format!("{found} with another field layout"),
                expected: SCHEMA_VERSION.into(),
            });
        }
        index
            .tokenizers()
            .register("koe", KoeTokenizer::new(text.clone()));
        let reader = index
            .reader_builder()
            // New commits (another process indexing) show up within a second, without
            // a reload per search.
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()
            .map_err(tantivy_err(dir))?;
        let (_, fields) = schema();
        Ok(KoeIndex {
            index,
            reader,
            fields,
            path: dir.to_path_buf(),
            text: text.clone(),
            workers: Arc::default(),
            damaged: Arc::default(),
        })
    }

    /// Runs `f`, a read of the index, turning a panic inside tantivy (damaged files)
    /// into [`IndexError::Damaged`], after which the index answers nothing but that.
    pub(crate) fn guarded<T>(
        &self,
        f: impl FnOnce() -> Result<T, IndexError>,
    ) -> Result<T, IndexError> {
        use std::sync::atomic::Ordering;
        let damaged = || IndexError::Damaged {
            path: self.path.display().to_string(),
            detail: "reading it failed".into(),
        };
        if self.damaged.load(Ordering::Relaxed) {
            return Err(damaged());
        }
        match panics::quietly(f) {
            Ok(Err(IndexError::Tantivy { message, .. })) if is_corruption(&message) => {
                self.damaged.store(true, Ordering::Relaxed);
                Err(IndexError::Damaged {
                    path: self.path.display().to_string(),
                    detail: message,
                })
            }
            Ok(r) => r,
            Err(()) => {
                self.damaged.store(true, Ordering::Relaxed);
                Err(damaged())
            }
        }
    }

    /// A writer (one per index at a time; tantivy locks the directory).
    pub fn writer(&self) -> Result<KoeWriter, IndexError> {
        let threads = rayon::current_num_threads().clamp(1, 4);
        let writer = self
            .index
            .writer_with_num_threads(threads, 64 * 1024 * 1024 * threads)
            .map_err(tantivy_err(&self.path))?;
        Ok(KoeWriter {
            writer,
            fields: self.fields,
            path: self.path.clone(),
            pending: 0,
        })
    }

    /// Makes the last commit visible to searches now (they see it within a second
    /// anyway).
    pub fn refresh(&self) -> Result<(), IndexError> {
        self.reader.reload().map_err(tantivy_err(&self.path))
    }

    /// Changes whenever searches start to see another commit (for caches).
    pub fn generation(&self) -> u64 {
        self.reader.searcher().generation().generation_id()
    }

    /// Number of live documents searches see now, without looking for newer commits on
    /// disk (cheap: no I/O).
    pub fn searchable_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Number of live documents (after the last commit).
    pub fn num_docs(&self) -> Result<u64, IndexError> {
        self.reader.reload().map_err(tantivy_err(&self.path))?;
        Ok(self.reader.searcher().num_docs())
    }

    /// Bytes on disk by part and field (`postings/text`, `store`, `fast/day`, ...),
    /// summed over segments.
    pub fn space_usage(&self) -> Result<std::collections::BTreeMap<String, u64>, IndexError> {
        self.reader.reload().map_err(tantivy_err(&self.path))?;
        let usage = self
            .reader
            .searcher()
            .space_usage()
            .map_err(|e| IndexError::Io {
                path: self.path.display().to_string(),
                message: e.to_string(),
            })?;
        let mut out = std::collections::BTreeMap::new();
        for seg in usage.segments() {
            for (part, per_field) in [
                ("terms", seg.termdict()),
                ("postings", seg.postings()),
                ("positions", seg.positions()),
                ("fast", seg.fast_fields()),
                ("fieldnorms", seg.fieldnorms()),
            ] {
                for f in per_field.fields() {
                    *out.entry(format!("{part}/{}", f.field_name())).or_default() +=
                        f.total().get_bytes();
                }
            }
            *out.entry("store".to_string()).or_default() += seg.store().total().get_bytes();
        }
        Ok(out)
    }

    /// Index directory.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Adds analysed records.
pub struct KoeWriter {
    writer: IndexWriter,
    fields: Fields,
    path: PathBuf,
    pending: u64,
}

impl KoeWriter {
    /// Adds (or replaces, by id) one record with its analysis and search terms (the
    /// analyzer must keep them: [`crate::analyze::Analyzer::with_search_terms`]).
    pub fn add(&mut self, record: &Record, analysis: &Analysis) -> Result<(), IndexError> {
        let tokens = &analysis.search_terms;
        let f = &self.fields;
        self.writer
            .delete_term(Term::from_field_text(f.id, &record.id));
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &record.id);
        let text = record.text();
        let tokens = tantivy_tokens(tokens);
        doc.add_pre_tokenized_text(
            f.text,
            PreTokenizedString {
                text: text.into_owned(),
                tokens,
            },
        );
        if !analysis.search_parts.is_empty() {
            let tokens = analysis
                .search_parts
                .iter()
                .enumerate()
                .map(|(i, p)| Token {
                    offset_from: 0,
                    offset_to: 0,
                    position: i,
                    text: p.to_string(),
                    position_length: 1,
                })
                .collect();
            doc.add_pre_tokenized_text(
                f.parts,
                PreTokenizedString {
                    text: String::new(),
                    tokens,
                },
            );
        }
        doc.add_text(f.lang, analysis.lang.as_str());
        doc.add_text(f.label, analysis.sentiment.overall.label.as_str());
        doc.add_i64(
            f.score,
            (f64::from(analysis.sentiment.overall.score) * 1000.0).round() as i64,
        );
        for h in &analysis.themes {
            doc.add_text(f.theme, &h.id);
            if let Some((cat, _)) = h.id.split_once('.') {
                doc.add_text(f.theme, format!("{cat}.*"));
            }
            doc.add_text(
                f.theme_sentiment,
                format!("{}={}", h.id, h.sentiment.label.as_str()),
            );
        }
        if let Some(r) = record.rating {
            doc.add_f64(f.rating, r.value);
            doc.add_text(f.scale, r.scale.as_str());
            if let Some(c) = r.nps_class() {
                doc.add_text(f.nps, c.as_str());
            }
        }
        if let Some(d) = record.date {
            doc.add_i64(f.day, d.days_since_epoch());
        }
        for (k, v) in &record.segments {
            doc.add_text(f.segment, segment_term(k, v));
        }
        let mut kinds: Vec<&str> = analysis.churn.iter().map(|c| c.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        for k in kinds {
            doc.add_text(f.churn, k);
        }
        if let Some(s) = crate::metrics::support::SupportFacts::of(record) {
            doc.add_text(f.support, facts::support_column(&s));
        }
        self.writer
            .add_document(doc)
            .map_err(tantivy_err(&self.path))?;
        self.pending += 1;
        Ok(())
    }

    /// Records added since the last commit.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Makes everything added so far durable and searchable.
    pub fn commit(&mut self) -> Result<(), IndexError> {
        self.writer.commit().map_err(tantivy_err(&self.path))?;
        self.pending = 0;
        Ok(())
    }

    /// Drops everything added since the last commit: the index stays as it was.
    pub fn rollback(&mut self) -> Result<(), IndexError> {
        self.writer.rollback().map_err(tantivy_err(&self.path))?;
        self.pending = 0;
        Ok(())
    }

    /// Commits and waits for merges to finish.
    pub fn finish(mut self) -> Result<(), IndexError> {
        self.commit()?;
        self.writer
            .wait_merging_threads()
            .map_err(tantivy_err(&self.path))
    }
}

/// The indexed form of a segment value: `key=value`, key lower-cased.
pub(crate) fn segment_term(key: &str, value: &str) -> String {
    format!("{}={}", key.to_lowercase(), value.trim())
}

/// Search terms as tantivy tokens (position = order).
fn tantivy_tokens(tokens: &[crate::text::SearchTerm]) -> Vec<Token> {
    tokens
        .iter()
        .enumerate()
        .map(|(i, t)| Token {
            offset_from: t.start,
            offset_to: t.end,
            position: i,
            text: t.lemma.to_string(),
            position_length: 1,
        })
        .collect()
}
