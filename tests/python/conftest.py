"""Shared fixtures of the Python tests (.ci/python-check runs them against the wheel
it built; KOE_BINARY is the `koe` the results are compared with)."""

import json
import os
import pathlib
import subprocess

import pytest

import koe

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"


def koe_binary() -> str:
    path = os.environ.get("KOE_BINARY") or str(ROOT / "target" / "debug" / "koe")
    if not os.path.exists(path):
        pytest.fail(f"no koe binary at {path} (set KOE_BINARY)")
    return path


def run_koe(*args: str) -> str:
    """stdout of `koe ARGS` (fails the test on an error exit)."""
    done = subprocess.run(
        [koe_binary(), *args], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def koe_analyze(path: pathlib.Path) -> list[dict]:
    """`koe analyze --domain all` of a fixture, one dict per record."""
    out = run_koe("analyze", "-q", "--domain", "all", "--rejects", os.devnull, str(path))
    return [json.loads(line) for line in out.splitlines() if line.strip()]


@pytest.fixture(scope="session")
def analyzer() -> koe.Analyzer:
    return koe.Analyzer(domain="all")
