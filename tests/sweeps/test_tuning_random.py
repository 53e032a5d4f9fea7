"""`rnnbench tune`: a random sweep over a conditional space, trained once for the
file: its leaderboard, its trials as complete run folders that re-run to the same
test metrics, and its HParams sessions read back with TensorBoard."""

from pathlib import Path

import pandas as pd
import pytest
import yaml

from helpers import read_json, trial_states, write_yaml
from sweeps.tuning_helpers import TINY, read_board, same, tune, write_sweep

CONDITIONAL_SPACE = {
    "model.depth": {"int": [1, 2]},
    "model.layers[1].units": {"int": [2, 6], "step": 2},
    "model.layers[*].cell": {"choice": ["simple_rnn", "gru"]},
    # The experiment's own vocabulary (a mixed-type choice), with a child under it.
    "model.layers[0].bidirectional": {"choice": [False, "sum"]},
    "model.layers[0].dropout": {"choice": [0.0, 0.25],
                                "when": {"model.layers[0].bidirectional": "sum"}},
}
RUN_FILES = {"config.yaml", "manifest.json", "metrics.json", "history.csv", "model.keras",
             "tb"}


# ------------------------------------------------ a random conditional sweep

@pytest.fixture(scope="module")
def random_sweep(tmp_path_factory):
    """A 4-trial random sweep over a conditional space (seed 3 samples depth 1
    and 2, and a bidirectional layer with its conditional dropout)."""
    root = tmp_path_factory.mktemp("random_sweep")
    base = write_yaml(root / "tiny.yaml", TINY)
    sweep = write_sweep(root, "arch", base, CONDITIONAL_SPACE, algorithm="random",
                        max_trials=4, seed=3)
    sweep_dir = tune(sweep, root / "results")
    return root, sweep_dir


@pytest.mark.slow
def test_random_sweep_leaderboard_has_one_ranked_row_per_trial(random_sweep):
    _, sweep_dir = random_sweep
    board = read_board(sweep_dir)
    states = trial_states(sweep_dir, CONDITIONAL_SPACE)
    assert sorted(states) == ["0", "1", "2", "3"]
    assert sorted(board["trial_id"]) == ["0", "1", "2", "3"]  # one row each, no dups
    assert (board["status"] == "COMPLETED").all()
    assert list(board["rank"]) == [1, 2, 3, 4]
    objective = board["objective (val_loss)"]
    assert list(objective) == sorted(objective)  # val_loss: lower is better
    assert set(CONDITIONAL_SPACE) | {"params", "epochs_run", "wall_time_s"} <= set(board)

    for _, row in board.iterrows():
        trial_dir = sweep_dir / "trials" / row["trial_id"]
        metrics = read_json(trial_dir / "metrics.json")
        assert row["objective (val_loss)"] == pytest.approx(metrics["val_loss"], rel=1e-12)
        assert row["params"] == metrics["params"]
        assert row["epochs_run"] == metrics["epochs_run"] == 1
        assert row["wall_time_s"] == pytest.approx(metrics["wall_time_s"])
        assert Path(row["run_dir"]) == trial_dir
        _, active, _ = states[row["trial_id"]]
        for path in CONDITIONAL_SPACE:
            if path in active:
                assert same(row[path], active[path]), (path, row[path], active[path])
            else:  # inactive: layers[1].units at depth 1, dropout when not bidirectional
                assert pd.isna(row[path]), (row["trial_id"], path, row[path])


