"""Delivery survives kill -9: a worker process (tests/crash_worker.py) killed at random points
loses nothing and repeats at most one message per chat per kill.

Each life is killed after a random number of accepted sends (seen in the worker's log), not
after a random wall-clock time: on a loaded machine a process may not even have imported the bot
within a fixed window, and the kills would then prove nothing (or never let delivery finish)."""

import random
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import until_sync

ROOT = Path(__file__).resolve().parents[2]
LIFE_TIMEOUT = 60.0  # seconds one life may take to make its progress: generous under load


def sent_lines(log: Path) -> int:
    return log.read_bytes().count(b"\n")


@pytest.mark.slow
def test_kill_minus_nine_loses_nothing_and_repeats_at_most_one_per_chat(tmp_path: Path) -> None:
    chats, releases_n, kills_wanted = 12, 40, 6
    log = tmp_path / "sent.log"
    setup = subprocess.run([sys.executable, "-m", "tests.crash_worker", "setup", str(tmp_path),
                            str(chats), str(releases_n)], cwd=ROOT, timeout=60)
    assert setup.returncode == 0
    log.touch()
    command = [sys.executable, "-m", "tests.crash_worker", "deliver", str(tmp_path), str(log)]
    rng = random.Random(7)
    kills, progress = 0, []
    while kills < kills_wanted:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL)
        try:
            start = sent_lines(log)
            target = start + rng.randint(1, 40)  # of 480 sends: the work outlasts every kill
            until_sync(lambda p=proc, t=target: sent_lines(log) >= t or p.poll() is not None,
                       timeout=LIFE_TIMEOUT, what="the worker's progress", interval=0.005)
            assert proc.poll() is None, "delivery finished before it was killed enough times"
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)
            kills += 1
            progress.append(sent_lines(log) - start)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    final = subprocess.run(command, cwd=ROOT, timeout=120)
    assert final.returncode == 0, "delivery never finished"
    assert all(p > 0 for p in progress)  # every life sent something before its kill

    lines = log.read_text().splitlines()
    counts = Counter(tuple(line.split("\t")) for line in lines)
    expected = {(f"c{c}", f"r{r}") for c in range(chats) for r in range(1, releases_n + 1)}
    assert set(counts) == expected  # nothing lost
    for chat_id in {c for c, _ in expected}:
        repeats = sum(n - 1 for (c, _), n in counts.items() if c == chat_id)
        assert repeats <= kills
    duplicates = sum(n - 1 for n in counts.values())
    assert duplicates <= kills * chats
