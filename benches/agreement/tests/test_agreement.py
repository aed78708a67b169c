#!/usr/bin/env python3
"""Tests for agreement.py: span recovery, and end-to-end runs against stand-ins for koe
(tests/mecab_koe.sh) that segment exactly like MeCab (agreement 1.0) or differently.
Run: python3 -m unittest discover -s benches/agreement/tests -v
The end-to-end tests are skipped where MeCab / python-mecab-ko are not installed."""
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(os.path.dirname(HERE), 'agreement.py')
WRAPPER = os.path.join(HERE, 'mecab_koe.sh')
USER_JA = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), 'dictionaries', 'user', 'ja.csv')
spec = importlib.util.spec_from_file_location('agreement', SCRIPT)
agreement = importlib.util.module_from_spec(spec)
spec.loader.exec_module(agreement)

JA = ['この料金で、このサービス。', '', 'サブスクの解約金が高い　ＡＢＣ  です', 'x' * 9000 + 'の後',
      '問い合わせフォームから連絡しました。']
KO = ['구독료가 너무 비싸요', '', '고객센터　상담원이  친절했어요 ＡＢＣ', '앱이 먹통이에요.']


def have_mecab_ja():
    return shutil.which('mecab') is not None


def have_mecab_ko():
    return importlib.util.find_spec('mecab') is not None


class Locate(unittest.TestCase):
    def test_exact_with_whitespace(self):
        spans, st = agreement.locate('ab  cd\u3000e', ['ab', 'cd', '\u3000', 'e'])
        self.assertEqual(spans, [(0, 2), (4, 6), (6, 7), (7, 8)])
        self.assertEqual(st['exact'], 4)

    def test_normalized_surface(self):
        spans, st = agreement.locate('ＡＢＣです', ['ABC', 'です'])
        self.assertEqual(spans, [(0, 3), (3, 5)])
        self.assertEqual(st['nfkc'], 1)

    def test_resync_after_dropped_text(self):
        spans, st = agreement.locate('ab\x01\x02cd', ['ab', 'cd'])
        self.assertEqual(spans, [(0, 2), (4, 6)])
        self.assertEqual((st['resync'], st['skipped_chars']), (1, 2))

    def test_unlocated_then_recover(self):
        spans, st = agreement.locate('abcdef', ['ab', 'zz', 'cd', 'ef'])
        self.assertEqual(spans, [(0, 2), None, (2, 4), (4, 6)])
        self.assertEqual(st['unlocated'], 1)

    def test_compare_scores(self):
        lines = ['abcd']
        c, s, _, _, _ = agreement.compare(lines, [['a', 'b', 'cd']], [['ab', 'cd']], 0)
        self.assertEqual((c['ref_tokens'], c['koe_tokens'], c['matched']), (3, 2, 1))
        self.assertAlmostEqual(s['recall'], 1 / 3)
        self.assertAlmostEqual(s['precision'], 1 / 2)

    def test_unlocated_counts_as_mismatch(self):
        c, s, _, _, _ = agreement.compare(['abcd'], [['ab', 'cd']], [['ab', 'XX', 'cd']], 0)
        self.assertEqual(s['recall'], 1.0)
        self.assertAlmostEqual(s['precision'], 2 / 3)

    def test_missing_output_lines(self):
        c, s, _, _, _ = agreement.compare(['ab', 'cd'], [['ab'], ['cd']], [['ab']], 0)
        self.assertEqual(c['koe_missing_lines'], 1)
        self.assertAlmostEqual(s['recall'], 0.5)


class EndToEnd(unittest.TestCase):
    def run_script(self, lang, lines, fake=None, extra=(), env_extra=None):
        with tempfile.TemporaryDirectory() as d:
            corpus = os.path.join(d, 'corpus.txt')
            with open(corpus, 'w', encoding='utf-8') as f:
                f.write('\n'.join(lines) + '\n')
            env = dict(os.environ)
            env.pop('KOE_FAKE', None)
            if fake:
                env['KOE_FAKE'] = fake
            env.update(env_extra or {})
            out = subprocess.run([sys.executable, SCRIPT, '--lang', lang, '--koe', WRAPPER,
                                  '--json', '--show', '3'] + list(extra) + [corpus],
                                 env=env, check=True, stdout=subprocess.PIPE).stdout
            return json.loads(out)

    def check(self, lang, lines):
        same = self.run_script(lang, lines)
        self.assertEqual(same['scores'], {'recall': 1.0, 'precision': 1.0, 'f1': 1.0})
        self.assertEqual(same['counts']['lines_identical'], len(lines))
        self.assertEqual(same['diffs'], [])
        merged = self.run_script(lang, lines, 'merge')
        self.assertLess(merged['scores']['recall'], 0.9)
        self.assertLess(merged['scores']['f1'], 0.9)
        self.assertTrue(merged['diffs'])

    @unittest.skipUnless(have_mecab_ja(), 'mecab not installed')
    def test_ja(self):
        self.check('ja', JA)

    @unittest.skipUnless(have_mecab_ja() and os.path.isfile(USER_JA) and
                         os.path.isfile('/usr/share/mecab/dic/ipadic/matrix.def'),
                         'mecab / mecab-ipadic sources / mecab-utils not installed')
    def test_ja_with_user_dictionary(self):
        with_user = self.run_script('ja', JA, extra=['--ref-user-csv', USER_JA])
        # the reference now keeps 解約金 / 問い合わせフォーム whole, the plain-MeCab stand-in does not
        self.assertLess(with_user['scores']['recall'], 1.0)
        self.assertGreater(with_user['scores']['recall'], 0.8)
        with tempfile.TemporaryDirectory() as d:
            dic = agreement.compile_user_csv('ja', USER_JA, None, os.path.join(d, 'user.dic'))
            same = self.run_script('ja', JA, extra=['--ref-userdic', dic], env_extra={'KOE_FAKE_USERDIC': dic})
        self.assertEqual(same['scores']['f1'], 1.0)

    @unittest.skipUnless(have_mecab_ko(), 'python-mecab-ko not installed')
    def test_ko(self):
        self.check('ko', KO)


if __name__ == '__main__':
    unittest.main()
