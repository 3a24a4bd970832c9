"""Run the widgets notebook in JupyterLab in headless Chromium, move each explorer's first slider, and fail if an
explorer is broken.

The notebook is copied into a temporary folder (JupyterLab autosaves; the repository's copy is never touched), a
private JupyterLab serves it (own port, token, settings, data and workspace; shut down at the end, kernels included),
and Selenium drives Debian's `chromium` through Debian's `chromedriver` (installed with apt-get when missing; nothing
is downloaded: Selenium Manager runs offline). All cells run with JupyterLab's own command `notebook:run-all-cells`.
In the copy, the kernel is the server's python3 and cells calling `nbdev_export` are emptied (they need the
repository); the notebook's folder's other files are linked beside it, for relative paths.

It fails if a cell's output is an error, a widget shows "Error displaying widget" or stays "Loading widget...", fewer
`.fsvid2vid-explorer` boxes render than the notebook has explorer outputs (a widget view with an `image/png`
fallback), or none at all, or an explorer's `.fsvid2vid-explorer-error` Output has text. Then, for each explorer, it
screenshots the box (OUT/<stem>-<i>-before.png), moves its first slider one step with the arrow keys (the readout is
typed into if the keys do nothing; an explorer without a slider gets the next option of its first dropdown), waits
until the explorer's `.fsvid2vid-explorer-image` shows other pixels (up to 60 s), screenshots it again
(OUT/<stem>-<i>-after.png), and fails if the image did not change or an error appeared. OUT/<stem>-page.png shows
the whole notebook at the end. The page reads JupyterLab's state through the app it exposes
(`--LabApp.expose_app_in_browser`).

`--self-test` checks the checker instead: it writes a scratch notebook with three explorers built on
`fsvid2vid.widgets.Explorer`, a working one, one whose `draw` raises once its slider moves, and one whose picture
never changes, and fails unless the first passes and the other two are flagged.

Usage: python tools/check_widgets.py [--notebook nbs/16_widgets.ipynb] [--out DIR] [--timeout S]
       python tools/check_widgets.py --self-test [--out DIR]
"""
import argparse, base64, contextlib, io, json, os, secrets, shutil, signal, socket, subprocess, sys, tempfile
import time, urllib.request
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_docs import chromium, debian_binary, report_self_test

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / 'nbs' / '16_widgets.ipynb'
WIDGET_MIME = 'application/vnd.jupyter.widget-view+json'
IMAGE = 'img.fsvid2vid-explorer-image, .fsvid2vid-explorer-image img'  # the explorer's picture, in the page
# JupyterLab settings for the private server: every cell stays in the page (the default windowing leaves cells out
# of view to the browser, whose widgets may then not render), and no news is fetched.
LAB_SETTINGS = {'@jupyterlab/notebook-extension/tracker.jupyterlab-settings': {'windowingMode': 'none'},
                '@jupyterlab/apputils-extension/notification.jupyterlab-settings': {'fetchNews': 'false',
                                                                                   'checkForUpdates': False}}
CHROMIUM_FLAGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
                  '--disable-background-networking', '--disable-component-update', '--disable-sync',
                  '--force-device-scale-factor=1', '--window-size=1400,1000']
WINDOW = 1400, 1000


