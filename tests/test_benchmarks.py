"""benchmarks/gpu.sh, the one prepared GPU check, end to end on the CPU at a tiny size.

A GPU machine is lent for minutes, rarely: what it runs must not first fail there.  The JAX
and PyTorch runs of the suite run it, the backends those machines have.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BACKEND

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(BACKEND == "tensorflow", reason="the GPU machines have JAX and PyTorch, no TensorFlow")


@pytest.mark.slow
def test_the_gpu_benchmark_runs_every_part_and_prints_its_figures(tmp_path):
    # python3 as the venv's, as on the GPU machine it is the one with JAX or PyTorch
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "KERAS_BACKEND": BACKEND,
        "DLBIO_CACHE": str(tmp_path / "cache"),
    }
    sizes = ["--n", "200", "--valid-n", "100", "--predict-n", "300", "--batch", "100", "--attribute-n", "3"]
    sizes += ["--logs-steps", "2"]
    res = subprocess.run(
        ["bash", str(ROOT / "benchmarks" / "gpu.sh"), *sizes, "--out", str(tmp_path / "run")],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stderr[-2000:]
    lines = [json.loads(line) for line in res.stdout.splitlines() if line.startswith("{")]
    parts = {line["what"]: line for line in lines}
    expected = ["store", "danq_train", "danq_predict", "deepsea_train", "attributions", "batch_logs"]
    expected += ["dropout"] if BACKEND == "torch" else []  # torch's own dropout against the seeded ones
    assert list(parts) == expected, res.stdout
    assert [line for line in lines if "error" in line] == []
    assert all(line["backend"] == BACKEND and line["gpus"] == [] for line in lines)
    assert parts["danq_train"]["samples"] == 200 and parts["danq_train"]["samples_per_s"] > 0
    assert parts["deepsea_train"]["mixed_precision"] is True and parts["deepsea_train"]["samples_per_s"] > 0
    assert parts["danq_predict"]["samples"] == 300 and parts["danq_predict"]["samples_per_s"] > 0
    assert parts["attributions"]["sequences"] == 3 and parts["attributions"]["seq_per_s"] > 0
    logs = parts["batch_logs"]
    assert logs["steps"] == 2 and len(logs["logs_as_floats_samples_per_s"]) == 2
    assert min(logs["logs_as_floats_samples_per_s"] + logs["logs_as_tensors_samples_per_s"]) > 0
    if BACKEND == "torch":
        masks = parts["dropout"]
        assert masks["steps"] == 2 and masks["dropout_layers"] == 2
        assert masks["seed_draws_torch_seeded_seeded_host"] == [0, 2 * 2, 2 * 2]  # each path the one it names
        assert masks["seed_state_device_torch_seeded_seeded_host"] == ["cpu"] * 3
        speeds = [masks[f"{way}_dropout_samples_per_s"] for way in ("torch", "seeded", "seeded_host")]
        assert [len(speed) for speed in speeds] == [2, 2, 2] and min(sum(speeds, [])) > 0
    if shutil.which("nvidia-smi") is None:  # the GPU figures are those of nvidia-smi, or none
        assert parts["danq_train"]["gpu_util_mean_pct"] is None and parts["danq_train"]["gpu_mem_peak_MiB"] is None
