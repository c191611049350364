"""Dynamic int8 quantisation of a token-classification model.onnx, written with the plain `onnx` package because the
onnxruntime Python package (whose quantize_dynamic does this) cannot be installed here.

Every MatMul whose right-hand side is a weight becomes DynamicQuantizeLinear(activation) -> MatMulInteger(uint8 x
int8) -> Cast -> Mul(activation scale x per-column weight scale). Weights are quantised symmetrically per output
column (zero point 0). onnxruntime's optimiser fuses that chain into its DynamicQuantizeMatMul kernel, the same graph
onnxruntime.quantization.quantize_dynamic emits. Embeddings, layer norms, softmax and the classifier bias stay fp32.
Writes model_quantized.onnx beside model.onnx (the file name Hugging Face Optimum and transformers.js use)."""
import argparse
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def quantize(model):
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    new_nodes, drop = [], set()
    for node in g.node:
        w_name = node.input[1] if node.op_type == 'MatMul' and len(node.input) == 2 else None
        w = inits.get(w_name) if w_name else None
        if w is None or len(w.dims) != 2:
            new_nodes.append(node)
            continue
        wf = numpy_helper.to_array(w).astype(np.float32)
        scale = np.maximum(np.abs(wf).max(axis=0), 1e-8) / 127.0
        wq = np.clip(np.round(wf / scale), -127, 127).astype(np.int8)
        base = w_name.replace(':', '_')
        drop.add(w_name)
        g.initializer.extend([
            numpy_helper.from_array(wq, f'{base}_q'),
            numpy_helper.from_array(np.zeros(wq.shape[1], dtype=np.int8), f'{base}_zp'),
            numpy_helper.from_array(scale.astype(np.float32), f'{base}_scale'),
        ])
        a, out = node.input[0], node.output[0]
        p = (node.name or out).strip('/').replace('/', '_')
        new_nodes += [
            helper.make_node('DynamicQuantizeLinear', [a], [f'{p}_aq', f'{p}_as', f'{p}_azp'], name=f'{p}_quant'),
            helper.make_node('MatMulInteger', [f'{p}_aq', f'{base}_q', f'{p}_azp', f'{base}_zp'], [f'{p}_i32'],
                             name=f'{p}_matmul_int'),
            helper.make_node('Cast', [f'{p}_i32'], [f'{p}_f32'], to=TensorProto.FLOAT, name=f'{p}_cast'),
            helper.make_node('Mul', [f'{p}_as', f'{base}_scale'], [f'{p}_scale'], name=f'{p}_scale_mul'),
            helper.make_node('Mul', [f'{p}_f32', f'{p}_scale'], [out], name=f'{p}_out_mul'),
        ]
    keep = [i for i in g.initializer if i.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep)
    del g.node[:]
    g.node.extend(new_nodes)
    return len(drop)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model-dir', required=True)
    a = ap.parse_args()
    src = os.path.join(a.model_dir, 'model.onnx')
    model = onnx.load(src)
    n = quantize(model)
    onnx.checker.check_model(model)
    dst = os.path.join(a.model_dir, 'model_quantized.onnx')
    onnx.save(model, dst)
    print(f'{n} MatMul weights quantised to int8: {os.path.getsize(src)} -> {os.path.getsize(dst)} bytes, {dst}')


if __name__ == '__main__':
    main()