def free_port() -> int:
    "A TCP port on 127.0.0.1 that nothing listens on now."
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def copy_notebook(notebook: Path, folder: Path) -> Path:
    "Copy `notebook` into `folder` to run there: kernel python3, cells calling nbdev_export emptied, siblings linked."
    nb = json.loads(notebook.read_text(encoding='utf-8'))
    nb['metadata']['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
    for cell in nb['cells']:
        if cell['cell_type'] == 'code' and 'nbdev_export' in ''.join(cell['source']):  # needs the repository
            cell['source'] = '# check_widgets: nbdev_export is not run in the temporary copy'
    copy = folder / notebook.name
    copy.write_text(json.dumps(nb), encoding='utf-8')
    for sibling in notebook.parent.iterdir():  # relative paths in the notebook still find its folder's files
        if not sibling.name.startswith('.') and sibling.name != notebook.name:
            (folder / sibling.name).symlink_to(sibling)
    return copy


def get(url: str, timeout: float = 5) -> int:
    "The HTTP status of a GET of `url` (0 if nothing answers)."
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response: return response.status
    except OSError: return 0


def kernel_pids(runtime: Path) -> list[int]:
    "Processes started with a connection file in `runtime`: the private server's kernels."
    pids = []
    for proc in Path('/proc').iterdir():
        with contextlib.suppress(OSError):
            if proc.name.isdigit() and str(runtime).encode() in (proc / 'cmdline').read_bytes():
                pids.append(int(proc.name))
    return pids


def stop_server(server: subprocess.Popen, base: str, token: str, runtime: Path):
    "Shut the server down through its API (kernels first), then by signal; then end any kernel it left."
    with contextlib.suppress(OSError):
        request = urllib.request.Request(f'{base}/api/shutdown', method='POST',
                                         headers={'Authorization': f'token {token}'})
        urllib.request.urlopen(request, timeout=10).close()
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            server.wait(timeout=15)
            break
        except subprocess.TimeoutExpired: server.send_signal(sig)
    for pid in kernel_pids(runtime):
        with contextlib.suppress(OSError): os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def jupyter_lab(root: Path, work: Path):
    "Serve `root` with a private JupyterLab (settings, workspace and runtime in `work`): yields (base URL, token)."
    port, token = free_port(), secrets.token_hex(16)
    settings, runtime = work / 'settings', work / 'runtime'
    for name, value in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(value), encoding='utf-8')
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(work / 'config'), 'JUPYTER_DATA_DIR': str(work / 'data'),
           'JUPYTER_RUNTIME_DIR': str(runtime)}  # no user-wide config or kernel spec applies
    command = [sys.executable, '-m', 'jupyterlab', '--no-browser', '--allow-root', '--ServerApp.ip=127.0.0.1',
               f'--ServerApp.port={port}', '--ServerApp.port_retries=0', f'--IdentityProvider.token={token}',
               f'--ServerApp.root_dir={root}', '--LabApp.expose_app_in_browser=True', '--LabApp.news_url=None',
               f'--LabApp.user_settings_dir={settings}', f'--LabApp.workspaces_dir={work / "workspaces"}',
               '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate']
    log = (work / 'jupyter.log').open('w')
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f'http://127.0.0.1:{port}'
    try:
        deadline = time.monotonic() + 120
        while get(f'{base}/api/status?token={token}') != 200:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f'JupyterLab did not start:\n{(work / "jupyter.log").read_text()[-3000:]}')
            time.sleep(0.5)
        yield base, token
    finally:
        stop_server(server, base, token, runtime)
        log.close()


@contextlib.contextmanager
def chromium_driver(profile: Path):
    "Headless Debian Chromium driven by Debian's chromedriver through Selenium, offline."
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    os.environ.update(SE_OFFLINE='true', SE_AVOID_STATS='true')  # Selenium Manager must not go online
    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for flag in CHROMIUM_FLAGS + [f'--user-data-dir={profile}']: options.add_argument(flag)
    service = Service(executable_path=debian_binary(['chromedriver'], 'chromium-driver'))
    driver = webdriver.Chrome(options=options, service=service)
    try:
        driver.set_window_size(*WINDOW)
        driver.set_script_timeout(60)
        yield driver
    finally: driver.quit()


