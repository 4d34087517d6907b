#!/usr/bin/env bash
# The GPU benchmark, one prepared command for a GPU machine with JAX and/or PyTorch (CUDA) and no
# TensorFlow: DanQ training and prediction and DeepSEA mixed-precision training through dlbio's
# own store, loader, danq-train and danq-predict (benchmarks/gpu.py); one JSON line a figure.
#
#   bash benchmarks/gpu.sh --fetch-wheels   # here, once: the pure-Python wheels that machine lacks -> .whl/
#   bash benchmarks/gpu.sh                  # there (device tool: carry .whl): KERAS_BACKEND=jax, 200,000 samples
#   KERAS_BACKEND=torch bash benchmarks/gpu.sh --n 100000
#
# Under 8 minutes on an H100/H200 (a 200,000-sample store is 223 MB, made in about 20 s).
set -euo pipefail
cd "$(dirname "$0")/.."

# What the GPU image lacks of dlbio's needs (keras and its pure-Python needs; optree is compiled,
# cp312 manylinux). Everything else dlbio imports on this path is there (numpy, h5py, scipy,
# scikit-learn, click, tqdm, matplotlib, rich, and typing-extensions, which optree needs).
WHEELS="keras==3.15.1 namex optree"
if [ "${1:-}" = "--fetch-wheels" ]; then
  mkdir -p .whl
  grep -qx '/.whl/' .git/info/exclude 2>/dev/null || echo '/.whl/' >> .git/info/exclude
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    -d .whl $WHEELS
  ls -la .whl
  exit 0
fi
# Only where keras is missing (the GPU image): a machine with its own keras keeps it, so that
# wheels fetched here for Python 3.12 do not break a run in this checkout's environment.
if ls .whl/*.whl >/dev/null 2>&1 && python3 -c "import importlib.util as u, sys; sys.exit(u.find_spec('keras') is not None)"; then
  python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD${PYTHONPATH:+:$PYTHONPATH}
else
  export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH}
fi
export KERAS_BACKEND=${KERAS_BACKEND:-jax} PYTHONUNBUFFERED=1 DLBIO_CACHE=${DLBIO_CACHE:-/tmp/dlbio-cache}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null || echo "no nvidia-smi"
exec python3 benchmarks/gpu.py "$@"
