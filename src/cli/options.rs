//! Option groups shared by several subcommands (flattened into their args structs),
//! and what they build: the inputs of a run, the text processor, the lexicons, the
//! taxonomy, and the analyzer made of them.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use koe::analyze::Analyzer;
use koe::analyze::run::Inputs;
use koe::ingest::{ColumnSpec, Format, IngestOptions, Scale};
use koe::sentiment::SentimentModel;
use koe::text::{LangHint, TextProcessor};
use koe::themes::{Domains, TaxonomyFile, ThemeMatcher};

/// Options of the commands that read review dumps.
#[derive(Debug, Args, Clone)]
pub struct InputArgs {
    /// Input files (CSV, TSV, JSONL, JSON, text; .gz too; Parquet and Arrow IPC files,
    /// whose column names are mapped like a CSV header); `-` or nothing for stdin.
    pub inputs: Vec<PathBuf>,
    /// Force the input format instead of detecting it.
    #[arg(long, value_name = "csv|tsv|jsonl|json|text|parquet|arrow")]
    pub input_format: Option<Format>,
    /// Force the encoding (utf-8, utf-16le, shift_jis, cp932, euc-jp, euc-kr, cp949, ...).
    #[arg(long)]
    pub encoding: Option<String>,
    /// Text column (name or 1-based number); repeat for several (e.g. title + body).
    #[arg(long = "text", value_name = "COL")]
    pub text_columns: Vec<String>,
    /// Rating column.
    #[arg(long = "rating", value_name = "COL")]
    pub rating_column: Option<String>,
    /// Date column.
    #[arg(long = "date", value_name = "COL")]
    pub date_column: Option<String>,
    /// Id column.
    #[arg(long = "id", value_name = "COL")]
    pub id_column: Option<String>,
    /// Segment column (channel, product, ...); may repeat.
    #[arg(long = "segment", value_name = "COL")]
    pub segment_columns: Vec<String>,
    /// Rating scale: stars5 (1–5), ten (1–10), nps (0–10), percent.
    #[arg(long)]
    pub scale: Option<Scale>,
    /// Reject text fields larger than this many bytes.
    #[arg(long, default_value_t = 1024 * 1024)]
    pub max_field_bytes: usize,
    /// Language: auto (per text and sentence), ja, ko, en.
    #[arg(long, default_value = "auto")]
    pub lang: LangHint,
    /// Theme discovery reads at most this many records (the first ones) before the
    /// analysis assigns the themes it found to every record.
    #[arg(long, value_name = "N", default_value_t = koe::analyze::discover::DEFAULT_SAMPLE)]
    pub discover_sample: usize,
    /// Segment value aliases to add to the built-in table (`canonical = ["alias", ...]`,
    /// TOML; see dictionaries/segments.toml): アプリ, 앱 and App are one channel.
    #[arg(long, value_name = "FILE")]
    pub segment_aliases: Option<PathBuf>,
    /// Time zone of timestamps written without one (ticket exports): an IANA name
    /// (Asia/Tokyo), UTC or an offset (+09:00).
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub timezone: String,
    /// Keep segment values as they are (no alias table).
    #[arg(long, conflicts_with = "segment_aliases")]
    pub no_segment_aliases: bool,
}

impl InputArgs {
    /// The inputs these flags describe (files, or stdin when none).
    pub fn inputs(&self) -> anyhow::Result<Inputs> {
        Ok(Inputs::new(self.inputs.clone(), self.ingest_options()?))
    }

    /// The input paths as given (`-` when none), before [`InputArgs::inputs`] loads
    /// anything (to check outputs against).
    pub fn paths(&self) -> Vec<PathBuf> {
        Inputs::or_stdin(self.inputs.clone())
    }

    /// The ingest options these flags describe.
    fn ingest_options(&self) -> anyhow::Result<IngestOptions> {
        let encoding = match &self.encoding {
            None => None,
            Some(label) => {
                let label = match label.to_ascii_lowercase().as_str() {
                    "cp932" | "ms932" | "windows-31j" | "sjis" => "shift_jis".to_string(),
                    "cp949" | "uhc" | "ms949" => "euc-kr".to_string(),
                    other => other.to_string(),
                };
                Some(encoding_rs::Encoding::for_label(label.as_bytes()).with_context(|| {
                    format!("unknown encoding '{label}' (try utf-8, utf-16le, shift_jis, euc-jp, euc-kr)")
                })?)
            }
        };
        Ok(IngestOptions {
            format: self.input_format,
            encoding,
            columns: ColumnSpec {
                text: self.text_columns.clone(),
                rating: self.rating_column.clone(),
                date: self.date_column.clone(),
                id: self.id_column.clone(),
                segments: self.segment_columns.clone(),
            },
            scale: self.scale,
            max_field_bytes: self.max_field_bytes,
            segment_aliases: self.aliases()?,
            timezone: koe::ingest::time::parse_timezone(&self.timezone)
                .map_err(|e| anyhow::anyhow!("--timezone: {e}"))?,
            ..IngestOptions::default()
        })
    }

