"""Fine-tunes the small BERT tagger on the prepared corpus and exports the model dir.

  /usr/bin/python3 tools/train/train.py --tokens .cache/train/data/tokens.jsonl --tok .cache/train/tok \
      --out models/clinex-bert-ner --steps 2600

`--steps 0` exports a randomly initialised model (used for the tiny test fixture).
"""
import argparse
import json
import math
import os
import random
import shutil
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(__file__))
from model import BertTagger  # noqa: E402

TYPES = ['DRUG', 'DOSE', 'FREQ', 'ROUTE', 'DIAGNOSIS', 'SYMPTOM', 'LAB_NAME', 'LAB_VALUE', 'FOLLOWUP', 'AGE', 'SEX']
LABELS = ['O'] + [f'{p}-{t}' for t in TYPES for p in ('B', 'I')]
L2I = {l: i for i, l in enumerate(LABELS)}
CLS, SEP, PAD = 2, 3, 0


def log(msg, f=None):
    line = time.strftime('%H:%M:%S ') + msg
    print(line, flush=True)


def token_labels(offsets, spans):
    labels = [0] * len(offsets)
    for s, e, lab in spans:
        first = True
        for i, (a, b) in enumerate(offsets):
            if b <= s or a >= e or a == b:
                continue
            labels[i] = L2I[('B-' if first else 'I-') + lab]
            first = False
    return labels


def windows(doc, size, stride, rng, keep_empty):
    ids, labels = doc['ids'], token_labels(doc['offsets'], doc['spans'])
    n = len(ids)
    out = []
    start = 0
    while True:
        end = min(n, start + size - 2)
        wl = labels[start:end]
        has_med = any(l in (L2I['B-DRUG'], L2I['I-DRUG']) for l in wl)
        if has_med or doc['src'] != 'mtsamples' or rng.random() < keep_empty:
            out.append(([CLS] + ids[start:end] + [SEP], [-100] + wl + [-100]))
        if end >= n:
            break
        start += stride
    return out


def batches(items, max_tokens, rng):
    items = sorted(items, key=lambda x: len(x[0]))
    out, cur, cur_len = [], [], 0
    for it in items:
        l = len(it[0])
        if cur and max(cur_len, l) * (len(cur) + 1) > max_tokens:
            out.append(cur)
            cur, cur_len = [], 0
        cur.append(it)
        cur_len = max(cur_len, l)
    if cur:
        out.append(cur)
    rng.shuffle(out)
    return out


def collate(batch):
    t = max(len(x[0]) for x in batch)
    ids = torch.zeros(len(batch), t, dtype=torch.long)
    lab = torch.full((len(batch), t), -100, dtype=torch.long)
    mask = torch.zeros(len(batch), t, dtype=torch.long)
    for i, (a, b) in enumerate(batch):
        ids[i, :len(a)] = torch.tensor(a)
        lab[i, :len(b)] = torch.tensor(b)
        mask[i, :len(a)] = 1
    return ids, mask, lab


def evaluate(model, dev, max_tokens):
    model.eval()
    tp = fp = fn = 0
    with torch.no_grad():
        for b in batches(dev, max_tokens, random.Random(0)):
            ids, mask, lab = collate(b)
            pred = model(ids, mask, torch.zeros_like(ids)).argmax(-1)
            ok = lab != -100
            p_ent = (pred != 0) & ok
            g_ent = (lab != 0) & ok
            tp += int(((pred == lab) & p_ent & g_ent).sum())
            fp += int((p_ent & (pred != lab)).sum())
            fn += int((g_ent & (pred != lab)).sum())
    model.train()
    p = tp / max(1, tp + fp)
    r = tp / max(1, tp + fn)
    return {'token_precision': p, 'token_recall': r, 'token_f1': 2 * p * r / max(1e-9, p + r)}


