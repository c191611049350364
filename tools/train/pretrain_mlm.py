"""Masked-language pretraining of the tagger's encoder on unlabelled clinical text, before fine-tuning.

  node tools/train/tokenize-corpus.mjs TOK/tokenizer.json .cache/train/data/mlm.jsonl .cache/train/data/mlm-tokens.jsonl
  /usr/bin/python3 tools/train/pretrain_mlm.py --tokens .cache/train/data/mlm-tokens.jsonl --vocab-size 8000 \
      --out .cache/train/mlm.pt --minutes 50

Text (written by `--write-text`): every MTSamples note except the medication gold development notes and the held-out
split of data/corpus (so no evaluation note is seen even unlabelled), plus the PHEE and ADE-Corpus-V2 sentences.
BERT's recipe: 15% of the word pieces are chosen, 80% of those become [MASK], 10% a random piece, 10% stay; the loss
is computed on the chosen positions only (the output layer over the vocabulary dominates the cost otherwise). The
output layer is tied to the word embeddings. The checkpoint holds the encoder in BertTagger's layout with a fresh
classifier, so train.py continues from it with --init.
"""
import argparse
import json
import math
import os
import random
import sys
import time

import torch
from torch import nn

sys.path.insert(0, os.path.dirname(__file__))
from model import BertTagger  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
SHARED = os.path.abspath(os.path.join(REPO, '..', 'shared', 'data'))
CLS, SEP, PAD, MASK, N_SPECIAL = 2, 3, 0, 4, 5
N_LABELS = 23


def log(msg):
    print(time.strftime('%H:%M:%S ') + msg, flush=True)


def write_text(path):
    """The pretraining text, one document a line ({src, text, spans: []}, the shape tokenize-corpus.mjs reads)."""
    gold_dev = {json.loads(l)['id'] for l in open(os.path.join(SHARED, 'medication-gold-dev', 'notes.jsonl'))}
    split = json.load(open(os.path.join(REPO, 'data', 'corpus', 'manifest.json')))['split']
    held_out = {i for i, s in split.items() if s == 'held-out'}
    n = {'mtsamples': 0, 'phee': 0, 'ade': 0, 'skipped': 0}
    with open(path, 'w', encoding='utf-8') as out:
        for line in open(os.path.join(SHARED, 'mtsamples', 'notes.jsonl'), encoding='utf-8'):
            d = json.loads(line)
            if d['id'] in gold_dev or d['id'] in held_out:
                n['skipped'] += 1
                continue
            out.write(json.dumps({'src': 'mtsamples', 'text': d['text'], 'spans': []}) + '\n')
            n['mtsamples'] += 1
        for split_name in ('train', 'dev'):
            for line in open(os.path.join(SHARED, 'phee', f'{split_name}.jsonl'), encoding='utf-8'):
                out.write(json.dumps({'src': 'phee', 'text': json.loads(line)['context'], 'spans': []}) + '\n')
                n['phee'] += 1
        seen = set()
        for name in ('DRUG-AE.rel', 'DRUG-DOSE.rel'):
            for line in open(os.path.join(SHARED, 'ade-corpus-v2', name), encoding='utf-8'):
                p = line.split('|')
                if len(p) > 1 and p[1] not in seen:
                    seen.add(p[1])
                    out.write(json.dumps({'src': 'ade', 'text': p[1], 'spans': []}) + '\n')
                    n['ade'] += 1
    print(json.dumps(n))


def chunks(tokens_path, size):
    """Each document cut into consecutive windows of size-2 pieces (no overlap), [CLS] ... [SEP] around each."""
    out = []
    for line in open(tokens_path, encoding='utf-8'):
        ids = json.loads(line)['ids']
        for s in range(0, max(1, len(ids)), size - 2):
            w = ids[s:s + size - 2]
            if len(w) >= 8:
                out.append([CLS] + w + [SEP])
    return out


def mask_batch(batch, vocab, rng):
    t = max(len(x) for x in batch)
    ids = torch.zeros(len(batch), t, dtype=torch.long)
    att = torch.zeros(len(batch), t, dtype=torch.long)
    for i, x in enumerate(batch):
        ids[i, :len(x)] = torch.tensor(x)
        att[i, :len(x)] = 1
    target = ids.clone()
    can = (ids >= N_SPECIAL)
    chosen = (torch.rand(ids.shape, generator=rng) < 0.15) & can
    roll = torch.rand(ids.shape, generator=rng)
    masked = ids.clone()
    masked[chosen & (roll < 0.8)] = MASK
    rand_pos = chosen & (roll >= 0.8) & (roll < 0.9)
    masked[rand_pos] = torch.randint(N_SPECIAL, vocab, (int(rand_pos.sum()),), generator=rng)
    return masked, att, target, chosen


