"""The demo on a GPU, in one prepared run of about 8 minutes: the few-shot model, its attention-off ablation and a
longer-trained model for the shipped checkpoint train side by side on one GPU, then each is benchmarked.

Usage: python bench/gpu_demo.py OUT [--minutes 4] [--pretrained-minutes 5.5] [--device cuda] [--work DIR]
The training runs (checkpoints with optimiser states, large) go to --work; what comes back is written under OUT, as it
goes: each run's loss log (`losses_<run>.csv`), `demo/` (fsvid2vid-demo's files for the few-shot model and the
ablation), `pretrained/` (the longer run's generator in half precision, as tools/make_pretrained.py writes it),
`pretrained_seed{0,1,2}.md` (its benchmark on three seeds of the test split) and `timing.json`.
"""
import argparse, json, os, shutil, subprocess, sys, time
from pathlib import Path


def train(run: Path, minutes: float, device: str, *flags: str) -> subprocess.Popen:
    "Start `fsvid2vid-train` in its own process (4 CPU threads), writing to the run folder `run`."
    command = [sys.executable, '-c', 'from fsvid2vid.launch import main; main()', '--steps', '1000000', '--minutes',
               str(minutes), '--out-dir', str(run), '--device', device, '--no-progress', *flags]
    run.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, 'OMP_NUM_THREADS': '4'}
    return subprocess.Popen(command, stdout=open(run / 'train.log', 'w'), stderr=subprocess.STDOUT, env=env)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('out'); parser.add_argument('--minutes', type=float, default=4.0)
    parser.add_argument('--pretrained-minutes', type=float, default=5.5); parser.add_argument('--device', default='cuda')
    parser.add_argument('--work', default='/tmp/fsvid2vid_gpu', help='where the training runs go')
    parser.add_argument('--n-subjects', type=int, default=20, help='test subjects per benchmark (fewer: a quick check)')
    args = parser.parse_args()
    out, work = Path(args.out), Path(args.work)
    out.mkdir(parents=True, exist_ok=True)
    start, timing = time.monotonic(), {}
    runs = {'few_shot': train(work / 'few_shot', args.minutes, args.device),
            'ablation': train(work / 'ablation', args.minutes, args.device, '--no-g-attention'),
            'pretrained': train(work / 'pretrained', args.pretrained_minutes, args.device)}
    for name, process in runs.items():
        process.wait(); timing[name] = round((time.monotonic() - start) / 60, 2)
        for file, copy in (('losses.csv', f'losses_{name}.csv'), ('train.log', f'train_{name}.log')):
            if (work / name / file).exists(): shutil.copy(work / name / file, out / copy)
    import torch
    from fsvid2vid.checkpoint import checkpoint_folder, export_weights
    from fsvid2vid.demo import run_demo
    from fsvid2vid.evaluate import benchmark_markdown, few_shot_benchmark
    from fsvid2vid.inference import load_generator
    export_weights(work / 'pretrained', out / 'pretrained')
    timing['steps'] = {name: checkpoint_folder(work / name).name for name in runs}
    timing['device'] = torch.cuda.get_device_name() if torch.cuda.is_available() else 'cpu'
    (out / 'timing.json').write_text(json.dumps(timing))
    result = run_demo(out / 'demo', checkpoint=str(work / 'few_shot'),
                      compare={'few-shot, mean of examples': str(work / 'ablation')}, device=args.device,
                      progress=False, n_subjects=args.n_subjects)
    print(result['table'], flush=True)
    shipped = load_generator(out / 'pretrained', args.device)
    for seed in (0, 1, 2):
        table = benchmark_markdown(few_shot_benchmark(shipped, seed=seed, n_subjects=args.n_subjects))
        (out / f'pretrained_seed{seed}.md').write_text(table + '\n'); print(f'seed {seed}\n{table}', flush=True)
    timing['total'] = round((time.monotonic() - start) / 60, 2)
    (out / 'timing.json').write_text(json.dumps(timing))


if __name__ == '__main__': main()
