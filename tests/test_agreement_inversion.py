"""Blind means blind for agreement too: what a coder is shown about agreement never lets them work
out another coder's counts. The tests try the inversion an attacker would: for each code, every
count the other coder could have (and every overlap with one's own units) is run through the same
report, and the counts that reproduce exactly what was shown are kept. One left is a leak.

Issue 17's attack solved the other coder's count for 54 of 54 codes from the units, percent
agreement, kappa and one's own count; the same solver still does from those figures (the control),
and finds at least two counts for every code from what a coder is shown now."""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path

import numpy as np
import pytest

from study import codes, codings
from study.agreement import visibility
from study.agreement.breakdown import agreement_by
from study.agreement.study_agreement import TOO_FEW, agreement_report, coder_report
from study.agreement.units import Unit, UnitTable
from study.auth import CLI, Actor
from study.codebook import parse_codebook
from study.errors import NotAllowed
from tests.factories import add_interview

ALICE = Actor("alice", "coder")
THEMES, CODES_PER_THEME = 6, 9  # 54 codes, as in the attack
ANSWERS = 10  # 20 segments: the units (the grid test below tries 10, 11, 24 and 37)


def coded_blind_study(study):
    """54 codes; alice and bob each apply every code on a random set of the 20 segments (seeded),
    both mark the transcript done; the admin lets coders see agreement."""
    themes = "\n".join(f"  - name: Theme {t}\n    codes:\n" + "".join(
        f"      - name: Code {t}-{c}\n        definition: code {c} of theme {t}.\n" for c in range(CODES_PER_THEME))
        for t in range(THEMES))
    codes.load_into_study(study, parse_codebook(f"name: Many codes\nthemes:\n{themes}", source="many.yaml"), CLI)
    add_interview(study, "T1", "P1", [f"answer {n}" for n in range(ANSWERS)])
    units = 2 * ANSWERS
    rng = np.random.default_rng(17)
    for rater in ("alice", "bob"):
        rows = ["transcript,segment,code"]
        for t in range(THEMES):
            for c in range(CODES_PER_THEME):
                count = int(rng.integers(0, units + 1))
                rows += [f"T1,{s},Theme {t}/Code {t}-{c}" for s in rng.choice(units, count, replace=False)]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"{rater}.csv"
            path.write_text("\n".join(rows) + "\n", encoding="utf-8")
            codings.import_codings_csv(study, CLI, rater, path)
        codings.mark_done(study, CLI, rater, "T1")
    visibility.set_coders_see_agreement(study, CLI, True)
    return study


@pytest.fixture
def blind(study_from):
    return study_from(coded_blind_study)


# What is shown is computed from the units table, whatever stores the codings: one backend is enough.
ON_SQLITE = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


# -- the attacker's solver ---------------------------------------------------------------------


def every_possibility(units: int, mine: int) -> tuple[list[tuple[int, int]], UnitTable]:
    """Every (count of the other coder, overlap with the coder's own ``mine`` units) on ``units``
    units, each as one code of a units table: the coder applied it on the first ``mine`` units, the
    other on ``overlap`` of those and the rest after them (which units does not change a figure)."""
    combos = [(b, x) for b in range(units + 1) for x in range(max(0, mine + b - units), min(mine, b) + 1)]
    presence = np.zeros((units, len(combos), 2), dtype=bool)
    for k, (b, both) in enumerate(combos):
        presence[:mine, k, 0] = True
        presence[:both, k, 1] = True
        presence[mine:mine + b - both, k, 1] = True
    table = UnitTable(("alice", "bob"), "segment", "done by all raters", ("T",),
                      tuple(Unit(f"T#{u}") for u in range(units)),
                      tuple(codes.code_of_ref(f"Theme/Combo {k}") for k in range(len(combos))), presence)
    return combos, table


def shown_to_alice(report) -> list[dict]:
    """Everything the report shows of each code but its name."""
    return [{k: v for k, v in c.to_dict().items() if k not in ("code", "theme")} for c in report.codes]


