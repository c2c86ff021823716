import csv
import io
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from study.codebook import (
    ROW_FIELDS,
    Code,
    Codebook,
    Theme,
    codebook_to_markdown,
    codebook_to_rows,
    codebook_to_yaml,
    load_codebook,
    parse_codebook,
    ref_matches,
    resolve_code,
)
from study.errors import CodebookError, StudyError

SHIPPED = Path(__file__).resolve().parent.parent / "codebook" / "ptm_reuse.yaml"


@pytest.fixture(scope="module")
def shipped():
    return load_codebook(SHIPPED)


def parse(text: str) -> Codebook:
    return parse_codebook(textwrap.dedent(text), source="cb.yaml")


def problems(text: str) -> list[str]:
    """The lines of the CodebookError raised for ``text``."""
    with pytest.raises(CodebookError) as caught:
        parse(text)
    return str(caught.value).splitlines()


SMALL = """\
name: Small
description: Two themes, one with a sub-theme.
themes:
  - name: Reuse scenarios
    description: How models are reused.
    exclusive: true
    codes:
      - name: Transfer learning
        definition: Fine-tunes a model.
        keywords: [Fine-Tune, "transfer   learning"]
        colour: "#1f77b4"
      - name: Feature extraction
        definition: Uses embeddings.
  - name: Attributes
    themes:
      - name: Traditional
        codes:
          - name: Popularity
            definition: Downloads and likes.
      - name: Other
        codes:
          - name: Reproducibility
            definition: Results were reproduced.
      - name: Reproducibility
        codes:
          - name: Demos
            definition: A demo to try.
"""


# --- the shipped codebook -----------------------------------------------------------------------


def test_shipped_codebook_has_the_studys_themes(shipped):
    assert shipped.name == "Pre-trained model reuse (Jiang et al. 2023 replication)"
    assert [theme.name for theme in shipped.themes] == [
        "Reuse scenarios", "Decision stages", "Selection factors", "Attributes", "Challenges",
    ]


def test_shipped_codebook_has_the_studys_code_counts(shipped):
    counted = {theme.name: len(list(theme.all_codes())) for theme in shipped.themes}
    # Counted by hand from the paper's structure: 5 scenarios, 4 stages, 17 factors,
    # attributes 3 + 4 + 5 + 6 + 4 = 22, 6 challenges; 54 in all.
    assert counted == {
        "Reuse scenarios": 5, "Decision stages": 4, "Selection factors": 17, "Attributes": 22, "Challenges": 6,
    }
    assert len(shipped.codes()) == 54


def test_shipped_attributes_have_five_sub_themes(shipped):
    attributes = shipped.themes[3]
    assert attributes.codes == ()
    assert [(sub.name, len(sub.codes)) for sub in attributes.themes] == [
        ("Traditional", 3), ("Provenance", 4), ("Reproducibility", 5), ("Portability", 6), ("Other", 4),
    ]


def test_shipped_codes_include_the_named_ones(shipped):
    refs = {code.ref for code in shipped.codes()}
    assert {
        "Reuse scenarios/Quantization and pruning",
        "Reuse scenarios/Knowledge distillation",
        "Decision stages/Model selection",
        "Selection factors/Fine-tunability",
        "Attributes/Traditional/Popularity",
        "Attributes/Reproducibility/Environment image",
        "Attributes/Portability/Latency",
        "Attributes/Other/Reproducibility",
        "Challenges/Security and privacy risks",
    } <= refs


def test_every_shipped_code_is_fully_described(shipped):
    for code in shipped.codes():
        assert code.definition and code.when_to_use and code.when_not_to_use and code.example, code.ref
        assert 3 <= len(code.keywords) <= 8, code.ref
        assert all(keyword == keyword.lower() for keyword in code.keywords), code.ref
        assert code.colour and len(code.colour) == 7, code.ref


# --- parsing ------------------------------------------------------------------------------------


