"""Whole projects in and out without loss: a project in the shape each tool writes (fixtures
written here, never copied) is imported, exported and imported again, and what it holds is read
from each file by a reader of this test's own (not the package's): every code with its place,
name, colour, description and codability; every coding with its coder, exact words, code and memo;
every memo and note on the project, a source, a code, a case or a coding; every case with its
attributes and its texts. The export is valid against the QDA-XML schema."""
from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import xmlschema

from study import codes, qdpx
from study.auth import CLI
from study.store import Study
from tests.test_qdpx_tools import ANA, BEN, guid, write_qdpx

X = "{urn:QDA-XML:project:1.0}"
CARA = "0C0A0A0A-1111-4222-8333-444455556666"

TEXT_1 = ("Interviewer: What did you build?\n\n"
          "P1: A parser in Python, then tests.\n\n"
          "Interviewer: And the hardest part?\n\n"
          "P1: Reviews took longer than programming.\n")
TEXT_2 = ("Interviewer: How was the week?\n\n"
          "P2: Calm. I wrote Python all day and felt proud.\n")

# codable parents at the top level and below, a category (not codable) with a child of a name
# used in another branch, a code three deep, a top-level leaf, colours and descriptions
CODE_TREE = f"""<CodeBook><Codes>
  <Code guid="{guid(1, 1)}" name="Skills" isCodable="true" color="#EF8256"><Description>What they can do.</Description>
    <Code guid="{guid(1, 2)}" name="programming" isCodable="true" color="#EF8256"><Description>Writes code.</Description>
      <Code guid="{guid(1, 3)}" name="Python" isCodable="true" color="#3776AB"/>
    </Code>
    {{code_note}}
  </Code>
  <Code guid="{guid(1, 4)}" name="Work" isCodable="false"><Description>What the job asks.</Description>
    <Code guid="{guid(1, 5)}" name="programming" isCodable="true" color="#32BD59"/>
    <Code guid="{guid(1, 6)}" name="reviews" isCodable="true"/>
  </Code>
  <Code guid="{guid(1, 7)}" name="Mood" isCodable="true" color="#AA00FF"/>
</Codes></CodeBook>"""


def coded(n: int, text: str, words: str, code: int, user: str, memo: str = "", coder: str | None = None,
          note: str = "") -> str:
    at = text.index(words)
    description = f"<Description>{memo}</Description>" if memo else ""
    note_ref = f'<NoteRef targetGUID="{note}"/>' if note else ""
    return (f'<PlainTextSelection guid="{guid(3, n)}" name="{words}" startPosition="{at}" '
            f'endPosition="{at + len(words)}" creatingUser="{user}" creationDateTime="2024-05-01T10:00:00Z">'
            f'{description}<Coding guid="{guid(4, n)}" creatingUser="{coder or user}" '
            f'creationDateTime="2024-05-01T10:00:00Z"><CodeRef targetGUID="{guid(1, code)}"/></Coding>{note_ref}'
            f'</PlainTextSelection>')


def note(n: int, text: str, user: str = ANA, name: str = "", anchor: tuple[int, int] | None = None) -> str:
    selection = (f'<PlainTextSelection guid="{guid(9, n)}" startPosition="{anchor[0]}" endPosition="{anchor[1]}" '
                 f'creatingUser="{user}" creationDateTime="2024-05-02T09:00:00Z"/>') if anchor else ""
    return (f'<Note guid="{guid(6, n)}" name="{name or f"Note {n}"}" creatingUser="{user}" '
            f'creationDateTime="2024-05-02T09:00:00Z"><PlainTextContent>{text}</PlainTextContent>{selection}</Note>')


