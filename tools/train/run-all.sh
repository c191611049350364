#!/usr/bin/env bash
# Rebuilds models/clinex-bert-ner (0.3.0) from scratch on 2 vCPUs, in stages of under an hour each. Every stage writes
# its output to .cache/train/ (git-ignored), so a stage can be rerun or continued alone (STAGE=mlm|finetune|finish).
# Needs: apt-get install -y python3-torch libopenblas0-pthread python3-onnx, and npm ci.
#
# Data rules (data/corpus/README.md): the held-out split of the annotated corpus and ../shared/data/medication-gold-dev
# are never trained on, not even as unlabelled pretraining text or as silver labels; the tune split is only the dev
# set of fine-tuning and the data the confidence thresholds are tuned on.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
CACHE=.cache/train
DATA=$CACHE/data
OUT=${OUT_DIR:-models/clinex-bert-ner}
SEED=${SEED:-16}
STAGE=${STAGE:-all}
ARCH="--hidden 256 --layers 4 --heads 4 --inter 1024 --max-pos 128"
mkdir -p "$DATA"
export OPENBLAS_NUM_THREADS=1

if [ "$STAGE" = all ] || [ "$STAGE" = data ]; then
  # 1. silver/synthetic corpus (synthetic notes, silver-labelled MTSamples outside the annotated corpus, PHEE, ADE),
  #    then one tokens file per source so each gets its own weight.
  $PY tools/train/prepare_data.py --seed "$SEED" --synthetic 3000
  # 2. the 8,000-piece WordPiece vocabulary: the bundled model's (built by build_vocab.py for 0.1.0 and kept since),
  #    so the tokenizer does not change; a checkout without a model dir builds one the same way
  mkdir -p "$CACHE/tok"
  if [ -f "$OUT/vocab.txt" ]; then
    cp "$OUT/tokenizer.json" "$OUT/tokenizer_config.json" "$OUT/vocab.txt" "$CACHE/tok/"
  else
    $PY tools/train/build_vocab.py --corpus "$DATA/corpus.jsonl" --size 8000 --out "$CACHE/tok"
  fi
  node tools/train/tokenize-corpus.mjs "$CACHE/tok/tokenizer.json" "$DATA/corpus.jsonl" "$DATA/tokens.jsonl"
  $PY - "$DATA" <<'PYEOF'
import json, sys
d = sys.argv[1]
outs = {}
for line in open(f'{d}/tokens.jsonl'):
    src = json.loads(line)['src']
    outs.setdefault(src, open(f'{d}/tokens-{src}.jsonl', 'w')).write(line)
PYEOF
  # 3. gold documents from the annotated corpus (train and tune splits)
  $PY tools/train/gold_corpus.py
  for s in train tune; do
    node tools/train/tokenize-corpus.mjs "$CACHE/tok/tokenizer.json" "$DATA/gold-$s.jsonl" "$DATA/gold-$s-tokens.jsonl"
  done
  # 4. unlabelled pretraining text
  $PY tools/train/pretrain_mlm.py --write-text "$DATA/mlm.jsonl"
  node tools/train/tokenize-corpus.mjs "$CACHE/tok/tokenizer.json" "$DATA/mlm.jsonl" "$DATA/mlm-tokens.jsonl"
fi

if [ "$STAGE" = all ] || [ "$STAGE" = mlm ]; then
  # 5. masked-language pretraining of a 4 x 256 encoder (45-minute cap)
  $PY tools/train/pretrain_mlm.py --tokens "$DATA/mlm-tokens.jsonl" --out "$CACHE/mlm-4x256.pt" --minutes 45 \
    --planned-steps 4000 --seed 21 $ARCH 2>&1 | tee "$CACHE/mlm.log"
fi

if [ "$STAGE" = all ] || [ "$STAGE" = finetune ]; then
  # 6. fine-tuning from the pretrained encoder: gold four times, synthetic and silver below it; the dev set is the
  #    tune split, and the state with the best dev token F1 is exported (50-minute cap)
  $PY tools/train/train.py --tokens "$DATA/gold-train-tokens.jsonl@4" "$DATA/tokens-synthetic.jsonl@0.3" \
    "$DATA/tokens-mtsamples.jsonl@0.15" "$DATA/tokens-phee.jsonl@0.2" "$DATA/tokens-ade.jsonl@0.2" \
    --dev-tokens "$DATA/gold-tune-tokens.jsonl" --tok "$CACHE/tok" --out "$CACHE/model-r5" --init "$CACHE/mlm-4x256.pt" \
    --ckpt "$CACHE/ckpt-r5.pt" --seed $((SEED + 1)) --steps 1800 --lr 4e-4 --max-minutes 50 --eval-every 150 \
    --keep-empty 0.2 --batch-tokens 2048 --threads 2 $ARCH 2>&1 | tee "$CACHE/train-r5.log"
fi

if [ "$STAGE" = all ] || [ "$STAGE" = finish ]; then
  # 7. assemble the model dir, tune the confidence thresholds on the tune split, make the int8 graph
  mkdir -p "$OUT"
  cp "$CACHE/model-r5/model.onnx" "$CACHE/model-r5/config.json" "$CACHE/model-r5/tokenizer.json" "$OUT/"
  cp "$CACHE/tok/vocab.txt" "$OUT/"
  $PY - "$OUT" <<'PYEOF'
import json, sys
out = sys.argv[1]
cfg = json.load(open(f'{out}/config.json'))
cfg['_name_or_path'] = 'clinex-bert-ner'
cfg.setdefault('clinex', {})['version'] = '0.3.0'
json.dump(cfg, open(f'{out}/config.json', 'w'), indent=1)
json.dump({'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': cfg['max_position_embeddings'],
           'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]', 'mask_token': '[MASK]'},
          open(f'{out}/tokenizer_config.json', 'w'), indent=1)
PYEOF
  cp tools/train/clinex-labels.json "$OUT/"
  node --conditions=clinex-source --import tsx tools/train/tune-thresholds.ts --model "$OUT"
  rm -f "$OUT/model_quantized.onnx"
  $PY tools/train/quantize_int8.py --model-dir "$OUT"
  echo "model dir: $OUT"
fi
