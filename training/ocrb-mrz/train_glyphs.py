"""Train the glyph classifier (gateway/mrz/ocr/glyphs.py) on cells cut from rendered OCR-B lines.

    nice -n 19 env OMP_NUM_THREADS=1 .venv/bin/python training/ocrb-mrz/train_glyphs.py

Lines come from synth.py (seed below), are cut into cells by the recogniser's own `segment`
(so training sees the cuts the recogniser will make, misfits included), and a one-hidden-layer
network is trained with Adam in numpy. A separate validation set (another seed) gives the
character error rate and calibrates a softmax temperature (minimum negative log-likelihood), so
the probabilities handed to the check-digit correction mean what they say.
Writes gateway/mrz/data/ocrb_glyphs.npz (float16 weights).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402

from gateway.mrz.ocr.glyphs import CELL_H, CELL_W, GlyphModel, SegmentationError, features, segment  # noqa: E402
from gateway.mrz.ocr.reading import MRZ_ALPHABET  # noqa: E402

TRAIN_SEED, VALID_SEED = 3101, 3202
TARGET = ROOT / "gateway" / "mrz" / "data" / "ocrb_glyphs.npz"
INDEX = {c: i for i, c in enumerate(MRZ_ALPHABET)}


def dataset(seed: int, lines: int) -> tuple[np.ndarray, np.ndarray, int]:
    xs, ys, failed = [], [], 0
    for text, img in synth.samples(seed, lines):
        try:
            cells, _ = segment(img, len(text))
        except SegmentationError:
            failed += 1
            continue
        xs.append(features(cells))
        ys.append(np.array([INDEX[c] for c in text]))
    return np.concatenate(xs).astype(np.float32), np.concatenate(ys), failed


def augment(xb: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Per cell: a shift of up to a pixel each way, strokes one pixel bolder or thinner, a gamma
    (faint or saturated print). Other renderers and real print differ from synth.py in exactly
    these, and a pixel-input network does not generalise over them by itself."""
    b = xb.reshape(len(xb), CELL_H, CELL_W)
    out = b.copy()
    for dy, dx in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        pick = rng.random(len(b)) < 0.2
        out[pick] = np.roll(out[pick], (dy, dx), axis=(1, 2))
    neighbours = [np.roll(out, s, axis=a) for a in (1, 2) for s in (-1, 1)]
    bold = rng.random(len(b)) < 0.25
    thin = (~bold) & (rng.random(len(b)) < 0.25)
    out[bold] = np.maximum.reduce([out[bold], *(n[bold] for n in neighbours)])
    out[thin] = np.minimum.reduce([out[thin], *(n[thin] for n in neighbours)]) * 0.5 + out[thin] * 0.5
    gamma = np.exp(rng.uniform(-0.5, 0.5, len(b))).astype(np.float32)
    out = np.clip(out, 0.0, 1.0) ** gamma[:, None, None]
    return out.reshape(len(xb), -1)


def train(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray, hidden: int, epochs: int,
          rng: np.random.Generator) -> GlyphModel:
    mean = x.mean(axis=0)
    scale = 1.0 / (x.std(axis=0) + 0.05)
    n_in, n_out = x.shape[1], len(MRZ_ALPHABET)
    params = {
        "w1": rng.normal(0, np.sqrt(2 / n_in), (n_in, hidden)).astype(np.float32),
        "b1": np.zeros(hidden, np.float32),
        "w2": rng.normal(0, np.sqrt(1 / hidden), (hidden, n_out)).astype(np.float32),
        "b2": np.zeros(n_out, np.float32),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    step, batch, decay = 0, 256, 1e-5
    onehot = np.eye(n_out, dtype=np.float32)
    for epoch in range(epochs):
        lr = 2e-3 * (0.5 ** (epoch / max(1, epochs / 4)))
        order = rng.permutation(len(x))
        started = time.time()
        loss_sum = 0.0
        for i in range(0, len(order), batch):
            idx = order[i : i + batch]
            xb = (augment(x[idx], rng) - mean) * scale
            # Input noise: robustness against texture and missing strokes.
            xb = xb + rng.normal(0, 0.1, xb.shape).astype(np.float32)
            h_pre = xb @ params["w1"] + params["b1"]
            h = np.maximum(h_pre, 0)
            z = h @ params["w2"] + params["b2"]
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            t = onehot[y[idx]]
            loss_sum += float(-np.log(np.maximum(p[t > 0], 1e-12)).sum())
            dz = (p - t) / len(idx)
            grads = {"w2": h.T @ dz + decay * params["w2"], "b2": dz.sum(axis=0)}
            dh = (dz @ params["w2"].T) * (h_pre > 0)
            grads["w1"] = xb.T @ dh + decay * params["w1"]
            grads["b1"] = dh.sum(axis=0)
            step += 1
            for k in params:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                mh = m[k] / (1 - 0.9**step)
                vh = v[k] / (1 - 0.999**step)
                params[k] -= lr * mh / (np.sqrt(vh) + 1e-8)
        model = GlyphModel(params["w1"], params["b1"], params["w2"], params["b2"], mean, scale)
        err = float((model.logits(xv).argmax(axis=1) != yv).mean())
        print(f"epoch {epoch + 1}/{epochs}: loss {loss_sum / len(x):.4f}, validation CER {err:.4%}, "
              f"{time.time() - started:.0f} s", flush=True)
    return model


def calibrate(model: GlyphModel, xv: np.ndarray, yv: np.ndarray) -> float:
    logits = model.logits(xv)
    best_t, best_nll = 1.0, np.inf
    for t in np.exp(np.linspace(np.log(0.3), np.log(5.0), 41)):
        z = logits / t
        z = z - z.max(axis=1, keepdims=True)
        logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        nll = float(-logp[np.arange(len(yv)), yv].mean())
        if nll < best_nll:
            best_t, best_nll = float(t), nll
    print(f"temperature {best_t:.3f} (validation NLL {best_nll:.4f})")
    return best_t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--train-lines", type=int, default=5000)
    ap.add_argument("--valid-lines", type=int, default=600)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=20)
    args = ap.parse_args()
    started = time.time()
    x, y, f1 = dataset(TRAIN_SEED, args.train_lines)
    xv, yv, f2 = dataset(VALID_SEED, args.valid_lines)
    print(f"{len(x)} training cells, {len(xv)} validation cells ({f1 + f2} lines not segmented), "
          f"{time.time() - started:.0f} s", flush=True)
    model = train(x, y, xv, yv, args.hidden, args.epochs, np.random.default_rng(11))
    temperature = calibrate(model, xv, yv)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(TARGET, w1=model.w1.astype(np.float16), b1=model.b1, w2=model.w2.astype(np.float16),
                        b2=model.b2, mean=model.mean.astype(np.float16), scale=model.scale.astype(np.float16),
                        temperature=np.float32(temperature), alphabet=np.str_(MRZ_ALPHABET))
    print(f"wrote {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size} bytes) in {time.time() - started:.0f} s total")


if __name__ == "__main__":
    main()
