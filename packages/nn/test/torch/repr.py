import torch, torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3)
        self.scale = nn.Parameter(torch.ones(1))
net = Net()
print([n for n,_ in net.named_parameters()])
print(net)
ms = [nn.Conv2d(1,16,3,padding=1), nn.Conv2d(4,6,(3,5),stride=2,padding=(1,2),dilation=2,groups=2,bias=False), nn.Conv1d(3,4,5), nn.Conv1d(4,4,3,stride=2,padding=1,groups=2,bias=False),
 nn.Linear(3,4), nn.Linear(3,4,bias=False), nn.MaxPool2d(2), nn.MaxPool2d(3,stride=2,padding=1), nn.AvgPool2d(2), nn.AvgPool2d(3, stride=1, padding=1),
 nn.ReLU(), nn.Sigmoid(), nn.Tanh(), nn.Flatten(), nn.Dropout(), nn.Dropout(0.25), nn.BatchNorm1d(8), nn.BatchNorm2d(16, eps=1e-3, momentum=None, affine=False),
 nn.Identity(), nn.LeakyReLU(), nn.LeakyReLU(0.2), nn.GELU(), nn.GELU(approximate='tanh'), nn.ELU(), nn.ELU(0.5), nn.Softplus(), nn.Softplus(beta=2, threshold=10), nn.Softmax(dim=1), nn.LogSoftmax(dim=1),
 nn.LayerNorm(8), nn.LayerNorm([4,4], eps=1e-6, elementwise_affine=False), nn.AdaptiveAvgPool2d(1), nn.AdaptiveAvgPool2d((2,3)), nn.AdaptiveAvgPool2d((None,7)), nn.Dropout2d(), nn.Dropout2d(0.1),
 nn.Sequential(nn.Linear(2,2), nn.ReLU()), nn.ModuleList([nn.Linear(2,2), nn.ReLU()]), nn.Sequential(), nn.ModuleList()]
for m in ms: print(repr(m))
from collections import OrderedDict
print(nn.Sequential(OrderedDict(conv1=nn.Conv2d(1,16,3), act=nn.Sequential(nn.ReLU()))))
