"""A title register that loads saves and loads back equal (issue 13).

The register is the city's memory of who holds the Star title: a save that cannot be read back
loses it. The property: for any register (office names, counties, notes and facts in any Unicode,
U+2028, U+0085, U+FEFF, CR and quotes included; header fields the library does not know; a null
city), ``load(save(register)) == register`` in JSON Lines, and in CSV for what CSV can hold. Text
that is not Unicode (a lone surrogate, which only a JSON escape can produce) is refused when read.
The named cases below failed before the fix.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mingxing_rules import InputError
from mingxing_rules.campaign import (
    Application,
    Office,
    Register,
    dump_register,
    load_register,
    parse_register,
    save_register,
)

ROOT = Path(__file__).resolve().parent.parent
TRICKY = ["\u2028", "\u2029", "\x85", "\ufeff", "\r", "\n", "\r\n", '"', ",", ";", "\t", "\x00",
          "\x1b[31m", "\\", "'", "{", "}", "\u202e", "司法所", " ", ""]

texts = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)), max_size=5).map(
    "".join)
names = texts.filter(lambda t: t.strip() != "")
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), texts,
                         st.floats(allow_nan=False, allow_infinity=False))
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(texts, inner, max_size=3)), max_leaves=8)
header_fields = st.dictionaries(
    texts.filter(lambda k: k not in ("kind", "format", "city")), json_values, max_size=3)


@st.composite
def registers(draw: st.DrawFn, with_header: bool = True) -> Register:
    count = draw(st.integers(1, 4))
    offices = [Office(f"o{index}", draw(names), draw(names),
                      draw(st.sampled_from(["township", "street", "other"])))
               for index in range(count)]
    events = []
    for office in offices:
        if draw(st.booleans()):
            events.append(Application(office.id, dt.date(2013, 11, 20), 2013, draw(st.booleans()),
                                      facts=draw(st.dictionaries(texts, json_values, max_size=3)),
                                      note=draw(texts)))
    city = draw(st.one_of(st.none(), texts))
    header = draw(header_fields) if with_header else {}
    return Register(offices=offices, events=events, city=city, header=header)


def check_register_roundtrip(register: Register) -> None:
    """Saved and loaded back: equal in JSON Lines; in CSV too, but for what CSV cannot say (a
    null city reads back as no city; header fields are refused when saving, not dropped)."""
    text = dump_register(register, fmt="jsonl")
    assert parse_register(text, fmt="jsonl") == register
    for line in text.split("\n")[:-1]:  # each record on one line, whatever splits lines
        assert len(line.splitlines()) == 1
    if register.header:
        with pytest.raises(InputError, match=r"save it as \.jsonl"):
            dump_register(register, fmt="csv")
        return
    again = parse_register(dump_register(register, fmt="csv"), fmt="csv")
    assert again == attrs.evolve(register, city=register.city or "")


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(registers())
def test_any_register_saves_and_loads_back_equal(register: Register) -> None:
    check_register_roundtrip(register)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(registers(with_header=False), st.sampled_from([".jsonl", ".csv"]))
def test_any_register_saved_to_a_file_loads_back_equal(tmp_path: Path, register: Register,
                                                       suffix: str) -> None:
    path = tmp_path / f"register{suffix}"
    save_register(register, path)
    loaded = load_register(path)
    assert loaded == (register if suffix == ".jsonl" else attrs.evolve(register,
                                                                       city=register.city or ""))


# -- the cases found by hand ----------------------------------------------------------------------

OFFICES = [Office("a", "城东镇司法所", "清河区")]


@pytest.mark.parametrize("char", ["\u2028", "\x85", "\u2029", "\ufeff"],
                         ids=["U+2028", "U+0085", "U+2029", "U+FEFF"])
def test_a_name_with_a_line_separator_survives_a_save(tmp_path: Path, char: str) -> None:
    """Saved raw, U+2028 and U+0085 made ``splitlines`` cut the record: the saved file no longer
    loaded."""
    register = Register([Office("a", f"城东{char}镇司法所", "清河区")], city="江城市")
    path = tmp_path / "register.jsonl"
    save_register(register, path)
    assert load_register(path) == register
    assert path.read_text("utf-8").count("\n") == 2


def test_a_register_with_a_raw_line_separator_in_a_name_loads(tmp_path: Path) -> None:
    path = tmp_path / "register.jsonl"
    path.write_text('{"kind": "office", "id": "a", "name": "城东\u2028镇", "county": "清河区"}\n',
                    "utf-8")
    assert load_register(path).office("a").name == "城东\u2028镇"


def test_extra_header_fields_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "register.jsonl"
    header = {"kind": "register", "format": "mingxing-campaign/1", "city": "江城市",
              "compiled_by": "市司法局", "revision": 7, "sources": ["a", "b"]}
    path.write_text(json.dumps(header, ensure_ascii=False) + "\n"
                    + '{"kind": "office", "id": "a", "name": "城东", "county": "清河区"}\n', "utf-8")
    register = load_register(path)
    out = tmp_path / "saved.jsonl"
    save_register(register, out)
    assert json.loads(out.read_text("utf-8").split("\n")[0]) == header


def test_a_null_city_stays_null(tmp_path: Path) -> None:
    """It was saved as the text "None"."""
    path = tmp_path / "register.jsonl"
    path.write_text('{"kind": "register", "format": "mingxing-campaign/1", "city": null}\n'
                    '{"kind": "office", "id": "a", "name": "城东", "county": "清河区"}\n', "utf-8")
    register = load_register(path)
    assert register.city is None
    save_register(register, path)
    assert json.loads(path.read_text("utf-8").split("\n")[0])["city"] is None
    csv_path = tmp_path / "register.csv"
    save_register(register, csv_path)
    assert "None" not in csv_path.read_text("utf-8")


def test_a_cr_inside_a_csv_cell_is_kept(tmp_path: Path) -> None:
    register = Register([Office("a", "城东\r镇", "清\r\n河区")], city="")
    path = tmp_path / "register.csv"
    save_register(register, path)
    assert load_register(path) == register


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udfffb"'])
def test_a_lone_surrogate_is_refused_when_read(tmp_path: Path, text: str) -> None:
    path = tmp_path / "register.jsonl"
    path.write_text('{"kind": "office", "id": "a", "name": ' + text + ', "county": "x"}\n',
                    "utf-8")
    with pytest.raises(InputError) as caught:
        load_register(path)
    assert "surrogate" in str(caught.value.problems[0])
    assert ":1" in caught.value.problems[0].path


def test_a_register_that_is_not_utf8_is_an_input_error_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "register.jsonl"
    path.write_bytes(b'{"kind": "office", "id": "a", "name": "x", "county": "y"}\n'
                     b'{"kind": "office", "id": "b", "name": "\xff", "county": "y"}\n')
    with pytest.raises(InputError, match=r"register.jsonl:2: the register is not valid UTF-8"):
        load_register(path)


def test_duplicate_keys_in_a_register_record_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_register('{"kind": "office", "id": "a", "id": "b", "name": "x", "county": "y"}\n',
                       fmt="jsonl", source="r.jsonl")
    assert "duplicate key 'id'" in str(caught.value.problems[0])


FULL_DISK = r"""
import resource, signal, sys
from pathlib import Path
from mingxing_rules.campaign import Office, Register, save_register
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writing past the limit is then EFBIG
path = Path(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (path.stat().st_size + 64,) * 2)
big = Register([Office(f"o{i}", "城东镇司法所" * 5, "清河区") for i in range(200)], city="x")
try:
    save_register(big, path)