@pytest.mark.slow
def test_every_trial_is_a_complete_run_folder_with_its_values_applied(random_sweep):
    from rnnbench.config import experiment as config_lib
    _, sweep_dir = random_sweep
    states = trial_states(sweep_dir, CONDITIONAL_SPACE)
    assert {p.name for p in (sweep_dir / "trials").iterdir()} == set(states)
    depths, bidirectional = set(), set()
    for trial_id, (status, values, _) in states.items():
        trial_dir = sweep_dir / "trials" / trial_id
        assert status == "COMPLETED"
        assert RUN_FILES <= {p.name for p in trial_dir.iterdir()}, trial_id
        assert {p.name for p in (trial_dir / "tb").iterdir()} >= {"train", "validation"}
        assert read_json(trial_dir / "manifest.json")["status"] == "completed"
        config_lib.load_experiment(trial_dir / "config.yaml")  # an ordinary experiment

        layers = yaml.safe_load((trial_dir / "config.yaml").read_text())["model"]["layers"]
        depth = values["model.depth"]
        depths.add(depth)
        assert len(layers) == depth, trial_id
        assert all(layer["cell"] == values["model.layers[*].cell"] for layer in layers)
        assert layers[0]["units"] == 4  # the base value: not swept
        if depth == 2:
            assert layers[1]["units"] == values["model.layers[1].units"]
            assert layers[1]["bidirectional"] is False
        else:
            assert "model.layers[1].units" not in values
        # Keras Tuner holds the mixed-type choice as YAML text; the config has the value.
        bidirectional.add(values["model.layers[0].bidirectional"])
        if values["model.layers[0].bidirectional"] == "sum":
            assert layers[0]["bidirectional"] == "sum"
            assert layers[0]["dropout"] == values["model.layers[0].dropout"]
        else:
            assert values["model.layers[0].bidirectional"] == "false"
            assert layers[0]["bidirectional"] is False
            assert "model.layers[0].dropout" not in values
    # The sampled trials exercise both conditions (seed 3); else the test proves less.
    assert depths == {1, 2} and bidirectional == {"false", "sum"}


@pytest.mark.slow
def test_a_trial_config_reruns_with_the_recorded_test_metrics(random_sweep):
    from rnnbench.cli import main
    root, sweep_dir = random_sweep
    states = trial_states(sweep_dir, CONDITIONAL_SPACE)
    picked = {min(states, key=lambda t: states[t][1]["model.depth"]),
              max(states, key=lambda t: states[t][1]["model.depth"]),
              max(states, key=lambda t: states[t][1]["model.layers[0].bidirectional"] == "sum")}
    for trial_id in sorted(picked):
        trial_dir = sweep_dir / "trials" / trial_id
        out = root / f"rerun_{trial_id}"
        assert main(["run", str(trial_dir / "config.yaml"), "--results-dir", str(out)]) == 0
        (run_dir,) = (out / "tiny").iterdir()
        recorded = read_json(trial_dir / "metrics.json")
        again = read_json(run_dir / "metrics.json")
        tests = {k: v for k, v in recorded.items() if k.startswith("test_")}
        assert tests and {k: again[k] for k in tests} == pytest.approx(tests, rel=1e-9)
        assert again["params"] == recorded["params"]


@pytest.mark.slow
def test_hparams_sessions_read_back_with_tensorboard(random_sweep):
    from google.protobuf import json_format
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.plugins.hparams import metadata as hp_metadata
    from tensorboard.util import tensor_util

    _, sweep_dir = random_sweep

    def load(folder):
        acc = ea.EventAccumulator(str(folder), size_guidance={ea.TENSORS: 0})
        acc.Reload()
        return acc

    some_metrics = read_json(sweep_dir / "trials" / "0" / "metrics.json")
    metric_names = {k for k, v in some_metrics.items()
                    if k.startswith(("val_", "test_")) and isinstance(v, (int, float))}
    assert {"val_loss", "test_loss", "val_mse", "test_rmse"} <= metric_names
    # No experiment summary: TensorBoard would use one sweep's for every sweep.
    assert not (sweep_dir / "hparams").exists()

    # Each trial's session: its active values only, and its final metrics as scalars.
    for trial_id, (_, values, _) in trial_states(sweep_dir, CONDITIONAL_SPACE).items():
        acc = load(sweep_dir / "trials" / trial_id)  # the session: the trial's folder
        content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
        session = hp_metadata.parse_session_start_info_plugin_data(content)
        assert session.group_name == f"trial {trial_id} · {sweep_dir.name} · arch"
        written = {k: json_format.MessageToDict(v) for k, v in session.hparams.items()}
        assert set(written) == set(values), trial_id
        for key, value in values.items():
            assert same(written[key], value), (trial_id, key, written[key], value)
        metrics = read_json(sweep_dir / "trials" / trial_id / "metrics.json")
        scalars = set(acc.Tags()["tensors"]) - {"metrics_vs_baseline",
                                                "_hparams_/session_start_info"}
        assert scalars == {f"final/{name}" for name in metric_names}
        for name in metric_names:
            (event,) = acc.Tensors(f"final/{name}")
            assert event.step == 0
            assert float(tensor_util.make_ndarray(event.tensor_proto)) == pytest.approx(
                metrics[name], rel=1e-6)
