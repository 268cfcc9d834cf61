import os

import pytest


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    """A module's working folder, also the current directory: inputs go to ``in/``, outputs to
    ``out/`` (the CLI's default trial folder is ``out/<name>`` relative to it)."""
    work = tmp_path_factory.mktemp("fuzz")
    (work / "in").mkdir()
    (work / "out").mkdir()
    before = os.getcwd()
    os.chdir(work)
    try:
        yield work
    finally:
        os.chdir(before)
