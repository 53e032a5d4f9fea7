"""TensorBoard over the results folder, read through its own HTTP API on 127.0.0.1.

Two 2-trial sweeps run in the test under one results root, the folder
`rnnbench board` serves by default; TensorBoard then loads it synchronously
(`--load_fast=false --reload_interval=0 --reload_task=blocking`) so every
request sees all of it. Only 127.0.0.1 is ever contacted, proxies are
bypassed, and every request has a timeout.
"""

import json
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse

import pandas as pd
import pytest
import yaml

from helpers import TINY_SWEEP_BASE, read_json, start_board, stop_board, trial_states
from rnnbench.errors import UserError

TINY = {**TINY_SWEEP_BASE, "train": {**TINY_SWEEP_BASE["train"], "epochs": 2}}
SPACES = {
    "two": {
        "model.layers[0].units": {"int": [2, 8]},
        "model.layers[0].cell": {"choice": ["simple_rnn", "gru"]},
        "model.layers[0].bidirectional": {"boolean": True},
        "model.layers[0].dropout": {"choice": [0.0, 0.25],
                                    "when": {"model.layers[0].bidirectional": True}},
    },
    # Another sweep with trials "0" and "1" too, and a parameter of its own.
    "other": {
        "model.layers[0].units": {"int": [2, 8]},
        "train.optimizer.learning_rate": {"float": [0.001, 0.01], "sampling": "log"},
    },
}
SPACE = SPACES["two"]
ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
# Nothing here may talk to anything but this machine's loopback.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def request(url, path, body=None, timeout=30):
    assert urlparse(url).hostname == "127.0.0.1", url
    data = None if body is None else json.dumps(body).encode()
    headers = {} if body is None else {"Content-Type": "application/json"}
    req = urllib.request.Request(url.rstrip("/") + path, data=data, headers=headers)
    with _OPENER.open(req, timeout=timeout) as response:
        assert response.status == 200
        return json.loads(response.read())


def final_metric_names(trial_dir):
    """The val/test metrics a trial's metrics.json holds: what HParams should show."""
    metrics = read_json(Path(trial_dir) / "metrics.json")
    return {k for k, v in metrics.items()
            if k.startswith(("val_", "test_")) and isinstance(v, (int, float))}


@pytest.fixture(scope="module")
def sweeps(tmp_path_factory):
    """Two finished 2-trial sweeps under one results root.

    Returns:
        `(results, {run prefix of a trial: (sweep_dir, trial_id, active values)})`,
        the run prefix being the trial folder relative to `results`.
    """
    from rnnbench.sweeps import tuning
    root = tmp_path_factory.mktemp("board")
    (root / "tiny.yaml").write_text(yaml.safe_dump(TINY))
    results = root / "results"
    trials = {}
    for name, space in SPACES.items():
        (root / f"{name}.yaml").write_text(yaml.safe_dump({
            "experiment": str(root / "tiny.yaml"),
            "tuner": {"algorithm": "random", "max_trials": 2, "seed": 5}, "space": space}))
        sweep_dir = Path(tuning.tune(str(root / f"{name}.yaml"), str(results)))
        board = pd.read_csv(sweep_dir / "leaderboard.csv", dtype={"trial_id": str})
        assert sorted(board["trial_id"]) == ["0", "1"]
        assert (board["status"] == "COMPLETED").all()
        for trial_id, (_, values, _) in trial_states(sweep_dir, space).items():
            prefix = str((sweep_dir / "trials" / trial_id).relative_to(results))
            trials[prefix] = (sweep_dir, trial_id, values)
    return results, trials


@pytest.fixture(scope="module")
def sweep(sweeps):
    """The first sweep's folder."""
    _, trials = sweeps
    return sorted(d for d, _, _ in trials.values())[0]


@pytest.fixture(scope="module")
def server(sweeps):
    """TensorBoard in this process over the results root, fully loaded; its URL."""
    from tensorboard import program
    results, _ = sweeps
    board = program.TensorBoard()
    board.configure(argv=[None, "--logdir", str(results), "--host", "127.0.0.1",
                          "--port", "0", "--load_fast=false", "--reload_interval=0",
                          "--reload_task=blocking"])
    url = board.launch()
    assert urlparse(url).hostname == "127.0.0.1"
    return url


