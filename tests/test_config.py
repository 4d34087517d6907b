"""danq-train's run configuration: one frozen object, read from TOML, written back, overridden
by the command line, and the same resume record as before it existed."""

import json

import pytest

from dlbio.cli.train import danq_train
from dlbio.training.config import RunConfig
from dlbio.utils.errors import DlbioError
from dlbio.utils.resources import tiny_deepsea

SMALL = ["-f", "8", "-k", "9", "--lstm-units", "4", "--dense-units", "8", "-b", "50", "-n", "200", "-q", "-o", ""]


def test_toml_round_trip_and_flat_options(tmp_path):
    config = RunConfig.from_options("d", model_name="DeepSEA", epochs=3, filters=16, gpus=2, results=None, quiet=True)
    assert (config.model.name, config.training.epochs, config.model.filters, config.hardware.gpus) == (
        "DeepSEA",
        3,
        16,
        2,
    )
    assert config.output.results == "" and config.training.batch_size == 500  # None is "": no predictions
    (tmp_path / "run.toml").write_text(config.to_toml())
    assert RunConfig.read_toml(tmp_path / "run.toml") == config
    with pytest.raises(Exception):  # frozen: a run's parameters do not change under it
        config.training.epochs = 4


def test_the_resume_record_keeps_the_keys_states_were_written_with(tmp_path):
    record = RunConfig.from_options(tmp_path, epochs=2, filters=8, limit=100).resume_record()
    assert list(record) == [
        "data",
        "model",
        "batch_size",
        "filters",
        "kernel_size",
        "lstm_units",
        "dense_units",
        "optimizer",
        "learning_rate",
        "seed",
        "limit",
        "lr_schedule",
        "epochs",
        "gpus",
        "mixed_precision",
    ]
    assert record["data"] == str(tmp_path.resolve()) and record["filters"] == 8 and record["limit"] == 100


@pytest.mark.parametrize(
    "text,message",
    [
        ("[model]\nfilterz = 3\n", "[model] has no option 'filterz'"),
        ("[modle]\nfilters = 3\n", "unknown section or key 'modle'"),
        ('[training]\nepochs = "ten"\n', "[training] epochs = 'ten': expected int"),
        ("[training]\nlr_schedule = 1\n", "[training] lr_schedule = 1: expected bool"),
        ("[model\n", "not a TOML file"),
    ],
)
def test_bad_config_files_are_one_line_naming_the_file(tmp_path, text, message):
    path = tmp_path / "run.toml"
    path.write_text(text)
    with pytest.raises(DlbioError) as err:
        RunConfig.read_toml(path)
    assert str(err.value).startswith(f"{path}: ") and message in str(err.value)


def test_the_command_line_overrides_the_file_and_print_config_shows_it(run_cli, tmp_path):
    data = str(tiny_deepsea())
    res = run_cli(danq_train, ["-d", data, *SMALL, "-e", "3", "--print-config"])
    (tmp_path / "run.toml").write_text(res.output)
    assert RunConfig.read_toml(tmp_path / "run.toml").training.epochs == 3
    assert not (tmp_path / "checkpoints").exists()  # printed, nothing trained
    shown = run_cli(danq_train, ["--config", "run.toml", "-e", "1", "--prefix", "cfg", "--print-config"]).output
    assert "epochs = 1" in shown and 'prefix = "cfg"' in shown and "filters = 8" in shown  # the file, then -e
    run_cli(danq_train, ["--config", "run.toml", "-e", "1", "--prefix", "cfg"])
    record = json.loads((tmp_path / "checkpoints" / "cfg.DanQ.run.json").read_text())
    assert record["config"]["epochs"] == 1 and record["config"]["filters"] == 8 and record["config"]["limit"] == 200
