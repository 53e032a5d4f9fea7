"""`rnnbench list`: named experiments and sweeps, one line each (no TensorFlow)."""

import yaml

from rnnbench.config import paths, yaml_text


def _summary(path):
    """`(what, description)` of one YAML file, tolerant of broken files."""
    try:
        raw = yaml_text.load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as e:
        return "", f"[unreadable: {type(e).__name__}]"
    if not isinstance(raw, dict):
        return "", "[not a mapping]"
    data = raw.get("data") or {}
    layers = (raw.get("model") or {}).get("layers") or []
    if "grid" in raw:  # a study
        what = f"studies {raw.get('experiment')} over {', '.join(map(str, raw['grid']))}"
    elif "experiment" in raw:  # a sweep
        tuner = raw.get("tuner") or {}
        what = f"sweeps {raw['experiment']} ({tuner.get('algorithm', '?')})"
    else:
        cells = "+".join(("bi" if layer.get("bidirectional") else "")
                         + str(layer.get("cell", "?"))
                         for layer in layers if isinstance(layer, dict))
        what = f"{data.get('name', '?')}/{data.get('task', '-')} {cells}"
    return what, str(raw.get("description", "")).strip()


def render():
    """The listing as text."""
    lines = []
    for title, dirs in (("experiments", paths.experiment_dirs()),
                        ("sweeps", paths.sweep_dirs()), ("studies", paths.study_dirs())):
        files = paths.named_files(dirs)
        lines.append(f"{title} ({len(files)}):")
        width = max((len(n) for n in files), default=0)
        for name, path in files.items():
            what, description = _summary(path)
            lines.append(f"  {name:<{width}}  {what:<34}  {description}".rstrip())
    return "\n".join(lines)
