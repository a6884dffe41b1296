#!/usr/bin/python3
"""Writes the OpenCV parity fixtures of the NV12 conversion to test/fixtures/opencv/.

Run with Debian's python3 (python3-opencv 4.6, numpy): /usr/bin/python3 scripts/make-opencv-fixtures.py
The tests only read the committed outputs. For each case: OpenCV resize (INTER_LINEAR, the vendor's
reference, or INTER_AREA) of the BGR frame (or of its centred crop), cvtColor(COLOR_BGR2YUV_I420),
then U and V interleaved into NV12, as the rdk_model_zoo samples do. Outputs are gzip'd NV12
(mtime 0, so reruns are byte-identical); manifest.json lists the cases.

Synthetic frames are defined by a formula that test/image/synthetic.ts reproduces byte for byte
(32-bit integer hash, no random state), so no input frame needs to be committed.
"""
import gzip
import json
import os
import sys

import cv2
import numpy as np

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'opencv')
IMAGES = os.path.join(ROOT, 'test', 'fixtures', 'images')


def synthetic_bgr(kind, w, h):
    """B,G,R bytes. 'noise': every byte an independent hash; 'scene': gradients plus +-40 noise."""
    y, x, c = np.meshgrid(np.arange(h, dtype=np.uint32), np.arange(w, dtype=np.uint32),
                          np.arange(3, dtype=np.uint32), indexing='ij')
    hsh = (x * np.uint32(0x9E3779B1) + y * np.uint32(0x85EBCA77) + c * np.uint32(0xC2B2AE3D)).astype(np.uint32)
    hsh ^= hsh >> np.uint32(15)
    hsh = (hsh * np.uint32(0x2C1B3C6D)).astype(np.uint32)
    hsh ^= hsh >> np.uint32(12)
    noise = (hsh & np.uint32(255)).astype(np.int64)
    if kind == 'noise':
        return noise.astype(np.uint8)
    xi, yi, ci = x.astype(np.int64), y.astype(np.int64), c.astype(np.int64)
    base = np.where(ci == 0, xi * 255 // (w - 1), np.where(ci == 1, yi * 255 // (h - 1), (xi + yi) * 255 // (w + h - 2)))
    return np.clip(base + (((noise - 128) * 40) >> 7), 0, 255).astype(np.uint8)


def centre_crop(w, h, dw, dh):
    """Same integer rule as the converter (ratio 1): largest centred rectangle of the output aspect."""
    if w * dh >= h * dw:
        fh, fw = h, min(w, (h * dw + dh // 2) // dh)
    else:
        fw, fh = w, min(h, (w * dh + dw // 2) // dw)
    return (w - fw) // 2, (h - fh) // 2, fw, fh


def to_nv12(bgr, dw, dh, interpolation):
    r = cv2.resize(bgr, (dw, dh), interpolation=interpolation)
    i420 = cv2.cvtColor(r, cv2.COLOR_BGR2YUV_I420)
    y = i420[:dh]
    u = i420[dh:dh + dh // 4].reshape(-1)
    v = i420[dh + dh // 4:].reshape(-1)
    uv = np.empty(u.size * 2, np.uint8)
    uv[0::2], uv[1::2] = u, v
    return np.concatenate([y.reshape(-1), uv])


def main():
    os.makedirs(OUT, exist_ok=True)
    sources = [
        ({'file': 'cat.png'}, cv2.imread(os.path.join(IMAGES, 'cat.png'), cv2.IMREAD_COLOR)),
        # mono8: the vendor path would expand grey to BGR first.
        ({'file': 'camera.png', 'mono': True},
         cv2.cvtColor(cv2.imread(os.path.join(IMAGES, 'camera.png'), cv2.IMREAD_GRAYSCALE), cv2.COLOR_GRAY2BGR)),
        ({'synthetic': 'noise', 'width': 640, 'height': 480}, synthetic_bgr('noise', 640, 480)),
        ({'synthetic': 'scene', 'width': 1280, 'height': 720}, synthetic_bgr('scene', 1280, 720)),
        ({'synthetic': 'scene', 'width': 1920, 'height': 1080}, synthetic_bgr('scene', 1920, 1080)),
    ]
    filters = {'bilinear': cv2.INTER_LINEAR, 'area': cv2.INTER_AREA}
    cases = []
    for spec, bgr in sources:
        name = spec.get('file', '').split('.')[0] or '%s%dx%d' % (spec['synthetic'], spec['width'], spec['height'])
        h, w = bgr.shape[:2]
        runs = [('stretch', 224, 224, f) for f in filters]
        if name in ('cat', 'scene1920x1080'):
            runs.append(('center_crop', 224, 224, 'bilinear'))
        if name == 'scene1920x1080':
            runs.append(('stretch', 160, 120, 'bilinear'))
        for mode, dw, dh, filt in runs:
            x0, y0, cw, ch = (0, 0, w, h) if mode == 'stretch' else centre_crop(w, h, dw, dh)
            nv12 = to_nv12(np.ascontiguousarray(bgr[y0:y0 + ch, x0:x0 + cw]), dw, dh, filters[filt])
            out = '%s.%s.%s.%dx%d.nv12.gz' % (name, mode, filt, dw, dh)
            with open(os.path.join(OUT, out), 'wb') as f:
                with gzip.GzipFile(fileobj=f, mode='wb', mtime=0, filename='') as g:
                    g.write(nv12.tobytes())
            cases.append({'source': spec, 'mode': mode, 'filter': filt, 'width': dw, 'height': dh, 'expected': out})
    manifest = {'opencv': cv2.__version__, 'numpy': np.__version__, 'cases': cases}
    with open(os.path.join(OUT, 'manifest.json'), 'w') as f:
        json.dump(manifest, f, indent=1)
        f.write('\n')
    print('wrote %d cases to %s' % (len(cases), OUT), file=sys.stderr)


if __name__ == '__main__':
    main()
