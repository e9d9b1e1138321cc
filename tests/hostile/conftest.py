"""The hostile suite's fixed fuzzing budget: a hypothesis profile the fuzz tests inherit from."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI: a fixed, derandomised budget (the fuzz tests together stay well under a minute on 2 cores).
# Locally: HOSTILE_FUZZ_EXAMPLES=2000 HOSTILE_FUZZ_RANDOM=1 for a longer, random run.
settings.register_profile(
    "hostile-fuzz",
    max_examples=int(os.environ.get("HOSTILE_FUZZ_EXAMPLES", "80")),
    deadline=2000,  # ms per example: generous for a loaded machine, small against a freeze
    derandomize=os.environ.get("HOSTILE_FUZZ_RANDOM") != "1",
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