def tool_project(origin: str) -> str:
    """One project as NVivo, MAXQDA, ATLAS.ti or QualCoder write it: users, the code tree above
    (NVivo and ATLAS.ti link a code's memo as a note), two texts with codings by two users (a
    coding memo as the selection's Description and as a note), a whole-text coding with a memo, a
    document memo, an annotation, two cases with attributes and a memo, a project journal, a set
    of codes (ATLAS.ti's code group), a set of texts (MAXQDA's document set), relations between
    codes and from a code to a text (ATLAS.ti's links) and the project's description."""
    code_note = f'<NoteRef targetGUID="{guid(6, 5)}"/>' if origin.startswith(("NVivo", "ATLAS")) else ""
    parser = TEXT_1.index("A parser")
    source_1 = (
        f'<TextSource guid="{guid(2, 1)}" name="Interview 1" plainTextPath="internal://{guid(2, 1)}.txt" '
        f'creatingUser="{ANA}" creationDateTime="2024-05-01T09:00:00Z"><Description>Recorded at the lab.</Description>'
        + coded(1, TEXT_1, "A parser", 2, ANA)
        + coded(2, TEXT_1, "Python", 3, BEN, memo="the language they chose")
        + coded(3, TEXT_1, "A parser in Python, then tests.", 1, ANA)
        + coded(4, TEXT_1, "Reviews took longer", 6, BEN, note=guid(6, 3))
        + coded(5, TEXT_1, "programming", 5, ANA)
        + f'<Coding guid="{guid(4, 50)}" creatingUser="{ANA}" creationDateTime="2024-05-01T10:00:00Z">'
          f'<CodeRef targetGUID="{guid(1, 7)}"/><NoteRef targetGUID="{guid(6, 4)}"/></Coding>'
        + f'<NoteRef targetGUID="{guid(6, 2)}"/></TextSource>')
    source_2 = (
        f'<TextSource guid="{guid(2, 2)}" name="Interview 2" plainTextPath="internal://{guid(2, 2)}.txt" '
        f'creatingUser="{BEN}" creationDateTime="2024-05-01T09:00:00Z">'
        + coded(6, TEXT_2, "I wrote Python all day", 3, BEN)
        + coded(7, TEXT_2, "felt proud", 7, BEN, memo="pride in the work")
        + '</TextSource>')
    notes = (note(1, "Keep an eye on tooling.", name="Journal")
             + note(2, "They paused here.", user=BEN, anchor=(parser, parser + 8))
             + note(3, "slow reviews again", user=BEN)
             + note(4, "mood across the whole talk", user=ANA)
             + (note(5, "Skills means what they can do, not what they want.") if code_note else ""))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Study" origin="{origin}" creatingUserGUID="{ANA}">
 <Users><User guid="{ANA}" name="ana"/><User guid="{BEN}" name="ben"/></Users>
 {CODE_TREE.format(code_note=code_note)}
 <Variables><Variable guid="{guid(7, 1)}" name="age" typeOfVariable="Integer"/>
  <Variable guid="{guid(7, 2)}" name="role" typeOfVariable="Text"/></Variables>
 <Cases>
  <Case guid="{guid(8, 1)}" name="P1"><Description>Joined late.</Description><VariableValue><VariableRef targetGUID="{guid(7, 1)}"/><IntegerValue>34</IntegerValue></VariableValue><SourceRef targetGUID="{guid(2, 1)}"/></Case>
  <Case guid="{guid(8, 2)}" name="P2"><VariableValue><VariableRef targetGUID="{guid(7, 2)}"/><TextValue>lead</TextValue></VariableValue><SourceRef targetGUID="{guid(2, 2)}"/></Case>
 </Cases>
 <Sources>{source_1}{source_2}</Sources>
 <Notes>{notes}</Notes>
 <Links><Link guid="{guid(11, 1)}" name="is associated with" direction="Bidirectional" color="#FF0000" originGUID="{guid(1, 7)}" targetGUID="{guid(1, 2)}"/>
  <Link guid="{guid(11, 2)}" name="discussed in" direction="OneWay" originGUID="{guid(1, 6)}" targetGUID="{guid(2, 1)}"/></Links>
 <Sets><Set guid="{guid(10, 1)}" name="Feelings"><MemberCode targetGUID="{guid(1, 7)}"/><MemberCode targetGUID="{guid(1, 3)}"/></Set>
  <Set guid="{guid(10, 2)}" name="Week one"><Description>Talks of the first week.</Description><MemberSource targetGUID="{guid(2, 1)}"/></Set></Sets>
 <Description>A study of how people build parsers.</Description>
