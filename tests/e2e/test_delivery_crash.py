"""Delivery survives kill -9: a worker process (tests/crash_worker.py) killed at random points
loses nothing and repeats at most one message per chat per kill."""

import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_kill_minus_nine_loses_nothing_and_repeats_at_most_one_per_chat(tmp_path: Path) -> None:
    chats, releases_n = 12, 40
    log = tmp_path / "sent.log"
    setup = subprocess.run([sys.executable, "-m", "tests.crash_worker", "setup", str(tmp_path),
                            str(chats), str(releases_n)], cwd=ROOT, timeout=60)
    assert setup.returncode == 0
    rng = random.Random(7)
    kills = 0
    for _ in range(40):
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.crash_worker", "deliver", str(tmp_path), str(log)],
            cwd=ROOT, stdout=subprocess.PIPE, text=True)
        try:
            finished = proc.wait(timeout=rng.uniform(0.4, 0.9))
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
            continue
        assert finished == 0
        break
    else:
        pytest.fail("delivery never finished")
    assert kills >= 3, "the worker finished before being killed enough times"
    lines = log.read_text().splitlines()
    counts = Counter(tuple(line.split("\t")) for line in lines)
    expected = {(f"c{c}", f"r{r}") for c in range(chats) for r in range(1, releases_n + 1)}
    assert set(counts) == expected  # nothing lost
    for chat_id in {c for c, _ in expected}:
        repeats = sum(n - 1 for (c, _), n in counts.items() if c == chat_id)
        assert repeats <= kills
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= kills * chats
