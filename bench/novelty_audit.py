"""Novelty against a reader's audit: is an update news, and do its changes say what is new?

    .venv/bin/python bench/novelty_audit.py [--shared ../shared]

bench/labels/novelty-audit.jsonl holds 59 articles that joined a known story in the full
replays of both corpora at 4944160: all 19 update alerts, 20 quiet updates and 20
duplicates drawn at random. Two helpers that never read the code audited them. For each,
they first read the story's latest (up to six) earlier reports and the article, and wrote
down blind whether it adds material news and which facts (``new_facts``, a few words
each). Only then did they read the system's decision and count its listed changes that were
new and material (``audited.changes_new``) or stale or trivial (``changes_stale``). The file
holds ids and these judgements only, no article text.

Printed:
- what the audit found of the judge it read (fixed numbers: the audit is not re-run);
- for the judge of this checkout, replaying both streams: how many decisions agree with the
  reader (update when it adds material news, else duplicate); of the changes listed, how many
  carry one of the reader's new facts (half its content words, a rough but fixed measure);
  and how many of the reader's new facts the changes carry.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quality import replay  # noqa: E402 - bench/ is on the path: this script's directory

from monitor.judge.text import content_words  # noqa: E402

AUDIT = ROOT / "bench" / "labels" / "novelty-audit.jsonl"


def carries(change: str, fact: str) -> bool:
    """Does ``change`` carry the reader's ``fact``: half its content words or more?"""
    wanted = set(content_words(fact))
    return bool(wanted) and len(wanted & set(content_words(change))) >= 0.5 * len(wanted)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    audit = [json.loads(line) for line in AUDIT.read_text(encoding="utf-8").splitlines()]

    judged = [row["audited"] for row in audit]
    listed = sum(a["changes"] for a in judged)
    right, new, stale = (sum(a[key] for a in judged) for key in ("decision_ok", "changes_new", "changes_stale"))
    print(f"Audit of the judge of 4944160 ({AUDIT.relative_to(ROOT)}: {len(audit)} articles):")
    print(f"  decisions right {right}/{len(judged)}; changes new and material {new}/{listed}, stale or trivial "
          f"{stale}/{listed}; summaries a reader could use {sum(a['summary_ok'] for a in judged)}/{len(judged)}")

    decisions: dict[str, dict[str, object]] = {}
    for corpus in sorted({row["corpus"] for row in audit}):
        rows, summary = replay(args.shared / "corpus" / corpus, ROOT / "config" / "seeds", False)
        print(f"  [{corpus}: {summary}]")
        decisions.update((str(r["id"]), r) for r in rows)

    agree = joined = listed_now = carrying = facts = carried = 0
    for row in audit:
        decision = decisions[row["id"]]
        if decision["decision"] not in ("update", "duplicate"):
            continue
        joined += 1
        is_update = decision["decision"] == "update"
        agree += is_update == row["material_new"]
        changes = [str(c) for c in decision["changes"]] if is_update else []  # type: ignore[attr-defined]
        listed_now += len(changes)
        carrying += sum(any(carries(c, f) for f in row["new_facts"]) for c in changes)
        if row["material_new"]:
            facts += len(row["new_facts"])
            carried += sum(any(carries(c, f) for c in changes) for f in row["new_facts"])
    print(f"This checkout: {joined} of the {len(audit)} still join a known story")
    print(f"  decisions agreeing with the reader {agree}/{joined}")
    print(f"  changes carrying a reader's new fact {carrying}/{listed_now} = {carrying / max(listed_now, 1):.2f}")
    print(f"  reader's new facts carried by the changes {carried}/{facts} = {carried / max(facts, 1):.2f}")


if __name__ == "__main__":
    main()