def test_parse_builds_paths_through_sub_themes():
    codebook = parse(SMALL)
    assert [code.ref for code in codebook.codes()] == [
        "Reuse scenarios/Transfer learning",
        "Reuse scenarios/Feature extraction",
        "Attributes/Traditional/Popularity",
        "Attributes/Other/Reproducibility",
        "Attributes/Reproducibility/Demos",
    ]
    assert codebook.codes()[2].path == ("Attributes", "Traditional", "Popularity")


def test_parse_reads_theme_and_code_fields():
    codebook = parse(SMALL)
    reuse = codebook.themes[0]
    assert reuse.exclusive is True and reuse.description == "How models are reused."
    assert codebook.themes[1].exclusive is False
    transfer = reuse.codes[0]
    assert transfer == Code(
        name="Transfer learning",
        path=("Reuse scenarios", "Transfer learning"),
        definition="Fine-tunes a model.",
        keywords=("fine-tune", "transfer learning"),  # lowercased, spaces collapsed
        colour="#1f77b4",
    )
    assert reuse.codes[1].colour is None and reuse.codes[1].keywords == ()


def test_find_is_exact(shipped):
    assert shipped.find("Attributes/Traditional/Popularity").name == "Popularity"
    with pytest.raises(CodebookError):
        shipped.find("attributes/popularity")


def test_load_codebook_accepts_a_bom(tmp_path):
    path = tmp_path / "cb.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + SMALL.encode("utf-8"))
    assert load_codebook(path).name == "Small"


def test_load_codebook_names_a_missing_file(tmp_path):
    with pytest.raises(CodebookError, match="nope.yaml: no such codebook file"):
        load_codebook(tmp_path / "nope.yaml")


def test_codebook_error_is_a_study_error():
    assert issubclass(CodebookError, StudyError)


# --- validation ---------------------------------------------------------------------------------

HEAD = """\
name: Small
themes:
  - name: Reuse scenarios
    codes:
"""


@pytest.mark.parametrize(
    "code_lines, line, expected",
    [
        # line 1-4 are HEAD; the code starts on line 5
        (
            "      - name: Transfer learning\n        definition: x\n        color: '#1F77B4'\n",
            7,
            "code 'Reuse scenarios/Transfer learning': unknown field 'color' (did you mean 'colour'?); "
            "allowed fields: name, definition, when_to_use, when_not_to_use, example, keywords, colour",
        ),
        (
            "      - name: Transfer learning\n        keywords: [a]\n",
            5,
            "code 'Reuse scenarios/Transfer learning': 'definition' is missing",
        ),
        (
            "      - name: Transfer learning\n        definition: '   '\n",
            6,
            "code 'Reuse scenarios/Transfer learning': 'definition' is empty",
        ),
        (
            "      - name: Transfer learning\n        definition:\n",
            6,
            "code 'Reuse scenarios/Transfer learning': 'definition' is empty",
        ),
        (
            "      - name: Transfer learning\n        definition: x\n        colour: red\n",
            7,
            "code 'Reuse scenarios/Transfer learning': 'colour' must be # and six hex digits",
        ),
        (
            "      - name: Transfer learning\n        definition: x\n        colour: '#12345'\n",
            7,
            "'colour' must be # and six hex digits",
        ),
        (
            "      - name: Transfer learning\n        definition: x\n        colour: #1F77B4\n",
            7,
            "'colour' is empty because an unquoted # starts a YAML comment",
        ),
        (
            "      - name: Transfer learning\n        definition: x\n        keywords: fine-tune\n",
            7,
            "'keywords' must be a list",
        ),
        (
            "      - name: Transfer learning\n        definition: x\n        keywords:\n          - ok\n          - 12\n",
            9,
            "keyword 12 must be non-empty text",
        ),
        (
            "      - name: Transfer learning\n        definition: 42\n",
            6,
            "'definition' must be text, not a number (42)",
        ),
        (
            "      - definition: x\n",
            5,
            "code #1 of theme 'Reuse scenarios': 'name' is missing",
        ),
        (
            "      - Transfer learning\n",
            5,
            "code #1 of theme 'Reuse scenarios': a code must be a mapping",
        ),
        (
            "      - name: Transfer learning\n        definition: x\n        definition: y\n",
            7,
            "field 'definition' is given twice",
        ),
    ],
)
def test_code_problems_name_file_line_and_code(code_lines, line, expected):
    lines = problems(HEAD + code_lines)
    assert lines[0] == "cb.yaml: 1 problem in the codebook"
    assert len(lines) == 2
    assert lines[1].startswith(f"cb.yaml:{line}: ")
    assert expected in lines[1]