# JavaScript run in the page. PANEL finds the notebook's panel (arguments[0]: its path) in the app JupyterLab exposes
# with --LabApp.expose_app_in_browser.
PANEL = """const app = window.jupyterapp;
const panel = app && app.shell ?
    Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === arguments[0]) : null;
"""
STATE = PANEL + """if (!panel) return {phase: app ? 'opening the notebook' : 'starting JupyterLab'};
const dialog = document.querySelector('.jp-Dialog');
const kernel = panel.sessionContext.session ? panel.sessionContext.session.kernel : null;
const cells = Array.from(panel.content.model.cells)
    .filter(c => c.type === 'code' && c.sharedModel.getSource().trim());
const prompts = Array.from(panel.node.querySelectorAll('.jp-InputArea-prompt')).map(p => p.textContent.trim());
return {phase: panel.context.isReady && panel.sessionContext.isReady ? 'ready' : 'loading',
        kernel: kernel ? kernel.status : 'none', dialog: dialog ? dialog.innerText : '', code: cells.length,
        done: cells.filter(c => c.executionCount !== null).length, busy: prompts.filter(p => p === '[*]:').length,
        run: window.__checkWidgetsRun || ''};
"""
RUN_ALL = PANEL + """app.shell.activateById(panel.id);
window.__checkWidgetsRun = 'running';
app.commands.execute('notebook:run-all-cells').then(() => { window.__checkWidgetsRun = 'done'; },
                                                    e => { window.__checkWidgetsRun = 'failed: ' + e; });
"""
OUTPUTS = PANEL + """return Array.from(panel.content.model.cells, c => c.type !== 'code' ? [] :
    c.toJSON().outputs.map(o => ({type: o.output_type, mimes: Object.keys(o.data || {}),
                                  error: o.output_type === 'error' ? o.ename + ': ' + o.evalue : ''})));
"""
WIDGET_TEXTS = PANEL + """return Array.from(panel.node.querySelectorAll('.jp-OutputArea-output'), o => o.textContent)
    .filter(t => t.startsWith('Loading widget...') || t.startsWith('Error displaying widget'));
"""
IMAGE_BYTES = """const done = arguments[arguments.length - 1];
fetch(arguments[0].src).then(r => r.blob()).then(b => { const f = new FileReader(); f.onload = () => done(f.result);
    f.readAsDataURL(b); }).catch(e => done('error: ' + e));
"""


def wait_for(what: str, condition, timeout: float, every: float = 0.5, progress=None):
    "Call `condition` until it returns something true, and return that; print `progress()` now and then."
    deadline, said = time.monotonic() + timeout, time.monotonic()
    while not (found := condition()):
        if time.monotonic() > deadline: raise TimeoutError(f'{what}: not after {timeout:.0f} s')
        if progress and time.monotonic() - said > 10: print(f'  ... {progress()}', flush=True); said = time.monotonic()
        time.sleep(every)
    return found


def run_all_cells(driver, name: str, timeout: float) -> dict:
    "Open the notebook, wait for its kernel, run all cells and wait until all have run and the kernel is idle."
    state = lambda: driver.execute_script(STATE, name)
    def ready():
        s = state()
        if s.get('dialog'): raise RuntimeError(f'JupyterLab shows a dialog: {s["dialog"]!r}')
        return s['phase'] == 'ready' and s['kernel'] == 'idle'
    wait_for('the notebook and its kernel are ready', ready, 180, progress=lambda: state())
    start = time.monotonic()
    driver.execute_script(RUN_ALL, name)
    def finished():
        s = state()
        if s.get('dialog'): raise RuntimeError(f'JupyterLab shows a dialog: {s["dialog"]!r}')
        if s['kernel'] in ('dead', 'restarting', 'autorestarting'): raise RuntimeError(f'the kernel is {s["kernel"]}')
        return s if s['run'] != 'running' and s['busy'] == 0 and s['kernel'] == 'idle' else None
    progress = lambda: '{done}/{code} cells run, {busy} queued or running, kernel {kernel}'.format(**state())
    try: s = wait_for('the run', finished, timeout, progress=progress)
    except TimeoutError: raise TimeoutError(f'the run did not finish within {timeout:.0f} s: {progress()}') from None
    print(f'  ran the notebook: {s["done"]}/{s["code"]} code cells in {time.monotonic() - start:.0f} s', flush=True)
    return s


