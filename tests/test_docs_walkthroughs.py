"""The pages' walk-throughs run as written, on tiny data.

Each page's ```bash blocks run in order as one bash script (`set -e`), in a folder of its
own under a sandbox $HOME, with $DLBIO_DATA the test's: the bundled data, except the
planted-motif set of docs/danq.md, made again smaller by `dlbio simulate` (4,000 training
sequences instead of 8,000, the same motifs: enough for the model to find them, and for
TF-MoDISco's 100 seqlets). The dlbio commands in them (`danq-train`, `dlbio attribute`,
...) are shell functions that hand their arguments to this process, which runs the command
in-process (a Keras import per command would cost minutes) and gives back its output and
exit status. Everything else (cp, awk, cd, variables, loops) is bash's.

A block that cannot run here says so just above it, with the reason, e.g.
``<!-- not run in the tests: needs the published weights and DeepSEA's 4.4 M rows -->``.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[1]
NOT_RUN = re.compile(r"<!-- not run in the tests: ([^>]+?) -->\s*$")
# every console script the package installs: dlbio, the course names, danq-*
COMMANDS = sorted(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"])
# A page that goes on from another page's folder (motifs.md reads the model danq.md trains).
AFTER = {"motifs.md": "danq.md", "attributions.md": "danq.md"}
DEADLINE_S = 900  # a page; the longest, genomics.md, takes about 3 minutes

CLIENT = (
    "import json,os,socket,sys\n"
    "s=socket.socket(socket.AF_UNIX); s.connect(os.environ['DOCS_SOCKET'])\n"
    "s.sendall(json.dumps({'argv': sys.argv[1:], 'cwd': os.getcwd()}).encode() + b'\\n')\n"
    "r=json.loads(s.makefile().readline()); sys.stdout.write(r['output']); sys.exit(r['rc'])\n"
)


def blocks(page: Path) -> tuple[list[str], list[str]]:
    """The page's bash blocks that run dlbio commands: (those to run, reasons of those not run)."""
    text = page.read_text()
    run, not_run = [], []
    for match in re.finditer(r"^```bash\n(.*?)^```", text, flags=re.S | re.M):
        body = match.group(1)
        if not re.search(r"(^|[\s;&|(])(" + "|".join(COMMANDS) + r")\b", _without_comments(body), flags=re.M):
            continue
        before = text[: match.start()].rstrip("\n").splitlines()
        marked = NOT_RUN.search(before[-1]) if before else None
        (not_run if marked else run).append(marked.group(1) if marked else body)
    return run, not_run


def _without_comments(code: str) -> str:
    return re.sub(r"(^|\s)#.*", "", code)


PAGES = [p.name for p in sorted((ROOT / "docs").glob("*.md")) if blocks(p)[0]]


def _script(page: str) -> str:
    """The page's blocks as one bash script. A command the page shows again further down (its
    "in detail" sections repeat the walk-through's lines to explain them) runs once, as a
    reader who follows the page along runs it: a second danq-prepare would refuse the set
    the first made."""
    functions = "".join(f'{c}() {{ "$DOCS_PYTHON" -c "$DOCS_CLIENT" {c} "$@"; }}\n' for c in COMMANDS)
    seen, lines = set(), []
    for block in blocks(ROOT / "docs" / page)[0]:
        for line in block.replace("\\\n", " ").splitlines():
            code = " ".join(_without_comments(line).split())
            if code and code not in seen:
                lines.append(line)
                seen.add(code)
    return "set -eo pipefail\nmodule() { :; }\n" + functions + "\n".join(lines) + "\n"


def _run_command(argv: list[str], cwd: str) -> tuple[int, str]:
    from click.testing import CliRunner

    from dlbio.cli import main

    name, args = argv[0], argv[1:]
    if name != "dlbio":
        args = [name, *args]
    os.chdir(cwd)
    result = CliRunner().invoke(main, args)
    output = result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        import traceback

        output += "".join(traceback.format_exception(result.exception))
    return result.exit_code, output