@pytest.mark.parametrize(
    "text, line, expected",
    [
        ("name: X\nthemes:\n  - name: T\n    exclusive: maybe\n    codes:\n      - {name: C, definition: d}\n",
         4, "theme 'T': 'exclusive' must be true or false, not text ('maybe')"),
        ("name: X\nthemes:\n  - name: T\n    codes: C\n", 4, "theme 'T': 'codes' must be a list"),
        ("name: X\nthemes:\n  - name: T\n    colour: '#000000'\n    codes:\n      - {name: C, definition: d}\n",
         4, "theme 'T': unknown field 'colour'; allowed fields: name, description, exclusive, codes, themes"),
        ("name: X\nthemes: []\n", 2, "codebook: 'themes' is empty"),
        ("name: X\n", 1, "codebook: 'themes' is missing"),
        ("name: X\nversion: 2\nthemes:\n  - name: T\n    codes: [{name: C, definition: d}]\n",
         2, "codebook: unknown field 'version'; allowed fields: name, description, codes, themes"),
        ("- just\n- a list\n", 1, "the codebook must be a mapping"),
        ("", 1, "the codebook is empty"),
    ],
)
def test_theme_and_codebook_problems_name_their_line(text, line, expected):
    lines = problems(text)
    assert len(lines) == 2, lines
    assert lines[1].startswith(f"cb.yaml:{line}: ")
    assert expected in lines[1]


def test_a_code_name_may_repeat_in_another_sub_theme():
    codebook = parse(SMALL.replace("name: Demos", "name: popularity"))
    assert {c.ref for c in codebook.codes() if c.name.casefold() == "popularity"} == {
        "Attributes/Traditional/Popularity", "Attributes/Reproducibility/popularity"}


NESTED = HEAD + (
    "      - name: Latency\n"
    "        definition: Slow answers.\n"
    "        colour: '#AA0000'\n"
    "        codes:\n"
    "          - name: Network\n"
    "            definition: Slow over the network.\n"
    "            codes:\n"
    "              - {name: Latency, definition: The network's own latency.}\n"
    "          - {name: Disk, definition: Slow disks.}\n"
)


def test_codes_nest_to_any_depth_and_a_name_repeats_down_a_branch():
    codebook = parse(NESTED)
    assert [c.ref for c in codebook.codes()] == [
        "Reuse scenarios/Latency", "Reuse scenarios/Latency/Network", "Reuse scenarios/Latency/Network/Latency",
        "Reuse scenarios/Latency/Disk"]
    assert codebook.find("Reuse scenarios/Latency").colour == "#AA0000"
    assert [c.name for c in codebook.find("Reuse scenarios/Latency").codes] == ["Network", "Disk"]


def test_a_reference_spelling_a_whole_path_wins_over_a_shorter_match():
    codebook = parse(NESTED)
    assert resolve_code(codebook, "reuse scenarios/latency").ref == "Reuse scenarios/Latency"
    assert resolve_code(codebook, "Reuse scenarios/Network/Latency").ref == "Reuse scenarios/Latency/Network/Latency"
    with pytest.raises(CodebookError, match="ambiguous"):
        resolve_code(codebook, "Latency")