</Project>"""


TOOLS = ["NVivo for Windows 14.23.0", "MAXQDA 24 (Release 24.7.0)", "ATLAS.ti Windows 24.2.0", "QualCoder 3.6"]


def tool_file(tmp_path: Path, origin: str) -> Path:
    return write_qdpx(tmp_path / "tool.qdpx", tool_project(origin),
                      {f"Sources/{guid(2, 1)}.txt": TEXT_1, f"Sources/{guid(2, 2)}.txt": TEXT_2})


# ---------------------------------------------------------------- this test's own reader


def _kids(element, name):
    return [] if element is None else element.findall(X + name)


def _description(element) -> str:
    found = element.find(X + "Description")
    return (found.text or "").strip() if found is not None else ""


class Held:
    """What a .qdpx holds, tool-neutral: by names, paths and words, never GUIDs or positions."""

    def __init__(self, path: Path):
        with zipfile.ZipFile(path) as archive:
            members = {m.casefold(): m for m in archive.namelist()}
            root = ET.fromstring(archive.read("project.qde"))

            def text_of(element) -> str:
                content = element.find(X + "PlainTextContent")
                if content is not None:
                    return content.text or ""
                name = element.get("plainTextPath").removeprefix("internal://")
                return archive.read(members[f"sources/{name}".casefold()]).decode("utf-8")

            self.users = {u.get("guid").lower(): u.get("name") for u in _kids(root.find(X + "Users"), "User")}
            self.notes = {n.get("guid").lower(): n for n in _kids(root.find(X + "Notes"), "Note")}
            self.note_text = {g: text_of(n).strip() for g, n in self.notes.items()}
            self.used_notes: set[str] = set()
            case_guids = {c.get("guid").lower() for c in _kids(root.find(X + "Cases"), "Case")}
            self.path_of: dict[str, tuple[str, ...]] = {}
            self.codes = self.code_tree(_kids(root.find(X + "CodeBook"), "Codes")[0], (), case_guids)
            self.code_memos = self.code_notes(root.find(X + "CodeBook"))
            sources = {s.get("guid").lower(): s for s in _kids(root.find(X + "Sources"), "TextSource")}
            self.codings, self.source_memos, self.annotations = set(), set(), set()
            for source in sources.values():
                self.read_source(source, text_of(source))
            self.cases = self.read_cases(root, sources)
            end = {**{g: ("code", p) for g, p in self.path_of.items()},
                   **{g: ("source", s.get("name")) for g, s in sources.items()}}
            self.relations = {(k.get("name"), k.get("direction"), k.get("color"), end[k.get("originGUID").lower()],
                               end[k.get("targetGUID").lower()]) for k in _kids(root.find(X + "Links"), "Link")}
            self.sets = {(s.get("name"), _description(s),
                          frozenset(self.path_of[m.get("targetGUID").lower()] for m in _kids(s, "MemberCode")),
                          frozenset(sources[m.get("targetGUID").lower()].get("name") for m in _kids(s, "MemberSource")))
                         for s in _kids(root.find(X + "Sets"), "Set")}
            self.project = {(n.get("name"), self.note_text[g]) for g, n in self.notes.items()
                            if g not in self.used_notes}
            if _description(root):
                self.project.add(("description", _description(root)))

    def code_tree(self, parent, above: tuple[str, ...], cases: set[str]) -> tuple:
        """((name, colour, description, codable, children), ...), case codes (NVivo's) left out."""
        tree = []
        for code in _kids(parent, "Code"):
            if code.get("guid").lower() in cases:
                continue
            path = above + (code.get("name"),)
            self.path_of[code.get("guid").lower()] = path
            tree.append((code.get("name"), (code.get("color") or "").upper() or None, _description(code),
                         code.get("isCodable", "true") == "true", self.code_tree(code, path, cases)))
        return tuple(tree)

    def code_notes(self, book) -> set:
        found = set()
        for code in book.iter(X + "Code"):
            for ref in _kids(code, "NoteRef"):
                guid_ = ref.get("targetGUID").lower()
                self.used_notes.add(guid_)
                found.add((self.path_of[code.get("guid").lower()], self.note_text[guid_]))
        return found

    def memo(self, element) -> str:
        texts = [_description(element)] if element.tag != X + "Coding" else []
        for ref in _kids(element, "NoteRef"):
            self.used_notes.add(ref.get("targetGUID").lower())
            texts.append(self.note_text[ref.get("targetGUID").lower()])
        return "\n\n".join(t for t in texts if t)

    def read_source(self, source, text: str) -> None:
        name = source.get("name")
        if _description(source):
            self.source_memos.add((name, self.users.get((source.get("creatingUser") or "").lower()),
                                   _description(source)))
        for selection in _kids(source, "PlainTextSelection"):
            words = text[int(selection.get("startPosition")):int(selection.get("endPosition"))]
            around = self.memo(selection)
            for coding in _kids(selection, "Coding"):
                code = coding.find(X + "CodeRef").get("targetGUID").lower()
                if code in self.path_of:  # not a case code
                    memo = "\n\n".join(t for t in (around, self.memo(coding)) if t)
                    self.codings.add((name, self.users[coding.get("creatingUser").lower()], words,
                                      self.path_of[code], memo))
        for coding in _kids(source, "Coding"):
            code = coding.find(X + "CodeRef").get("targetGUID").lower()
            self.codings.add((name, self.users[coding.get("creatingUser").lower()], None, self.path_of[code],
                              self.memo(coding)))
        for ref in _kids(source, "NoteRef"):
            guid_ = ref.get("targetGUID").lower()
            self.used_notes.add(guid_)
            user = self.users.get((self.notes[guid_].get("creatingUser") or "").lower())
            self.annotations.add((name, user, self.note_text[guid_]))

    def read_cases(self, root, sources) -> set:
        variables = {v.get("guid").lower(): v.get("name") for v in _kids(root.find(X + "Variables"), "Variable")}
        cases = set()
        for case in _kids(root.find(X + "Cases"), "Case"):
            if not case.get("name"):
                continue  # a text's own variables (MAXQDA's shape, and ours for header fields)
            values = frozenset((variables[v.find(X + "VariableRef").get("targetGUID").lower()],
                                (list(v)[1].text or "").strip()) for v in _kids(case, "VariableValue"))
            linked = frozenset(sources[r.get("targetGUID").lower()].get("name") for r in _kids(case, "SourceRef"))
            cases.add((case.get("name"), values, _description(case), linked))
        return cases

    def parts(self) -> dict:
        return {"codes": self.codes, "codings": self.codings, "code memos": self.code_memos,
                "source memos": self.source_memos, "annotations": self.annotations, "cases": self.cases,
                "project": self.project, "sets": self.sets, "relations": self.relations}


def _export(study: Study, path: Path) -> Path:
    qdpx.export_qdpx(study, CLI, path)
    xmlschema.XMLSchema(str(qdpx.schema_path())).validate(zipfile.ZipFile(path).read("project.qde").decode("utf-8"))
    return path


# ---------------------------------------------------------------- the round trips


def test_the_fixture_holds_what_the_test_says(tmp_path):
    """The reader of this test reads the fixture as written (so the round trips compare real content)."""
    held = Held(tool_file(tmp_path, "NVivo for Windows 14.23.0"))
    assert [c[0] for c in held.codes] == ["Skills", "Work", "Mood"]
    assert held.codes[0][4][0][4][0][:4] == ("Python", "#3776AB", "", True)
    assert ("Interview 1", "ben", "Python", ("Skills", "programming", "Python"), "the language they chose") in \
        held.codings
    assert ("Interview 1", "ana", None, ("Mood",), "mood across the whole talk") in held.codings
    assert len(held.codings) == 8
    assert held.code_memos == {(("Skills",), "Skills means what they can do, not what they want.")}
    assert held.cases == {("P1", frozenset({("age", "34")}), "Joined late.", frozenset({"Interview 1"})),
                          ("P2", frozenset({("role", "lead")}), "", frozenset({"Interview 2"}))}
    assert held.project == {("Journal", "Keep an eye on tooling."),
                            ("description", "A study of how people build parsers.")}
    assert held.sets == {("Feelings", "", frozenset({("Mood",), ("Skills", "programming", "Python")}), frozenset()),
                         ("Week one", "Talks of the first week.", frozenset(), frozenset({"Interview 1"}))}
    assert held.relations == {("is associated with", "Bidirectional", "#FF0000", ("code", ("Mood",)),
                               ("code", ("Skills", "programming"))),
                              ("discussed in", "OneWay", None, ("code", ("Work", "reviews")), ("source", "Interview 1"))}


def placed(tree: tuple) -> tuple:
    """The tree with each parent's codable codes before its categories (the order a study keeps,
    codes then themes), each kind in the file's order."""
    return tuple((name, colour, description, codable, placed(children))
                 for name, colour, description, codable, children in sorted(tree, key=lambda c: not c[3]))


@pytest.mark.parametrize("origin", TOOLS)
def test_every_code_keeps_its_place_name_colour_description_and_codability_in_and_out(study, tmp_path, origin):
    source = tool_file(tmp_path, origin)
    qdpx.import_qdpx(study, CLI, source)
    with study.session() as session:  # inside the study too: a top-level code is at the top level
        assert [c.ref for c in codes.all_codes(session)] == [
            "Skills", "Skills/programming", "Skills/programming/Python", "Mood", "Work/programming", "Work/reviews"]
        assert [t.name for t in codes.top_themes(session)] == ["Work"]
    out = Held(_export(study, tmp_path / "out.qdpx"))
    assert out.codes == placed(Held(source).codes)


@pytest.mark.parametrize("origin", TOOLS)
def test_every_coding_memo_case_set_and_relation_of_a_tools_project_goes_out_as_it_came_in(study, tmp_path, origin):
    source = tool_file(tmp_path, origin)
    summary = qdpx.import_qdpx(study, CLI, source)
    assert summary.ok and not summary.unmapped, summary.details()
    # kept for export: the note a selection refers to, and that reference (its text is the coding's memo)
    assert summary.headline().endswith("Sets: 2. Relations: 2. Kept for export: 2.")
    out = Held(_export(study, tmp_path / "out.qdpx")).parts()
    held = Held(source).parts()
    for part in ("codings", "code memos", "source memos", "annotations", "cases", "project", "sets", "relations"):
        assert out[part] == held[part], part


@pytest.mark.parametrize("origin", TOOLS)
def test_a_second_round_trip_changes_nothing(study, tmp_path, origin):
    qdpx.import_qdpx(study, CLI, tool_file(tmp_path, origin))
    first = _export(study, tmp_path / "first.qdpx")
    again = Study.open(f"sqlite:///{tmp_path / 'again.db'}")
    try:
        summary = qdpx.import_qdpx(again, CLI, first)
        assert summary.ok and not summary.unmapped and not summary.skipped, summary.details()
        second = _export(again, tmp_path / "second.qdpx")
        assert Held(second).parts() == Held(first).parts()
        with again.session() as session:
            refs = [c.ref for c in codes.all_codes(session)]
    finally:
        again.close()
    with study.session() as session:
        assert refs == [c.ref for c in codes.all_codes(session)]


def test_sets_and_relations_follow_a_code_renamed_or_moved_after_the_import(study, tmp_path):
    """Sets and relations keep their codes by id: renaming Mood and moving Work/reviews under
    Skills leaves every member and end in place, under its new path (they were dropped before)."""
    source = tool_file(tmp_path, TOOLS[0])
    qdpx.import_qdpx(study, CLI, source)
    codes.edit_code(study, CLI, "Mood", name="Feeling")
    codes.move_code(study, CLI, "Work/reviews", "Skills")
    moved = {("Mood",): ("Feeling",), ("Work", "reviews"): ("Skills", "reviews")}

    def follow(end):
        kind, member = end
        return (kind, moved.get(member, member)) if kind == "code" else end

    held = Held(source)
    out = Held(_export(study, tmp_path / "out.qdpx"))
    assert out.sets == {(name, description, frozenset(moved.get(p, p) for p in paths), sources)
                        for name, description, paths, sources in held.sets}
    assert out.relations == {(name, direction, colour, follow(origin), follow(target))
                             for name, direction, colour, origin, target in held.relations}
    assert any(("Feeling",) in paths for _, _, paths, _ in out.sets)
