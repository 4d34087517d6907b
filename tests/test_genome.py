"""Genome FASTA access: a stale index is rebuilt, a read-only folder gets its index in the
cache, bgzip genomes read the same bases as plain ones."""

import os

import pytest

from dlbio.data.genome import Genome

OLD = ">c1\nACGTACGTAC\nGGGG\n>c2\nTTTT\n"
NEW = ">c1\nACGTACG\nTACGGGG\n>c2\nCCCCAAAA\n"  # other line widths and lengths: old offsets are wrong


def _age(path, seconds=100):
    t = os.stat(path).st_mtime - seconds
    os.utime(path, (t, t))


def test_an_index_older_than_the_genome_is_rebuilt(tmp_path):
    g = tmp_path / "g.fa"
    g.write_text(OLD)
    assert Genome(g).fetch("c2", 0, 4) == "TTTT" and (tmp_path / "g.fa.fai").is_file()
    g.write_text(NEW)
    _age(tmp_path / "g.fa.fai")
    gen = Genome(g)
    assert gen.lengths == {"c1": 14, "c2": 8}
    assert gen.fetch("c2", 0, 8) == "CCCCAAAA" and gen.fetch("c1", 5, 9) == "CGTA"


def test_indexing_a_large_genome_says_so_once(tmp_path, monkeypatch, capsys):
    import dlbio.data.genome as genome

    g = tmp_path / "g.fa"
    g.write_text(OLD)
    Genome(g)
    assert capsys.readouterr().err == ""  # small genomes index silently
    g.write_text(NEW)
    _age(tmp_path / "g.fa.fai")
    monkeypatch.setattr(genome, "NOTE_INDEXING_BYTES", 1)  # as if it were hg38
    Genome(g)
    assert capsys.readouterr().err == f"indexing {g} (once; about 20 s for hg38) -> {g}.fai\n"
    Genome(g)  # the index is current now
    assert capsys.readouterr().err == ""


@pytest.fixture
def read_only(monkeypatch, tmp_path):
    """Folders reported as not writable (root may write anywhere, so os.access is what is faked)."""
    folders = set()
    real = os.access

    def access(path, mode):
        full = os.path.abspath(path)
        if mode & os.W_OK and (full in folders or os.path.dirname(full) in folders):
            return False
        return real(path, mode)

    monkeypatch.setattr(os, "access", access)
    monkeypatch.setenv("DLBIO_CACHE", str(tmp_path / "cache"))
    return folders


def test_a_read_only_genome_folder_gets_its_index_in_the_cache(tmp_path, read_only):
    shared = tmp_path / "shared"
    shared.mkdir()
    g = shared / "g.fa"
    g.write_text(OLD)
    read_only.add(str(shared))
    assert Genome(g).fetch("c1", 8, 12) == "ACGG"
    assert sorted(os.listdir(shared)) == ["g.fa"]  # nothing written beside the genome
    [index] = (tmp_path / "cache" / "fai").glob("*.g.fa.fai")
    g.write_text(NEW)  # the cached index is now stale
    _age(index)
    assert Genome(g).fetch("c2", 0, 8) == "CCCCAAAA"
    assert sorted(os.listdir(shared)) == ["g.fa"]


def test_a_current_index_in_a_read_only_folder_is_used_in_place(tmp_path, read_only):
    g = tmp_path / "ro" / "g.fa"
    g.parent.mkdir()
    g.write_text(OLD)
    Genome(g)  # index made while writable
    read_only.add(str(g.parent))
    assert Genome(g).fetch("c2", 0, 4) == "TTTT"
    assert not (tmp_path / "cache" / "fai").exists()


def test_bgzip_genome_reads_the_same_bases(tmp_path, read_only):
    from Bio import bgzf

    plain = tmp_path / "g.fa"
    plain.write_text(NEW)
    packed = tmp_path / "bg" / "g.fa.gz"
    packed.parent.mkdir()
    with bgzf.BgzfWriter(str(packed), "wb") as fh:
        fh.write(NEW.encode())
    read_only.add(str(packed.parent))
    a, b = Genome(plain), Genome(packed)
    assert a.lengths == b.lengths
    assert all(a.fetch(c, -3, n + 3) == b.fetch(c, -3, n + 3) for c, n in a.lengths.items())
    assert sorted(os.listdir(packed.parent)) == ["g.fa.gz"]
    assert {p.suffix for p in (tmp_path / "cache" / "fai").iterdir()} == {".fai", ".gzi"}


def test_an_index_is_renamed_into_place_only_when_complete(tmp_path, monkeypatch):
    """Jobs that start together on a new genome must never read a half-written index."""
    import pyfaidx

    from dlbio.utils.errors import DlbioError

    g = tmp_path / "g.fa"
    g.write_text(NEW)

    def half_then_fail(self):
        with open(self.indexname, "w") as fh:
            fh.write("c1\t14\t4\t7\t8\n")  # a first line, then the disk fills up
        raise OSError("No space left on device")

    monkeypatch.setattr(pyfaidx.Faidx, "build_index", half_then_fail)
    with pytest.raises(DlbioError, match="g.fa: not an indexable FASTA file"):
        Genome(g)
    assert sorted(os.listdir(tmp_path)) == ["g.fa"]  # no partial index, no temporary file
    monkeypatch.undo()
    assert Genome(g).fetch("c2", 0, 8) == "CCCCAAAA"
