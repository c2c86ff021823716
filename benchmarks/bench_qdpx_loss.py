"""REFI-QDA round-trip loss: each tool-shaped project of ``tests/qdpx_media_projects.py`` (graphs,
pictures, PDF, audio and video selections, notes on relations and sets, variables of every type)
and ``tests/qdpx_more_shapes.py`` (Word-only and linked texts, quotation names, folders, encodings,
NVivo's annotations and named memos on a selection cut over several turns) is imported into a
fresh study and exported again; what the export lacks of the original is counted by
``tests/qdpx_loss.py`` (elements, attributes, words, values, files) and printed, with the kinds of
element lost. Also says whether each export is valid against the QDA-XML schema, and what a
second round trip (the export imported into another fresh study and exported again) loses of the
first export ("again": 0 when a round trip is stable). The shapes with selections cut over turns
run again as a study imported before selection extents were kept ("(older import)"): their
extents are found again from where kept elements say the file's selections lay.

Run: python benchmarks/bench_qdpx_loss.py [--detail]
"""
from __future__ import annotations

import argparse
import tempfile
import zipfile
from pathlib import Path

import xmlschema
from sqlalchemy import delete

from study import qdpx
from study.auth import CLI
from study.qdpx import kept
from study.store import Meta, Study
from tests.qdpx_loss import inventory, loss
from tests.qdpx_media_projects import PROJECTS, write
from tests.qdpx_more_shapes import SHAPES, write_shape


OLDER = " (older import)"  # a shape imported as before 5a9fc51: no selection extents kept


def through_a_study(source: Path, out: Path, database: Path, older: bool = False):
    """``source`` imported into a fresh study at ``database`` and exported to ``out``: the import's
    summary. ``older``: the study is left as an import before extents were kept left it."""
    study = Study.open(f"sqlite:///{database}")
    try:
        summary = qdpx.import_qdpx(study, CLI, source)
        if older:
            with study.session() as session:
                session.execute(delete(Meta).where(Meta.key == kept.EXTENTS))
                session.commit()
        qdpx.export_qdpx(study, CLI, out)
    finally:
        study.close()
    return summary


def round_trip(tool: str, folder: Path):
    older, shape = tool.endswith(OLDER), tool.removesuffix(OLDER)
    source = write(folder / f"{tool}.qdpx", shape) if shape in PROJECTS else write_shape(folder / f"{tool}.qdpx", shape)
    out, again = folder / f"{tool}-out.qdpx", folder / f"{tool}-again.qdpx"
    summary = through_a_study(source, out, folder / f"{tool}.db", older)
    through_a_study(out, again, folder / f"{tool}-again.db")
    valid = xmlschema.XMLSchema(str(qdpx.schema_path())).is_valid(zipfile.ZipFile(out).read("project.qde").decode())
    return loss(inventory(source), inventory(out)), inventory(source), summary, valid, loss(inventory(out),
                                                                                             inventory(again))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detail", action="store_true", help="print what was lost, by name")
    args = parser.parse_args()
    totals: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for tool in [*PROJECTS, *SHAPES, "memos" + OLDER, "selections" + OLDER]:
            lost, held, summary, valid, second = round_trip(tool, Path(folder))
            figures = lost.figures()
            whole = {part: sum(getattr(held, part).values()) for part in figures}
            print(f"{tool:11} " + "  ".join(f"{part} {figures[part]}/{whole[part]}" for part in figures)
                  + f"  schema-valid {valid}  again {second.total}")
            for part, n in figures.items():
                totals[part] = totals.get(part, 0) + n
            if args.detail:
                for part in ("elements", "attributes", "values", "files", "selected"):
                    if getattr(lost, part):
                        print(f"    {part}: {dict(sorted(getattr(lost, part).items()))}")
                if lost.words:
                    print(f"    words: {' '.join(sorted(lost.words.elements()))}")
                print(f"    import said: {summary.details()}")
    print("total      " + "  ".join(f"{part} {n}" for part, n in totals.items()))


if __name__ == "__main__":
    main()
