#!/bin/bash
# Every GPU measurement of issue 13 in one run of at most 8.3 minutes (the sum of the parts' time limits) on one
# H100 or H200. Each part appends its table to OUT/gpu_results.md as soon as it ends, so a cut-off run still leaves
# the earlier ones.
#
#   bash bench/gpu.sh OUT
#
# Parts: training speed at 256 px, batch 16, fp32 against bf16 + channels_last (compute, with data, data share, MFU);
# a profile of one train step (kernel launches, the attention kernel, spectral-norm and copy calls); the first step
# with torch.compile; inference frames per second at 256x256, K = 1 and 3; and a short demo run whose trained frames,
# scaled to 10 minutes, are compared with the 2-core CPU demo's (nbs/demo/losses_few_shot.csv).
# Check the script itself on a CPU at toy sizes (about 10 minutes on 2 cores):
#   DEVICE=cpu SIZE=64 BATCH=2 CLIP=4 FRAME_SIZE=64 DEMO_MINUTES=0.3 SUBJECTS=2 bash bench/gpu.sh /tmp/gpu_check
set -u
OUT=${1:?usage: bash bench/gpu.sh OUT}; mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)  # absolute: we cd below
DEVICE=${DEVICE:-cuda}; SIZE=${SIZE:-256}; BATCH=${BATCH:-16}; CLIP=${CLIP:-8}; FRAME_SIZE=${FRAME_SIZE:-256}
DEMO_MINUTES=${DEMO_MINUTES:-1.5}; SUBJECTS=${SUBJECTS:-8}; PY=${PYTHON:-python3}
RESULTS="$OUT/gpu_results.md"
cd "$(dirname "$0")/.."

part() {  # part NAME SECONDS COMMAND...: run it under a time limit, its table into the results, its errors aside
    local name=$1 limit=$2; shift 2
    printf '\n## %s\n\n`%s`\n\n' "$name" "$*" >> "$RESULTS"
    local start=$SECONDS
    timeout "$limit" "$@" >> "$RESULTS" 2> "$OUT/$name.err"
    local code=$?
    [ $code -eq 0 ] || printf '\n(%s: exit %s after %ss; the end of its errors is in %s.err)\n' "$name" $code \
        $((SECONDS - start)) "$name" >> "$RESULTS"
    printf '\n(%ss)\n' $((SECONDS - start)) >> "$RESULTS"
}

{ echo "# GPU measurements ($(date -u '+%Y-%m-%d %H:%M UTC'))"; echo
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || echo "no nvidia-smi"
  $PY -c "import torch; print('torch', torch.__version__, '| cuda', torch.version.cuda)"; } > "$RESULTS"

part train_speed 120 $PY bench/train_speed.py --device "$DEVICE" --size "$SIZE" --batch-size "$BATCH" \
    --clip-len "$CLIP" --steps 4 --warmup 2 --modes fp32 bf16
part profile_step 60 $PY bench/profile_step.py --device "$DEVICE" --size "$SIZE" --batch-size 4 --clip-len "$CLIP" \
    --modes fp32 bf16
part compile 90 $PY bench/train_speed.py --device "$DEVICE" --size 64 --batch-size 4 --clip-len 4 --steps 2 \
    --warmup 1 --modes bf16-compile
part inference 60 $PY bench/frame_speed.py --device "$DEVICE" --size "$FRAME_SIZE" --configs default \
    --modes fp32 bf16 compile-bf16 --runs 50 --warmup 5 --rounds 1
part demo 150 $PY -c "from fsvid2vid.demo import main; main()" --minutes "$DEMO_MINUTES" --out "$OUT/demo" \
    --videos 1 --n-subjects "$SUBJECTS" --no-progress
part demo_frames 20 $PY - "$OUT/demo" "$DEMO_MINUTES" <<'EOF'
import csv, json, sys
from pathlib import Path
demo, minutes = Path(sys.argv[1]), float(sys.argv[2])
frames = lambda log, batch: sum(int(row['clip_len']) * batch for row in csv.DictReader(open(log)))
info = json.loads((demo / 'benchmark.json').read_text())['training']['few-shot']
gpu, cpu = frames(demo / 'run' / 'losses.csv', info['batch_size']), frames('nbs/demo/losses_few_shot.csv', 4)
print(f"| run | minutes | batch | steps | frames trained | frames in 10 minutes |\n|---|---|---|---|---|---|\n"
      f"| this device | {info['minutes']} | {info['batch_size']} | {info['steps']} | {gpu} | {gpu * 10 / minutes:.0f} |\n"
      f"| 2-core CPU demo (nbs/demo) | 10 | 4 | - | {cpu} | {cpu} |\n\nratio: {gpu * 10 / minutes / cpu:.1f}x")
EOF
echo "done: $RESULTS"