def image_pixels(driver, image) -> np.ndarray:
    "The pixels of an <img> as its source holds them (not as displayed)."
    data = driver.execute_async_script(IMAGE_BYTES, image)
    if not data.startswith('data:'): raise RuntimeError(f'could not read the image: {data}')
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data.split(',', 1)[1]))).convert('RGBA'))


def error_text(explorer) -> str:
    "The text of the explorer's error Output(s)."
    from selenium.webdriver.common.by import By
    texts = [e.get_attribute('innerText') for e in explorer.find_elements(By.CSS_SELECTOR, '.fsvid2vid-explorer-error')]
    return '\n'.join(t.strip() for t in texts if t and t.strip())


def last_line(text: str) -> str:
    "The last non-empty line of a traceback: its exception."
    return next((line.strip() for line in reversed(text.splitlines()) if line.strip()), '')


def move_slider(driver, slider) -> str:
    "Move a slider one step (arrow keys on its handle, else type into its readout): what was done."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    find = lambda css: slider.find_element(By.CSS_SELECTOR, css)
    handle, readout = find('.noUi-handle'), find('.widget-readout')
    label, before = find('.widget-label').text.strip() or 'slider', readout.text.strip()
    for key, name in ((Keys.ARROW_RIGHT, 'right'), (Keys.ARROW_LEFT, 'left')):
        driver.execute_script('arguments[0].focus()', handle)
        handle.send_keys(key)
        with contextlib.suppress(TimeoutError):
            wait_for('the readout changes', lambda: readout.text.strip() != before, 2)
            return f'slider {label!r} {before} -> {readout.text.strip()} (arrow {name})'
    low, high = (float(handle.get_attribute(f'aria-value{end}')) for end in ('min', 'max'))
    target = high if float(before) < high else low
    readout.click()
    readout.send_keys(Keys.CONTROL, 'a')
    readout.send_keys(f'{target:g}', Keys.ENTER)
    wait_for('the readout changes', lambda: readout.text.strip() != before, 5)
    return f'slider {label!r} {before} -> {readout.text.strip()} (typed into the readout)'


def move_control(driver, explorer) -> str:
    "Move the explorer's first slider; with no slider, pick the next option of its first dropdown: what was done."
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    if sliders := explorer.find_elements(By.CSS_SELECTOR, '.widget-slider'): return move_slider(driver, sliders[0])
    dropdowns = explorer.find_elements(By.CSS_SELECTOR, '.widget-dropdown select')
    if not dropdowns: raise RuntimeError('the explorer has neither a slider nor a dropdown')
    select = Select(dropdowns[0])
    options, before = select.options, select.first_selected_option.text
    if len(options) < 2: raise RuntimeError('its only control, a dropdown, has one option')
    select.select_by_index((options.index(select.first_selected_option) + 1) % len(options))
    return f'dropdown {before!r} -> {select.first_selected_option.text!r} (no slider)'


