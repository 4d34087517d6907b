"""Console scripts leave at once after a signal (exit 75), skipping Python's final clean-up.

That clean-up garbage-collects TensorFlow's interrupted input pipeline and waited 18 to 42 s
for it (walk-through DanQ, 2 cores), past a scancel's KillWait.  An atexit hook stands for
that clean-up here: it runs after a normal exit and must not run after exit 75.
"""

import subprocess
import sys

import pytest

PROGRAM = """
import atexit, sys
from pathlib import Path
import click
from dlbio.cli.common import run_program

mark = Path(sys.argv[1])
atexit.register(lambda: mark.write_text("finalized"))

@click.command()
@click.argument("status", type=int)
def cmd(status):
    click.echo("state saved")          # buffered: a pipe, not a terminal
    click.echo("stopped by a signal", err=True)
    sys.exit(status)

run_program(cmd, args=sys.argv[2:])
"""


@pytest.mark.parametrize("status,finalized", [(75, False), (0, True), (2, True)])
def test_exit_75_skips_final_clean_up_and_keeps_output(tmp_path, status, finalized):
    mark = tmp_path / "mark"
    res = subprocess.run(
        [sys.executable, "-c", PROGRAM, str(mark), str(status)], capture_output=True, text=True, timeout=60
    )
    assert res.returncode == status
    assert res.stdout == "state saved\n" and res.stderr == "stopped by a signal\n"
    assert mark.exists() == finalized


def test_console_scripts_go_through_run_program():
    from importlib.metadata import entry_points

    scripts = {e.name: e.value for e in entry_points(group="console_scripts") if e.value.startswith("dlbio.")}
    assert scripts["danq-train"] == "dlbio.cli.train:danq_train_program"
    assert scripts["dlbio"] == "dlbio.cli:program"
