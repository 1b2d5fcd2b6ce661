"""Test configuration: under CI (CI=true) hypothesis runs derandomized.

Locally every run explores new random examples; in CI the examples are the same
on every run, so a landing is judged on the code, not on the luck of the draw.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")