def check_explorer(driver, explorer, index: int, prefix: Path, change_timeout: float) -> list[str]:
    "Screenshot one explorer, move its first slider, wait until its image changes, screenshot again: its problems."
    from selenium.webdriver.common.by import By
    driver.execute_script('arguments[0].scrollIntoView({block: "center"})', explorer)
    explorer.screenshot(f'{prefix}-{index}-before.png')
    if text := error_text(explorer): return [f'its error Output shows {last_line(text)!r} before any move']
    image = lambda: next(iter(explorer.find_elements(By.CSS_SELECTOR, IMAGE)), None)  # found anew: it may be replaced
    if not image(): return ['no .fsvid2vid-explorer-image <img> in it']
    src, pixels = image().get_attribute('src'), image_pixels(driver, image())
    try: moved = move_control(driver, explorer)
    except (RuntimeError, TimeoutError, ValueError) as e: return [f'could not move a control: {e}']
    def changed():
        if error_text(explorer): return 'error'
        if not image() or image().get_attribute('src') == src: return None
        after = image_pixels(driver, image())
        return 'changed' if after.shape != pixels.shape or (after != pixels).any() else None
    try: outcome = wait_for('the image changes', changed, change_timeout)
    except TimeoutError: outcome = 'unchanged'
    driver.execute_script('arguments[0].scrollIntoView({block: "center"})', explorer)
    explorer.screenshot(f'{prefix}-{index}-after.png')
    if outcome == 'error' or error_text(explorer):
        return [f'moving {moved} raised {last_line(error_text(explorer))!r} (its error Output)']
    if outcome == 'unchanged':
        return [f'moving {moved} did not change its image within {change_timeout:.0f} s'
                + (' (new PNG bytes, same pixels)' if image() and image().get_attribute('src') != src else '')]
    print(f'  explorer {index}: moved {moved}; the image changed', flush=True)
    return []


def full_page_screenshot(driver, name: str, path: Path):
    "Screenshot the whole notebook: the window grows by the height of the notebook's hidden part for the shot."
    hidden = driver.execute_script(PANEL + """const scroller = panel.content.node.querySelector(
        '.jp-WindowedPanel-outer') || panel.content.node;
        scroller.scrollTop = 0; return scroller.scrollHeight - scroller.clientHeight;""", name)
    driver.set_window_size(WINDOW[0], min(WINDOW[1] + int(hidden), 16000))
    time.sleep(1)
    driver.save_screenshot(str(path))
    driver.set_window_size(*WINDOW)


def check_notebook(notebook: Path, out: Path, timeout: float, change_timeout: float = 60) -> dict:
    "Run `notebook` in JupyterLab in headless Chromium and check its explorers: {check: its problems}."
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    found, prefix = {}, out / notebook.stem
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        (work / 'root').mkdir()
        copy = copy_notebook(notebook, work / 'root')
        with jupyter_lab(work / 'root', work) as (base, token), chromium_driver(work / 'profile') as driver:
            driver.get(f'{base}/lab/tree/{copy.name}?reset&token={token}')
            try: state = run_all_cells(driver, copy.name, timeout)
            except (RuntimeError, TimeoutError) as e:
                with contextlib.suppress(Exception): full_page_screenshot(driver, copy.name, Path(f'{prefix}-page.png'))
                return {'all cells run': [str(e)]}
            missed = state['code'] - state['done']
            found['all cells run'] = [f'{missed} of {state["code"]} code cells did not run (after an error?)'
                                      ] if missed else []
            outputs = driver.execute_script(OUTPUTS, copy.name)
            found['no cell output is an error'] = [f'cell {i}: {o["error"]}' for i, cell in enumerate(outputs)
                                                   for o in cell if o['type'] == 'error']
            expected = sum(WIDGET_MIME in o['mimes'] and 'image/png' in o['mimes'] for cell in outputs for o in cell)
            explorers = lambda: driver.find_elements(By.CSS_SELECTOR, '.fsvid2vid-explorer')
            with contextlib.suppress(TimeoutError):
                wait_for('widgets render', lambda: not driver.execute_script(WIDGET_TEXTS, copy.name)
                         and len(explorers()) >= expected, 60)
            texts = driver.execute_script(WIDGET_TEXTS, copy.name)
            found['every widget renders'] = [f'a widget shows {text[:200]!r}' for text in texts]
            count = len(explorers())
            found[f'explorers render ({count} of {expected} explorer outputs)'] = (
                ['no .fsvid2vid-explorer in the page'] if count == 0 else
                [f'only {count} .fsvid2vid-explorer for {expected} explorer outputs'] if count < expected else [])
            for index, explorer in enumerate(explorers()):
                try: found[f'explorer {index}'] = check_explorer(driver, explorer, index, prefix, change_timeout)
                except WebDriverException as e: found[f'explorer {index}'] = [f'the browser failed: {e.msg}']
            full_page_screenshot(driver, copy.name, Path(f'{prefix}-page.png'))
    return found


