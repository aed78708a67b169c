//! The tantivy `Tokenizer` adapter over koe's text core: lemmas as terms, spans into
//! the original text as offsets. Dictionaries are loaded once in the shared
//! [`TextProcessor`]; each tokenizer clone (tantivy clones one per indexing thread)
//! makes its own worker the first time it is used, never inside the stream.

use std::sync::Mutex;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use crate::text::{LangHint, TextProcessor, TextWorker};

/// koe's analysis as a tantivy tokenizer (registered as `koe`).
pub struct KoeTokenizer {
    text: TextProcessor,
    worker: Mutex<Option<TextWorker>>,
}

impl KoeTokenizer {
    /// A tokenizer over this text processor.
    pub fn new(text: TextProcessor) -> KoeTokenizer {
        KoeTokenizer {
            text,
            worker: Mutex::new(None),
        }
    }
}

impl Clone for KoeTokenizer {
    fn clone(&self) -> Self {
        KoeTokenizer::new(self.text.clone())
    }
}

/// The tokens of one text.
pub struct KoeTokenStream<'a> {
    tokens: Vec<Token>,
    next: usize,
    /// What `token()` shows before the first `advance()` (never read by tantivy).
    none: Token,
    _text: std::marker::PhantomData<&'a str>,
}

impl Tokenizer for KoeTokenizer {
    type TokenStream<'a> = KoeTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> KoeTokenStream<'a> {
        let mut guard = match self.worker.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let worker = guard.get_or_insert_with(|| self.text.new_worker());
        let analysis = worker.analyze(text, LangHint::Auto);
        drop(guard);
        let tokens = super::tantivy_tokens(&crate::text::search_terms(&analysis));
        KoeTokenStream {
            tokens,
            next: 0,
            none: Token::default(),
            _text: std::marker::PhantomData,
        }
    }
}

impl TokenStream for KoeTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        self.next
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .unwrap_or(&self.none)
    }

    fn token_mut(&mut self) -> &mut Token {
        match self.next.checked_sub(1) {
            Some(i) if i < self.tokens.len() => &mut self.tokens[i],
            _ => &mut self.none,
        }
    }
}
