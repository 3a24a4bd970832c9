"""Where the flicker comes from, for several trained models side by side: the warp error of their clips split into W's
flow term and M's mask term, on the body and on the background, with W's end-point error against the true motion
(`fsvid2vid.flicker`). The same unseen test subjects for every model: 20 of them, K = 3, 8-frame clips, by default.

Usage: python bench/flicker.py NAME=CHECKPOINT [NAME=CHECKPOINT ...] [--n-subjects 20] [--clip-len 8] [--seed 0]
                               [--threads 2] [--out table.md] [--pictures DIR]
NAME=pretrained uses the checkpoint shipped with the package. A checkpoint is a checkpoint folder or a run folder.
Prints a markdown table (and writes it to --out, with the command that made it). With --pictures, also writes each
model's split per frame (DIR/flicker_NAME.png) and the x-t slices of the first test subject over 32 frames, real
beside every model (DIR/xt_slices.png).
"""
import argparse, json, shlex, sys, time
from pathlib import Path

import matplotlib
matplotlib.use('Agg')  # files only
import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('models', nargs='+', help='NAME=CHECKPOINT pairs (CHECKPOINT "pretrained": the shipped one)')
    parser.add_argument('--n-subjects', type=int, default=20)
    parser.add_argument('--clip-len', type=int, default=8)
    parser.add_argument('--seed', type=int, default=0, help='the test split seed')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--out', help='also write the table here, with the command')
    parser.add_argument('--pictures', help='also write the pictures into this folder')
    args = parser.parse_args()
    from fsvid2vid.checkpoint import pretrained_checkpoint
    from fsvid2vid.evaluate import benchmark_episodes
    from fsvid2vid.flicker import (busiest_row, flicker_markdown, flicker_report, flicker_summary, plot_flicker,
                                   plot_xt_slices)
    from fsvid2vid.inference import load_generator
    torch.set_num_threads(args.threads)
    pairs = [spec.split('=', 1) for spec in args.models]
    if bad := [spec for spec, pair in zip(args.models, pairs) if len(pair) != 2]:
        parser.error(f'models: expected NAME=CHECKPOINT, got {bad}')
    data = benchmark_episodes('test', args.n_subjects, 3, args.seed, 64, args.clip_len)
    long = benchmark_episodes('test', 1, 3, args.seed, 64, 32)
    summaries, clips, pictures = {}, {'real': long['images'][0]}, Path(args.pictures or '.')
    if args.pictures: pictures.mkdir(parents=True, exist_ok=True)
    for name, path in pairs:
        start = time.monotonic()
        generator = load_generator(pretrained_checkpoint() if path == 'pretrained' else path, 'cpu')
        terms = flicker_report(generator, data)['terms']
        summaries[name] = flicker_summary(terms)
        if args.pictures:
            plot_flicker(terms, name).savefig(pictures / f"flicker_{name.replace(' ', '_')}.png")
            clips[name] = flicker_report(generator, long)['frames'][0]
        print(f'{name}: {time.monotonic() - start:.1f} s', file=sys.stderr)
    if args.pictures: plot_xt_slices(clips, busiest_row(long['labels'][0])).savefig(pictures / 'xt_slices.png')
    table = flicker_markdown(summaries)
    print(table)
    if args.out:
        command = 'python bench/flicker.py ' + ' '.join(shlex.quote(a) for a in sys.argv[1:])
        Path(args.out).write_text(f'`{command}`\n\n{table}\n\n```json\n{json.dumps(summaries, indent=1)}\n```\n')


if __name__ == '__main__':
    main()
