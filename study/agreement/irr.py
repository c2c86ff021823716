"""The agreement calculator: a table of ratings in, every coefficient out.

A ratings CSV has a header of rater names and one row per unit; an empty cell is
a missing rating. ``irr_from_csv`` reads it, ``irr_from_table`` does the rest and
serves any DataFrame of the same shape.

>>> result = irr_from_table(pd.DataFrame({"ann": [1, 1, 0], "ben": [1, 0, 0]}))
>>> result["percent_agreement"]
0.6666666666666666
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path
from typing import Sequence

import pandas as pd

from ..table import Column, Table
from . import coefficient_text, defined, interval_text
from . import coefficients as coef
from .bootstrap import DEFAULT_REPLICATES, DEFAULT_SEED, alpha_bootstrap_table
from ..errors import BadValue, NotFound, StudyError

USAGE = "a CSV with a header of rater names, one row per unit and an empty cell for a missing rating"


def irr_from_csv(
    path, level: str = "nominal", categories: Sequence | None = None, *,
    replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
) -> dict:
    """Every agreement coefficient for the ratings CSV at ``path``."""
    table = read_ratings_csv(path)
    try:
        return irr_from_table(table, level, categories, replicates=replicates, seed=seed)
    except StudyError as error:
        raise StudyError(f"{path}: {error}") from None


def read_ratings_csv(path) -> pd.DataFrame:
    """A ratings CSV as a DataFrame: numbers where every rating is a number, None where empty."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"{path}: no such file; give the path of {USAGE}")
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise StudyError(f"{path}: the file is empty; write {USAGE}") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise StudyError(f"{path}: cannot read it as CSV ({error}); write {USAGE}") from None
    if raw.shape[1] < 2:
        raise StudyError(
            f"{path}: found {raw.shape[1]} rater column(s) {list(raw.columns)}; "
            "the header must name at least two raters, one column each"
        )
    if raw.empty:
        raise StudyError(f"{path}: no rows under the header; add one row per unit")
    return typed_ratings(raw)


def typed_ratings(raw: pd.DataFrame) -> pd.DataFrame:
    """Strip the cells, make empty ones None and, if every rating is a number, numbers."""
    rows = [[_blank_to_none(cell) for cell in row] for row in raw.astype(object).to_numpy().tolist()]
    observed = [cell for row in rows for cell in row if cell is not None]
    if observed and all(_number(cell) is not None for cell in observed):
        rows = [[None if cell is None else _number(cell) for cell in row] for row in rows]
    return pd.DataFrame(rows, columns=raw.columns, dtype=object)


def _blank_to_none(cell):
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return None
    cell = str(cell).strip()
    return cell or None


def irr_from_table(
    table: pd.DataFrame, level: str = "nominal", categories: Sequence | None = None, *,
    replicates: int = DEFAULT_REPLICATES, seed: int = DEFAULT_SEED,
) -> dict:
    """Every agreement coefficient for a units x raters DataFrame.

    Undefined coefficients are None, each with a line in ``notes`` saying why.
    Cohen's kappa and Scott's pi are given for exactly two raters only.
    """
    if level not in coef.LEVELS:
        raise BadValue(f"unknown level {level!r}; choose one of {', '.join(coef.LEVELS)}")
    if table.shape[1] < 2:
        raise StudyError(f"found {table.shape[1]} rater column(s); agreement needs at least two raters")
    if table.empty:
        raise StudyError("no units; add one row per unit")
    table = table.astype(object).where(table.notna(), None)
    categories = _categories_like(table, categories)
    try:
        coded = coef.encode_ratings(table, categories)
        values = _coefficients(table, level, coded.categories)
    except ValueError as error:
        raise StudyError(f"{error}; fix the ratings or the categories") from None
    bootstrap = _alpha_interval(table, level, coded.categories, values["alpha"], replicates, seed)
    counts = coded.counts()
    return {
        **{name: defined(value) for name, value in values.items()},
        "alpha_bootstrap": bootstrap,
        "level": level,
        "units": int(table.shape[0]),
        "pairable_units": int((counts.sum(axis=1) >= 2).sum()),
        "raters": [str(name) for name in table.columns],
        "categories": list(coded.categories),
        "notes": _notes(table, coded, values, categories is not None),
    }


