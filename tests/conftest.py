"""Shared test settings: a derandomized Hypothesis profile for CI, the default locally too."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mingxing-ci",
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mingxing-ci"))
