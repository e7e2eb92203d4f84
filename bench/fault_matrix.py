"""The delivery fault matrix: each fault against a real peer, and what the receiver got.

    python bench/fault_matrix.py

Scenarios live in tests/delivery_faults.py (the tests assert the same figures). Columns:
alerts produced; delivered (distinct alerts the receiver has); repeats (extra receipts
carrying an alert id already received, which the receiver drops by that id);
duplicates left after that dedupe; lost (produced but never delivered); and the outbox
rows recorded as sent.
"""

from __future__ import annotations

import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))  # its helpers import each other by bare name, as under pytest

from delivery_faults import SCENARIOS  # noqa: E402


def main() -> int:
    # aiosmtpd 1.4 warns about its own use of a deprecated attribute; not ours.
    warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
    header = ("fault", "channel", "produced", "delivered", "repeats (same id)", "duplicates", "lost",
              "outbox sent", "secs")
    rows = []
    ok = True
    for name, scenario in SCENARIOS:
        with tempfile.TemporaryDirectory(prefix=f"fault-{name}-") as work:
            started = time.monotonic()
            r = scenario(Path(work))
            secs = time.monotonic() - started
        ok &= r.lost == 0 and r.duplicates == 0 and r.outbox_sent == r.produced and not r.outbox_other
        rows.append((r.fault, r.channel, r.produced, r.delivered, r.repeats, r.duplicates, r.lost,
                     r.outbox_sent, f"{secs:.1f}"))
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    line = "| " + " | ".join("{:<" + str(w) + "}" for w in widths) + " |"
    print(line.format(*header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line.format(*(str(x) for x in row)))
    print()
    print("every alert delivered exactly once per channel" if ok else "FAULT MATRIX HAS LOSSES OR DUPLICATES")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
