"""Training frames per minute of two (or more) checkouts of the code, run alternately on this machine.

Usage: python bench/side_by_side.py NAME=PATH NAME=PATH ... [--minutes 3] [--rounds 2] [--flags "..."]
Each round runs `fsvid2vid-train --minutes M --grow-every 1 --no-progress` (the default config, with the clips at
their full length of 4 frames from the second step) once per checkout, in turn, each in a fresh process whose
PYTHONPATH is that checkout (e.g. a `git worktree` of an older commit). A run's frames are its steps times the batch
times the clip length, read from its loss log; it is timed by its own budget. Prints one row per run and the ratio
of each checkout's mean to the first's.
"""
import argparse, csv, os, statistics, subprocess, sys, tempfile, time
from pathlib import Path


# fsvid2vid-train's main: in fsvid2vid.launch since the trainer was split in two; in fsvid2vid.train before
LAUNCH = ('try: from fsvid2vid.launch import main\n'
          'except ImportError: from fsvid2vid.train import main\n'
          'main()')


def run_once(path:str, minutes:float, flags:list[str]) -> dict:
    path = str(Path(path).resolve())
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, '-c', LAUNCH, '--minutes', str(minutes),
                   '--grow-every', '1', '--no-progress', '--out-dir', out, '--steps', '1000000', *flags]
        start = time.monotonic()
        done = subprocess.run(command, capture_output=True, text=True, cwd=path,  # `-c` puts the cwd first on the path
                              env={**os.environ, 'PYTHONPATH': path})
        wall = time.monotonic() - start
        if done.returncode: raise SystemExit(f'{path}: {done.stderr.strip().splitlines()[-1]}')
        with open(Path(out) / 'losses.csv', newline='') as f: rows = list(csv.DictReader(f))
    frames = sum(4 * int(r['clip_len']) for r in rows)  # batch 4 (the default) x the clip length of each step
    return {'steps': len(rows), 'frames': frames, 'frames_per_min': frames / minutes, 'wall_s': wall}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('trees', nargs='+', help='NAME=PATH of each checkout')
    parser.add_argument('--minutes', type=float, default=3.0)
    parser.add_argument('--rounds', type=int, default=2)
    parser.add_argument('--flags', default='', help='more fsvid2vid-train flags, the same for every checkout')
    args = parser.parse_args()
    trees = dict(tree.split('=', 1) for tree in args.trees)
    results = {name: [] for name in trees}
    print(f'fsvid2vid-train --minutes {args.minutes} --grow-every 1 {args.flags}; {args.rounds} rounds, alternating\n')
    print('| round | checkout | steps | frames | frames/min |\n|---|---|---|---|---|')
    for round_ in range(1, args.rounds + 1):
        for name, path in trees.items():
            r = run_once(path, args.minutes, args.flags.split())
            results[name].append(r['frames_per_min'])
            print(f"| {round_} | {name} | {r['steps']} | {r['frames']} | {r['frames_per_min']:.0f} |", flush=True)
    for name, path in trees.items():  # which code each name ran
        path = str(Path(path).resolve())
        where = subprocess.run([sys.executable, '-c', 'import fsvid2vid; print(fsvid2vid.__file__)'], cwd=path,
                               capture_output=True, text=True, env={**os.environ, 'PYTHONPATH': path})
        print(f'{name}: {where.stdout.strip()}')
    first = statistics.mean(results[next(iter(trees))])
    print('\n| checkout | frames/min, each run | mean | against the first |\n|---|---|---|---|')
    for name, values in results.items():
        print(f"| {name} | {' / '.join(f'{v:.0f}' for v in values)} | {statistics.mean(values):.0f} | "
              f"{statistics.mean(values) / first:.2f}x |")


if __name__ == '__main__':
    main()