def test_nested_codes_round_trip_through_yaml():
    codebook = parse(NESTED)
    assert parse_codebook(codebook_to_yaml(codebook)) == codebook


def test_duplicate_names_under_one_parent_are_caught_ignoring_case():
    text = NESTED.replace("name: Disk", "name: network")
    lines = problems(text)
    assert len(lines) == 2, lines
    assert "code 'Reuse scenarios/Latency/network': duplicate name under 'Reuse scenarios/Latency'" in lines[1]
    assert "as 'Reuse scenarios/Latency/Network'" in lines[1]


def test_a_code_and_a_sub_theme_of_one_theme_need_different_names():
    text = NESTED + "    themes:\n      - name: latency\n"
    lines = problems(text)
    assert len(lines) == 2, lines
    assert "sub-theme 'Reuse scenarios/latency': duplicate name under 'Reuse scenarios'" in lines[1]


def test_same_code_name_in_two_top_level_themes_is_allowed():
    text = HEAD + (
        "      - {name: Latency, definition: d}\n"
        "  - name: Attributes\n"
        "    codes:\n"
        "      - {name: latency, definition: d}\n"
    )
    assert len(parse(text).codes()) == 2


def test_a_theme_may_be_empty_so_that_exports_of_retired_codes_load_again():
    codebook = parse("name: X\nthemes:\n  - name: T\n    codes: []\n  - name: U\n")
    assert [(theme.name, theme.codes) for theme in codebook.themes] == [("T", ()), ("U", ())]
    assert parse_codebook(codebook_to_yaml(codebook)) == codebook


def test_a_code_may_share_its_name_with_a_sub_theme():
    codebook = parse(SMALL)
    assert codebook.find("Attributes/Other/Reproducibility").definition == "Results were reproduced."


def test_duplicate_theme_names_at_one_level_are_caught():
    text = HEAD + (
        "      - {name: A, definition: d}\n"
        "  - name: reuse SCENARIOS\n"
        "    codes:\n"
        "      - {name: B, definition: d}\n"
    )
    lines = problems(text)
    assert len(lines) == 2
    assert lines[1].startswith("cb.yaml:6: theme 'reuse SCENARIOS': duplicate theme name (first on line 3)")


def test_every_problem_is_reported_at_once_in_line_order():
    text = HEAD + (
        "      - name: A\n"  # 5: no definition
        "        colour: blue\n"  # 6
        "      - name: B\n"
        "        definition: d\n"
        "        when_to_us: typo\n"  # 9
    )
    lines = problems(text)
    assert lines[0] == "cb.yaml: 3 problems in the codebook"
    assert [line.split(": ", 1)[0] for line in lines[1:]] == ["cb.yaml:5", "cb.yaml:6", "cb.yaml:9"]


def test_yaml_syntax_error_names_its_line():
    text = HEAD + "      - name: A\n        definition: [unclosed\n      - name: B\n"
    lines = problems(text)
    assert lines[0] == "cb.yaml: the codebook is not valid YAML"
    assert lines[1].startswith("cb.yaml:7: ")


def test_aliases_are_refused():
    text = HEAD + "      - name: A\n        definition: &d text\n      - name: B\n        definition: *d\n"
    lines = problems(text)
    assert lines[1].startswith("cb.yaml:8: ") and "aliases" in lines[1]


def test_load_codebook_reports_the_file_name(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(HEAD + "      - name: A\n", encoding="utf-8")
    with pytest.raises(CodebookError) as caught:
        load_codebook(path)
    assert str(caught.value).startswith(f"{path}: 1 problem in the codebook\n{path}:5: ")


# --- code references ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [
        "Attributes/Traditional/Popularity",
        "Attributes/Popularity",
        "attributes/popularity",
        "  ATTRIBUTES / Popularity ",
        "Popularity",
    ],
)
def test_resolve_code_ignores_case_and_sub_themes(shipped, ref):
    assert resolve_code(shipped, ref).ref == "Attributes/Traditional/Popularity"