@pytest.mark.slow  # the sweeps train
def test_plugins_listing_includes_scalars_and_hparams(server):
    listing = request(server, "/data/plugins_listing")
    assert listing["scalars"]["enabled"] is True
    assert listing["hparams"]["enabled"] is True


@pytest.mark.slow  # the sweeps train
def test_runs_include_every_trials_train_validation_and_session_runs(server, sweeps):
    _, trials = sweeps
    runs = set(request(server, "/data/runs"))
    for prefix in trials:
        # The session is the trial folder itself, the prefix of the trial's runs.
        assert {f"{prefix}/tb/train", f"{prefix}/tb/validation", f"{prefix}/tb",
                prefix} <= runs
        assert not [run for run in runs if run.startswith(f"{prefix}/hparams")]


@pytest.mark.slow  # the sweeps train
def test_time_series_opens_on_the_epoch_curves_and_keeps_baselines_in_final(server, sweeps):
    """Time Series sorts cards by tag and groups them by the tag's first `/` part."""
    _, trials = sweeps
    tags = request(server, "/data/plugin/scalars/tags")
    for prefix, (sweep_dir, trial_id, _) in trials.items():
        assert "epoch_loss" in tags[f"{prefix}/tb/train"]
        assert "epoch_loss" in tags[f"{prefix}/tb/validation"]
        # The session's one-point scalars: the final val/test metrics, nothing else.
        expected = {f"final/{n}" for n in final_metric_names(sweep_dir / "trials" / trial_id)}
        assert set(tags[prefix]) == expected
        # The run's dashboard: the same finals, and the baseline's beside them.
        assert expected | {f"final/baseline_{n[len('final/'):]}" for n in expected} <= set(
            tags[f"{prefix}/tb"])
    every_tag = sorted({tag for run_tags in tags.values() for tag in run_tags})
    assert not [t for t in every_tag if "baseline" in t and not t.startswith("final/")]
    # No digits, so Python's order is TensorBoard's (its compareTagNames).
    assert not [t for t in every_tag if any(c.isdigit() for c in t)]
    epoch = [t for t in every_tag if t.startswith("epoch_")]
    assert {"epoch_loss", "epoch_rmse"} <= set(epoch)
    assert every_tag[:len(epoch)] == epoch  # the learning curves come first
    # After them: Keras' own `evaluation_*_vs_iterations`, then one `final` group.
    groups = {t.split("/", 1)[0] for t in every_tag if t not in epoch}
    assert "final" in groups
    assert all(g == "final" or g.startswith("evaluation_") for g in groups), groups


@pytest.mark.slow  # the sweeps train
def test_baselines_are_a_text_table_beside_each_trials_metrics(server, sweeps):
    _, trials = sweeps
    text_tags = request(server, "/data/plugin/text/tags")
    for prefix, (sweep_dir, trial_id, _) in trials.items():
        assert text_tags[prefix] == ["metrics_vs_baseline"]
        (entry,) = request(server, f"/data/plugin/text/text?run={quote(prefix)}"
                                   "&tag=metrics_vs_baseline")
        metrics = read_json(sweep_dir / "trials" / trial_id / "metrics.json")
        assert f"baseline ({metrics['baseline']})" in entry["text"]
        assert f"{metrics['baseline_val_loss']:.6g}" in entry["text"]


