"""More project shapes the exchange meets, beside ``qdpx_media_projects``: a text written only as
Word (MAXQDA and NVivo can export a document with a ``richTextPath`` and no plain text), a text
whose file lies outside the archive (``relative://`` with a ``basePath``), quotation names,
editors and edit dates on selections, nested folders that are not codable (NVivo), notes written
as files (NVivo), GUIDs in braces and mixed case (ATLAS.ti), a UTF-8 byte order mark before the
XML and in a text, CR LF line ends and characters outside the basic plane, vendor namespaces on
elements and attributes, optional attributes left out, NVivo's memos: annotations joined by
links to a selection over several turns, named notes on selections and texts, and MAXQDA's
points (a coded selection of no characters) beside codes nested five deep.

Written here, never copied: shapes from the QDA-XML schema and the tools' readers and writers
(QualCoder's ``refi.py`` names ``relative://`` and ``absolute://`` paths and NVivo's notes as
files); the content is this file's own.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from tests.qdpx_media_projects import DOCX, TEXT, guid, qualcoder

EMOJI_TEXT = ("Interviewer: How did the launch feel? \U0001F680\r\n\r\n"
              "P3: Like a rocket \U0001F680 with no brakes, honestly.\r\n\r\n"
              "Interviewer: And afterwards?\r\n\r\n"
              "P3: Quiet. We slept for a week.\r\n")


def _span(text: str, words: str) -> tuple[int, int]:
    at = text.index(words)
    return at, at + len(words)


def word_only() -> tuple[str, dict[str, bytes]]:
    """MAXQDA: one text as plain text, another only as Word (``richTextPath``, no plain text), coded,
    with a note, in a set and a case; the Word file is kept by the study, not read."""
    g = lambda k, n: guid(k, n, upper=True)  # noqa: E731
    ana = g(15, 1)
    a, b = _span(TEXT, "the review queue")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" origin="MAXQDA 2022 (Release 22.8.0)" name="Word texts">
 <Users><User guid="{ana}" name="ana"/></Users>
 <CodeBook><Codes>
  <Code color="#ef8256" guid="{g(1, 1)}" name="Process" isCodable="true"/>
 </Codes></CodeBook>
 <Cases><Case guid="{g(8, 1)}" name="P4"><SourceRef targetGUID="{g(2, 2)}"/></Case></Cases>
 <Sources>
  <TextSource guid="{g(2, 1)}" name="Plain interview" plainTextPath="internal://{g(2, 1)}.txt">
   <PlainTextSelection guid="{g(3, 1)}" startPosition="{a}" endPosition="{b}" creatingUser="{ana}"><Coding guid="{g(4, 1)}" creatingUser="{ana}"><CodeRef targetGUID="{g(1, 1)}"/></Coding></PlainTextSelection>
  </TextSource>
  <TextSource guid="{g(2, 2)}" name="Field notes in Word" richTextPath="internal://{g(2, 2)}.docx" creatingUser="{ana}" creationDateTime="2023-05-02T10:00:00Z">
   <Description>Typed up after the visit.</Description>
   <PlainTextSelection guid="{g(3, 2)}" name="broken kettle" startPosition="10" endPosition="42" creatingUser="{ana}" creationDateTime="2023-05-03T10:00:00Z"><Coding guid="{g(4, 2)}" creatingUser="{ana}"><CodeRef targetGUID="{g(1, 1)}"/></Coding></PlainTextSelection>
   <NoteRef targetGUID="{g(6, 1)}"/>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{g(6, 1)}" name="Visit memo" creatingUser="{ana}" creationDateTime="2023-05-04T10:00:00Z"><PlainTextContent>The kitchen is where decisions happen.</PlainTextContent></Note>
 </Notes>
 <Sets><Set guid="{g(9, 1)}" name="Field work"><MemberSource targetGUID="{g(2, 2)}"/><MemberSource targetGUID="{g(2, 1)}"/></Set></Sets>
</Project>"""
    return qde, {f"sources/{g(2, 1)}.txt": TEXT.encode(), f"sources/{g(2, 2)}.docx": DOCX}


