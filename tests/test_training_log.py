"""danq-train's log: read it (both writers' layouts), and draw training curves from it."""

import numpy as np
import pytest
from PIL import Image

from dlbio.training.log import read_training_log, summarize_log
from dlbio.utils.errors import DlbioError

KERAS_LOG = "epoch,loss,val_auc_median,val_loss\n0,0.70,0.55,0.66\n1,0.60,0.71,0.58\n2,0.50,0.78,0.61\n"
MULTI_WORKER_LOG = "epoch,loss,val_loss\n0,0.9,0.8\n1,0.7,0.65\n"


def test_the_keras_log_is_read_with_1_based_epochs_and_its_auc(tmp_path):
    (tmp_path / "a.log.csv").write_text(KERAS_LOG)
    log = read_training_log(tmp_path / "a.log.csv")
    assert log["epoch"].tolist() == [1, 2, 3]
    assert np.allclose(log["val_loss"], [0.66, 0.58, 0.61]) and np.allclose(log["val_auc_median"], [0.55, 0.71, 0.78])
    s = summarize_log(tmp_path / "a.log.csv")  # the best epoch the curves mark is the one the summary names
    assert s.best_epoch == int(log["epoch"][np.argmin(log["val_loss"])]) == 2 and s.best_val_auc == 0.71
    assert s.epochs == 3 and s.best_val_loss == 0.58 and summarize_log(tmp_path / "none.log.csv") is None


def test_the_multi_worker_log_has_no_auc_column(tmp_path):
    (tmp_path / "m.log.csv").write_text(MULTI_WORKER_LOG)
    log = read_training_log(tmp_path / "m.log.csv")
    assert set(log) == {"epoch", "loss", "val_loss"} and log["loss"].tolist() == [0.9, 0.7]
    assert summarize_log(tmp_path / "m.log.csv").best_val_auc is None


def test_a_running_jobs_half_written_last_row_is_left_out(tmp_path):
    (tmp_path / "a.log.csv").write_text(KERAS_LOG + "3,0.45")
    assert read_training_log(tmp_path / "a.log.csv")["epoch"].tolist() == [1, 2, 3]


@pytest.mark.parametrize(
    "text,message",
    [
        ("epoch,loss,val_loss\n", "has no epochs yet"),  # a job that has just started
        ("target\tfile\nCTCF\tctcf.bed\n", "expected the columns epoch, loss, val_loss"),
        ("epoch,loss,val_loss\n0,0.5,0.4\n1,nan?,0.3\n", "line 3: not a number"),
    ],
)
def test_a_file_that_is_not_a_usable_log_is_named(tmp_path, text, message):
    (tmp_path / "x.csv").write_text(text)
    with pytest.raises(DlbioError, match=message) as exc:
        read_training_log(tmp_path / "x.csv")
    assert str(tmp_path / "x.csv") in str(exc.value)


def test_training_curves_overlay_runs_and_tell_same_named_logs_apart(tmp_path):
    from dlbio.workflows.visualize import plot_training, run_names

    for run in ("run1", "run2"):
        (tmp_path / run).mkdir()
        (tmp_path / run / "bestmodel.DanQ.log.csv").write_text(KERAS_LOG)
    (tmp_path / "mw.log.csv").write_text(MULTI_WORKER_LOG)
    logs = [tmp_path / "run1" / "bestmodel.DanQ.log.csv", tmp_path / "run2" / "bestmodel.DanQ.log.csv"]
    both = plot_training(logs, tmp_path / "both.png")
    loss_only = plot_training([tmp_path / "mw.log.csv"], tmp_path / "mw.png")
    assert run_names(logs) == [str(tmp_path / r / "bestmodel.DanQ") for r in ("run1", "run2")]
    assert run_names([logs[0], tmp_path / "mw.log.csv"]) == ["bestmodel.DanQ", "mw"]
    # a log with the validation AUC gets a second panel; one without does not
    assert Image.open(both).size[0] > 1.5 * Image.open(loss_only).size[0]
