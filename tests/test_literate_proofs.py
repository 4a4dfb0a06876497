"""The proofs in the literate ruleset document (`mingxing doc`): one run of the prover feeds the
proofs section and the status beside each clause and node; every check and every declared
property is listed with its status, clause, solver and time; refuted results carry their
counterexample office or unsat core, unknown ones the budget; without z3 the page still renders
and says it is skipped; the Chinese reads as the bureau writes."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from literate_helpers import assert_typography, read_page
from proofs_helpers import star_report
from regression_helpers import variant
from zh_style import problems

from mingxing_rules import load_ruleset
from mingxing_rules.cli import main
from mingxing_rules.explain.wording import Wording, catalogue
from mingxing_rules.literate import render_literate
from mingxing_rules.proofs import ProofReport, prove_ruleset
from mingxing_rules.proofs import section as section_module
from mingxing_rules.proofs.section import (
    ONE_RULESET_CHECKS,
    ProofSection,
    prove_for_document,
    read_proofs,
    section_view,
)

RULESET = load_ruleset("star-judicial-office")
ROOT = Path(__file__).resolve().parent.parent
SOURCE = next((ROOT / "rulesets" / "sources").glob("*.zh.txt"))


def _proofs_part(page: str) -> str:
    return page[page.index('<section id="proofs">'):]


@pytest.fixture(scope="module")
def proved() -> ProofSection:
    report = star_report()
    return ProofSection("run", report, timeout=report.timeout)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_check_and_every_declared_property_is_listed_with_its_status(
        proved: ProofSection, lang: str) -> None:
    page = render_literate(RULESET, lang, proofs=proved)
    read_page(page)
    words = catalogue(lang)
    part = _proofs_part(page)
    report = proved.report
    assert report is not None and report.ok
    for check in ONE_RULESET_CHECKS:
        assert html.escape(words[f"literate.proofs.check.{check}"]) in part, check
        total = len(report.of(check))
        count = words["literate.proofs.count"].format(proved=total, total=total)
        assert count in part, check
    assert report.solver in part
    for prop in RULESET.spec.properties:
        row = re.search(rf'<tr id="p-{prop.id}">(.*?)</tr>', part, re.S)
        assert row is not None, prop.id
        cells = row.group(1)
        assert html.escape(Wording(lang, RULESET.spec).clause(prop.clause)) in cells
        assert words["literate.proofs.status.proved"] in cells
        assert report.solver in cells
        result = next(r for r in report.of("property") if r.subject == prop.id)
        assert words["literate.proofs.seconds"].format(seconds=f"{result.seconds:.2f}") in cells
    # the run: solver, time, budget, every option setting
    assert words["literate.proofs.every_setting"] in part
    assert f"{report.seconds:.1f}" in part
    counts = report.counts()
    assert words["literate.proofs.top.run"].format(**counts) in page


def test_properties_stand_beside_their_clause_and_checks_beside_their_node(
        proved: ProofSection) -> None:
    page = render_literate(RULESET, "zh", proofs=proved)
    clause = page[page.index('id="c-四（一）1"'):page.index('id="c-四（一）2"')]
    beside = clause[clause.index('class="props"'):]
    assert "more_floor_area" in beside and "more_meeting_room_seats" in beside
    assert "more_staff" not in beside  # 四（三）17
    # a property of two clauses (二、四) stands beside both
    for part in ("二", "四"):
        start = page.index(f'id="c-{part}"')
        assert "no_award_without_standards_or_title" in page[start:start + 3000], part
    card = page[page.index('<span class="id">floor_area · '):]
    card = card[:card.index("</dl>")]
    assert "可能达标" in card and "可能不达标" in card and "已证明" in card
    view = section_view(proved, RULESET.spec, Wording("zh", RULESET.spec))
    assert set(view["by_node"]) >= {"floor_area", "STAR", "revocation_grounds"}
    assert {p["id"] for p in view["properties"]} == {p.id for p in RULESET.spec.properties}


def test_the_solver_runs_once_for_the_whole_page(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    calls: list[Any] = []

    def counted(ruleset: Any, **options: Any) -> ProofReport:
        calls.append(options)
        assert ruleset == RULESET
        return star_report()

    monkeypatch.setattr(section_module, "prove_ruleset", counted)
    out = tmp_path / "ruleset.html"
    assert main(["doc", "--out", str(out), "--lang", "zh", "--proof-timeout", "4"]) == 0
    assert calls == [{"timeout": 4.0}]
    section = ProofSection("run", star_report(), timeout=star_report().timeout)
    assert out.read_text(encoding="utf-8") == render_literate(RULESET, "zh", proofs=section)
    err = capsys.readouterr().err
    assert f"proofs: {star_report().counts()['proved']} proved, 0 refuted, 0 unknown" in err
    assert main(["doc", "--format", "json", "--lang", "en"]) == 0
    assert len(calls) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["proofs"]["state"] == "run"
    assert data["proofs"]["report"] == json.loads(star_report().to_json())
    assert main(["doc", "--proof-timeout", "0"]) == 2


def test_a_report_of_mingxing_prove_is_shown_without_proving_again(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the solver ran again")

    monkeypatch.setattr(section_module, "prove_ruleset", refuse)
    saved = tmp_path / "proofs.json"
    saved.write_text(star_report().to_json(), encoding="utf-8")  # as `prove --format json`
    assert ProofReport.from_dict(json.loads(saved.read_text("utf-8"))).to_dict() == \
        star_report().to_dict()
    out = tmp_path / "ruleset.html"
    assert main(["doc", "--out", str(out), "--proofs-from", str(saved), "--lang", "en"]) == 0
    read_back = ProofReport.from_dict(json.loads(star_report().to_json()))  # times rounded
    section = ProofSection("run", read_back, timeout=read_back.timeout, source=str(saved))
    assert out.read_text(encoding="utf-8") == render_literate(RULESET, "en", proofs=section)
    # the proofs of another text of the ruleset are refused, and so is a version comparison
    stale = json.loads(saved.read_text("utf-8"))
    stale["digest"] = "sha256:" + "0" * 64
    saved.write_text(json.dumps(stale), encoding="utf-8")
    assert main(["doc", "--out", str(out), "--proofs-from", str(saved)]) == 2
    assert "prove this ruleset again" in capsys.readouterr().err
    stale.update(subject="a -> b", digest="")
    saved.write_text(json.dumps(stale), encoding="utf-8")
    with pytest.raises(Exception, match="comparison of two versions"):
        read_proofs(saved, RULESET)
    saved.write_text("[1, 2]", encoding="utf-8")
    assert main(["doc", "--proofs-from", str(saved)]) == 2
    assert "not a report of `mingxing prove" in capsys.readouterr().err
    assert main(["doc", "--proofs-from", str(saved), "--no-proofs"]) == 2  # one or the other


def test_without_z3_the_page_renders_and_says_the_proofs_are_skipped(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "z3", None)
    section = prove_for_document(RULESET)
    assert section.state == "skipped" and "mingxing-rules[prove]" in section.reason
    out = tmp_path / "ruleset.html"
    assert main(["doc", "--out", str(out), "--lang", "en"]) == 0
    assert "proofs skipped" in capsys.readouterr().err
    page = out.read_text(encoding="utf-8")
    part = _proofs_part(page)
    words = catalogue("en")
    assert html.escape(words["literate.proofs.notice.skipped"]) in part
    assert "<code>pip install &#39;mingxing-rules[prove]&#39;</code>" in part  # escaped
    for prop in RULESET.spec.properties:  # every property, each marked skipped
        row = re.search(rf'<tr id="p-{prop.id}">(.*?)</tr>', part, re.S)
        assert row is not None and ">skipped<" in row.group(1), prop.id
    assert part.count(">skipped<") >= len(RULESET.spec.properties) + len(ONE_RULESET_CHECKS)
    assert ">proved<" not in page
    assert_typography(render_literate(RULESET, "zh", proofs=section))


def test_no_proofs_says_they_were_not_run() -> None:
    page = render_literate(RULESET, "zh")
    part = _proofs_part(page)
    words = catalogue("zh")
    assert words["literate.proofs.notice.not_run"] in part
    assert words["literate.proofs.top.not_run"] in page
    assert "已证明" not in part


_WRONG = """  - id: more_members_keeps_the_title
    clause: 四(三)16
    title:
      zh: 党员增加不会失去评定结论
      en: more Party members never lose the verdict
    monotone: {party_members: up}
    keeps: [STAR]