# The self-test's notebook: three explorers built on the package's own `Explorer` (so its error display is what is
# checked), each in its own cell, then an nbdev export cell, which must be left out of the run. Explorer 0 works,
# 1's `draw` raises once the slider moves, 2's picture never changes.
SELF_TEST_CELLS = [
    '''import ipywidgets, torch
from fsvid2vid.core import show_frames
from fsvid2vid.widgets import Explorer, heat_map

def bar(size):
    "A picture of a bar `size` steps long."
    return show_frames(heat_map((torch.arange(64) < 5 * size).float().expand(8, 64), 0, 1)[None], size=2)

class Bars(Explorer):
    "A size slider over the picture `picture(size)` draws."
    def __init__(self, picture):
        self.picture = picture
        super().__init__({'size': ipywidgets.IntSlider(value=3, min=0, max=12, description='size')})
    def draw(self, size): return self.picture(size)

def broken(size):
    if size != 3: raise ValueError(f'seeded failure at size {size}')
    return bar(size)''',
    'Bars(bar)',
    'Bars(broken)',
    'Bars(lambda size: bar(3))',
    '#| hide\nimport nbdev; nbdev.nbdev_export()',
]
# Each check the self-test expects to fail, with words its message must contain; every other check must pass.
SELF_TEST_FLAGS = {'explorer 1': 'seeded failure', 'explorer 2': 'did not change'}


def self_test(out: Path) -> bool:
    "Run the checker on the scratch notebook: explorer 0 must pass, 1 and 2 must be flagged, nothing else."
    cell = lambda source: {'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [],
                           'source': source}
    nb = {'cells': [cell(s) for s in SELF_TEST_CELLS], 'nbformat': 4, 'nbformat_minor': 5,
          'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}}
    with tempfile.TemporaryDirectory() as folder:
        notebook = Path(folder) / 'widgets_self_test.ipynb'
        notebook.write_text(json.dumps(nb), encoding='utf-8')
        found = check_notebook(notebook, out, timeout=120, change_timeout=10)
    every_explorer = 'explorer 0' in found and all(name in found for name in SELF_TEST_FLAGS)
    return report_self_test(found, SELF_TEST_FLAGS) and every_explorer


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--notebook', default=str(NOTEBOOK.relative_to(ROOT)), help='the notebook with the explorers')
    parser.add_argument('--out', default=str(ROOT / '_proc' / 'widget-screenshots'), help='where screenshots go')
    parser.add_argument('--timeout', type=float, default=600, help='seconds for all cells to run')
    parser.add_argument('--self-test', action='store_true', help='check the checker on a scratch notebook')
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f'{Path(__file__).name}: terminated'))  # still clean up
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    start = time.monotonic()
    if args.self_test:
        ok = self_test(out)
        print(f'self-test took {time.monotonic() - start:.0f} s')
        sys.exit(0 if ok else 1)
    notebook = next((path.resolve() for path in (Path(args.notebook), ROOT / args.notebook) if path.exists()), None)
    if notebook is None: sys.exit(f'no notebook {args.notebook}')
    found = check_notebook(notebook, out, args.timeout)
    for check, problems in found.items():
        print(f"{'FAIL' if problems else 'PASS'} {check}{': ' + '; '.join(problems) if problems else ''}")
    print(f'{notebook.name}: {sum(map(bool, found.values()))} of {len(found)} checks failed in '
          f'{time.monotonic() - start:.0f} s (screenshots in {out})')
    sys.exit(1 if any(found.values()) else 0)


if __name__ == '__main__':
    main()
