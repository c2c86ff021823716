"""Round trips of what a study has no place of its own for (graphs, pictures, PDF regions, audio
and video time ranges, notes on relations and sets, variables of every type): the projects of
``tests/qdpx_media_projects.py``, in the shapes NVivo, MAXQDA, ATLAS.ti and QualCoder write, go
in and out, and what the export lacks is measured by ``tests/qdpx_loss.py``."""
from __future__ import annotations

import zipfile

import pytest
import xmlschema

from study import qdpx
from tests.qdpx_loss import inventory, loss
from tests.qdpx_media_projects import PROJECTS, write

SCHEMA = xmlschema.XMLSchema(str(qdpx.schema_path()))


@pytest.mark.parametrize("tool", PROJECTS)
def test_each_fixture_is_a_valid_project_of_its_tool(tmp_path, tool):
    path = write(tmp_path / "in.qdpx", tool)
    xml = zipfile.ZipFile(path).read("project.qde").decode("utf-8")
    SCHEMA.validate(xml)
    assert f'origin="{tool}' in xml


def test_the_loss_measure_counts_what_a_copy_lacks(tmp_path):
    """A file against itself loses nothing; against a copy without its graph, the graph's
    elements, attributes, words and coordinates, counted by hand from the NVivo fixture: Graphs,
    Graph, 3 Vertex, 1 Edge; the Graph's name 'Tools and delay' and the vertices' and edge's names."""
    path = write(tmp_path / "in.qdpx", "NVivo")
    assert loss(inventory(path), inventory(path)).total == 0
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    xml = members["project.qde"].decode("utf-8")
    start, end = xml.index("  <Graphs>"), xml.index("</Graphs>") + len("</Graphs>\n")
    members["project.qde"] = (xml[:start] + xml[end:]).encode("utf-8")
    cut = tmp_path / "cut.qdpx"
    with zipfile.ZipFile(cut, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    lost = loss(inventory(path), inventory(cut))
    assert lost.elements == {"Graphs": 1, "Graph": 1, "Vertex": 3, "Edge": 1}
    assert sorted(lost.words.elements()) == sorted(
        "tools and delay tools delay free note ask about lunch leads to".split())
    assert lost.values["firstX=40"] == 1 and lost.values["lineStyle=DASHED"] == 1
    assert lost.files == {}
