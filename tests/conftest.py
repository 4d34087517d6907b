import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pytest  # noqa: E402


@pytest.fixture
def run_cli(tmp_path, monkeypatch):
    """Run a click command in tmp_path; returns the click Result."""
    from click.testing import CliRunner

    monkeypatch.chdir(tmp_path)

    def _run(cmd, args, ok=True):
        res = CliRunner().invoke(cmd, [str(a) for a in args], catch_exceptions=False)
        if ok:
            assert res.exit_code == 0, res.output + (res.stderr if hasattr(res, "stderr") else "")
        return res

    return _run