def test_resolve_code_tells_same_named_codes_apart(shipped):
    assert resolve_code(shipped, "Selection factors/Latency").ref == "Selection factors/Latency"
    assert resolve_code(shipped, "Attributes/Latency").ref == "Attributes/Portability/Latency"
    assert resolve_code(shipped, "Attributes/Reproducibility").ref == "Attributes/Other/Reproducibility"
    assert resolve_code(shipped, "Attributes/Reproducibility/Demos").ref == "Attributes/Reproducibility/Demos"


def test_resolve_code_refuses_an_ambiguous_bare_name(shipped):
    with pytest.raises(CodebookError, match="ambiguous.*Selection factors/Latency, Attributes/Portability/Latency"):
        resolve_code(shipped, "latency")


def test_resolve_code_refuses_a_wrong_theme(shipped):
    with pytest.raises(CodebookError, match="unknown code"):
        resolve_code(shipped, "Challenges/Popularity")
    with pytest.raises(CodebookError, match="unknown code"):
        resolve_code(shipped, "Attributes/Portability/Popularity")


def test_resolve_code_suggests_close_matches(shipped):
    with pytest.raises(CodebookError, match="did you mean 'Attributes/Traditional/Popularity'"):
        resolve_code(shipped, "Attributes/Populrity")
    with pytest.raises(CodebookError, match="did you mean 'Reuse scenarios/Knowledge distillation'"):
        resolve_code(shipped, "Reuse scenarios/Knowledge distilation")


@pytest.mark.parametrize(
    "path, ref, expected",
    [
        (("Attributes", "Traditional", "Popularity"), "attributes/popularity", True),
        (("Attributes", "Traditional", "Popularity"), "Attributes / Traditional / Popularity", True),
        (("Attributes", "Traditional", "Popularity"), "Traditional/Popularity", False),  # top theme first
        (("A", "B", "C", "Code"), "A/C/Code", True),
        (("A", "B", "C", "Code"), "A/C/B/Code", False),  # order kept
        (("A", "Code"), "code", True),
    ],
)
def test_ref_matches(path, ref, expected):
    assert ref_matches(path, ref) is expected


@pytest.mark.parametrize("ref", ["", "Attributes/", "/Popularity"])
def test_resolve_code_refuses_empty_parts(shipped, ref):
    with pytest.raises(CodebookError, match="empty"):
        resolve_code(shipped, ref)


# --- export -------------------------------------------------------------------------------------


def test_shipped_codebook_round_trips_through_yaml(shipped):
    assert parse_codebook(codebook_to_yaml(shipped)) == shipped


def test_yaml_keeps_multi_line_text_and_special_characters():
    codebook = parse(SMALL)
    code = codebook.themes[0].codes[0]
    changed = Code(code.name, code.path, "Line one: with colon\nline two # not a comment", example="'quoted' | piped")
    theme = Theme("Reuse scenarios", "", False, (changed,))
    codebook = Codebook("X", "", (theme,))
    assert parse_codebook(codebook_to_yaml(codebook)) == codebook


names = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), blacklist_characters="/"),
    min_size=1, max_size=12,
).map(str.strip).filter(bool)
texts = st.text(
    alphabet=st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"), whitelist_characters="\n"),
    max_size=40,
).map(str.strip)
keywords = st.lists(
    st.text(alphabet="abcdefghij -'", min_size=1, max_size=10).map(lambda k: " ".join(k.split())).filter(bool),
    max_size=4, unique=True,
).map(tuple)
colours = st.none() | st.from_regex(r"#[0-9A-F]{6}", fullmatch=True)


