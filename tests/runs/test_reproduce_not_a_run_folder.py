"""`rnnbench reproduce FOLDER` on a folder that is not a run folder says so, what a
run folder holds, and which run folders are inside it (issue 27); no training."""

from rnnbench.cli import main


def test_a_folder_without_config_yaml_is_not_a_run_folder(tmp_path, capsys):
    experiment_runs = tmp_path / "results" / "tiny"  # results/<experiment>/, not a run
    for run_id in ("20260101-000000-aaaa", "20260102-000000-bbbb"):
        (experiment_runs / run_id).mkdir(parents=True)
        (experiment_runs / run_id / "config.yaml").write_text("name: tiny\n")
    assert main(["reproduce", str(experiment_runs)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "No experiment file" not in err
    assert "Expected a run folder" in err and "config.yaml" in err
    assert f"Received: {experiment_runs}, a folder without config.yaml" in err
    assert str(experiment_runs / "20260102-000000-bbbb") in err  # where the runs are


def test_an_empty_folder_names_no_runs(tmp_path, capsys):
    assert main(["reproduce", str(tmp_path)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "Expected a run folder" in err and "Run folders in it" not in err