class MlmHead(nn.Module):
    """Transform + layer norm, then the word embeddings transposed (tied) plus a bias, as in BERT."""

    def __init__(self, h, word):
        super().__init__()
        self.dense = nn.Linear(h, h)
        self.act = nn.GELU()
        self.ln = nn.LayerNorm(h, eps=1e-12)
        self.word = word
        self.bias = nn.Parameter(torch.zeros(word.weight.shape[0]))

    def forward(self, x):
        return self.ln(self.act(self.dense(x))) @ self.word.weight.t() + self.bias


def encode(model, ids, att):
    """BertTagger's forward without its classifier: the encoder's last hidden states."""
    t = ids.shape[1]
    pos = torch.arange(t).unsqueeze(0)
    x = model.drop(model.ln(model.word(ids) + model.pos(pos) + model.typ(torch.zeros_like(ids))))
    bias = (1.0 - att[:, None, None, :].to(x.dtype)) * -10000.0
    for layer in model.layers:
        x = layer(x, bias)
    return x


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--write-text', help='write the pretraining text to this .jsonl and exit')
    ap.add_argument('--tokens')
    ap.add_argument('--vocab-size', type=int, default=8000)
    ap.add_argument('--out', default='.cache/train/mlm.pt')
    ap.add_argument('--init', help='continue from this pretraining checkpoint')
    ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--inter', type=int, default=1024)
    ap.add_argument('--max-pos', type=int, default=128)
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--minutes', type=float, default=50)
    ap.add_argument('--planned-steps', type=int, default=6000, help='length of the learning-rate schedule')
    ap.add_argument('--seed', type=int, default=21)
    ap.add_argument('--threads', type=int, default=2)
    a = ap.parse_args()
    if a.write_text:
        write_text(a.write_text)
        return
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    gen = torch.Generator().manual_seed(a.seed)
    model = BertTagger(a.vocab_size, N_LABELS, a.hidden, a.layers, a.heads, a.inter, a.max_pos)
    head = MlmHead(a.hidden, model.word)
    step0 = 0
    if a.init:
        state = torch.load(a.init)
        model.load_state_dict(state['model'])
        head.load_state_dict(state['head'])
        step0 = state['step']
    data = chunks(a.tokens, a.max_pos)
    log(f'{len(data)} windows, {sum(len(x) for x in data)} pieces, params {sum(p.numel() for p in model.parameters())}')
    params = list(model.parameters()) + [p for n, p in head.named_parameters() if not n.startswith('word.')]
    opt = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.01)
    warm = max(1, a.planned_steps // 20)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + step0 + 1) / warm, max(0.05, (a.planned_steps - s - step0) / (a.planned_steps - warm))))
    lossf = nn.CrossEntropyLoss()
    t0, step, seen, run_loss = time.time(), 0, 0, None
    model.train()
    while time.time() - t0 < a.minutes * 60 and step0 + step < a.planned_steps:
        data.sort(key=len)
        groups = [data[i:i + a.batch] for i in range(0, len(data), a.batch)]
        rng.shuffle(groups)
        for b in groups:
            ids, att, target, chosen = mask_batch(b, a.vocab_size, gen)
            if not chosen.any():
                continue
            hidden = encode(model, ids, att)[chosen]
            loss = lossf(head(hidden), target[chosen])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
            step += 1
            seen += int(att.sum())
            run_loss = loss.item() if run_loss is None else 0.98 * run_loss + 0.02 * loss.item()
            if step % 100 == 0:
                el = time.time() - t0
                log(f'step {step0 + step} mlm loss {run_loss:.3f} (ppl {math.exp(run_loss):.1f}) tok/s {seen / el:.0f} '
                    f'elapsed {el / 60:.1f} min')
            if step % 1000 == 0:
                torch.save({'model': model.state_dict(), 'head': head.state_dict(), 'step': step0 + step}, a.out)
            if time.time() - t0 > a.minutes * 60 or step0 + step >= a.planned_steps:
                break
    torch.save({'model': model.state_dict(), 'head': head.state_dict(), 'step': step0 + step,
                'mlm_loss': run_loss, 'minutes': round((time.time() - t0) / 60, 1), 'tokens_seen': seen}, a.out)
    log(f'saved {a.out} at step {step0 + step}, mlm loss {run_loss:.3f}')


if __name__ == '__main__':
    main()
