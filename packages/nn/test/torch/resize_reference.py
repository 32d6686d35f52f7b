# torch 1.13 / PIL values pinned in test/image-folder.test.ts: /usr/bin/python3 resize_reference.py > resize_reference.json
# The test writes the same pixels as PNG files (pixel(k) below) and loads them with ImageFolder.
import json, torch, numpy as np
import torch.nn.functional as F
from PIL import Image

H, W = 5, 7
def pixels(channels):
    # uint8 [H, W, channels], value of flat index k = (37k + 11) mod 256 (the test's formula)
    k = np.arange(H * W * channels)
    return ((37 * k + 11) % 256).astype(np.uint8).reshape(H, W, channels)

def resize(chw_uint8, size):
    # torchvision's ToTensor() then Resize(size, antialias=False) on the tensor: F.interpolate bilinear, half-pixel centres
    x = torch.from_numpy(chw_uint8.astype(np.float32)).div(255)[None]
    return F.interpolate(x, size=size, mode='bilinear', align_corners=False).flatten().tolist()

rgb = pixels(3)
rgba = pixels(4)
grey = pixels(1)[:, :, 0]
out = {'torch': torch.__version__, 'shape': [H, W], 'cases': []}
for size in [[3, 4], [8, 9], [5, 7], [2, 7], [5, 3], [1, 1], [11, 2]]:
    out['cases'].append({'source': 'rgb', 'channels': 3, 'size': size, 'values': resize(rgb.transpose(2, 0, 1), size)})
# RGBA: alpha dropped (PIL convert('RGB')), then resized
out['cases'].append({'source': 'rgba', 'channels': 3, 'size': [3, 4], 'values': resize(np.asarray(Image.fromarray(rgba, 'RGBA').convert('RGB')).transpose(2, 0, 1), [3, 4])})
# RGB -> 1 channel: PIL convert('L') (ITU-R 601-2 luma, L = R*299/1000 + G*587/1000 + B*114/1000, rounded), then resized
L = np.asarray(Image.fromarray(rgb, 'RGB').convert('L'))
out['cases'].append({'source': 'rgb', 'channels': 1, 'size': [3, 4], 'values': resize(L[None], [3, 4])})
out['cases'].append({'source': 'rgb', 'channels': 1, 'size': [5, 7], 'values': resize(L[None], [5, 7])})
# grey -> 3 channels: PIL convert('RGB') replicates
G3 = np.asarray(Image.fromarray(grey, 'L').convert('RGB'))
out['cases'].append({'source': 'grey', 'channels': 3, 'size': [4, 6], 'values': resize(G3.transpose(2, 0, 1), [4, 6])})
out['cases'].append({'source': 'grey', 'channels': 1, 'size': [4, 6], 'values': resize(grey[None], [4, 6])})
print(json.dumps(out))
