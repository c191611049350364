"""Builds a lower-cased WordPiece vocabulary from the training corpus and writes a Hugging Face tokenizer.json
(BertNormalizer lowercase, BertPreTokenizer, WordPiece, BertProcessing) by hand: the Python `tokenizers` package is not
installable here, and the JSON layout is what both the npm `tokenizers` package and transformers.js read.

Deterministic: whole words by frequency, then the most frequent word-initial and ##continuation pieces of the
remaining words, then every character (ties broken alphabetically).
"""
import argparse
import collections
import json
import os
import unicodedata

SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']


def is_punct(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith('P')


def normalise(text):
    text = ''.join(' ' if ch.isspace() else ch for ch in text if not (ord(ch) == 0 or ord(ch) == 0xFFFD or
                                                                     unicodedata.category(ch) in ('Cc', 'Cf') and not ch.isspace()))
    text = unicodedata.normalize('NFD', text.lower())
    return ''.join(ch for ch in text if unicodedata.category(ch) != 'Mn')


def pre_tokenise(text):
    words = []
    for chunk in normalise(text).split():
        cur = ''
        for ch in chunk:
            if is_punct(ch):
                if cur:
                    words.append(cur)
                    cur = ''
                words.append(ch)
            else:
                cur += ch
        if cur:
            words.append(cur)
    return words


def build(texts, size, min_char=3):
    words = collections.Counter()
    for t in texts:
        words.update(pre_tokenise(t))
    chars = collections.Counter()
    for w, c in words.items():
        for i, ch in enumerate(w):
            chars[ch if i == 0 else '##' + ch] += c
    char_pieces = sorted(p for p, c in chars.items() if c >= min_char)
    # Every single character also as a continuation, so nothing common becomes [UNK].
    for p in list(char_pieces):
        if not p.startswith('##'):
            char_pieces.append('##' + p)
    char_pieces = sorted(set(char_pieces))
    budget = size - len(SPECIALS) - len(char_pieces)
    whole_budget = int(budget * 0.7)
    ranked = sorted(words.items(), key=lambda x: (-x[1], x[0]))
    whole = [w for w, c in ranked if len(w) > 1 and c >= 3][:whole_budget]
    wset = set(whole)
    pieces = collections.Counter()
    for w, c in ranked:
        if w in wset or len(w) < 3:
            continue
        for n in range(2, min(7, len(w))):
            pieces[w[:n]] += c
        for i in range(1, len(w) - 1):
            for n in range(2, min(6, len(w) - i + 1)):
                pieces['##' + w[i:i + n]] += c
    extra = [p for p, c in sorted(pieces.items(), key=lambda x: (-x[1], x[0])) if p not in wset][:size - len(SPECIALS) - len(char_pieces) - len(whole)]
    vocab = SPECIALS + char_pieces + whole + extra
    seen, out = set(), []
    for v in vocab:
        if v not in seen:
            seen.add(v)
            out.append(v)
    return out


def tokenizer_json(vocab, max_len):
    ids = {t: i for i, t in enumerate(vocab)}
    added = [{'id': ids[t], 'content': t, 'single_word': False, 'lstrip': False, 'rstrip': False, 'normalized': False,
              'special': True} for t in SPECIALS]
    return {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': added,
        'normalizer': {'type': 'BertNormalizer', 'clean_text': True, 'handle_chinese_chars': True,
                       'strip_accents': None, 'lowercase': True},
        'pre_tokenizer': {'type': 'BertPreTokenizer'},
        'post_processor': {'type': 'BertProcessing', 'sep': ['[SEP]', ids['[SEP]']], 'cls': ['[CLS]', ids['[CLS]']]},
        'decoder': {'type': 'WordPiece', 'prefix': '##', 'cleanup': True},
        'model': {'type': 'WordPiece', 'unk_token': '[UNK]', 'continuing_subword_prefix': '##',
                  'max_input_chars_per_word': 100, 'vocab': ids},
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--size', type=int, default=8000)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    texts = [json.loads(l)['text'] for l in open(a.corpus, encoding='utf-8')]
    vocab = build(texts, a.size)
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, 'vocab.txt'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(vocab) + '\n')
    with open(os.path.join(a.out, 'tokenizer.json'), 'w', encoding='utf-8') as f:
        json.dump(tokenizer_json(vocab, 512), f, ensure_ascii=False)
    json.dump({'do_lower_case': True, 'model_max_length': 512, 'tokenizer_class': 'BertTokenizer',
               'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]',
               'mask_token': '[MASK]'}, open(os.path.join(a.out, 'tokenizer_config.json'), 'w'), indent=1)
    print(f'vocab {len(vocab)} -> {a.out}')


if __name__ == '__main__':
    main()
