# Safetensors files as PyTorch 1.13 writes them, pinned in test/safetensors-torch.test.ts.
# Run with Debian's python3-torch: /usr/bin/python3 safetensors_reference.py > safetensors_reference.json
# Debian's torch has no `safetensors` package, so the file is written here as
# safetensors.torch.save_file writes it (header sorted by name, compact JSON, padded with spaces to
# 8 bytes; the same writer as apps/fashion/scripts/pytorch_interop.py).
import base64, json, struct
import torch
from torch import nn

DTYPES = {torch.float64: 'F64', torch.float32: 'F32', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.int64: 'I64',
          torch.int32: 'I32', torch.int16: 'I16', torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL'}

def save_bytes(tensors):
    header, chunks, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        # reshape(-1) first: a 0-d tensor (num_batches_tracked) cannot be viewed as bytes.
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(chunks)

def b64(b):
    return base64.b64encode(b).decode()

def f32_bits(t):
    """torch's own conversion to float32, as the bits of each value (NaN payloads as torch makes them)."""
    return t.to(torch.float32).reshape(-1).view(torch.int32).tolist()

inf, nan = float('inf'), float('nan')
dtypes = {
    'f16': torch.tensor([0.0, -0.0, 1.0, -2.5, 65504.0, 2 ** -14, 2 ** -24, 3e-6, -5e-7, inf, -inf, nan, 0.1], dtype=torch.float16),
    'f16_2x3': torch.tensor([[1.5, -1e-3, 7.0], [2 ** -20, 1000.0, -65504.0]], dtype=torch.float16),
    'bf16': torch.tensor([0.0, -0.0, 1.0, -2.5, 3.3895e38, 2 ** -126, 2 ** -133, -1e-39, inf, -inf, nan, 0.1], dtype=torch.bfloat16),
    'f64': torch.tensor([0.1, 1 / 3, -1e-40, 1e-46, 1e-50, 3.5e38, -1e308, nan, inf, 16777217.0, 2 ** -149, 0.75 * 2 ** -149], dtype=torch.float64),
    'f32': torch.tensor([1.0, -0.0, 1e-45, nan, 3.4028235e38], dtype=torch.float32),
    'i64': torch.tensor([0, -1, 7, 2 ** 31, -(2 ** 40) - 1, 16777217, 2 ** 53 + 1, 2 ** 60 + 2 ** 36 + 1, -(2 ** 60 + 2 ** 36 + 1), 2 ** 60 + 2 ** 36, 2 ** 63 - 1, -(2 ** 63)], dtype=torch.int64),
    'i64_scalar': torch.tensor(42, dtype=torch.int64),
    'i64_empty': torch.zeros([0], dtype=torch.int64),
    'i32': torch.tensor([0, -1, 2 ** 31 - 1, -(2 ** 31), 16777217, 16777219], dtype=torch.int32),
    'i16': torch.tensor([-32768, 32767, 5], dtype=torch.int16),
    'i8': torch.tensor([-128, 127, -3], dtype=torch.int8),
    'u8': torch.tensor([0, 255, 128, 7], dtype=torch.uint8),
    'bool': torch.tensor([True, False, True, True], dtype=torch.bool),
}
res = {'torch': torch.__version__, 'dtypes': {'file': b64(save_bytes(dtypes)), 'expected': {
    k: {'dtype': DTYPES[v.dtype], 'shape': list(v.shape), 'f32_bits': f32_bits(v)} for k, v in dtypes.items()}}}

# A model with both batch norms, trained a few steps so that its running statistics and
# num_batches_tracked (int64) are not the defaults; BatchNorm1d uses momentum=None (cumulative average).
torch.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8, momentum=None), nn.ReLU(), nn.Linear(8, 3))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
for _ in range(3):
    x = torch.randn(5, 1, 6, 6)
    y = torch.randint(0, 3, (5,))
    opt.zero_grad()
    nn.functional.cross_entropy(model(x), y).backward()
    opt.step()
state = {k: v.detach().clone() for k, v in model.state_dict().items()}
x_eval = torch.randn(4, 1, 6, 6)

def logits(sd):
    m = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.Flatten(), nn.Linear(64, 8), nn.BatchNorm1d(8, momentum=None), nn.ReLU(), nn.Linear(8, 3))
    m.load_state_dict(sd, strict=True)  # copy_ converts every dtype to the model's float32 / int64
    m.eval()
    with torch.no_grad():
        return m(x_eval).reshape(-1).tolist(), m

bn = {'x_eval': x_eval.reshape(-1).tolist(), 'files': {}}
for tag, conv in [('f32', None), ('f16', torch.float16), ('bf16', torch.bfloat16), ('f64', torch.float64)]:
    sd = {k: (v.to(conv) if conv is not None and v.is_floating_point() else v) for k, v in state.items()}
    out, _ = logits(sd)
    bn['files'][tag] = {'file': b64(save_bytes(sd)), 'logits': out, 'keys': list(sd.keys()), 'dtypes': {k: DTYPES[v.dtype] for k, v in sd.items()}}
# One more training-mode forward (no step) of the float32 model: running statistics afterwards.
_, m = logits(state)
m.train()
with torch.no_grad():
    m(x_eval)
bn['after_train_forward'] = {k: v.reshape(-1).tolist() for k, v in m.state_dict().items() if 'running' in k or 'num_batches' in k}
res['bn_model'] = bn
print(json.dumps(res))