"""


def test_a_refuted_property_shows_its_counterexample_and_stands_beside_its_clause(
        tmp_path: Path) -> None:
    ruleset = variant(tmp_path, "wrong-property", ("properties:\n", "properties:\n" + _WRONG))
    report = prove_ruleset(ruleset, checks=["properties"], options="fixed",
                           properties=["more_members_keeps_the_title", "more_floor_area"])
    section = ProofSection("run", report, timeout=report.timeout)
    page = render_literate(ruleset, "zh", SOURCE, proofs=section)
    read_page(page)
    assert_typography(page)
    part = _proofs_part(page)
    (refuted,) = report.by_status("refuted")
    assert refuted.office is not None and refuted.other_office is not None
    assert "性质“党员增加不会失去评定结论”不成立，反例如下" in part
    office = json.dumps(dict(refuted.office), ensure_ascii=False, default=str)
    assert office not in part and office in html.unescape(part)  # as JSON, escaped
    assert "本地引擎复现了该反例" in part
    assert html.escape(refuted.location) in part and refuted.location.endswith(
        f":{next(p for p in ruleset.spec.properties if p.id == refuted.subject).location.line}")
    assert "反例司法所" in part and "所列事实变动后的同一司法所" in part
    # the checks not asked for say so, and the unproved property of this run too
    assert "未运行" in part
    clause = page[page.index('id="c-四（三）16"'):]
    assert "more_members_keeps_the_title" in clause[:clause.index("<h3")]
    en = render_literate(ruleset, "en", SOURCE, proofs=section)
    assert "“more Party members never lose the verdict” does not hold" in html.unescape(en)


def test_unknown_results_say_the_budget_and_refuted_outcomes_the_shadowing() -> None:
    hurried = prove_ruleset("star-judicial-office", checks=["undecided"], timeout=0.001)
    assert hurried.by_status("unknown")
    section = ProofSection("run", hurried, timeout=hurried.timeout)
    page = render_literate(RULESET, "zh", proofs=section)
    assert_typography(page)
    assert "求解器在每项0.001秒的限时内未能判明" in _proofs_part(page)
    shadowed = prove_ruleset(ROOT / "examples" / "proofs" / "shadowed.yaml",
                             checks=["outcomes"])
    spec = load_ruleset(ROOT / "examples" / "proofs" / "shadowed.yaml").spec
    view = section_view(ProofSection("run", shadowed), spec, Wording("zh", spec))
    outcomes = next(c for c in view["checks"] if c["check"] == "outcome_reachable")
    (row,) = outcomes["problems"]
    assert row["message"] == "“很大”被在先的结论遮蔽：其情形出现时，总是先作出“大”的结论"
    assert row["location"].endswith("shadowed.yaml:21")
    assert any("earlier outcome LARGE is false" in part for part in row["core"])
    assert problems(row["message"]) == []


def test_the_new_catalogue_strings_are_checked_by_the_typography_test() -> None:
    """test_zh_style checks every zh catalogue string; the proofs strings are catalogue
    strings (none is written in the template or in Python), in both languages."""
    zh, en = catalogue("zh"), catalogue("en")
    keys = {k for k in zh if k.startswith("literate.proofs.")}
    assert len(keys) > 40 and keys == {k for k in en if k.startswith("literate.proofs.")}
    for key in keys:
        assert problems(zh[key]) == [], key
