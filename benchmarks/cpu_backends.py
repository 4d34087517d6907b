#!/usr/bin/env python3
"""Issue 30's CPU goals for DanQ, side by side in one run: TensorFlow with oneDNN off (dlbio's
default when the issue was filed), dlbio's default now (TensorFlow, oneDNN on) and JAX.

Each setting runs ``benchmarks/gpu.py --only danq_train,danq_predict`` in a fresh process
(TF_ENABLE_ONEDNN_OPTS is read once, when TensorFlow starts): full-size DanQ through dlbio's
own store, loader, ``danq-train`` (the second of two epochs timed) and ``predict_source`` at
``danq-predict``'s batch of 1,024. The settings take turns for --rounds rounds, so that a
machine that slows down for a while slows all of them alike; the medians are compared.

Prints one JSON line per run, then one per setting with the medians and the ratios to the
first setting.  On 2 cores, about 2 minutes a run:

  python benchmarks/cpu_backends.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from statistics import median

HERE = Path(__file__).resolve().parent
SETTINGS = {
    "tensorflow, oneDNN off (the default before 2026-12-04)": {
        "KERAS_BACKEND": "tensorflow",
        "TF_ENABLE_ONEDNN_OPTS": "0",
    },
    "tensorflow, oneDNN on (the default now)": {"KERAS_BACKEND": "tensorflow", "TF_ENABLE_ONEDNN_OPTS": "1"},
    "jax": {"KERAS_BACKEND": "jax"},
}


def cpu_name() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor()


def one_run(env: dict, args, out: Path) -> dict:
    cmd = [
        sys.executable,
        str(HERE / "gpu.py"),
        "--n",
        args.n,
        "--valid-n",
        200,
        "--batch",
        args.batch,
        "--predict-n",
        args.predict_n,
        "--out",
        out,
        "--only",
        "danq_train,danq_predict",
    ]
    res = subprocess.run(
        list(map(str, cmd)), capture_output=True, text=True, env={**os.environ, **env, "TF_CPP_MIN_LOG_LEVEL": "3"}
    )
    lines = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    figures = {line["what"]: line for line in lines}
    if res.returncode != 0 or "danq_predict" not in figures:
        raise SystemExit(f"benchmarks/gpu.py failed under {env}:\n{res.stderr[-2000:]}")
    return {
        "train_samples_s": figures["danq_train"].get("samples_per_s"),
        "predict_samples_s": figures["danq_predict"]["samples_per_s"],
        "version": figures["store"]["version"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--n", type=int, default=2000, help="training samples (one timed epoch)")
    ap.add_argument("--batch", type=int, default=100, help="training batch")
    ap.add_argument("--predict-n", type=int, default=4096)
    ap.add_argument("--out", type=Path, default=Path("/tmp/dlbio-cpu-backends"))
    ap.add_argument(
        "--only",
        default="oneDNN off,oneDNN on,jax",
        help="settings, comma-separated: any part of their names, e.g. 'oneDNN off,jax'",
    )
    args = ap.parse_args()
    chosen = [s for s in SETTINGS if any(part.strip() and part.strip() in s for part in args.only.split(","))]
    if not chosen:
        raise SystemExit(f"--only {args.only!r} names none of: {'; '.join(SETTINGS)}")
    machine = {"cpu": cpu_name(), "cores": len(os.sched_getaffinity(0)), "date": time.strftime("%Y-%m-%d")}
    runs: dict[str, list[dict]] = {s: [] for s in chosen}
    store = args.out / "run1-0" / "store"  # gpu.py makes it in the first run's folder
    for r in range(args.rounds):
        for i, setting in enumerate(chosen):
            # a folder per run (its own trained model), sharing one store
            folder = args.out / f"run{r + 1}-{i}"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir(parents=True)
            if store.parent != folder:
                (folder / "store").symlink_to(store)
            fig = one_run(SETTINGS[setting], args, folder)
            runs[setting].append(fig)
            print(json.dumps({"round": r + 1, "setting": setting, **fig, **machine}), flush=True)
    base = None
    for setting in chosen:
        train = median(f["train_samples_s"] for f in runs[setting])
        predict = median(f["predict_samples_s"] for f in runs[setting])
        base = base or (train, predict)
        summary = {
            "setting": setting,
            "version": runs[setting][0]["version"],
            "train_samples_s_median": train,
            "predict_samples_s_median": predict,
            "train_x": round(train / base[0], 2),
            "predict_x": round(predict / base[1], 2),
            "runs": len(runs[setting]),
            **machine,
        }
        print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
