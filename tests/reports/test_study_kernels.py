"""A study's latency is timed on the kernels the run built, not on what the rule
would pick without the run's planned steps."""

import json

from helpers import experiment_config, gpu_visible, layer_class

from rnnbench.config import experiment as config_lib
from rnnbench.models import builders
from rnnbench.reports.study_report import recorded_kernels


def test_the_rebuilt_model_takes_the_recorded_kernel_of_each_key(tmp_path):
    manifest = {
        "simple_rnn_kernel": [{"layer": "rnn_0", "setting": "auto", "chosen": "keras"}],
        # Two LSTM layers that chose differently: left to the rule.
        "lstm_kernel": [{"layer": "rnn_1", "chosen": "block"},
                        {"layer": "rnn_2", "chosen": "keras"}],
        "gru_kernel": []}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    assert recorded_kernels(tmp_path) == ["train.simple_rnn_kernel=keras"]
    # Without the run's planned steps the rule unrolls this short SimpleRNN on a CPU.
    exp = experiment_config(cells=("simple_rnn",))
    assert layer_class(exp, 0) == ("SimpleRNN" if gpu_visible() else "UnrolledSimpleRNN")
    config = tmp_path / "config.yaml"
    config.write_text(config_lib.to_yaml(exp))
    rebuilt = config_lib.load_experiment(str(config), recorded_kernels(tmp_path))
    layer = builders.recurrent_layers(builders.build_model(rebuilt))[0]
    assert type(layer).__name__ == "SimpleRNN"