def outside() -> tuple[str, dict[str, bytes]]:
    """A text whose file lies beside the project, not in it (``relative://`` under a ``basePath``),
    coded, and one whose ``plainTextPath`` has no scheme at all."""
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    ana = g(15, 1)
    a, b = _span(TEXT, "Waiting for reviewers")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" origin="NVivo for Mac 14.24.0" name="Linked texts" basePath="file:///Users/ana/Projects/Linked">
 <Users><User guid="{ana}" name="Ana Lima" id="ANA"/></Users>
 <CodeBook><Codes><Code guid="{g(1, 1)}" name="Delay" isCodable="true" color="#CC3333"/></Codes></CodeBook>
 <Sources>
  <TextSource guid="{g(2, 1)}" name="Inside" plainTextPath="Sources/{g(2, 1)}.txt">
   <PlainTextSelection guid="{g(3, 1)}" startPosition="{a}" endPosition="{b}" creatingUser="{ana}"><Coding guid="{g(4, 1)}" creatingUser="{ana}"><CodeRef targetGUID="{g(1, 1)}"/></Coding></PlainTextSelection>
  </TextSource>
  <TextSource guid="{g(2, 2)}" name="Linked interview" plainTextPath="relative:///interviews/linked.txt" creatingUser="{ana}">
   <PlainTextSelection guid="{g(3, 2)}" name="lunch" startPosition="5" endPosition="25" creatingUser="{ana}"><Coding guid="{g(4, 2)}" creatingUser="{ana}"><CodeRef targetGUID="{g(1, 1)}"/></Coding></PlainTextSelection>
  </TextSource>
 </Sources>
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.txt": TEXT.encode()}


def quotations() -> tuple[str, dict[str, bytes]]:
    """ATLAS.ti: GUIDs in braces and mixed case (a reference in another case than its target), a
    UTF-8 byte order mark before the XML, quotations with their own names, an editor and an edit
    date, a code without a colour, a user known only by id."""
    g = lambda k, n: guid(k, n, upper=True)  # noqa: E731
    ana, ben = g(15, 1), g(15, 2)
    a, b = _span(TEXT, "Waiting for reviewers, mostly after lunch.")
    c, d = _span(TEXT, "A map of the build pipeline")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project origin="ATLAS.ti Mac 23.2.1" name="Quotations" creationDateTime="2023-02-01T09:00:00" xmlns="urn:QDA-XML:project:1.0">
  <Users><User guid="{{{ana}}}" name="Ana"/><User guid="{{{ben}}}" id="ben.k"/></Users>
  <CodeBook><Codes>
    <Code guid="{{{g(1, 1)}}}" name="Waiting" isCodable="true"/>
    <Code guid="{{{g(1, 2)}}}" name="Pictures" isCodable="true" color="#0080FF"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{{{g(2, 1)}}}" name="Review interview" plainTextPath="internal://{g(2, 1)}.txt">
      <PlainTextSelection guid="{{{g(3, 1)}}}" name="Afternoon slump" startPosition="{a}" endPosition="{b}" creatingUser="{{{ana}}}" creationDateTime="2023-02-02T10:00:00" modifyingUser="{{{ben}}}" modifiedDateTime="2023-02-09T16:30:00">
        <Description>Ben tightened this quotation.</Description>
        <Coding guid="{{{g(4, 1)}}}" creatingUser="{{{ana}}}"><CodeRef targetGUID="{{{g(1, 1).lower()}}}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{{{g(3, 2)}}}" name="Whiteboard drawing" startPosition="{c}" endPosition="{d}" creatingUser="{{{ben}}}" creationDateTime="2023-02-03T10:00:00">
        <Coding guid="{{{g(4, 2)}}}" creatingUser="{{{ben}}}" creationDateTime="2023-02-03T10:00:00"><CodeRef targetGUID="{{{g(1, 2)}}}"/></Coding>
      </PlainTextSelection>
    </TextSource>
  </Sources>
