"""The literate ruleset document (`mingxing doc`): every requirement sentence of the source is
either cited by a rule or explicitly marked as not encoded, with why; the page is one
self-contained, well-formed HTML document; a real browser renders it (when Chromium is here)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from literate_helpers import assert_typography, read_page

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.literate import (
    REQUIREMENT_PARTS,
    literate_document,
    normalise,
    readable_condition,
    render_literate,
)

RULESET = load_ruleset("star-judicial-office")
SOURCE = Path(__file__).resolve().parent.parent / "rulesets" / "sources"


def test_every_requirement_sentence_is_cited_or_marked_not_encoded_with_why() -> None:
    document = literate_document(RULESET)
    coverage = document.coverage
    requirements = [s for s in document if s.requirement]
    assert len(requirements) == coverage.requirements > 60
    assert [s.text for s in document.unaccounted] == []
    assert coverage.unaccounted == 0 and coverage.percent == 100.0
    assert coverage.cited + coverage.not_encoded == coverage.requirements
    for sentence in requirements:
        assert sentence.cited or (sentence.not_encoded and sentence.not_encoded_en), sentence
    # requirement sentences are exactly those of the parts that set conditions
    assert {s.clause[:1] for s in requirements} == set(REQUIREMENT_PARTS)


def test_every_quote_of_the_ruleset_is_found_in_the_source() -> None:
    assert literate_document(RULESET).coverage.uncited_quotes == ()


def test_no_sentence_is_both_cited_and_explained_away() -> None:
    # a reason for a sentence a rule quotes would be stale: the list must shrink with the rules
    reasons = (SOURCE / "star-judicial-office.uncited.yaml").read_text(encoding="utf-8")
    fragments = re.findall(r"- sentence: (.+)", reasons)
    document = literate_document(RULESET)
    for fragment in fragments:
        sentence = document.find(fragment)
        assert not sentence.cited, f"{fragment!r} is cited by {[n.id for n in sentence.nodes]}"


def test_each_sentence_lists_the_rules_that_quote_it() -> None:
    document = literate_document(RULESET)
    assert "floor_area" in [n.id for n in document.find("面积不低于200平方米").nodes]
    revocation = document.find("视情予以摘牌")
    assert {"major_problem_ground", "lowered_standards_ground", "revocation_grounds"} <= {
        n.id for n in revocation.nodes}
    assert document.find("由市局组织评审团进行实地考评").not_encoded
    assert not document.find("为全面加强基层司法所建设").requirement  # the preamble


def test_conditions_are_shown_in_words() -> None:
    node = RULESET.spec.node("floor_area")
    assert readable_condition(node.condition, RULESET.spec) == "〔办公用房面积〕≥200平方米"
    node = RULESET.spec.node("motorcycle_or_e_bike")
    text = readable_condition(node.condition, RULESET.spec, "en")
    assert "police motorcycle" in text and " or " in text and "vehicles" not in text.split()[0]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_page_is_self_contained_and_well_formed(lang: str) -> None:
    page = render_literate(RULESET, lang)
    parser = read_page(page)
    text = html.unescape("".join(parser.text))
    assert normalise("面积不低于200平方米") in text
    assert page.count('class="not-encoded"') == literate_document(RULESET).coverage.not_encoded


def test_the_chinese_notes_follow_the_typography() -> None:
    assert_typography(render_literate(RULESET, "zh"))


def test_mingxing_doc_writes_the_page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ruleset.html"
    # proofs are tested in test_literate_proofs.py; here the page without them
    assert main(["doc", "star-judicial-office", "--out", str(out), "--lang", "zh",
                 "--no-proofs"]) == 0
    assert out.read_text(encoding="utf-8") == render_literate(RULESET, "zh")
    assert "0 unaccounted for" in capsys.readouterr().err
    assert main(["doc", "--out", str(out), "--no-proofs"]) == 0  # --lang both: both languages
    assert out.read_text(encoding="utf-8") == render_literate(RULESET, "both")
    assert "How the assessment is made" in out.read_text(encoding="utf-8")
    assert main(["doc", str(tmp_path / "missing.yaml")]) == 3
    capsys.readouterr()
    assert main(["doc", "--format", "json", "--no-proofs"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["coverage"]["unaccounted"] == 0 and data["coverage"]["percent"] == 100.0
    floor = next(s for s in data["sentences"] if "面积不低于200平方米" in s["text"])
    assert "floor_area" in floor["cited_by"]


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_a_real_browser_renders_the_page(tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("no Chromium on this machine (apt-get install chromium); the HTML is still "
                    "checked for well-formedness and coverage by the tests above")
    page = tmp_path / "ruleset.html"
    page.write_text(render_literate(RULESET, "zh"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    result = subprocess.run(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--screenshot={shot}", "--window-size=1280,2000", page.as_uri()],
        capture_output=True, timeout=120, check=False)
    assert shot.exists(), result.stderr.decode("utf-8", "replace")[-2000:]
    data = shot.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1280, 2000)
    assert len(data) > 20_000  # a blank page compresses to a few kilobytes
