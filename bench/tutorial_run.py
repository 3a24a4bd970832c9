"""The real-video tutorial (`nbs/your_own_video.ipynb`) run end to end for a given training budget per model:
carphone prepared at 64 px, vid2vid and few-shot vid2vid trained on its first 90 frames, the last 30 synthesized
from their edges and scored against copying the last and the nearest training frame.

Usage: python bench/tutorial_run.py --minutes 6 [--out DIR]
The notebook itself runs (in a fresh kernel, with TUTORIAL_MINUTES set), so the figures are the page's own. Writes
DIR/your_own_video_<minutes>min.ipynb (the executed notebook) and DIR/your_own_video_<minutes>min.md (the steps, the
table and the targets, with the command), and prints the markdown.
"""
import argparse, os, shlex, sys, time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parent.parent / 'nbs' / 'your_own_video.ipynb'


def outputs_text(cell) -> str:
    "The cell's printed text and markdown, in order."
    parts = []
    for output in cell.get('outputs', []):
        if output.get('output_type') == 'stream': parts.append(output['text'])
        elif 'text/markdown' in output.get('data', {}): parts.append(output['data']['text/markdown'])
        elif 'text/plain' in output.get('data', {}): parts.append(output['data']['text/plain'])
    return '\n'.join(part.strip() for part in parts if part.strip())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--minutes', type=float, default=6.0, help='training minutes per model')
    parser.add_argument('--out', default='bench_out', help='the folder for the executed notebook and the table')
    args = parser.parse_args()
    if not args.minutes > 0: parser.error(f'--minutes: expected a number > 0, got {args.minutes}')
    out = Path(args.out); out.mkdir(parents=True, exist_ok=True)
    os.environ['TUTORIAL_MINUTES'] = str(args.minutes); os.environ.pop('IN_TEST', None)
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    start = time.monotonic()
    NotebookClient(notebook, timeout=None, kernel_name='python3', resources={'metadata': {'path': str(out)}}).execute()
    name = f'your_own_video_{args.minutes:g}min'
    nbformat.write(notebook, out / f'{name}.ipynb')
    texts = [outputs_text(cell) for cell in notebook.cells if cell.cell_type == 'code']
    report = '\n\n'.join([f'`{shlex.join([Path(sys.executable).name] + sys.argv)}` '
                          f'({(time.monotonic() - start) / 60:.1f} min in all)'] + [t for t in texts if t])
    (out / f'{name}.md').write_text(report + '\n')
    print(report)


if __name__ == '__main__':
    main()