def _run_page(page: str, sandbox: Path) -> str:
    """Run *page*'s blocks in *sandbox*; returns the script's output; fails with its tail."""
    home = sandbox / "home"
    start = home / page.removesuffix(".md")  # a folder of its own, as a user would start in
    start.mkdir()
    log = sandbox / f"{page}.log"
    sock_path = Path(tempfile.mkdtemp(prefix="dlbio-docs-")) / "s"  # AF_UNIX paths are short
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock_path))
    server.listen()
    server.settimeout(0.1)
    env = {  # HOME, DLBIO_DATA and DANQ_DATA are the sandbox's already (the fixture)
        **os.environ,
        "DOCS_SOCKET": str(sock_path),
        "DOCS_PYTHON": sys.executable,
        "DOCS_CLIENT": CLIENT,
    }
    here = os.getcwd()
    try:
        with open(log, "w") as out:
            bash = subprocess.Popen(
                ["bash", "-c", _script(page)], cwd=start, env=env, stdout=out, stderr=subprocess.STDOUT
            )
            deadline = time.monotonic() + DEADLINE_S
            while bash.poll() is None:
                if time.monotonic() > deadline:  # a command that hangs fails the page, not CI's 90 min
                    bash.kill()
                    bash.wait()
                    break
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                with conn:
                    request = json.loads(conn.makefile().readline())
                    began = time.perf_counter()
                    rc, output = _run_command(request["argv"], request["cwd"])
                    with open(sandbox / "timings.tsv", "a") as timings:  # where a slow page spends
                        timings.write(f"{page}\t{time.perf_counter() - began:.1f}\t{' '.join(request['argv'])}\n")
                    conn.sendall(json.dumps({"rc": rc, "output": output}).encode() + b"\n")
    finally:
        os.chdir(here)
        server.close()
        shutil.rmtree(sock_path.parent, ignore_errors=True)
    text = log.read_text()
    assert bash.returncode == 0, f"docs/{page} stopped (exit {bash.returncode}):\n{text[-3000:]}"
    return text


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory, monkeypatch_module):
    """A home folder and a bundled-data folder whose planted-motif set is small."""
    from click.testing import CliRunner

    from dlbio.cli import main
    from dlbio.utils.resources import cache_root, data_dir

    root = tmp_path_factory.mktemp("walkthroughs")
    (root / "home").mkdir()
    bundled = root / "bundled"
    bundled.mkdir()
    for entry in data_dir().iterdir():
        if entry.name != "danq":
            (bundled / entry.name).symlink_to(entry)
    for sub in ("checkpoints", "predictions"):
        (bundled / "danq" / sub).mkdir(parents=True)
    motifs = "CTCF,GATA1,SPI1,CEBPB,FOXA1,HNF4A,SOX2,NRF1"  # as docs/danq.md made the bundled set
    sizes = ["--n-train", 4000, "--n-valid", 500, "--n-test", 1000, "--motifs-per-seq", 3, "--seed", 0]
    res = CliRunner().invoke(main, ["simulate", "-o", bundled / "danq" / "data", "--motifs", motifs, *map(str, sizes)])
    assert res.exit_code == 0, res.output
    # numba's compiled Tomtom and MoDISco stay in the usual cache: a fresh one costs minutes a page
    monkeypatch_module.setenv("DLBIO_CACHE", str(cache_root()))
    monkeypatch_module.setenv("DLBIO_DATA", str(bundled))
    monkeypatch_module.setenv("DANQ_DATA", str(bundled / "danq"))  # as `module load danq` sets it
    monkeypatch_module.setenv("HOME", str(root / "home"))
    return root


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def run_page(sandbox):
    done = {}

    def run(page):
        if page in AFTER and AFTER[page] not in done:
            run(AFTER[page])
        if page not in done:
            done[page] = _run_page(page, sandbox)
        return done[page]

    return run


def test_blocks_not_run_say_why():
    """Every page's bash blocks run here, but for those marked with their reason; the marks
    are few, and the pages of the main jobs run."""
    reasons = {page.name: blocks(page)[1] for page in sorted((ROOT / "docs").glob("*.md"))}
    assert all(len(r) > 20 for rs in reasons.values() for r in rs), reasons
    assert sum(map(len, reasons.values())) <= 7
    assert {"class2.md", "danq.md", "genomics.md", "attributions.md", "motifs.md"} <= set(PAGES)


@pytest.mark.parametrize("page", PAGES)
def test_walkthrough_runs_as_written(page, run_page, sandbox):
    output = run_page(page)
    home = sandbox / "home"
    expected = {
        "class2.md": ["class2/mdet_conv1d.keras", "class2/01_conv1d.png"],
        "danq.md": ["danq-demo/checkpoints/bestmodel.DanQ.keras", "danq-demo/motifs/filters.tsv"],
        "motifs.md": ["danq-demo/motifs/filters.html"],
        "attributions.md": ["danq-demo/attr/CTCF.modisco_hits.tsv", "danq-demo/attr/GATA1.modisco.html"],
        "genomics.md": [
            "genomics/variant_effects.tsv",
            "genomics/ctcf_grad.h5",
            "genomics/cebpb.tsv",
            "genomics/zoom.png",
        ],
    }.get(page, [])
    missing = [name for name in expected if not (home / name).is_file()]
    assert not missing, f"docs/{page} ran but did not write {missing}:\n{output[-2000:]}"