def irr_table(result: dict, source: str = "the ratings") -> Table:
    """The calculator's result as the table ``study irr`` prints: each coefficient and count, alpha's
    95% interval and the chance it falls below each threshold, the raters and the categories; the
    notes under it."""
    rows = [{"coefficient": name, "value": value} for name, value in result.items()
            if name not in ("alpha_bootstrap", "notes", "raters", "categories")]
    boot = result.get("alpha_bootstrap")
    if boot:
        rows.append({"coefficient": "alpha 95% CI", "value": interval_text((boot["ci_low"], boot["ci_high"]))})
        rows += [{"coefficient": f"q(alpha < {t})", "value": p} for t, p in boot["q"].items()]
    rows.append({"coefficient": "raters", "value": ", ".join(result["raters"])})
    rows.append({"coefficient": "categories", "value": ", ".join(map(str, result["categories"]))})
    return Table(title=f"Agreement on {source}", columns=(Column("coefficient", "coefficient"),
                                                          Column("value", "value", format=_value_text)),
                 rows=tuple(rows), notes=tuple(f"Note: {n}" for n in result.get("notes", [])), name="irr")


def _value_text(value) -> str:
    if isinstance(value, float):
        return coefficient_text(value)
    return "" if value is None else str(value)


def _coefficients(table: pd.DataFrame, level: str, categories: tuple) -> dict[str, float | None]:
    two_raters = table.shape[1] == 2
    return {
        "alpha": coef.krippendorff_alpha(table, level, value_domain=categories),
        "cohen_kappa": coef.cohen_kappa(table, categories) if two_raters else None,
        "scott_pi": coef.scott_pi(table, categories) if two_raters else None,
        "fleiss_kappa": coef.fleiss_kappa(table, categories),
        "conger_kappa": coef.conger_kappa(table, categories),
        "gwet_ac1": coef.gwet_ac1(table, categories),
        "brennan_prediger": coef.brennan_prediger(table, categories),
        "percent_agreement": coef.percent_agreement(table),
    }


def _alpha_interval(table, level, categories, alpha, replicates, seed) -> dict | None:
    if alpha is None or math.isnan(alpha) or replicates <= 0:
        return None
    result = alpha_bootstrap_table(
        table, level, value_domain=categories, replicates=replicates, seed=seed
    )
    return {**dataclasses.asdict(result), "seed": seed}


def _notes(table, coded: coef.CodedRatings, values: dict, categories_given: bool) -> list[str]:
    notes = []
    raters_per_unit = coded.counts().sum(axis=1)
    if not (raters_per_unit >= 2).any():
        notes.append("no unit was rated by two or more raters: no coefficient is defined")
    elif not coef.has_variation(table):
        notes.append(
            "no variation: every rating is in one category, so alpha and the kappas are "
            "undefined (0/0); report percent agreement"
        )
    undefined = [name for name, value in values.items() if value is not None and math.isnan(value)]
    if undefined:
        notes.append(f"undefined: {', '.join(undefined)}")
    if table.shape[1] != 2:
        notes.append("cohen_kappa and scott_pi need exactly two raters; see fleiss_kappa and conger_kappa")
    single = int((raters_per_unit == 1).sum())
    if single:
        notes.append(
            f"{single} unit(s) rated by only one rater: left out of observed agreement and "
            "of Cohen's kappa and Scott's pi, counted in category prevalence (Gwet 2014)"
        )
    if not categories_given:
        notes.append(
            f"q = {len(coded.categories)} categories, taken from the ratings; give the "
            "codebook's categories, as AC1 and Brennan-Prediger depend on q"
        )
    return notes


def _categories_like(table: pd.DataFrame, categories: Sequence | None) -> list | None:
    """Categories typed like the ratings: numbers when every rating is a number."""
    if categories is None:
        return None
    observed = [cell for cell in table.to_numpy().ravel() if cell is not None]
    if not observed or any(isinstance(cell, str) for cell in observed):
        return list(categories)
    typed = []
    for category in categories:
        number = _number(category)
        if number is None:
            raise BadValue(f"category {category!r} is not a number, but every rating is")
        typed.append(number)
    return typed


def _number(value) -> int | float | None:
    """The number a cell or category stands for (integral ones as int), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = value
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            return None
    if isinstance(number, float) and math.isnan(number):
        return None
    return int(number) if float(number).is_integer() else float(number)


