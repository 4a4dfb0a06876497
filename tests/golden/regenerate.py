"""Write the golden files of explanations and gap reports. Tests only compare; they never write.

Run after an intended wording change and review the diff::

    python tests/golden/regenerate.py            # all
    python tests/golden/regenerate.py --check    # exit 1 if any file would change
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mingxing_rules import evaluate, gap, load_ruleset  # noqa: E402
from mingxing_rules.atomic import atomic_write_text  # noqa: E402

GOLDEN = Path(__file__).resolve().parent
EXAMPLES = sorted((ROOT / "examples" / "offices").glob("*.json"))
# Markdown goldens for a few offices that show every part of the layout
MARKDOWN = ("near-miss-floor-area", "undecided-missing-count", "inadmissible-late",
            "revocation-major-problem", "promotion-blocked-by-incident")


def golden_files() -> dict[Path, str]:
    """Every golden file and the text it must hold."""
    ruleset = load_ruleset("star-judicial-office")
    files: dict[Path, str] = {}
    for path in EXAMPLES:
        office = json.loads(path.read_text(encoding="utf-8"))
        verdict = evaluate(office, ruleset)
        for lang in ("zh", "en"):
            files[GOLDEN / "explanations" / f"{path.stem}.{lang}.txt"] = verdict.explain(lang)
            if path.stem in MARKDOWN:
                files[GOLDEN / "explanations" / f"{path.stem}.{lang}.md"] = verdict.explain(
                    lang, "md")
        result = gap(office, ruleset)
        files[GOLDEN / "gap" / f"{path.stem}.txt"] = (result.explain("zh") + "\n"
                                                     + result.explain("en"))
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report files that differ")
    args = parser.parse_args(argv)
    changed = []
    for path, text in golden_files().items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        changed.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_text(path, text)
    for path in changed:
        print(("differs: " if args.check else "wrote: ") + str(path.relative_to(ROOT)))
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
