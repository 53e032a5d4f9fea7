"""The HParams experiment `rnnbench board` writes (issue 27): the sweep's objective
is the first metric column and a small set follows, integers are integers, and the
Trial ID is short and tells two sweeps of one name apart. No training here; the
served dashboard is checked in tests/reports/test_board.py."""

from pathlib import Path

from tensorboard.plugins.hparams import api_pb2

from sweeps.tuning_helpers import write_sweep

SPACE = {"model.layers[0].units": {"int": [8, 128], "step": 8},
         "model.layers[0].cell": {"choice": ["gru", "lstm"]},
         "model.layers[0].bidirectional": {"boolean": True},
         "train.batch_size": {"choice": [16, 64]},
         "train.optimizer.learning_rate": {"float": [0.0001, 0.01], "sampling": "log"}}


def load(tmp_path, tiny, objective):
    from rnnbench.sweeps import definition
    path = write_sweep(tmp_path, f"s_{objective}", tiny, SPACE, objective=objective)
    sweep, _ = definition.load_sweep(str(path))
    return sweep


def test_objective_first_then_a_small_set(tmp_path, tiny):
    from rnnbench.sweeps import hparams
    sweep = load(tmp_path, tiny, "val_mae")
    names = ["val_loss", "val_mae", "val_mse", "val_rmse", "test_loss", "test_mae",
             "test_mse", "test_rmse"]
    _, metrics = hparams.experiment([(sweep, names)])
    shown = [(m.as_proto().name.group, m.as_proto().name.tag) for m in metrics]
    assert shown[:5] == [("", "final/val_mae"), ("", "final/test_mae"),
                         ("tb", "final/baseline_val_mae"), ("", "final/val_loss"),
                         ("", "final/test_loss")]
    assert sorted(shown[5:]) == sorted(("", f"final/{n}") for n in
                                       ("val_mse", "val_rmse", "test_mse", "test_rmse"))
    assert metrics[0].as_proto().display_name == "val_mae (objective)"


def test_integers_are_text_in_numeric_order_and_other_kinds_keep_their_type(tmp_path,
                                                                          tiny):
    from rnnbench.sweeps import hparams
    sweep = load(tmp_path, tiny, "val_loss")
    hparams_, _ = hparams.experiment([(sweep, ["val_loss", "test_loss"])])
    infos = {h.name: h for h in hparams_}
    units = infos["model.layers[0].units"].domain
    assert units.dtype is str and [v.strip() for v in units.values] == [
        str(v) for v in range(8, 129, 8)]  # numeric order, as text sorts them
    assert infos["train.batch_size"].domain.values == ["    16", "    64"]
    assert infos["model.layers[0].cell"].domain.values == ["gru", "lstm"]
    assert infos["model.layers[0].bidirectional"].domain.dtype is bool
    rate = infos["train.optimizer.learning_rate"].domain
    assert (rate.min_value, rate.max_value) == (0.0001, 0.01)
    values = hparams.session_values({"model.layers[0].units": 16, "train.batch_size": 64,
                                     "train.optimizer.learning_rate": 0.001},
                                    sweep.params)
    assert values == {"model.layers[0].units": "    16", "train.batch_size": "    64",
                      "train.optimizer.learning_rate": 0.001}
    info = api_pb2.HParamInfo()
    units.update_hparam_info(info)
    assert info.type == api_pb2.DATA_TYPE_STRING  # shown as `16`, not `16.000`


def test_two_sweeps_merge_their_domains_and_each_objective_comes_first(tmp_path, tiny):
    from rnnbench.sweeps import hparams
    one, two = load(tmp_path, tiny, "val_mae"), load(tmp_path, tiny, "val_rmse")
    names = ["val_loss", "val_mae", "val_rmse", "test_loss", "test_mae", "test_rmse"]
    hparams_, metrics = hparams.experiment([(one, names), (two, names)])
    assert len(hparams_) == len(SPACE)
    tags = [m.as_proto().name.tag for m in metrics]
    assert tags[0] == "final/val_mae" and "final/val_rmse" in tags[:len(tags)]
    assert len(tags) == len(set((m.as_proto().name.group, t)
                                for m, t in zip(metrics, tags)))  # each once


def test_trial_id_is_short_and_tells_two_sweeps_of_one_name_apart():
    from rnnbench.sweeps import hparams
    first = hparams.group_name(Path("results/sweeps/arch/20261204-182707-cec9"), "3")
    second = hparams.group_name(Path("results/sweeps/arch/20261204-190101-ab12"), "3")
    assert first.startswith("trial 3 · 20261204-182707-cec9")
    assert first != second and first.endswith("arch")


def test_a_confirmed_sweeps_mean_over_seeds_follows_its_objective(tmp_path, tiny):
    from rnnbench.sweeps import hparams
    sweep = load(tmp_path, tiny, "val_mae")
    names = ["val_loss", "val_mae", "test_loss", "test_mae", "confirmed/val_mae_mean",
             "confirmed/rank"]
    _, metrics = hparams.experiment([(sweep, names)])
    tags = [m.as_proto().name.tag for m in metrics]
    assert tags[:3] == ["final/val_mae", "confirmed/val_mae_mean", "final/test_mae"]
    assert "confirmed/rank" in tags and "final/confirmed/rank" not in tags
