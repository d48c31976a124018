"""The store across processes: the lock refuses a second process; a writer killed at random
points leaves the previous data readable."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.store import Store, StoreLocked

ROOT = Path(__file__).resolve().parents[2]


def test_second_process_is_refused(tmp_path: Path) -> None:
    with Store(tmp_path):
        code = ("import sys; from bot.store import Store, StoreLocked\n"
                f"try:\n    Store({str(tmp_path)!r})\nexcept StoreLocked as e:\n"
                "    print(e); sys.exit(3)\n")
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 3
        assert "another newsbot process is using" in done.stdout
    with pytest.raises(StoreLocked), Store(tmp_path), Store(tmp_path):
        pass

WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from bot.models import Item
from bot.store import Store
store = Store(sys.argv[1])
n = store.count_items()
print("ready", flush=True)
while True:
    n += 1
    store.ingest([Item(id=f"k{n}", feed_id="f", url="u", title=f"t{n}", body="b" * 2000,
                       published=datetime(2024, 1, 1, tzinfo=UTC), content_hash=str(n))])
"""


@pytest.mark.slow
def test_kill_during_writes_leaves_previous_data_readable(tmp_path: Path) -> None:
    counts = []
    for delay in (0.05, 0.13, 0.21, 0.34):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], cwd=ROOT,
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout and proc.stdout.readline().strip() == "ready"
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        with Store(tmp_path) as store:  # readable, complete documents, numbering intact
            count = store.count_items()
            assert all(i.body == "b" * 2000 for i in store.iter_items())
            assert store.max_seq == count
        counts.append(count)
    assert counts == sorted(counts) and counts[-1] > 0
    data = json.loads((tmp_path / "releases" / "2024-01.json").read_text())
    assert len(data["_default"]) == counts[-1]
