# ONNX files written by torch.onnx.export (torch 1.13, opset 13, dynamic batch 'N') for models that
# use nn.GELU (→ Div, Erf, Add, Mul), torch.argmax (→ ArgMax) and torch.gather (→ GatherElements),
# with PyTorch's outputs, pinned in test/onnx/import-torch-ops.test.ts.
# Run with Debian's python3-torch: /usr/bin/python3 onnx_ops_reference.py > onnx_ops_reference.json
# Inputs are x_i = 3·sin(0.7·i), [5, 8] (float32).
import base64, io, json, math
import torch
from torch import nn

class Gelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.act = nn.GELU()
    def forward(self, x):
        return self.act(self.fc(x))

class Argmax(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 6)
    def forward(self, x):
        return torch.argmax(self.fc(x), 1)

class GatherArgmax(nn.Module):
    """The row maxima through their indices: ArgMax keepdims=1 feeding GatherElements."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 6)
    def forward(self, x):
        h = self.fc(x)
        return torch.gather(h, 1, torch.argmax(h, 1, keepdim=True))

class GatherConst(nn.Module):
    """Constant int64 indices (a buffer, exported as a Constant) along dim 1 and then dim 0."""
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(8, 6)
        self.register_buffer('cols', torch.tensor([[5, 0, 2], [1, 1, 4]]))
        self.register_buffer('rows', torch.tensor([[1, 0, 1]]))
    def forward(self, x):
        h = nn.functional.gelu(self.fc(x))
        return torch.gather(torch.gather(h[:2], 1, self.cols), 0, self.rows)

x = torch.tensor([3 * math.sin(0.7 * i) for i in range(40)], dtype=torch.float32).reshape(5, 8)
out = {'x': x.flatten().tolist(), 'x_shape': [5, 8], 'models': {}}
for seed, m in enumerate([Gelu(), Argmax(), GatherArgmax(), GatherConst()]):
    torch.manual_seed(seed)
    for p in m.parameters():
        with torch.no_grad():
            p.copy_(torch.randn(p.shape))
    m.eval()
    f = io.BytesIO()
    torch.onnx.export(m, x[:2], f, opset_version=13, input_names=['input'], output_names=['out'],
                      dynamic_axes={'input': {0: 'N'}, 'out': {0: 'N'}})
    with torch.no_grad():
        y = m(x)
    out['models'][type(m).__name__] = {'onnx': base64.b64encode(f.getvalue()).decode(), 'y_shape': list(y.shape), 'y': y.flatten().tolist()}
print(json.dumps(out))
