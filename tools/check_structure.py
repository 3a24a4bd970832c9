"""Check the house rules that keep the package readable, and fail listing every breach.

- No fastcore `@patch` in the package: a class's methods live in its class body.
- No module imports another module's `_private` name.
- Exported cells are at most 30 lines (but the few listed in LONG_CELLS, with their reasons), and package lines at most 120 characters (but nbdev's own `__all__` line).
- The training notebooks (TRAINING_NOTEBOOKS) build the trainer from short pieces: their exported cells are at most 60
  lines, with no exception (LONG_CELLS may not name them).
- Every exported cell is followed by a lesson cell (the cell of imports excepted).
- No `test_eq(a < b, True)`: a failing comparison must print both sides.
- At most one visible cell of error-message checks (`test_fail`) per notebook; the rest are hidden.
- No lesson cell mixes an import with other code: nbdev's docs build runs every cell that imports, alone, where the
  names that earlier cells defined do not exist. Imports go in the notebook's imports cell.
- No page, docstring or README points at material a user does not have: the development notes beside the repository
  (`../shared/...`, design notes, anchor notes) or the work tracker ("the issue", "issue 12", "the brief"). Cite the
  papers and the public repositories instead.

Usage: python tools/check_structure.py
"""
import ast, json, re, sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_CELL_LINES, MAX_LINE = 30, 120
# Exported cells allowed to be longer, each with its reason. Keep this list short and the reasons true.
LONG_CELLS = {
    ('07_generator.ipynb', 'class GeneratorConfig'): "one line per setting, each with its comment, then their checks",
    ('07_generator.ipynb', 'class FlowMaskNet'): "a class's methods live in its body: __init__ lays out the U-Net, "
                                                 "forward runs it scale by scale",
    ('07_generator.ipynb', 'class FewShotGenerator'): "a class's methods live in its body; each of its four is a few "
                                                      "lines that call functions built and tested above it",
    ('13_demo.ipynb', 'def run_demo('): "twelve documented arguments, then the job's four steps: train, load, benchmark, "
                                         "write",
    ('15_metapix.ipynb', 'class MetaTrainer'): "a class's methods live in its body; each of its five is a few lines "
                                               "around `finetune`, `reptile_update` and the checkpoint functions",
    ('16_widgets.ipynb', 'class Explorer:'): "a class's methods live in its body; six short ones that wire controls to "
                                             "a picture and show errors in place",
    ('16_widgets.ipynb', 'class SpadeExplorer'): "__init__ lays out seven controls; draw calls SPADE.modulation, "
                                                 "edit_label and show_frames",
    ('16_widgets.ipynb', 'class AttentionExplorer'): "__init__ lays out five controls; attention caches "
                                                     "attention_weights per frame; draw calls most_attended and "
                                                     "show_frames",
}
# The training loop and its appendix: a class's methods live in its body, so a class may take up to 60 lines here, but
# no more and with no exception.
TRAINING_NOTEBOOKS, MAX_TRAINING_CELL_LINES = ('10_train.ipynb', '10a_launch.ipynb'), 60
PRIVATE_IMPORT = re.compile(r'^\s*from\s+(\.\w*|fsvid2vid\.\w+)\s+import\s+\(?([^)#\n]*)', re.M)
PRIVATE_MATERIAL = re.compile(r"\.\./shared|shared/(reference|peer|gpu|sketches)|DESIGN\.md|perf-anchor|anchor notes?\b|"
                              r"\b(the|project|our) brief\b|\bthe issue\b|\bissue's\b|\bissues? #?\d+", re.I)
COMPARISON_IS_TRUE = re.compile(r'test_eq\([^\n]*?(<|>|<=|>=)[^\n]*?,\s*True\s*\)')


