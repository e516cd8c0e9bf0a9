"""Train the project's own Tesseract LSTM model for the MRZ alphabet, from scratch.

    nice -n 19 env OMP_THREAD_LIMIT=1 .venv/bin/python training/ocrb-mrz/train_tesseract.py all

Steps (each can be run alone: `data`, `train`, `finish`):
  data    render the training and evaluation lines (synth.py, seeds below), write Tesseract's
          line-level ground truth (WordStr box files) and convert each to .lstmf with
          `tesseract IMAGE BASE --psm 13 lstm.train`;
  train   build the starter traineddata (unicharset of the 37 MRZ characters, combine_lang_model)
          and run `lstmtraining` with a small network from scratch;
  finish  stop training, convert to an integer (8-bit) model, evaluate both with `lstmeval`
          and copy the integer model to gateway/mrz/data/ocrb_mrz.traineddata.

Why from scratch: Debian's `eng` is the integer "fast" model, which cannot be fine-tuned; and a
37-character single-font alphabet needs only a small network, which also makes it fast.
Work files go to training/ocrb-mrz/work/ (not committed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

import synth  # noqa: E402

WORK = HERE / "work"
LANG = "ocrb_mrz"
TRAIN_SEED, EVAL_SEED, MILD_SEED = 1101, 2202, 1303
NET_SPEC = "[1,32,0,1 Ct3,3,16 Mp3,3 Lfys48 Lfx96 Lrx96 Lfx96 O1c{classes}]"
TARGET = ROOT / "gateway" / "mrz" / "data" / f"{LANG}.traineddata"


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw)  # type: ignore[call-overload]


def make_data(count: int, seed: int, name: str, degradation: synth.Degradation | None = None,
              short: tuple[int, int] | None = None) -> Path:
    out = WORK / name
    out.mkdir(parents=True, exist_ok=True)
    listing = []
    started = time.time()
    for i, (text, img) in enumerate(synth.samples(seed, count, degradation, short)):
        base = out / f"{name}_{i:05d}"
        Image.fromarray(img).save(base.with_suffix(".png"))
        base.with_suffix(".gt.txt").write_text(text + "\n")
        h, w = img.shape
        base.with_suffix(".box").write_text(f"WordStr 0 0 {w} {h} 0 #{text}\n\t {w} {h} {w + 1} {h + 1} 0\n")
        run(["tesseract", str(base.with_suffix(".png")), str(base), "--psm", "13", "lstm.train"])
        listing.append(str(base.with_suffix(".lstmf")))
        if i % 500 == 0:
            print(f"{name}: {i}/{count} lines, {time.time() - started:.0f} s", flush=True)
    lst = WORK / f"{name}.list"
    lst.write_text("\n".join(listing) + "\n")
    return lst


def starter() -> Path:
    """Unicharset of exactly the MRZ alphabet and the starter traineddata built from it."""
    (WORK / "alphabet.txt").write_text(synth.ALPHABET + "\n")
    run(["unicharset_extractor", "--output_unicharset", str(WORK / "unicharset"), "--norm_mode", "1",
         str(WORK / "alphabet.txt")])
    langdata = WORK / "langdata"
    langdata.mkdir(exist_ok=True)
    # combine_lang_model insists on a radical-stroke table; the MRZ alphabet has no Han characters.
    (langdata / "radical-stroke.txt").write_text("# no Han characters in the MRZ alphabet\n")
    (WORK / "starter" / LANG).mkdir(parents=True, exist_ok=True)
    run(["combine_lang_model", "--input_unicharset", str(WORK / "unicharset"), "--script_dir", str(langdata),
         "--output_dir", str(WORK / "starter"), "--lang", LANG, "--pass_through_recoder"])
    return WORK / "starter" / LANG / f"{LANG}.traineddata"


def train(max_iterations: int) -> None:
    traineddata = starter()
    classes = int((WORK / "unicharset").read_text().split("\n", 1)[0])
    ckpt = WORK / "checkpoints"
    ckpt.mkdir(exist_ok=True)
    cmd = ["lstmtraining", "--traineddata", str(traineddata), "--net_spec", NET_SPEC.format(classes=classes),
           "--model_output", str(ckpt / LANG), "--learning_rate", "0.002",
           "--train_listfile", str(WORK / "all.list"), "--eval_listfile", str(WORK / "eval.list"),
           "--max_iterations", str(max_iterations), "--target_error_rate", "0.002", "--debug_interval", "0"]
    if (ckpt / f"{LANG}_checkpoint").exists():  # resume
        cmd += ["--continue_from", str(ckpt / f"{LANG}_checkpoint")]
    print(" ".join(cmd), flush=True)
    started = time.time()
    with (WORK / "lstmtraining.log").open("a") as log:
        subprocess.run(cmd, check=True, stdout=log, stderr=subprocess.STDOUT)
    print(f"training took {time.time() - started:.0f} s", flush=True)


def finish() -> None:
    ckpt = WORK / "checkpoints" / f"{LANG}_checkpoint"
    traineddata = WORK / "starter" / LANG / f"{LANG}.traineddata"
    float_model = WORK / f"{LANG}_float.traineddata"
    int_model = WORK / f"{LANG}.traineddata"
    run(["lstmtraining", "--stop_training", "--continue_from", str(ckpt), "--traineddata", str(traineddata),
         "--model_output", str(float_model)])
    run(["lstmtraining", "--stop_training", "--convert_to_int", "--continue_from", str(ckpt),
         "--traineddata", str(traineddata), "--model_output", str(int_model)])
    for model in (float_model, int_model):
        p = subprocess.run(["lstmeval", "--model", str(model), "--eval_listfile", str(WORK / "eval.list")],
                           text=True, capture_output=True, check=False)
        tail = [ln for ln in (p.stdout + p.stderr).splitlines() if "BCER" in ln]
        print(f"{model.name}: {tail[-1] if tail else 'no result'}", flush=True)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(int_model, TARGET)
    print(f"copied {int_model.name} to {TARGET.relative_to(ROOT)} ({TARGET.stat().st_size} bytes)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("step", choices=["data", "train", "finish", "all"])
    ap.add_argument("--train-lines", type=int, default=6000)
    ap.add_argument("--mild-lines", type=int, default=2500)
    ap.add_argument("--eval-lines", type=int, default=300)
    ap.add_argument("--max-iterations", type=int, default=20000)
    args = ap.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    WORK.mkdir(exist_ok=True)
    if args.step in ("data", "all"):
        mild = make_data(args.mild_lines, MILD_SEED, "mild", synth.Degradation.mild(), short=(3, 12))
        hard = make_data(args.train_lines, TRAIN_SEED, "train")
        make_data(args.eval_lines, EVAL_SEED, "eval")
        # Curriculum: short legible pieces first, then full lines of every degradation (lstmtraining
        # takes the files round-robin in list order, so the first pass sees the easy ones first).
        (WORK / "all.list").write_text(mild.read_text() + hard.read_text())
    if args.step in ("train", "all"):
        train(args.max_iterations)
    if args.step in ("finish", "all"):
        finish()


if __name__ == "__main__":
    main()
