"""MetaPix's claim at equal compute: the personalisation benchmark of `15_metapix` on unseen test subjects.

The recipe (what BENCHMARKS.md records), for each generator G in vid2vid and few_shot, on one CPU thread each:
1. `fsvid2vid-train --model G --minutes P+M --checkpoint-every 25 --keep-checkpoints 1000 --out-dir RUN_G`
   (its last checkpoint: the pretrained initialisation);
2. `python bench/metapix_benchmark.py checkpoint-at RUN_G --total P+M --minutes P` prints the checkpoint written
   nearest P minutes into the run, and the minutes M' the run spent after it;
3. `fsvid2vid-metapix --init THAT --minutes M' --steps N --out-dir META_G` (N: about the outer steps M' allow);
4. `python bench/metapix_benchmark.py run OUT_G.json 'G from scratch=fresh:G' 'G pretrained=RUN_G'
   'G MetaPix=META_G'`, then `merge` the two files into nbs/metapix/benchmark.json.
"""
from __future__ import annotations
import argparse, json, platform, shlex, sys, time
from pathlib import Path

import torch

from fsvid2vid.core import atomic_path
from fsvid2vid.checkpoint import checkpoint_folder, load_checkpoint
from fsvid2vid.generator import GENERATORS
from fsvid2vid.inference import load_generator
from fsvid2vid.metapix import personalisation_benchmark, personalisation_markdown
from fsvid2vid.train import config_from_state


def checkpoint_at(run:str, total:float, minutes:float) -> tuple[Path, float]:
    "The checkpoint of a `total`-minute run written nearest `minutes` after its start, and the minutes left after it."
    folders = sorted((Path(run) / 'checkpoints').glob('step_*'))
    end = checkpoint_folder(run).stat().st_mtime  # the last checkpoint ends the run
    start = end - 60 * total
    chosen = min(folders, key=lambda f: abs(f.stat().st_mtime - start - 60 * minutes))
    return chosen, (end - chosen.stat().st_mtime) / 60


def method(spec:str, config_from:str) -> tuple[str, torch.nn.Module, str]:
    "'NAME=PATH' (a checkpoint or run) or 'NAME=fresh:MODEL' (fresh weights, with `config_from`'s generator settings)."
    name, _, source = spec.partition('=')
    if source.startswith('fresh:'):
        model = source.split(':', 1)[1]
        folder = checkpoint_folder(config_from)  # the same generator settings as the trained ones, weights unread
        settings = config_from_state(load_checkpoint(folder, [])[1], folder / 'state.json').generator
        torch.manual_seed(0)
        return name, GENERATORS[model](settings).eval(), source
    return name, load_generator(source), str(checkpoint_folder(source))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest='command', required=True)
    pick = sub.add_parser('checkpoint-at'); pick.add_argument('run')
    pick.add_argument('--total', type=float, required=True); pick.add_argument('--minutes', type=float, required=True)
    run = sub.add_parser('run')
    run.add_argument('out'); run.add_argument('methods', nargs='+', help="'NAME=PATH' or 'NAME=fresh:MODEL'")
    run.add_argument('--config-from', required=True, help='a checkpoint whose generator settings fresh weights use')
    run.add_argument('--n-subjects', type=int, default=20)
    run.add_argument('--ks', type=int, nargs='+', default=[1, 5])
    run.add_argument('--steps', type=int, nargs='+', default=[0, 10, 50])
    run.add_argument('--lr', type=float, default=2e-4)
    run.add_argument('--scope', default='all'); run.add_argument('--no-augment', action='store_true')
    merge = sub.add_parser('merge'); merge.add_argument('out'); merge.add_argument('parts', nargs='+')
    merge.add_argument('--note', default='', help='how the checkpoints were made (recorded in the settings)')
    args = parser.parse_args()
    if args.command == 'checkpoint-at':
        folder, left = checkpoint_at(args.run, args.total, args.minutes)
        print(f'{folder} {left:.2f}'); return
    if args.command == 'merge':
        parts = [json.loads(Path(p).read_text()) for p in args.parts]
        settings = {key: value for key, value in parts[0]['settings'].items() if key != 'command'} | {
            'sources': {k: v for p in parts for k, v in p['settings']['sources'].items()},
            'seconds': sum(p['settings']['seconds'] for p in parts), 'recipe': args.note,
            'commands': [p['settings']['command'] for p in parts]}
        result = {'settings': settings, 'rows': [r for p in parts for r in p['rows']]}
        with atomic_path(args.out) as tmp: tmp.write_text(json.dumps(result, indent=1))
        print(personalisation_markdown(result['rows'])); return
    loaded = [method(spec, args.config_from) for spec in args.methods]
    start = time.perf_counter()
    rows = personalisation_benchmark({name: g for name, g, _ in loaded}, tuple(args.ks), tuple(args.steps),
                                     args.n_subjects, args.lr, args.scope, not args.no_augment, progress=True)
    settings = {'n_subjects': args.n_subjects, 'ks': args.ks, 'steps': args.steps, 'lr': args.lr, 'scope': args.scope,
                'augment': not args.no_augment, 'sources': {name: source for name, _, source in loaded},
                'seconds': round(time.perf_counter() - start, 1), 'torch_threads': torch.get_num_threads(),
                'machine': f'{platform.processor() or platform.machine()}, torch {torch.__version__}',
                'command': shlex.join(sys.argv)}  # quoted, so a spec with spaces reads back
    with atomic_path(args.out) as tmp: tmp.write_text(json.dumps({'settings': settings, 'rows': rows}, indent=1))
    print(personalisation_markdown(rows))


if __name__ == '__main__': main()