@st.composite
def codebooks(draw):
    counter = iter(range(10_000))

    def code(path):
        name = f"{draw(names)} {next(counter)}"  # the counter keeps names unique
        return Code(name, (*path, name), draw(texts.filter(bool)), draw(texts), draw(texts), draw(texts),
                    draw(keywords), draw(colours))

    def theme(path, depth):
        name = f"{draw(names)} {next(counter)}"
        sub = tuple(theme((*path, name), depth + 1) for _ in range(draw(st.integers(0, 2 if depth < 2 else 0))))
        own = tuple(code((*path, name)) for _ in range(draw(st.integers(0 if sub else 1, 3))))
        return Theme(name, draw(texts), draw(st.booleans()), own, sub)

    themes = tuple(theme((), 0) for _ in range(draw(st.integers(1, 3))))
    return Codebook(draw(names), draw(texts), themes)


@settings(max_examples=60, deadline=None)
@given(codebooks())
def test_any_valid_codebook_round_trips_through_yaml(codebook):
    assert parse_codebook(codebook_to_yaml(codebook)) == codebook


def test_rows_flatten_every_code(shipped):
    rows = codebook_to_rows(shipped)
    assert len(rows) == 54
    popularity = next(row for row in rows if row["path"] == "Attributes/Traditional/Popularity")
    assert list(popularity) == list(ROW_FIELDS)
    assert popularity["theme"] == "Attributes/Traditional"
    assert popularity["code"] == "Popularity"
    assert popularity["keywords"] == "downloads; download count; likes; popular; popularity; stars"
    assert popularity["colour"] == "#393B79"


def test_rows_write_as_csv():
    rows = codebook_to_rows(parse(SMALL))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=ROW_FIELDS)
    writer.writeheader()
    writer.writerows(rows)
    assert out.getvalue().splitlines()[1] == (
        "Reuse scenarios,Transfer learning,Reuse scenarios/Transfer learning,Fine-tunes a model.,,,,"
        "fine-tune; transfer learning,#1f77b4"
    )
    assert rows[1]["colour"] == ""


def test_markdown_has_a_heading_per_theme_and_a_row_per_code():
    markdown = codebook_to_markdown(parse(SMALL))
    lines = markdown.splitlines()
    assert lines[0] == "# Small"
    assert "## Reuse scenarios" in lines and "## Attributes" in lines
    assert "### Traditional" in lines and "### Reproducibility" in lines
    assert "| Code | Definition | When to use | When not to use | Example | Keywords |" in lines
    assert "| Transfer learning | Fine\\-tunes a model\\. |" not in markdown  # only special characters are escaped
    assert "| Transfer learning | Fine-tunes a model. |  |  |  | fine-tune, transfer learning |" in lines
    assert "*The codes of this theme are mutually exclusive: a segment gets at most one of them.*" in lines


def test_markdown_escapes_special_characters_in_cells():
    code = Code("A | B", ("T", "A | B"), "Use *this* when x < y | z\nsecond_line", example="`code` [link]")
    markdown = codebook_to_markdown(Codebook("C", "", (Theme("T", "", False, (code,)),)))
    row = next(line for line in markdown.splitlines() if line.startswith("| A"))
    assert row == (
        "| A \\| B | Use \\*this\\* when x \\< y \\| z<br>second\\_line |  |  | \\`code\\` \\[link\\] |  |"
    )
    # Five columns separators beyond the escaped ones: the table still has six cells.
    assert row.replace("\\|", "").count("|") == 7


def test_markdown_escapes_headings_and_leading_list_markers():
    markdown = codebook_to_markdown(
        Codebook("# Not *bold*", "- not a list\n1. nor this", (Theme("T_1", "", False, (Code("C", ("T_1", "C"), "d"),)),))
    )
    lines = markdown.splitlines()
    assert lines[0] == "# \\# Not \\*bold\\*"
    assert lines[2:4] == ["\\- not a list", "1\\. nor this"]
    assert "## T\\_1" in lines
