#!/usr/bin/env bash
# Rebuilds models/clinex-bert-ner from scratch (about 95 minutes on 2 shared vCPUs; the time caps make the step counts depend on machine load).
# To redo only stage 3 from the committed weights: python3 tools/train/onnx_to_ckpt.py --model-dir models/clinex-bert-ner
# --out .cache/train/ckpt-r2.pt after stages 1-3 of data preparation (note: that starts from the 0.2.0 weights). Intermediate files go to
# .cache/train/ (git-ignored). Needs: apt-get install -y python3-torch libopenblas0-pthread python3-onnx, and npm ci.
# Never reads ../shared/data/medication-gold-dev except to exclude its notes from the MTSamples silver data.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3
CACHE=.cache/train
OUT=${OUT_DIR:-models/clinex-bert-ner}
SEED=${SEED:-13}
mkdir -p "$CACHE"

# 1. corpus: synthetic notes + silver-labelled MTSamples + PHEE + ADE-Corpus-V2, spans as character offsets
$PY tools/train/prepare_data.py --seed "$SEED" --synthetic 4000
# 2. WordPiece vocabulary (8,000 pieces) and tokenizer.json
$PY tools/train/build_vocab.py --corpus "$CACHE/data/corpus.jsonl" --size 8000 --out "$CACHE/tok"
# 3. tokens and offsets from the npm tokenizers package (what the engine uses)
node tools/train/tokenize-corpus.mjs "$CACHE/tok/tokenizer.json" "$CACHE/data/corpus.jsonl" "$CACHE/data/tokens.jsonl"
# 4. fine-tune from random initialisation (stage 1: 40-minute cap, stopped at step 740 of 1000 here), then continue
#    from that checkpoint with a lower learning rate and another data order (stage 2: 240 steps; this was 0.1.0), then
#    once more (stage 3: 800 steps, another order; 0.2.0); export ONNX (opset 14, dynamic batch and sequence) + config.json
ARCH="--max-pos 128 --hidden 192 --layers 3 --heads 4 --inter 576 --keep-empty 0.2 --batch-tokens 2048 --threads 2"
OPENBLAS_NUM_THREADS=1 $PY tools/train/train.py --tokens "$CACHE/data/tokens.jsonl" --tok "$CACHE/tok" --out "$CACHE/model-out" \
  --seed "$SEED" --steps 1000 --lr 8e-4 --max-minutes 40 --ckpt "$CACHE/ckpt-r1.pt" $ARCH 2>&1 | tee "$CACHE/train.log"
OPENBLAS_NUM_THREADS=1 $PY tools/train/train.py --tokens "$CACHE/data/tokens.jsonl" --tok "$CACHE/tok" --out "$CACHE/model-r2" \
  --init "$CACHE/ckpt-r1.pt" --ckpt "$CACHE/ckpt-r2.pt" --seed $((SEED + 1)) --steps 240 --lr 3e-4 --max-minutes 13 $ARCH \
  2>&1 | tee "$CACHE/train-r2.log"
OPENBLAS_NUM_THREADS=1 $PY tools/train/train.py --tokens "$CACHE/data/tokens.jsonl" --tok "$CACHE/tok" --out "$CACHE/model-r3" \
  --init "$CACHE/ckpt-r2.pt" --ckpt "$CACHE/ckpt-r3.pt" --seed $((SEED + 2)) --steps 800 --lr 2.5e-4 --max-minutes 55 $ARCH \
  2>&1 | tee "$CACHE/train-r3.log"
# 5. assemble the model dir
mkdir -p "$OUT"
cp "$CACHE/model-r3/model.onnx" "$CACHE/model-r3/config.json" "$CACHE/model-r3/tokenizer.json" "$OUT/"
cp "$CACHE/tok/vocab.txt" "$OUT/"
$PY - "$OUT" <<'PYEOF'
import json, sys
out = sys.argv[1]
cfg = json.load(open(f'{out}/config.json'))
cfg['_name_or_path'] = 'clinex-bert-ner'
cfg.setdefault('clinex', {})['version'] = '0.2.0'
json.dump(cfg, open(f'{out}/config.json', 'w'), indent=1)
json.dump({'tokenizer_class': 'BertTokenizer', 'do_lower_case': True, 'model_max_length': cfg['max_position_embeddings'],
           'unk_token': '[UNK]', 'sep_token': '[SEP]', 'pad_token': '[PAD]', 'cls_token': '[CLS]', 'mask_token': '[MASK]'},
          open(f'{out}/tokenizer_config.json', 'w'), indent=1)
PYEOF
cp tools/train/clinex-labels.json "$OUT/"
# 6. the int8 graph the engine runs on CPU by default (model_quantized.onnx)
$PY tools/train/quantize_int8.py --model-dir "$OUT"
echo "model dir: $OUT"
