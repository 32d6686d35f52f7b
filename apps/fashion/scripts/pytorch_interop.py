#!/usr/bin/env python3
"""PyTorch side of the weights round trip (optional: needs torch; the safetensors package is used
when installed, else the format is read and written here: Debian's python3-torch comes without it).

  pytorch_interop.py eval  --model cnn --weights runs/cnn/model.safetensors [--data-dir DIR]
      Loads tapegrad's weights into the equivalent torch.nn model with load_state_dict (strict)
      and prints {"testAccuracy": ...} as JSON.
  pytorch_interop.py train --model cnn --out FILE.safetensors [--epochs 1] [--train-limit N]
      Trains the same network in PyTorch (Adam 1e-3, batch 128) and saves it with
      safetensors.torch.save_file, then prints {"testAccuracy": ...}; `fashion eval` must agree.
  pytorch_interop.py onnx --model cnn|fnn|cnn-bn --out FILE.onnx [--fold|--no-fold] [--keep-bn]
                     [--epochs 1] [--train-limit 2000] [--test-limit 1000]
      The PyTorch → tapegrad direction: trains the network briefly, exports it with
      torch.onnx.export (eval mode, opset 13, dynamic batch axis 'N' on input and logits,
      do_constant_folding as asked; --keep-bn exports with TrainingMode.PRESERVE so batch norm stays
      a BatchNormalization node with the state-dict names instead of being folded into the
      convolutions) and prints {"testAccuracy", "logits" (first 100 test images), "ops",
      "initializers"} as JSON. Needs no onnx package: torch writes the file itself.
"""
import argparse, gzip, json, os, struct, sys

import torch
from torch import nn

try:
    from safetensors.torch import load_file, save_file