</Project>"""
    return "\ufeff" + qde, {f"sources/{g(2, 1)}.txt": TEXT.encode()}


def folders() -> tuple[str, dict[str, bytes]]:
    """NVivo: codes nested three deep under folders that are not codable, notes written as files
    (``plainTextPath``), a note edited by another user, a text with a UTF-8 byte order mark, CR LF
    line ends and characters outside the basic plane (positions in UTF-16 code units, as NVivo
    counts), vendor-namespaced elements and attributes."""
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    ana, ben = g(15, 1), g(15, 2)
    a, b = _span(EMOJI_TEXT, "Like a rocket \U0001F680 with no brakes")
    c, d = _span(EMOJI_TEXT, "We slept for a week.")
    units = lambda i: len(EMOJI_TEXT[:i].encode("utf-16-le")) // 2  # noqa: E731
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" xmlns:nv="urn:example:nvivo-extensions" name="Launch" origin="NVivo for Windows 14.23.2" creatingUserGUID="{ana}" basePath="">
  <Users><User guid="{ana}" name="Ana Lima"/><User guid="{ben}" name="Ben Okafor"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(1, 1)}" name="Feelings" isCodable="false">
      <Description>Folder of emotion codes.</Description>
      <Code guid="{g(1, 2)}" name="Intense" isCodable="false">
        <Code guid="{g(1, 3)}" name="Speed" isCodable="true" color="#FF8800" nv:aggregate="true"><Description>Things moving too fast.</Description></Code>
        <Code guid="{g(1, 4)}" name="Exhaustion" isCodable="true"><NoteRef targetGUID="{g(6, 2)}"/></Code>
      </Code>
    </Code>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(2, 1)}" name="Launch interview" plainTextPath="internal://{g(2, 1)}.txt" creatingUser="{ana}" creationDateTime="2024-01-10T08:00:00Z">
      <PlainTextSelection guid="{g(3, 1)}" name="Rocket" startPosition="{units(a)}" endPosition="{units(b)}" creatingUser="{ana}" creationDateTime="2024-01-10T09:00:00Z">
        <Coding guid="{g(4, 1)}" creatingUser="{ana}" creationDateTime="2024-01-10T09:00:00Z"><CodeRef targetGUID="{g(1, 3)}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{g(3, 2)}" name="Slept" startPosition="{units(c)}" endPosition="{units(d)}" creatingUser="{ben}" creationDateTime="2024-01-11T09:00:00Z">
        <Coding guid="{g(4, 2)}" creatingUser="{ben}" creationDateTime="2024-01-11T09:00:00Z"><CodeRef targetGUID="{g(1, 4)}"/></Coding>
      </PlainTextSelection>
      <nv:Layout zoom="120"/>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="{g(6, 1)}" name="Launch week" plainTextPath="internal://{g(6, 1)}.txt" creatingUser="{ana}" creationDateTime="2024-01-12T08:00:00Z" modifyingUser="{ben}" modifiedDateTime="2024-01-13T08:00:00Z"/>
    <Note guid="{g(6, 2)}" name="On exhaustion" plainTextPath="internal://{g(6, 2)}.txt" creatingUser="{ben}" creationDateTime="2024-01-12T09:00:00Z"/>
  </Notes>
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.txt": b"\xef\xbb\xbf" + EMOJI_TEXT.encode(),
                 f"Sources/{g(6, 1)}.txt": "Everyone remembers the rocket emoji.".encode(),
                 f"Sources/{g(6, 2)}.txt": "Exhaustion came after, never during.".encode()}


def memos() -> tuple[str, dict[str, bytes]]:
    """NVivo: a coded selection named by its coder that runs over three speaker turns, with an
    annotation (a note written as a file, joined to the selection by a Link named "Annotation");
    a note a selection refers to and one its coding refers to (edited by another user); a coding
    of the whole text with a named note, a passage of which is coded; a document memo and a memo anchored at a passage, each a
    named note the text refers to; notes by two users, with and without dates."""
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    ana, ben = g(15, 1), g(15, 2)
    a, b = _span(TEXT, "A map of the build pipeline, then the review queue.\n\nInterviewer: Which part slowed you "
                       "down?\n\nP1: Waiting for reviewers")
    c, d = _span(TEXT, "What did you draw on the whiteboard?")
    e, f = _span(TEXT, "mostly after lunch")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Memos" origin="NVivo for Windows 14.24.1" creatingUserGUID="{ana}" creationDateTime="2024-06-01T08:00:00Z" basePath="">
  <Users><User guid="{ana}" name="Ana Lima"/><User guid="{ben}" name="Ben Okafor"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(1, 1)}" name="Bottleneck" isCodable="true" color="#993300"/>
    <Code guid="{g(1, 2)}" name="Prompt" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(2, 1)}" name="Pipeline interview" plainTextPath="internal://{g(2, 1)}.txt" creatingUser="{ana}" creationDateTime="2024-06-01T08:10:00Z">
      <PlainTextSelection guid="{g(3, 1)}" name="From sketch to queue" startPosition="{a}" endPosition="{b}" creatingUser="{ana}" creationDateTime="2024-06-02T09:00:00Z">
        <Coding guid="{g(4, 1)}" creatingUser="{ana}" creationDateTime="2024-06-02T09:00:00Z"><CodeRef targetGUID="{g(1, 1)}"/></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{g(3, 2)}" name="Opening question" startPosition="{c}" endPosition="{d}" creatingUser="{ben}" creationDateTime="2024-06-03T09:00:00Z">
        <Coding guid="{g(4, 2)}" creatingUser="{ben}" creationDateTime="2024-06-03T09:00:00Z"><CodeRef targetGUID="{g(1, 2)}"/><NoteRef targetGUID="{g(6, 5)}"/></Coding>
        <NoteRef targetGUID="{g(6, 2)}"/>
      </PlainTextSelection>
      <Coding guid="{g(4, 3)}" creatingUser="{ana}" creationDateTime="2024-06-05T09:00:00Z"><CodeRef targetGUID="{g(1, 1)}"/><NoteRef targetGUID="{g(6, 6)}"/></Coding>
      <NoteRef targetGUID="{g(6, 3)}"/>
      <NoteRef targetGUID="{g(6, 4)}"/>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="{g(6, 1)}" name="Annotation on From sketch to queue" plainTextPath="internal://{g(6, 1)}.txt" creatingUser="{ana}" creationDateTime="2024-06-02T09:30:00Z"/>
    <Note guid="{g(6, 2)}" name="Leading question?" creatingUser="{ben}" creationDateTime="2024-06-03T09:30:00Z"><PlainTextContent>Check whether this question steers the answer.</PlainTextContent></Note>
    <Note guid="{g(6, 3)}" name="First impressions" plainTextPath="internal://{g(6, 3)}.txt" creatingUser="{ben}" creationDateTime="2024-06-04T10:00:00Z"/>
    <Note guid="{g(6, 4)}" name="Hesitation" creatingUser="{ana}"><PlainTextContent>Long pause before naming lunch.</PlainTextContent><PlainTextSelection guid="{g(9, 1)}" startPosition="{e}" endPosition="{f}" creatingUser="{ana}"/></Note>
    <Note guid="{g(6, 5)}" name="Why Prompt" creatingUser="{ben}" creationDateTime="2024-06-03T09:40:00Z" modifyingUser="{ana}" modifiedDateTime="2024-06-06T09:00:00Z"><PlainTextContent>The interviewer suggests the answer.</PlainTextContent></Note>
    <Note guid="{g(6, 6)}" name="Bottleneck throughout" creatingUser="{ana}" creationDateTime="2024-06-05T09:10:00Z"><PlainTextContent>The whole talk circles the queue.</PlainTextContent><PlainTextSelection guid="{g(9, 2)}" name="circling" startPosition="15" endPosition="22" creatingUser="{ana}" creationDateTime="2024-06-05T09:20:00Z"><Coding guid="{g(4, 4)}" creatingUser="{ana}"><CodeRef targetGUID="{g(1, 2)}"/></Coding></PlainTextSelection></Note>
  </Notes>
  <Links>
    <Link guid="{g(11, 1)}" name="Annotation" direction="OneWay" originGUID="{g(6, 1)}" targetGUID="{g(3, 1)}"/>
  </Links>
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.txt": TEXT.encode(),
                 f"Sources/{g(6, 1)}.txt": "The sketch and the queue are one story here.".encode(),
                 f"Sources/{g(6, 3)}.txt": "Calm speaker, clear about delays.".encode()}


def recording_notes() -> tuple[str, dict[str, bytes]]:
    """QualCoder's recording (``qdpx_media_projects.qualcoder``) with a note on a transcript
    selection and one on its coding, and a note whose passage is coded."""
    qde, files = qualcoder()
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    at = qde.index("</Coding>\n</TranscriptSelection>")
    qde = qde[:at] + f'<NoteRef targetGUID="{g(6, 7)}"/>' + qde[at:]
    at = qde.index("</TranscriptSelection>")
    qde = qde[:at] + f'<NoteRef targetGUID="{g(6, 8)}"/>' + qde[at:]
    return qde.replace("</Sources>", f"""</Sources>
