"""Turns an exported clinex-bert-ner model.onnx back into a training checkpoint, so training can continue from the
committed model without the (git-ignored) checkpoint of the run that made it. Named initializers map one to one;
the Linear weights were constant-folded into anonymous MatMul inputs, found here through the node that reads them
(`/layers.0/qkv/MatMul` -> `layers.0.qkv.weight`, stored transposed)."""
import argparse
import json
import os

import onnx
import torch
from onnx import numpy_helper


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', required=True)
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    m = onnx.load(os.path.join(a.model_dir, 'model.onnx'))
    cfg_json = json.load(open(os.path.join(a.model_dir, 'config.json')))
    inits = {i.name: torch.from_numpy(numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    state = {k: v for k, v in inits.items() if not k.startswith('onnx::')}
    for node in m.graph.node:
        if node.op_type != 'MatMul':
            continue
        for name in node.input:
            if name.startswith('onnx::') and name in inits:
                module = node.name.strip('/').rsplit('/', 1)[0].replace('/', '.')
                state[f'{module}.weight'] = inits[name].t().contiguous()
    cfg = dict(vocab=cfg_json['vocab_size'], hidden=cfg_json['hidden_size'], layers=cfg_json['num_hidden_layers'],
               heads=cfg_json['num_attention_heads'], inter=cfg_json['intermediate_size'],
               max_pos=cfg_json['max_position_embeddings'])
    step = int(cfg_json.get('clinex', {}).get('steps', 0))
    torch.save({'model': state, 'step': step, 'cfg': cfg}, a.out)
    print(f'{len(state)} tensors from {a.model_dir}/model.onnx -> {a.out}')


if __name__ == '__main__':
    main()
