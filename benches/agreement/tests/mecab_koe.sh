#!/bin/sh
# Test stand-in for `koe tokenize --lang ja|ko --format wakati [ARGS...] FILE` that
# segments with MeCab itself, so agreement.py must report exactly 1.0 against it.
# Set KOE_FAKE=merge to glue every second token to the one before it (agreement drops).
# KOE_FAKE_USERDIC=FILE.dic (ja) adds a compiled MeCab user dictionary.
lang=; for a in "$@"; do [ "$prev" = --lang ] && lang=$a; prev=$a; file=$a; done
case "$lang" in
  ja) mecab -Owakati -b 16777216 ${KOE_FAKE_USERDIC:+-u "$KOE_FAKE_USERDIC"} "$file" | sed 's/ $//' ;;
  ko) python3 -c 'import sys, mecab
m = mecab.MeCab()
for line in open(sys.argv[1], encoding="utf-8"):
    print(" ".join(m.morphs(line.rstrip("\n"))) if line.strip() else "")' "$file" ;;
  *) echo "mecab_koe.sh: unsupported --lang '$lang'" >&2; exit 2 ;;
esac | if [ "${KOE_FAKE:-}" = merge ]; then
  # concatenate tokens 2k and 2k+1 when they are adjacent in the text (not across spaces)
  python3 -c 'import sys
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
for i, row in enumerate(sys.stdin):
    toks, text, pos, out = row.split(), lines[i], 0, []
    for k, t in enumerate(toks):
        j = text.find(t, pos)
        if out and k % 2 == 1 and j == pos:
            out[-1] += t
        else:
            out.append(t)
        pos = j + len(t) if j >= 0 else pos
    print(" ".join(out))' "$file"
else cat; fi
