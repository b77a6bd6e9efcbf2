"""
What C{pip install .} installs: every package of the project.
"""

import configparser
import pathlib

import mucservice

ROOT = pathlib.Path(mucservice.__file__).parent.parent


def test_everyPackageListed():
    """Every folder of mucservice with an __init__.py is listed in setup.cfg, and no other."""
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg")
    listed = {name.strip() for name in config["options"]["packages"].split("\n") if name.strip()}
    found = {".".join(path.parent.relative_to(ROOT).parts)
             for path in (ROOT / "mucservice").rglob("__init__.py")}
    assert listed - {"twisted.plugins"} == found
    assert not (ROOT / "twisted" / "plugins" / "__init__.py").exists()
