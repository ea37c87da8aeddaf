#!/usr/bin/env bash
# GPU check of the training runtime (see benchmarks/cuda_check.py), run on a machine with CUDA
# from the repository root: the packages its torch install lacks come as wheels in .whl/
# (installed to /tmp/site, ahead of the machine's own packages), the log and JSON go to $OUT.
# Extra arguments go to cuda_check.py (e.g. --steps 4, --isolate, --kinds lm).
set -o pipefail
OUT=${OUT:-.}
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
    --target /tmp/site .whl/*.whl || exit 1
export PYTHONPATH=/tmp/site:$PWD/runtime:$PWD/generated PYTHONUNBUFFERED=1
nvidia-smi -L
python3 benchmarks/cuda_check.py --json "$OUT/cuda_check.json" "$@" 2>&1 | tee "$OUT/cuda_check.log"