@pytest.mark.slow  # the sweeps train
def test_hparams_experiment_lists_every_sweeps_parameters_and_the_metrics(server, sweeps):
    _, trials = sweeps
    experiment = request(server, "/data/plugin/hparams/experiment", {"experimentName": ""})
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert set(infos) == set(SPACES["two"]) | set(SPACES["other"])
    # TensorBoard builds the domains from the values the trials took.
    seen = {}
    for _, _, values in trials.values():
        for key, value in values.items():
            seen.setdefault(key, set()).add(value)
    for key in ("model.layers[0].cell", "model.layers[0].bidirectional"):
        assert set(infos[key]["domainDiscrete"]) == seen[key], key
    # Integers are right-aligned text: TensorBoard would show a number as `16.000`.
    units = infos["model.layers[0].units"]
    assert units["type"] == "DATA_TYPE_STRING"
    assert {v.strip() for v in units["domainDiscrete"]} == {
        str(v) for v in seen["model.layers[0].units"]}
    for key in ("train.optimizer.learning_rate",):
        interval = infos[key]["domainInterval"]
        assert (interval["minValue"], interval["maxValue"]) == pytest.approx(
            (min(seen[key]), max(seen[key])), rel=1e-12), key
    # Metrics are every scalar under a session, by the run below it ("group").
    groups = {}
    for info in experiment["metricInfos"]:
        groups.setdefault(info["name"].get("group", ""), set()).add(info["name"]["tag"])
    sweep_dir, trial_id, _ = next(iter(trials.values()))
    assert groups[""] == {f"final/{n}" for n in final_metric_names(
        sweep_dir / "trials" / trial_id)}
    assert {"final/val_loss", "final/test_loss"} <= groups[""]
    assert {"final/test_loss", "final/baseline_test_loss"} <= groups["tb"]
    assert "epoch_loss" in groups["tb/train"] and "epoch_loss" in groups["tb/validation"]


@pytest.mark.slow  # the sweeps train
def test_session_groups_are_one_row_per_trial_across_sweeps(server, sweeps):
    _, trials = sweeps
    body = {"experimentName": "", "allowedStatuses": ALL_STATUSES, "colParams": [],
            "aggregationType": "AGGREGATION_AVG", "startIndex": 0, "sliceSize": 100}
    groups = request(server, "/data/plugin/hparams/session_groups", body)["sessionGroups"]
    # Both sweeps have trials 0 and 1: four rows, never two merged ones.
    assert len(groups) == len(trials) == 4
    by_session = {}
    for group in groups:
        (session,) = group["sessions"]
        by_session[session["name"]] = group
    assert set(by_session) == set(trials)  # each session is named by its trial folder
    # Seed 5 samples one bidirectional trial (dropout active) and one not.
    two = [v for d, _, v in trials.values() if d.parent.name == "two"]
    assert sorted("model.layers[0].dropout" in v for v in two) == [False, True]
    for prefix, (sweep_dir, trial_id, expected) in trials.items():
        group = by_session[prefix]
        # The Trial ID column: the trial first, then what tells the sweeps apart.
        assert group["name"] == (f"trial {trial_id} · {sweep_dir.name} · "
                                 f"{sweep_dir.parent.name}")
        assert set(group["hparams"]) == set(expected)  # active values only
        for key, value in expected.items():
            got = group["hparams"][key]
            if isinstance(value, bool) or isinstance(value, str):
                assert got == value, (prefix, key)
            else:
                assert float(got) == pytest.approx(float(value), rel=1e-12), (prefix, key)
        metrics = read_json(sweep_dir / "trials" / trial_id / "metrics.json")
        shown = {m["name"]["tag"]: m["value"] for m in group["metricValues"]
                 if not m["name"].get("group")}  # the session's own, not its runs'
        assert {"final/val_loss", "final/test_loss", "final/val_mse"} <= set(shown)
        for tag, value in shown.items():
            assert value == pytest.approx(metrics[tag.removeprefix("final/")], rel=1e-6)