def export(model, cfg, tok_dir, out, train_info):
    os.makedirs(out, exist_ok=True)
    model.eval()
    ids = torch.ones(2, 16, dtype=torch.long)
    mask = torch.ones(2, 16, dtype=torch.long)
    typ = torch.zeros(2, 16, dtype=torch.long)
    torch.onnx.export(model, (ids, mask, typ), os.path.join(out, 'model.onnx'), opset_version=14,
                      input_names=['input_ids', 'attention_mask', 'token_type_ids'], output_names=['logits'],
                      dynamic_axes={'input_ids': {0: 'batch', 1: 'sequence'}, 'attention_mask': {0: 'batch', 1: 'sequence'},
                                    'token_type_ids': {0: 'batch', 1: 'sequence'}, 'logits': {0: 'batch', 1: 'sequence'}},
                      do_constant_folding=True)
    config = {
        'architectures': ['BertForTokenClassification'], 'model_type': 'bert', 'vocab_size': cfg['vocab'],
        'hidden_size': cfg['hidden'], 'num_hidden_layers': cfg['layers'], 'num_attention_heads': cfg['heads'],
        'intermediate_size': cfg['inter'], 'max_position_embeddings': cfg['max_pos'], 'type_vocab_size': 2,
        'hidden_act': 'gelu', 'layer_norm_eps': 1e-12, 'pad_token_id': 0,
        'id2label': {str(i): l for i, l in enumerate(LABELS)}, 'label2id': L2I,
        'clinex': train_info,
    }
    json.dump(config, open(os.path.join(out, 'config.json'), 'w'), indent=1)
    for f in ('tokenizer.json', 'tokenizer_config.json'):
        shutil.copy(os.path.join(tok_dir, f), os.path.join(out, f))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--tokens', required=True, nargs='+',
                    help='tokenised corpus files; PATH@W repeats its windows W times (a fraction samples them)')
    ap.add_argument('--dev-tokens', help='score on this file (e.g. the gold tune split) instead of a slice of --tokens')
    ap.add_argument('--tok', required=True)
    ap.add_argument('--out', required=True)
    ap.add_argument('--steps', type=int, default=2600)
    ap.add_argument('--seed', type=int, default=13)
    ap.add_argument('--hidden', type=int, default=256)
    ap.add_argument('--layers', type=int, default=4)
    ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--inter', type=int, default=1024)
    ap.add_argument('--max-pos', type=int, default=256)
    ap.add_argument('--batch-tokens', type=int, default=4096)
    ap.add_argument('--lr', type=float, default=5e-4)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--keep-empty', type=float, default=0.35)
    ap.add_argument('--ckpt', default='.cache/train/ckpt.pt')
    ap.add_argument('--max-minutes', type=float, default=0, help='stop early (and still export) after this long; 0 = no limit')
    ap.add_argument('--stride', type=int, default=96)
    ap.add_argument('--eval-every', type=int, default=0, help='score dev every N steps and export the best state')
    ap.add_argument('--init', help='start from this checkpoint (continue training, or export it with --steps 0)')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    random.seed(a.seed)
    torch.manual_seed(a.seed)
    rng = random.Random(a.seed)
    vocab = sum(1 for _ in open(os.path.join(a.tok, 'vocab.txt'), encoding='utf-8'))
    cfg = dict(vocab=vocab, hidden=a.hidden, layers=a.layers, heads=a.heads, inter=a.inter, max_pos=a.max_pos)
    model = BertTagger(vocab, len(LABELS), a.hidden, a.layers, a.heads, a.inter, a.max_pos)
    info = {'seed': a.seed, 'steps': a.steps, 'lr': a.lr, 'batch_tokens': a.batch_tokens,
            'data': [os.path.basename(t) for t in a.tokens]}
    if a.init:
        state = torch.load(a.init)
        model.load_state_dict(state['model'])
        info['init'] = {'checkpoint': os.path.basename(a.init), 'step': state['step']}
    if a.steps > 0:
        train = []
        for spec in a.tokens:
            path, _, w = spec.partition('@')
            weight = float(w or 1)
            for line in open(path, encoding='utf-8'):
                for it in windows(json.loads(line), a.max_pos, a.stride, rng, a.keep_empty):
                    reps = int(weight) + (1 if rng.random() < weight - int(weight) else 0)
                    train.extend([it] * reps)
        rng.shuffle(train)
        if a.dev_tokens:
            dev = [it for line in open(a.dev_tokens, encoding='utf-8')
                   for it in windows(json.loads(line), a.max_pos, a.stride, rng, 1.0)]
            info['dev'] = os.path.basename(a.dev_tokens)
        else:
            n_dev = max(50, len(train) // 40)
            dev, train = train[:n_dev], train[n_dev:]
        log(f'windows train={len(train)} dev={len(dev)} tokens={sum(len(x[0]) for x in train)} params={sum(p.numel() for p in model.parameters())}')
        opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
        warm = max(1, a.steps // 12)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min((s + 1) / warm, max(0.02, (a.steps - s) / max(1, a.steps - warm))))
        lossf = torch.nn.CrossEntropyLoss(ignore_index=-100)
        step, epoch, t0, seen = 0, 0, time.time(), 0
        best = (-1.0, 0, None)
        model.train()
        while step < a.steps:
            epoch += 1
            for b in batches(train, a.batch_tokens, rng):
                ids, mask, lab = collate(b)
                logits = model(ids, mask, torch.zeros_like(ids))
                loss = lossf(logits.view(-1, logits.shape[-1]), lab.view(-1))
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                sched.step()
                step += 1
                seen += int(mask.sum())
                if step % 50 == 0:
                    el = time.time() - t0
                    log(f'epoch {epoch} step {step}/{a.steps} loss {loss.item():.4f} tok/s {seen / el:.0f} elapsed {el / 60:.1f} min')
                if a.eval_every and step % a.eval_every == 0:
                    score = evaluate(model, dev, a.batch_tokens)
                    log(f'step {step} dev token F1 {score["token_f1"]:.4f}')
                    if score['token_f1'] > best[0]:
                        best = (score['token_f1'], step, {k: v.clone() for k, v in model.state_dict().items()})
                if step % 500 == 0:
                    torch.save({'model': model.state_dict(), 'step': step, 'cfg': cfg}, a.ckpt)
                if step >= a.steps:
                    break
                if a.max_minutes and time.time() - t0 > a.max_minutes * 60:
                    log(f'time limit reached at step {step}')
                    info['stopped_early_at_step'] = step
                    a.steps = step
                    break
        final = evaluate(model, dev, a.batch_tokens)
        if best[2] is not None and best[0] > final['token_f1']:
            model.load_state_dict(best[2])
            info['best_step'] = best[1]
            log(f'keeping step {best[1]} (dev token F1 {best[0]:.4f} > final {final["token_f1"]:.4f})')
        info.update(evaluate(model, dev, a.batch_tokens))
        info['train_minutes'] = round((time.time() - t0) / 60, 1)
        info['epochs'] = round(step / max(1, len(batches(train, a.batch_tokens, random.Random(0)))), 2)
        info['train_tokens_seen'] = seen
        log('dev ' + json.dumps(info))
        torch.save({'model': model.state_dict(), 'step': step, 'cfg': cfg}, a.ckpt)
    export(model, cfg, a.tok, a.out, info)
    log(f'exported to {a.out}')


if __name__ == '__main__':
    main()