def module_problems(path: Path) -> list[str]:
    "Breaches in one generated module."
    text, problems = path.read_text(encoding='utf-8'), []
    if re.search(r'^@patch', text, re.M): problems.append(f'{path.name}: methods attached with @patch')
    for source, names in PRIVATE_IMPORT.findall(text):
        private = [n.strip().split(' as ')[0] for n in names.split(',') if n.strip().startswith('_')]
        if private and source not in ('.', '.__future__'): problems.append(f'{path.name}: imports {private} from {source}')
    problems += private_material(path.name, text)
    for number, line in enumerate(text.splitlines(), 1):
        if len(line) > MAX_LINE and not line.startswith('__all__'):  # nbdev writes __all__'s first line itself
            problems.append(f'{path.name}:{number}: {len(line)} characters')
    return problems


def private_material(name: str, text: str) -> list[str]:
    "Mentions of material a user of the package does not have."
    return [f'{name}: points at {match.group(0)!r}, which users do not have' for match in PRIVATE_MATERIAL.finditer(text)]


def imports_beside_code(source: str) -> bool:
    "Whether nbdev's docs build would run this cell on its own: it imports, and it also does something else."
    if 'nbdev_export()' in source or re.search(r'^#\|\s*eval:\s*false', source, re.M | re.I): return False
    try: tree = ast.parse('\n'.join(l for l in source.splitlines() if not l.lstrip().startswith(('%', '!'))))
    except SyntaxError: return False
    imports = any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body)
    return imports and any(isinstance(node, (ast.Expr, ast.Assign)) for node in tree.body)


def directives(source: str) -> set[str]:
    return {line[2:].strip().split()[0] for line in source.splitlines() if line.startswith('#|') and line[2:].strip()}


def is_import_cell(source: str) -> bool:
    code = [l for l in source.splitlines() if l.strip() and not l.startswith('#')]
    return bool(code) and all(re.match(r'\s*(from\s+\S+\s+import|import)\s', l) or l.startswith(' ') for l in code)


def notebook_problems(path: Path) -> list[str]:
    "Breaches in one notebook."
    every_cell = json.loads(path.read_text(encoding='utf-8'))['cells']
    cells = [c for c in every_cell if c['cell_type'] == 'code']
    problems, previous_export, visible_fail_cells = [], None, 0
    problems += [f'{path.name}: LONG_CELLS names {marker!r}, but a training notebook has no exception'
                 for nb, marker in LONG_CELLS if nb == path.name and path.name in TRAINING_NOTEBOOKS]
    for cell in every_cell: problems += private_material(f"{path.name} cell {cell.get('id')}", ''.join(cell['source']))
    for index, cell in enumerate(cells):
        source = ''.join(cell['source'])
        flags = directives(source)
        exported = bool(flags & {'export', 'exports'})
        name = f'{path.name} code cell {index}'
        training = path.name in TRAINING_NOTEBOOKS
        limit = MAX_TRAINING_CELL_LINES if training else MAX_CELL_LINES
        allowed = not training and any(nb == path.name and marker in source for nb, marker in LONG_CELLS)
        if exported and len(source.splitlines()) > limit and not allowed:
            problems.append(f'{name}: exported cell of {len(source.splitlines())} lines')
        if exported and previous_export is not None and not is_import_cell(previous_export):
            problems.append(f'{name}: exported right after another exported cell, with no lesson between')
        previous_export = source if exported else None
        if not exported and imports_beside_code(source):
            problems.append(f"{name}: imports beside other code (nbdev's docs build runs it alone); "
                            "import in the imports cell")
        if COMPARISON_IS_TRUE.search(source): problems.append(f'{name}: test_eq(comparison, True) hides both sides')
        if 'test_fail(' in source and not flags & {'hide', 'export', 'exports'}: visible_fail_cells += 1
    if visible_fail_cells > 1:
        problems.append(f'{path.name}: {visible_fail_cells} visible cells of test_fail; hide all but one example')
    return problems


def main():
    problems = [p for m in sorted((ROOT / 'fsvid2vid').glob('[!_]*.py')) for p in module_problems(m)]
    problems += [p for nb in sorted((ROOT / 'nbs').glob('[!_]*.ipynb')) for p in notebook_problems(nb)]
    problems += private_material('README.md', (ROOT / 'README.md').read_text(encoding='utf-8'))
    for problem in problems: print(problem)
    print(f'{len(problems)} problems' if problems else 'structure: ok')
    sys.exit(1 if problems else 0)


if __name__ == '__main__':
    main()