    fn aliases(&self) -> anyhow::Result<std::sync::Arc<koe::ingest::SegmentAliases>> {
        use koe::ingest::SegmentAliases;
        Ok(if self.no_segment_aliases {
            std::sync::Arc::new(SegmentAliases::default())
        } else {
            match &self.segment_aliases {
                Some(p) => std::sync::Arc::new(SegmentAliases::builtin().with_file(p)?),
                None => SegmentAliases::builtin(),
            }
        })
    }
}

/// Options of the commands that load the text core.
#[derive(Debug, Clone, Args)]
pub struct TextOptions {
    /// Extra Japanese user dictionary (lindera IPADIC user-dictionary CSV); may repeat.
    #[arg(long = "user-dict-ja", value_name = "FILE")]
    pub user_dict_ja: Vec<PathBuf>,
    /// Extra Korean user dictionary (lindera ko-dic user-dictionary CSV); may repeat.
    #[arg(long = "user-dict-ko", value_name = "FILE")]
    pub user_dict_ko: Vec<PathBuf>,
    /// Do not load koe's built-in user dictionaries.
    #[arg(long)]
    pub no_builtin_user_dict: bool,
}

impl TextOptions {
    /// The text processor these options describe (not loaded yet).
    pub fn builder(&self) -> koe::text::TextProcessorBuilder {
        use koe::text::Lang;
        let mut b = TextProcessor::builder().builtin_user_dicts(!self.no_builtin_user_dict);
        for p in &self.user_dict_ja {
            b = b.user_dict(Lang::Ja, p);
        }
        for p in &self.user_dict_ko {
            b = b.user_dict(Lang::Ko, p);
        }
        b
    }

    /// Loads the text processor these options describe.
    pub fn processor(&self) -> anyhow::Result<TextProcessor> {
        Ok(self.builder().build()?)
    }
}

/// Lexicon options of the commands that score sentiment.
#[derive(Debug, Clone, Args)]
pub struct SentimentOptions {
    /// Extra lexicon (`entry<TAB>score[<TAB>POS]`, −4..4; a calibration overlay); may repeat.
    #[arg(long = "lexicon", value_name = "FILE")]
    pub lexicons: Vec<PathBuf>,
    /// Do not load koe's own lexicons.
    #[arg(long)]
    pub no_builtin_lexicon: bool,
}

impl SentimentOptions {
    /// The model these options describe (not loaded yet).
    pub fn builder(&self) -> koe::sentiment::SentimentModelBuilder {
        let mut b = SentimentModel::builder().builtin(!self.no_builtin_lexicon);
        for l in &self.lexicons {
            b = b.lexicon(l);
        }
        b
    }

    /// Loads the model these options describe.
    pub fn model(&self) -> anyhow::Result<SentimentModel> {
        Ok(self.builder().build()?)
    }
}

/// Taxonomy options.
#[derive(Debug, Args, Clone, Default)]
pub struct ThemeOptions {
    /// Extra taxonomy TOML (adds themes; a theme with an existing id replaces it, or
    /// adds to it with `extend = true`); may repeat.
    #[arg(long = "taxonomy", value_name = "FILE")]
    pub taxonomy: Vec<PathBuf>,
    /// Do not load koe's built-in taxonomy (use only `--taxonomy` files).
    #[arg(long)]
    pub no_builtin_taxonomy: bool,
    /// Domain packs of the taxonomy besides its core: `auto` (the packs whose words
    /// the data uses), `all`, `none`, or names: support, ecommerce, apps, hotels,
    /// restaurants, movies (comma-separated).
    #[arg(long, value_name = "auto|all|none|NAME[,NAME]", default_value = "auto")]
    pub domain: String,
    /// The packs in use once `--domain` is resolved (all until then).
    #[arg(skip)]
    pub resolved: Option<Domains>,
}

/// The packs `--domain` names without looking at data (`None` for `auto`).
pub fn named_domains(choice: &str) -> anyhow::Result<Option<Vec<String>>> {
    let all = TaxonomyFile::builtin_pack_ids();
    match choice.trim() {
        "auto" => Ok(None),
        "all" => Ok(Some(all)),
        "none" | "core" => Ok(Some(Vec::new())),
        list => {
            let mut out = Vec::new();
            for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
                if !all.iter().any(|a| a == name) {
                    anyhow::bail!(
                        "unknown domain '{name}' in --domain (known: auto, all, none, {})",
                        all.join(", ")
                    );
                }
                out.push(name.to_string());
            }
            Ok(Some(out))
        }
    }
}