@pytest.mark.slow  # the sweeps train
def test_board_experiment_puts_each_objective_first_and_types_integers(sweeps, tmp_path):
    """`rnnbench board` writes the one HParams experiment of its logdir (issue 27)."""
    import shutil
    from tensorboard import program
    from rnnbench.reports import board
    results, trials = sweeps
    logdir = tmp_path / "results"
    shutil.copytree(results, logdir)
    assert board.hparams_experiment(logdir) == logdir / "_hparams"
    served = program.TensorBoard()
    served.configure(argv=[None, "--logdir", str(logdir), "--host", "127.0.0.1",
                           "--port", "0", "--load_fast=false", "--reload_interval=0",
                           "--reload_task=blocking"])
    url = served.launch()
    experiment = request(url, "/data/plugin/hparams/experiment", {"experimentName": ""})
    metrics = [(m["name"].get("group", ""), m["name"]["tag"])
               for m in experiment["metricInfos"]]
    # Both sweeps' objective is val_loss: it, its test split, the baseline's, then more.
    assert metrics[:3] == [("", "final/val_loss"), ("", "final/test_loss"),
                           ("tb", "final/baseline_val_loss")]
    assert not [tag for _, tag in metrics if tag.startswith("epoch_")]  # no curves
    infos = {h["name"]: h for h in experiment["hparamInfos"]}
    assert set(infos) == set(SPACES["two"]) | set(SPACES["other"])
    assert infos["model.layers[0].units"]["type"] == "DATA_TYPE_STRING"
    assert [v.strip() for v in infos["model.layers[0].units"]["domainDiscrete"]] == [
        str(v) for v in range(2, 9)]
    body = {"experimentName": "", "allowedStatuses": ALL_STATUSES, "colParams": [],
            "aggregationType": "AGGREGATION_AVG", "startIndex": 0, "sliceSize": 100}
    groups = request(url, "/data/plugin/hparams/session_groups", body)["sessionGroups"]
    assert len(groups) == len(trials)  # still one row per trial, across both sweeps
    # Starting again rewrites it rather than adding a second experiment.
    board.hparams_experiment(logdir)
    assert len(list((logdir / "_hparams").glob("events.out.tfevents.*"))) == 1


@pytest.mark.slow  # the sweeps train
def test_each_trials_runs_take_its_hyperparameters_and_show_its_pictures(server, sweeps):
    """TensorBoard's runs table (Time Series, Images, Text) gives a run the
    hyperparameters of the longest session name it starts with (issue 33)."""
    _, trials = sweeps
    body = {"experimentName": "", "allowedStatuses": ALL_STATUSES, "colParams": [],
            "startIndex": 0, "sliceSize": 100, "includeMetrics": False}
    groups = request(server, "/data/plugin/hparams/session_groups", body)["sessionGroups"]
    sessions = sorted((s["name"] for g in groups for s in g["sessions"]), key=len,
                      reverse=True)
    runs = request(server, "/data/runs")
    for prefix in trials:
        own = [run for run in runs if run == prefix or run.startswith(prefix + "/")]
        assert {f"{prefix}/tb", f"{prefix}/tb/train", f"{prefix}/tb/validation"} <= set(own)
        for run in own:
            assert next(s for s in sessions if run.startswith(s)) == prefix, run
    images = request(server, "/data/plugin/images/tags")
    texts = request(server, "/data/plugin/text/tags")
    for prefix in trials:
        assert "regress/predicted_vs_actual" in images[f"{prefix}/tb"]
        assert "summary/metrics" in texts[f"{prefix}/tb"]


@pytest.mark.slow  # the sweeps train
def test_board_start_serves_on_localhost(sweep):
    from rnnbench.reports import board
    url = board.start(str(sweep), port=0)  # TensorBoard binds a free port itself
    assert urlparse(url).hostname == "127.0.0.1" and urlparse(url).port > 0, url
    assert "scalars" in request(url, "/data/plugins_listing")


def test_board_on_a_missing_folder_is_a_user_error(tmp_path, capsys):
    from rnnbench.cli import main
    from rnnbench.reports import board
    missing = tmp_path / "nothing-here"
    with pytest.raises(UserError, match="does not exist"):
        board.start(str(missing), port=0)
    assert main(["board", "--logdir", str(missing)]) == 2
    assert "No results to show" in capsys.readouterr().err


def _listening_addresses(port):
    """Local addresses (hex, as /proc/net/tcp* write them) listening on `port`."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, hex_port = fields[1].split(":")
            if fields[3] == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                found.add(address)
    return found


@pytest.mark.slow  # the sweeps train
def test_rnnbench_board_binds_127_0_0_1_by_default(sweep, tmp_path):
    from rnnbench.cli import make_parser
    assert make_parser().parse_args(["board"]).host == "127.0.0.1"

    log = tmp_path / "board.log"
    proc, url = start_board(sweep, log)
    try:
        assert urlparse(url).hostname == "127.0.0.1", url
        port = urlparse(url).port
        assert _listening_addresses(port) == {"0100007F"}, log.read_text()  # 127.0.0.1 only
        assert "scalars" in request(url, "/data/plugins_listing")
        assert stop_board(proc, log) == 0, log.read_text()  # Ctrl-C stops it cleanly
    finally:
        stop_board(proc, log)