<Notes>
<Note guid="{g(6, 7)}" name="On the coding" creationDateTime="2024-06-02T10:00:00Z"><PlainTextContent>Why the engineer matters.</PlainTextContent></Note>
<Note guid="{g(6, 8)}" name="On the passage" creationDateTime="2024-06-02T10:05:00Z"><PlainTextContent>Old microphones, new habits.</PlainTextContent></Note>
</Notes>"""), files


def selections() -> tuple[str, dict[str, bytes]]:
    """NVivo: selections that do not fit a study's turns as they stand: an answer selected with its
    speaker's label; three turns coded one by one at the same moment (three selections, not one);
    a selection without dates from the middle of one answer to the middle of the next; one
    selection coded by two users with two codes."""
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    ana, ben = g(15, 1), g(15, 2)
    turns = ["What did you draw on the whiteboard?", "A map of the build pipeline, then the review queue.",
             "Which part slowed you down?"]

    def selection(n: int, where: tuple[int, int], codes: list[tuple[str, int]], dated: str = "", name: str = "") -> str:
        named = f' name="{name}"' if name else ""
        codings = "".join(f'<Coding guid="{g(4, 10 * n + i)}" creatingUser="{user}"{dated}><CodeRef targetGUID="'
                          f'{g(1, code)}"/></Coding>' for i, (user, code) in enumerate(codes))
        return (f'<PlainTextSelection guid="{g(3, n)}"{named} startPosition="{where[0]}" endPosition="{where[1]}" '
                f'creatingUser="{codes[0][0]}"{dated}>{codings}</PlainTextSelection>')

    at_once = ' creationDateTime="2024-07-01T10:00:00Z"'
    parts = [selection(1, _span(TEXT, "P1: A map of the build pipeline, then the review queue."), [(ana, 1)],
                       ' creationDateTime="2024-07-02T09:00:00Z"', "The whole answer")]
    parts += [selection(2 + i, _span(TEXT, turn), [(ben, 2)], at_once) for i, turn in enumerate(turns)]
    parts.append(selection(5, _span(TEXT, "the review queue.\n\nInterviewer: Which part slowed you down?\n\n"
                                          "P1: Waiting for reviewers"), [(ana, 1)], name="Queue to reviewers"))
    parts.append(selection(6, _span(TEXT, "mostly after lunch"), [(ana, 1), (ben, 2)], at_once))
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Selections" origin="NVivo 14.24.0.979 (Windows)">
  <Users><User guid="{ana}" name="Ana Lima"/><User guid="{ben}" name="Ben Okafor"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(1, 1)}" name="Queue" isCodable="true"/>
    <Code guid="{g(1, 2)}" name="Drawing" isCodable="true"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(2, 1)}" name="Pipeline interview" plainTextPath="internal://{g(2, 1)}.txt">
      {"".join(parts)}
    </TextSource>
  </Sources>
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.txt": TEXT.encode()}


def points() -> tuple[str, dict[str, bytes]]:
    """MAXQDA: a coded selection of no characters (a point in the text, where a coder clicked), one
    ending at the text's very end, two users' selections overlapping on one answer, codes nested
    five deep (only the deepest codable, one without a colour), a set of codes and texts, and a
    link between two codes."""
    g = lambda k, n: guid(k, n, upper=True)  # noqa: E731
    ana, ben = g(15, 1), g(15, 2)

    def selection(n: int, where: tuple[int, int], user: str, code: int, day: int) -> str:
        dated = f' creationDateTime="2024-08-0{day}T10:00:00Z"'
        return (f'<PlainTextSelection guid="{g(3, n)}" startPosition="{where[0]}" endPosition="{where[1]}" '
                f'creatingUser="{user}"{dated}><Coding guid="{g(4, n)}" creatingUser="{user}"{dated}><CodeRef '
                f'targetGUID="{g(1, code)}"/></Coding></PlainTextSelection>')

    clicked = TEXT.index("review queue")
    parts = [selection(1, (clicked, clicked), ana, 5, 1),
             selection(2, _span(TEXT, "Waiting for reviewers, mostly after lunch.\n"), ana, 6, 2),
             selection(3, _span(TEXT, "A map of the build pipeline"), ana, 5, 3),
             selection(4, _span(TEXT, "the build pipeline, then the review queue."), ben, 5, 4)]
    tree = "".join(f'<Code guid="{g(1, n)}" name="Level {n}" isCodable="false" color="#10{n}0{n}0">'
                   for n in range(1, 5))
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="Points" origin="MAXQDA 24 (Release 24.7.0)">
  <Users><User guid="{ana}" name="ana"/><User guid="{ben}" name="ben"/></Users>
  <CodeBook><Codes>
    {tree}<Code guid="{g(1, 5)}" name="Pipeline" isCodable="true"/>{"</Code>" * 4}
    <Code guid="{g(1, 6)}" name="Waiting" isCodable="true" color="#ef8256"/>
  </Codes></CodeBook>
  <Sources>
    <TextSource guid="{g(2, 1)}" name="Whiteboard" plainTextPath="internal://{g(2, 1)}.txt">{"".join(parts)}</TextSource>
  </Sources>
  <Links><Link guid="{g(11, 1)}" name="leads to" direction="OneWay" originGUID="{g(1, 5)}" targetGUID="{g(1, 6)}"/></Links>
  <Sets><Set guid="{g(12, 1)}" name="Delay"><MemberCode targetGUID="{g(1, 5)}"/><MemberCode targetGUID="{g(1, 6)}"/>
    <MemberSource targetGUID="{g(2, 1)}"/></Set></Sets>
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.txt": TEXT.encode()}


SHAPES = {"word only": word_only, "outside": outside, "quotations": quotations, "folders": folders, "memos": memos,
          "recording notes": recording_notes, "selections": selections, "points": points}


def write_shape(path: Path, shape: str) -> Path:
    """The shape's project as a .qdpx at ``path``."""
    return write_project(path, *SHAPES[shape]())


def write_project(path: Path, qde: str | bytes, files: dict[str, bytes]) -> Path:
    """A .qdpx at ``path`` of the project XML (UTF-8 unless given as bytes) and these files."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde.encode("utf-8") if isinstance(qde, str) else qde)
        for name, data in files.items():
            archive.writestr(name, data)
    return path