except OSError as exc:
    print("refused", exc.errno)
"""


def test_a_save_on_a_full_disk_leaves_the_old_register_whole(tmp_path: Path) -> None:
    """A full disk (a file size limit here) used to leave a truncated record: the register no
    longer loaded."""
    path = tmp_path / "register.jsonl"
    old = Register(OFFICES, city="江城市")
    save_register(old, path)
    before = path.read_bytes()
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(path)], capture_output=True, check=False,
                          text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert "refused" in done.stdout, done.stderr
    assert path.read_bytes() == before
    assert load_register(path) == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["register.jsonl"]



def test_campaign_outputs_naming_the_register_are_refused(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``--out`` (the HTML report) or ``--chart`` naming the register would overwrite it."""
    from mingxing_rules.cli import main

    register = tmp_path / "register.jsonl"
    save_register(Register(OFFICES, city="江城市"), register)
    before = register.read_bytes()
    for option in ("--out", "--chart"):
        assert main(["campaign", str(register), "--year", "2013", option, str(register)]) == 2
        assert register.read_bytes() == before
    err = capsys.readouterr().err
    assert "is the register file" in err and "Traceback" not in err


def test_an_unwritable_campaign_report_is_an_error_message(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mingxing_rules.cli import main

    register = tmp_path / "register.jsonl"
    save_register(Register(OFFICES, city="江城市"), register)
    code = main(["campaign", str(register), "--year", "2013", "--no-chart",
                 "--out", str(tmp_path / "missing" / "report.html")])
    assert code == 2
    err = capsys.readouterr().err
    assert "cannot write" in err and "Traceback" not in err
