"""Helpers shared by the tests that run outside programs (pdflatex, node)."""

import os
import shutil

import pytest

CI = os.environ.get("CI") == "true"


def required_tool(name: str) -> str:
    """The path of the program `name`; a skip without it, a failure under CI (``.ci/run`` installs it)."""
    path = shutil.which(name)
    if path is None:
        if CI:
            pytest.fail(f"{name} is missing under CI: .ci/run must install it")
        pytest.skip(f"{name} is not installed")
    return path
