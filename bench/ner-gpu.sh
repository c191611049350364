#!/usr/bin/env bash
# NER model throughput on a GPU, in one call: checks that onnxruntime-node can use CUDA, then times batch sizes
# 1..256 and prints a table (JSON to $OUT/ner-gpu.json when OUT is set, else bench/results/ner-gpu.json).
#
# GPU users install onnxruntime-node with its CUDA 12 provider:
#   npm ci --onnxruntime-node-install=cuda12        (or: ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci)
# The default install here skips that download (ONNXRUNTIME_NODE_INSTALL=skip), so CUDA is absent and this script
# exits 3 after saying so. Extra arguments go to bench/gpu/ner-gpu.bench.ts (--model DIR, --window N, --max-batch N).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== GPU"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
else
  echo "nvidia-smi not found"
fi

echo "== onnxruntime-node backends"
node -e "const o=require('onnxruntime-node'); console.log(JSON.stringify(o.listSupportedBackends()))"
ls node_modules/onnxruntime-node/bin/napi-v*/linux/x64/ 2>/dev/null | tee /dev/stderr | grep -q libonnxruntime_providers_cuda \
  || {
    echo "CUDA provider missing from onnxruntime-node. Install with: npm ci --onnxruntime-node-install=cuda12" >&2
    if command -v python3 >/dev/null 2>&1; then
      python3 -c "import onnxruntime as o; print('python onnxruntime', o.__version__, o.get_available_providers())" 2>/dev/null || true
    fi
    exit 3
  }

echo "== NER throughput"
npx tsx --conditions=clinex-source bench/gpu/ner-gpu.bench.ts "$@"
