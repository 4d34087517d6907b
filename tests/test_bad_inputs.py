"""Every malformed input in tests/bad_inputs.py: one line 'error: ...', non-zero exit, no traceback."""

import pytest
from bad_inputs import cases, make_fixtures


@pytest.fixture(scope="module")
def fixtures(tmp_path_factory):
    d = tmp_path_factory.mktemp("bad")
    make_fixtures(d)
    return d


def test_there_are_many_cases():
    assert len(cases()) >= 30 and len({c[0] for c in cases()}) == len(cases())


@pytest.mark.parametrize("what,cmd,args", cases(), ids=[c[0] for c in cases()])
def test_bad_input(fixtures, monkeypatch, what, cmd, args):
    from click.testing import CliRunner

    from dlbio.cli import main

    monkeypatch.chdir(fixtures)
    res = CliRunner().invoke(main, [cmd, *args], catch_exceptions=False)
    lines = [ln for ln in res.output.strip().splitlines() if not ln.startswith(("note:", "warning:", "Tomtom"))]
    assert res.exit_code not in (0, None), (what, res.output)
    assert "Traceback" not in res.output
    assert len(lines) == 1 and lines[0].lower().startswith("error"), (what, res.output)


def test_the_docs_list_every_case_and_the_readme_counts_them():
    """docs/bad-input.md is generated from the cases; a new case must regenerate it and the README's count."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    table = (root / "docs" / "bad-input.md").read_text()
    listed = [ln.split(" | ")[0][2:] for ln in table.splitlines() if ln.startswith("| ") and "`" in ln]
    assert listed == [c[0] for c in cases()]
    assert f"{len(cases())} cases:" in table
    counts = re.findall(r"(\d+) malformed inputs", (root / "README.md").read_text())
    assert counts and set(counts) == {str(len(cases()))}
