"""A study's comparison figures land in its own TensorBoard run (issue 33)."""

import io

import pytest
import yaml

from helpers import experiment_dict
from rnnbench.reports import study_report
from rnnbench.runs import plots


def read_back(logdir):
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util
    acc = ea.EventAccumulator(str(logdir), size_guidance={ea.TENSORS: 0})
    acc.Reload()
    return {tag: (acc.SummaryMetadata(tag).plugin_data.plugin_name,
                  tensor_util.make_ndarray(acc.Tensors(tag)[-1].tensor_proto))
            for tag in acc.Tags()["tensors"]}


def figure_png(title):
    fig, ((ax,),) = plots.figure(4, 3)
    ax.plot([0, 1, 2], [2, 1, 3])
    ax.set_title(title)
    return plots.to_png(fig)


def test_the_figures_become_images_and_the_report_text(tmp_path):
    from PIL import Image
    paths = []
    for name in study_report.FIGURES:
        path = tmp_path / "figures" / f"{name}.png"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(figure_png(name))
        paths.append(path)
    report = "# Study `x`\n\n| a | b |\n|---|---|\n\n![curves](figures/learning_curves.png)\n"
    study_report.write_tensorboard(tmp_path, paths, report)
    found = read_back(tmp_path / "tb")
    assert set(found) == {f"study/{n}" for n in study_report.FIGURES} | {"study/report"}
    for name, path in zip(study_report.FIGURES, paths):
        plugin, value = found[f"study/{name}"]
        assert plugin == "images"
        original = Image.open(path)
        assert Image.open(io.BytesIO(value[2])).size == original.size
    plugin, text = found["study/report"]
    assert plugin == "text" and "| a | b |" in text.item().decode()
    assert "![" not in text.item().decode()


@pytest.mark.slow  # the study trains
def test_a_study_writes_its_figures_into_its_tensorboard_run(tmp_path):
    from rnnbench.cli import main
    base = experiment_dict(task="regress", cells=("lstm",), epochs=1)
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(base))
    (tmp_path / "pair.yaml").write_text(yaml.safe_dump({
        "experiment": str(tmp_path / "base.yaml"), "seeds": [1],
        "grid": {"model.layers[*].cell": ["simple_rnn", "gru"]}}))
    results = tmp_path / "results"
    assert main(["study", str(tmp_path / "pair.yaml"), "--results-dir", str(results)]) == 0
    (study_dir,) = (results / "studies" / "pair").iterdir()
    found = read_back(study_dir / "tb")
    assert {f"study/{n}" for n in study_report.FIGURES} <= set(found)
    report = found["study/report"][1].item().decode()
    assert "simple_rnn" in report and "gru" in report
