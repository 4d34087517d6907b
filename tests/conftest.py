import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
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


CHR = {"chr1": 2000, "chr2": 1200, "chr3": 1200}


@pytest.fixture
def genome(tmp_path):
    """A random 3-chromosome genome with a 200-bp gap of N on chr1: (g.fa path, {chrom: sequence})."""
    rng = np.random.default_rng(0)
    seqs = {c: "".join(rng.choice(list("ACGT"), n)) for c, n in CHR.items()}
    s = list(seqs["chr1"])
    s[1400:1600] = "N" * 200  # a gap on chr1
    seqs["chr1"] = "".join(s)
    path = tmp_path / "g.fa"
    path.write_text("".join(f">{c}\n{s}\n" for c, s in seqs.items()))
    return path, seqs