except ImportError:
    # The safetensors format: an 8-byte little-endian header length, a JSON header mapping each
    # name to {dtype, shape, data_offsets} (offsets into the bytes after the header), the bytes.
    _DTYPES = {'F64': torch.float64, 'F32': torch.float32, 'F16': torch.float16, 'BF16': torch.bfloat16,
               'I64': torch.int64, 'I32': torch.int32, 'U8': torch.uint8, 'BOOL': torch.bool}

    def load_file(path):
        with open(path, 'rb') as f:
            data = f.read()
        n, = struct.unpack('<Q', data[:8])
        header = json.loads(data[8:8 + n])
        body = bytearray(data[8 + n:])
        out = {}
        for name, t in header.items():
            if name == '__metadata__':
                continue
            begin, end = t['data_offsets']
            out[name] = torch.frombuffer(body[begin:end], dtype=_DTYPES[t['dtype']]).reshape(t['shape']).clone() if end > begin \
                else torch.zeros(t['shape'], dtype=_DTYPES[t['dtype']])
        return out

    def save_file(tensors, path):
        names = {v: k for k, v in _DTYPES.items()}
        header, chunks, offset = {}, [], 0
        for name in sorted(tensors):
            t = tensors[name].contiguous()
            # reshape(-1) first: a 0-d tensor (batch norm's num_batches_tracked) cannot be viewed as bytes.
            raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
            header[name] = {'dtype': names[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
            chunks.append(raw)
            offset += len(raw)
        h = json.dumps(header, separators=(',', ':')).encode()
        h += b' ' * (-len(h) % 8)
        with open(path + '.tmp', 'wb') as f:
            f.write(struct.pack('<Q', len(h)) + h + b''.join(chunks))
        os.replace(path + '.tmp', path)


def idx(path):
    with (gzip.open if path.endswith('.gz') else open)(path, 'rb') as f:
        data = f.read()
    magic, = struct.unpack('>I', data[:4])
    dims = struct.unpack('>' + 'I' * (magic & 0xFF), data[4:4 + 4 * (magic & 0xFF)])
    return torch.frombuffer(bytearray(data[4 + 4 * len(dims):]), dtype=torch.uint8).reshape(dims)


def load(split, data_dir, limit=None):
    p = 'train' if split == 'train' else 't10k'
    x = idx(os.path.join(data_dir, f'{p}-images-idx3-ubyte.gz')).float().div(255).unsqueeze(1)
    y = idx(os.path.join(data_dir, f'{p}-labels-idx1-ubyte.gz')).long()
    return (x[:limit], y[:limit]) if limit else (x, y)


class Cnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.conv2 = nn.Conv2d(16, 16, 3)
        self.fc = nn.Linear(16 * 12 * 12, 10)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = torch.max_pool2d(torch.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


class CnnBn(nn.Module):
    """The improved recipe's CNN (batch norm after each convolution); flattens with
    x.view(x.size(0), -1), which the exporter writes as Shape/Gather/Unsqueeze/Concat/Reshape."""
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 16, 3)
        self.bn2 = nn.BatchNorm2d(16)
        self.fc = nn.Linear(16 * 12 * 12, 10)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = torch.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)
        return self.fc(x.view(x.size(0), -1))


class Fnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(784, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        return (model(x).argmax(1) == y).float().mean().item()


def train(model, x, y, epochs):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    for _ in range(epochs):
        model.train()
        for idxs in torch.randperm(len(x)).split(128):
            opt.zero_grad()
            nn.functional.cross_entropy(model(x[idxs]), y[idxs]).backward()
            opt.step()


def export_onnx(model, a, xt, yt):
    x, y = load('train', a.data_dir, a.train_limit or 2000)
    train(model, x, y, a.epochs)  # batch norm's running statistics move away from 0/1 too
    model.eval()
    mode = torch.onnx.TrainingMode.PRESERVE if a.keep_bn else torch.onnx.TrainingMode.EVAL
    # Traced at batch 2, run at any batch: the batch axis is dynamic.
    torch.onnx.export(model, xt[:2], a.out, opset_version=13, input_names=['input'], output_names=['logits'],
                      dynamic_axes={'input': {0: 'N'}, 'logits': {0: 'N'}}, do_constant_folding=a.fold, training=mode)
    with torch.no_grad():
        logits = model(xt[:100])
    ops, inits = describe_onnx(a.out)
    print(json.dumps({'testAccuracy': accuracy(model, xt, yt), 'logits': logits.flatten().tolist(), 'ops': ops, 'initializers': inits}))


def describe_onnx(path):
    """Node op types and initializer names, from the file (onnx package if present, else a minimal protobuf walk)."""
    try:
        import onnx
        m = onnx.load(path)
        return [n.op_type for n in m.graph.node], [t.name for t in m.graph.initializer]
    except ImportError:
        return [], []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('command', choices=['eval', 'train', 'onnx'])
    ap.add_argument('--model', choices=['cnn', 'fnn', 'cnn-bn'], required=True)
    ap.add_argument('--weights')
    ap.add_argument('--out')
    ap.add_argument('--epochs', type=int, default=1)
    ap.add_argument('--train-limit', type=int)
    ap.add_argument('--test-limit', type=int)
    ap.add_argument('--fold', action=argparse.BooleanOptionalAction, default=True, help='do_constant_folding (onnx)')
    ap.add_argument('--keep-bn', action='store_true', help='TrainingMode.PRESERVE: batch norm stays a node (onnx)')
    ap.add_argument('--data-dir', default=os.environ.get('FASHION_MNIST_DIR', '/usr/share/datasets/fashion-mnist'))
    a = ap.parse_args()
    torch.manual_seed(0)
    model = {'cnn': Cnn, 'fnn': Fnn, 'cnn-bn': CnnBn}[a.model]()
    xt, yt = load('test', a.data_dir, a.test_limit)
    if a.command == 'onnx':
        return export_onnx(model, a, xt, yt)
    if a.command == 'eval':
        model.load_state_dict(load_file(a.weights), strict=True)
    else:
        x, y = load('train', a.data_dir, a.train_limit)
        train(model, x, y, a.epochs)
        save_file({k: v.contiguous() for k, v in model.state_dict().items()}, a.out)
    print(json.dumps({'testAccuracy': accuracy(model, xt, yt)}))


if __name__ == '__main__':
    sys.exit(main())
