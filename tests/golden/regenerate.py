"""Regenerate the golden files of tests/golden/ from the example offices — on purpose, never from
a test run.

    python tests/golden/regenerate.py            # rewrite every golden file, print what changed
    python tests/golden/regenerate.py --check    # write nothing; exit 1 if any file would change

It renders exactly what tests/test_explain.py, tests/test_gap.py and tests/test_golden_verdicts.py
compare against: the text explanation of every example in both languages (and Markdown for three),
the zh + en gap report of every example, and the full JSON verdict of every example. Review the
diff (``git diff tests/golden``) before committing it, and name each changed file and why.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mingxing_rules import evaluate, load_ruleset  # noqa: E402
from mingxing_rules.atomic import atomic_write_text  # noqa: E402
from mingxing_rules.gap import gap  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
MARKDOWN = ("near-miss-floor-area", "undecided-missing-count", "inadmissible-late")


def renders() -> Iterator[tuple[Path, str]]:
    ruleset = load_ruleset("star-judicial-office")
    for path in EXAMPLES:
        office = json.loads(path.read_text(encoding="utf-8"))
        verdict = evaluate(office, ruleset)
        for lang in ("zh", "en"):
            yield GOLDEN / "explain" / f"{path.stem}.{lang}.txt", verdict.explain(lang)
            if path.stem in MARKDOWN:
                yield GOLDEN / "explain" / f"{path.stem}.{lang}.md", verdict.explain(lang, "md")
        result = gap(office, ruleset)
        yield GOLDEN / "gap" / f"{path.stem}.txt", result.explain("zh") + "\n" + result.explain(
            "en")
        yield GOLDEN / "verdicts" / f"{path.stem}.json", json.dumps(
            verdict.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    changed = []
    for path, text in renders():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        changed.append(path.relative_to(ROOT))
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, text)
    for path in changed:
        print(("stale: " if args.check else "wrote: ") + str(path))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