/// Resolves `--domain` for `inputs`: names as given, `auto` from the inputs' first
/// records (stdin that is not spooled cannot be looked at first: all packs), and
/// returns the analyzer with the resolved taxonomy.
pub fn resolve_domains(
    themes: &mut ThemeOptions,
    inputs: &Inputs,
    analyzer: &Analyzer,
    quiet: bool,
) -> anyhow::Result<Analyzer> {
    let picked = match named_domains(&themes.domain)? {
        Some(list) => Domains::every_lang(&list),
        // Only your own files: nothing to pick among (their themes with `domains`
        // apply; name the packs with --domain to choose).
        None if themes.no_builtin_taxonomy => {
            Domains::every_lang(&TaxonomyFile::builtin_pack_ids())
        }
        None if inputs.reads_stdin() => {
            if !quiet {
                eprintln!(
                    "koe: --domain auto cannot look at stdin before analysing it: all domain packs are on (choose with --domain)"
                );
            }
            Domains::every_lang(&TaxonomyFile::builtin_pack_ids())
        }
        None => {
            let texts = inputs.sample_texts(koe::themes::domains::SAMPLE);
            let d = koe::themes::domains::detect(texts, analyzer.text())?;
            if !quiet {
                eprintln!("koe: domain packs (auto): {}", describe_detection(&d));
            }
            d.picked
        }
    };
    themes.resolved = Some(picked);
    Ok(analyzer.with_themes(themes.matcher(analyzer.text())?))
}

/// What `--domain auto` saw and picked, per language.
fn describe_detection(d: &koe::themes::domains::Detection) -> String {
    let mut parts = Vec::new();
    for (lang, n, counts) in &d.counts {
        if *n == 0 {
            continue;
        }
        let picked = d.picked.of(lang);
        let seen: Vec<String> = counts
            .iter()
            .filter(|(_, c)| *c > 0)
            .map(|(id, c)| format!("{id} {c}"))
            .collect();
        parts.push(format!(
            "{lang} ({n} records): {} [{}]",
            if picked.is_empty() {
                "core only".to_string()
            } else {
                picked.join(", ")
            },
            if seen.is_empty() {
                "no pack's words".to_string()
            } else {
                seen.join(", ")
            }
        ));
    }
    if parts.is_empty() {
        "no record to look at, core themes only".to_string()
    } else {
        parts.join("; ")
    }
}

impl ThemeOptions {
    /// The merged taxonomy file.
    pub fn file(&self) -> anyhow::Result<TaxonomyFile> {
        let domains = match &self.resolved {
            Some(d) => d.clone(),
            None => Domains::every_lang(
                &named_domains(&self.domain)?.unwrap_or_else(TaxonomyFile::builtin_pack_ids),
            ),
        };
        let mut file = if self.no_builtin_taxonomy {
            TaxonomyFile::default()
        } else {
            TaxonomyFile::builtin_for(&domains)
        };
        if self.no_builtin_taxonomy && self.taxonomy.is_empty() {
            anyhow::bail!("--no-builtin-taxonomy needs at least one --taxonomy FILE");
        }
        for path in &self.taxonomy {
            file.merge(TaxonomyFile::read(path)?);
        }
        // A user theme with `domains` follows the same choice.
        file.retain_domains(&domains);
        Ok(file)
    }

    /// The domain packs in use in any language (after [`resolve_domains`]).
    pub fn domains(&self) -> Vec<String> {
        self.resolved
            .as_ref()
            .map(Domains::union)
            .unwrap_or_default()
    }

    /// Where the taxonomy came from (the `--taxonomy` files), for messages.
    fn source(&self) -> String {
        self.taxonomy
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// The compiled taxonomy.
    pub fn matcher(&self, text: &TextProcessor) -> anyhow::Result<ThemeMatcher> {
        Ok(ThemeMatcher::compile(self.file()?, text, &self.source())?)
    }
}

/// `--order` of a theme table.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OrderArg {
    /// Most negative mentions first (the biggest problems first).
    Negative,
    /// Most records first.
    Volume,
}

impl From<OrderArg> for koe::report::Order {
    fn from(o: OrderArg) -> Self {
        match o {
            OrderArg::Negative => koe::report::Order::Negative,
            OrderArg::Volume => koe::report::Order::Volume,
        }
    }
}

/// `--format` of the commands that print either text or JSON.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum TextOrJson {
    /// Human-readable.
    Text,
    /// JSON lines / a JSON document.
    Json,
}

/// The analyzer the text, lexicon and taxonomy options describe (dictionaries and
/// lexicons load in parallel); `themes: None` is the taxonomy's defaults.
pub fn analyzer(
    text: &TextOptions,
    lexicon: &SentimentOptions,
    themes: Option<&ThemeOptions>,
    lang: LangHint,
) -> anyhow::Result<Analyzer> {
    let themes = themes.cloned().unwrap_or_default();
    let taxonomy = themes.file()?;
    Ok(Analyzer::builder()
        .load_text(text.builder())
        .load_sentiment(lexicon.builder())
        .taxonomy(taxonomy, themes.source())
        .lang(lang)
        .build()?)
}