@functools.cache
def counts_by_what_is_shown(units: int, mine: int) -> dict[str, set[int]]:
    """{what alice's report shows of a code: bob's counts that make it show that}, from the
    library's own coder report run on every possibility."""
    combos, table = every_possibility(units, mine)
    shows: dict[str, set[int]] = {}
    for (b, _), row in zip(combos, shown_to_alice(coder_report(table, "alice"))):
        shows.setdefault(repr(row), set()).add(b)
    return shows


def counts_from_the_attack_figures(code, mine: int) -> set[int]:
    """bob's counts that give the percent agreement and Cohen's kappa shown, by hand: with d units
    coded differently, percent = 1 - d/N; kappa = (p_o - p_e) / (1 - p_e), p_e = (ab + (N-a)(N-b)) / N^2."""
    units, found = code.units, set()
    for b in range(units + 1):
        for both in range(max(0, mine + b - units), min(mine, b) + 1):
            p_o = 1 - (mine + b - 2 * both) / units
            p_e = (mine * b + (units - mine) * (units - b)) / units ** 2
            kappa = None if p_e == 1 else (p_o - p_e) / (1 - p_e)
            if abs(p_o - code.percent) < 1e-9 and (kappa is None) == (code.kappa is None) and (
                    kappa is None or abs(kappa - code.kappa) < 1e-9):
                found.add(b)
    return found


@ON_SQLITE
def test_the_solver_finds_the_other_coders_count_from_the_figures_the_attack_used(blind):
    full = agreement_report(blind, CLI, ["alice", "bob"], replicates=0)
    assert len(full.codes) == THEMES * CODES_PER_THEME
    found = [counts_from_the_attack_figures(c, c.prevalence["alice"]) for c in full.codes]
    # 54 of 54 in the issue; here every code but where one's own count is half the units (p_e is
    # then 1/2 whatever the other did, so kappa says nothing of it)
    assert [f for f, c in zip(found, full.codes) if 2 * c.prevalence["alice"] != c.units] == \
        [{c.prevalence["bob"]} for c in full.codes if 2 * c.prevalence["alice"] != c.units]


@ON_SQLITE
def test_what_a_coder_is_shown_leaves_every_code_with_two_possible_counts_or_more(blind):
    shown = agreement_report(blind, ALICE, ["alice", "bob"])
    full = agreement_report(blind, CLI, ["alice", "bob"], replicates=0)
    assert [c.code for c in shown.codes] == [c.code for c in full.codes]
    for truth, row in zip(full.codes, shown_to_alice(shown)):
        candidates = counts_by_what_is_shown(truth.units, truth.prevalence["alice"])[repr(row)]
        assert truth.prevalence["bob"] in candidates and len(candidates) >= 2, truth.code
    assert {c.band for c in shown.codes} <= {"reliable", "tentative", "unreliable", TOO_FEW}
    assert all(c.alpha is c.kappa is c.percent is c.ac1 is c.alpha_ci is None for c in shown.codes)
    assert (shown.themes, shown.notes, shown.overall.median_alpha, shown.overall.pooled_alpha) == ((), (), None, None)


@pytest.mark.parametrize("units", [10, 11, 24, 37])
def test_no_band_pins_the_other_coders_count_whatever_the_coder_applied(units):
    """Every own count, every other count and overlap: each thing a coder can be shown still
    fits two counts of the other coder or more (two raters; the band is the only figure)."""
    for mine in range(units + 1):
        shows = counts_by_what_is_shown(units, mine)
        assert all(len(counts) >= 2 for counts in shows.values()), (units, mine, shows)


@ON_SQLITE
def test_coders_get_no_breakdown_per_transcript_or_pair(blind):
    for by in ("transcript", "pair"):
        with pytest.raises(NotAllowed, match="only an admin"):
            agreement_by(blind, ALICE, ["alice", "bob"], by)
    assert agreement_by(blind, CLI, ["alice", "bob"], "transcript")  # the admin's
