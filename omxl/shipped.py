"""The files omxl ships beside its code: the report and e-mail templates in the repository's templates/ folder
(contract 4.4, 5.1), found from the package's own location so that a run from any folder finds them."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def template_path(*parts: str) -> Path:
    """The shipped template at templates/<parts>; ConfigError naming it when this installation lacks it."""
    path = TEMPLATES.joinpath(*parts)
    if not path.is_file():
        raise ConfigError(f"{path}: the template omxl ships is missing from this installation. Reinstall omxl "
                          "from its source folder (pip install -e .), or pass a template of your own.")
    return path
