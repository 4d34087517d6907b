"""Independent tasks in worker processes: results in order, and a bar that counts what the
workers report (vgrad's epochs), not only finished tasks."""

import time

from dlbio.utils.processes import map_in_processes, report_progress


def _square_after_steps(n, hold_s):
    for _ in range(n):
        report_progress()
    time.sleep(hold_s)  # still running: only the reports can have moved the bar
    return n * n


def test_results_in_task_order_and_the_bar_counts_reported_units(capsys):
    out = map_in_processes(_square_after_steps, [(3, 3.0), (0, 3.0)], 2, "work", True, units=(5, "step"))
    assert out == [9, 0]
    states = capsys.readouterr().err.replace("\r", "\n")
    assert "3/5" in states  # the workers' reports, before either task finished
    assert "5/5" in states  # and full at the end


def test_without_units_the_bar_counts_tasks(capsys):
    assert map_in_processes(_square_after_steps, [(1, 0.0), (2, 0.0), (3, 0.0)], 2, "work", True) == [1, 4, 9]
    assert "3/3" in capsys.readouterr().err


def test_in_a_batch_job_log_the_reported_units_come_as_lines(monkeypatch, capsys):
    from dlbio.utils import progress

    monkeypatch.setattr(progress, "INTERVAL_S", 2.0)
    out = map_in_processes(
        _square_after_steps, [(3, 5.0), (0, 5.0)], 2, "vgrad 2 runs", progress.LINES, units=(5, "epoch")
    )
    assert out == [9, 0]
    lines = capsys.readouterr().err.splitlines()
    assert any(line.startswith("vgrad 2 runs: 3/5 epochs (60 %) in ") for line in lines)  # while the tasks run
    assert lines[-1].startswith("vgrad 2 runs: 5 epochs done in ") and "\r" not in "".join(lines)
