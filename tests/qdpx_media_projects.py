"""Projects in the shapes NVivo, MAXQDA, ATLAS.ti and QualCoder export, holding what a study has
no place of its own for: graphs (code maps, networks), picture sources and their region
selections, PDF region selections, audio and video time-range selections, notes on relations,
note members of sets, a note on the project, variable descriptions and values of every type,
cases that refer to codes and selections, quotations coded by several users.

Written here, never copied: the shapes (attribute order, GUID casing, folder names, dates with
and without a zone, empty ``<Description />``) follow public exports and the tools' own writers
(QualCoder's ``refi.py``; MAXQDA 24 and NVivo 14 exports); the content is this file's own.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

TEXT = ("Interviewer: What did you draw on the whiteboard?\n\n"
        "P1: A map of the build pipeline, then the review queue.\n\n"
        "Interviewer: Which part slowed you down?\n\n"
        "P1: Waiting for reviewers, mostly after lunch.\n")
TRANSCRIPT = ("[00:00:01] Interviewer: Tell me about the recording studio.\n"
              "[00:00:09] P2: Quiet rooms, old microphones and a patient engineer.\n")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))  # bytes only: no reader decodes the picture
PDF = b"%PDF-1.4\n% a one-page handout\n%%EOF\n"
MP3 = b"ID3\x04\x00" + bytes(48)
DOCX = b"PK\x03\x04" + bytes(40)  # a stand-in for the rich-text version NVivo writes beside the plain text


def guid(kind: int, n: int, upper: bool) -> str:
    value = f"{kind:08x}-0000-4000-8000-{n:012x}"
    return value.upper() if upper else value


def _span(text: str, words: str) -> tuple[int, int]:
    at = text.index(words)
    return at, at + len(words)


def nvivo() -> tuple[str, dict[str, bytes]]:
    """NVivo 14: lower-case GUIDs, ``basePath=""``, ``Sources/``; a picture with a coded region and
    a note on it, an annotation joined by a Link, a relation between codes with a note on it, a
    concept map, cases with values of every type, a variable with a description, a project note."""
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    ana, ben = g(15, 1), g(15, 2)
    a, b = _span(TEXT, "A map of the build pipeline")
    c, d = _span(TEXT, "Waiting for reviewers")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns:xsd="http://www.w3.org/2001/XMLSchema" name="Whiteboards" origin="NVivo for Windows 14.23.0" creatingUserGUID="{ana}" creationDateTime="2024-04-02T08:15:00Z" basePath="" xmlns="urn:QDA-XML:project:1.0">
  <Users>
    <User guid="{ana}" name="Ana Lima" />
    <User guid="{ben}" name="Ben Okafor" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{g(1, 1)}" name="Tools" isCodable="true" color="#3366CC">
        <Description>Things people build with.</Description>
        <Code guid="{g(1, 2)}" name="Pipeline" isCodable="true" />
      </Code>
      <Code guid="{g(1, 3)}" name="Delay" isCodable="true" color="#CC3333" />
    </Codes>
  </CodeBook>
  <Variables>
    <Variable guid="{g(7, 1)}" name="Remote" typeOfVariable="Boolean"><Description>Works from home most days.</Description></Variable>
    <Variable guid="{g(7, 2)}" name="Joined" typeOfVariable="Date" />
    <Variable guid="{g(7, 3)}" name="Hours" typeOfVariable="Float" />
    <Variable guid="{g(7, 4)}" name="Team" typeOfVariable="Text" />
  </Variables>
  <Cases>
    <Case guid="{g(8, 1)}" name="P1">
      <CodeRef targetGUID="{g(1, 3)}" />
      <VariableValue><VariableRef targetGUID="{g(7, 1)}" /><BooleanValue>true</BooleanValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{g(7, 2)}" /><DateValue>2021-09-01</DateValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{g(7, 3)}" /><FloatValue>37.5</FloatValue></VariableValue>
      <VariableValue><VariableRef targetGUID="{g(7, 4)}" /><TextValue>platform</TextValue></VariableValue>
      <SourceRef targetGUID="{g(2, 1)}" />
      <SourceRef targetGUID="{g(2, 2)}" />
    </Case>
  </Cases>
  <Sources>
    <TextSource guid="{g(2, 1)}" name="Whiteboard interview" richTextPath="internal://{g(2, 1)}.docx" plainTextPath="internal://{g(2, 1)}.txt" creatingUser="{ana}" creationDateTime="2024-04-02T08:20:00Z">
      <PlainTextSelection guid="{g(3, 1)}" name="A map" startPosition="{a}" endPosition="{b}" creatingUser="{ana}" creationDateTime="2024-04-02T09:00:00Z">
        <Coding guid="{g(4, 1)}" creatingUser="{ana}" creationDateTime="2024-04-02T09:00:00Z"><CodeRef targetGUID="{g(1, 2)}" /></Coding>
      </PlainTextSelection>
      <PlainTextSelection guid="{g(3, 2)}" name="Waiting" startPosition="{c}" endPosition="{d}" creatingUser="{ben}" creationDateTime="2024-04-03T09:00:00Z">
        <Coding guid="{g(4, 2)}" creatingUser="{ben}" creationDateTime="2024-04-03T09:00:00Z"><CodeRef targetGUID="{g(1, 3)}" /></Coding>
      </PlainTextSelection>
    </TextSource>
    <PictureSource guid="{g(2, 2)}" name="Whiteboard photo" path="internal://{g(2, 2)}.png" creatingUser="{ana}" creationDateTime="2024-04-02T08:30:00Z">
      <Description>Photo taken after the session.</Description>
      <PictureSelection guid="{g(3, 3)}" name="Pipeline sketch" firstX="12" firstY="40" secondX="310" secondY="220" creatingUser="{ana}" creationDateTime="2024-04-02T10:00:00Z">
        <Coding guid="{g(4, 3)}" creatingUser="{ana}" creationDateTime="2024-04-02T10:00:00Z"><CodeRef targetGUID="{g(1, 2)}" /></Coding>
        <NoteRef targetGUID="{g(6, 2)}" />
      </PictureSelection>
    </PictureSource>
  </Sources>
  <Notes>
    <Note guid="{g(6, 1)}" name="Annotation" creatingUser="{ben}" creationDateTime="2024-04-03T11:00:00Z"><PlainTextContent>Said with a sigh.</PlainTextContent></Note>
    <Note guid="{g(6, 2)}" name="Sketch note" creatingUser="{ana}" creationDateTime="2024-04-02T10:05:00Z"><PlainTextContent>The arrows run backwards on purpose.</PlainTextContent></Note>
    <Note guid="{g(6, 3)}" name="Why delay follows tools" creatingUser="{ana}" creationDateTime="2024-04-04T10:00:00Z"><PlainTextContent>Every new tool added a review step.</PlainTextContent></Note>
    <Note guid="{g(6, 4)}" name="Project note" creatingUser="{ana}" creationDateTime="2024-04-04T12:00:00Z"><PlainTextContent>Second wave of interviews planned for June.</PlainTextContent></Note>
  </Notes>
  <Links>
    <Link guid="{g(11, 1)}" name="Annotation" direction="OneWay" originGUID="{g(6, 1)}" targetGUID="{g(3, 2)}" />
    <Link guid="{g(11, 2)}" name="leads to" direction="OneWay" color="#808080" originGUID="{g(1, 1)}" targetGUID="{g(1, 3)}"><NoteRef targetGUID="{g(6, 3)}" /></Link>
  </Links>
  <Sets>
    <Set guid="{g(9, 1)}" name="Photos"><MemberSource targetGUID="{g(2, 2)}" /></Set>
  </Sets>
  <Graphs>
    <Graph guid="{g(12, 1)}" name="Tools and delay">
      <Vertex guid="{g(13, 1)}" representedGUID="{g(1, 1)}" name="Tools" firstX="40" firstY="40" secondX="140" secondY="80" shape="RoundedRectangle" color="#3366CC" />
      <Vertex guid="{g(13, 2)}" representedGUID="{g(1, 3)}" name="Delay" firstX="240" firstY="40" secondX="340" secondY="80" shape="Oval" />
      <Vertex guid="{g(13, 3)}" name="Free note: ask about lunch" firstX="140" firstY="160" shape="Rectangle" />
      <Edge guid="{g(14, 1)}" representedGUID="{g(11, 2)}" name="leads to" sourceVertex="{g(13, 1)}" targetVertex="{g(13, 2)}" direction="OneWay" lineStyle="dashed" />
    </Graph>
  </Graphs>
  <NoteRef targetGUID="{g(6, 4)}" />
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.txt": TEXT.encode(), f"Sources/{g(2, 1)}.docx": DOCX,
                 f"Sources/{g(2, 2)}.png": PNG}


def maxqda() -> tuple[str, dict[str, bytes]]:
    """MAXQDA 24: upper-case GUIDs, ``xsi:schemaLocation``, ``sources/``; a PDF with its text and a
    coded page region, a video with a coded time range and a memo, source variables as a nameless
    case (a date and a yes/no), a document set with a description and a note member."""
    g = lambda k, n: guid(k, n, upper=True)  # noqa: E731
    ana = g(15, 1)
    a, b = _span(TEXT, "the review queue")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xsi:schemaLocation="urn:QDA-XML:project:1.0 http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:QDA-XML:project:1.0" origin="MAXQDA 24 (Release 24.7.0)" name="Handouts" modifiedDateTime="2024-10-18T23:23:46Z">
 <Users>
  <User guid="{ana}" name="ana"/>
 </Users>
 <CodeBook>
  <Codes>
   <Code color="#ef8256" guid="{g(1, 1)}" name="Process" isCodable="true">
    <Description>How work moves.</Description>
    <Code color="#ef8256" guid="{g(1, 2)}" name="Queue" isCodable="true"/>
   </Code>
   <Code color="#32bd59" guid="{g(1, 3)}" name="Gesture" isCodable="true"/>
  </Codes>
 </CodeBook>
 <Variables>
  <Variable guid="{g(7, 1)}" name="Recorded on" typeOfVariable="Date"/>
  <Variable guid="{g(7, 2)}" name="Consent" typeOfVariable="Boolean"/>
 </Variables>
 <Cases>
  <Case guid="{g(8, 1)}">
   <VariableValue><VariableRef targetGUID="{g(7, 1)}"/><DateValue>2024-10-01</DateValue></VariableValue>
   <VariableValue><VariableRef targetGUID="{g(7, 2)}"/><BooleanValue>true</BooleanValue></VariableValue>
   <SourceRef targetGUID="{g(2, 1)}"/>
  </Case>
 </Cases>
 <Sources>
  <PDFSource modifyingUser="{ana}" guid="{g(2, 1)}" creatingUser="{ana}" creationDateTime="2024-10-18T23:23:46Z" name="Handout" path="internal://{g(2, 1)}.pdf">
   <PDFSelection guid="{g(3, 1)}" page="1" firstX="72" firstY="144" secondX="400" secondY="300" creatingUser="{ana}" creationDateTime="2024-10-19T10:00:00Z" name="Pipeline figure">
    <Description>The figure everyone pointed at.</Description>
    <Coding guid="{g(4, 1)}" creatingUser="{ana}" creationDateTime="2024-10-19T10:00:00Z"><CodeRef targetGUID="{g(1, 1)}"/></Coding>
   </PDFSelection>
   <Representation guid="{g(2, 2)}" plainTextPath="internal://{g(2, 2)}.txt" name="Handout">
    <PlainTextSelection guid="{g(3, 2)}" startPosition="{a}" endPosition="{b}" creatingUser="{ana}" creationDateTime="2024-10-19T10:05:00Z">
     <Coding guid="{g(4, 2)}" creatingUser="{ana}"><CodeRef targetGUID="{g(1, 2)}"/></Coding>
    </PlainTextSelection>
   </Representation>
  </PDFSource>
  <VideoSource name="Standup recording" creatingUser="{ana}" path="internal://{g(2, 3)}.mp4" guid="{g(2, 3)}">
   <VideoSelection end="17706" modifyingUser="{ana}" begin="14706" creatingUser="{ana}" creationDateTime="2024-10-20T19:34:32Z" modifiedDateTime="2024-10-20T19:34:55Z" guid="{g(3, 3)}" name="00:14.70 - 00:17.70">
    <Description>Points at the board while talking.</Description>
    <Coding creatingUser="{ana}" creationDateTime="2024-10-20T19:36:01Z" guid="{g(4, 3)}"><CodeRef targetGUID="{g(1, 3)}"/></Coding>
   </VideoSelection>
  </VideoSource>
 </Sources>
 <Notes>
  <Note guid="{g(6, 1)}" creatingUser="{ana}" creationDateTime="2024-10-21T09:00:00Z" name="Set memo"><PlainTextContent>Handouts given out in week one.</PlainTextContent></Note>
 </Notes>
 <Sets>
  <Set guid="{g(9, 1)}" name="Week one material"><Description>Everything handed out in the first week.</Description><MemberSource targetGUID="{g(2, 1)}"/><MemberSource targetGUID="{g(2, 3)}"/><MemberNote targetGUID="{g(6, 1)}"/></Set>
 </Sets>
</Project>"""
    return qde, {f"sources/{g(2, 1)}.pdf": PDF, f"sources/{g(2, 2)}.txt": TEXT.encode(),
                 f"sources/{g(2, 3)}.mp4": MP3}


def atlas() -> tuple[str, dict[str, bytes]]:
    """ATLAS.ti 24: upper-case GUIDs, dates without a zone; a quotation coded by three users, a
    relation between codes with a comment (a note), a network over codes and a quotation, a code
    group with a description, a memo with a description, a case that refers to a quotation."""
    g = lambda k, n: guid(k, n, upper=True)  # noqa: E731
    users = [g(15, n) for n in (1, 2, 3)]
    a, b = _span(TEXT, "Waiting for reviewers, mostly after lunch.")
    c, d = _span(TEXT, "the review queue")
    codings = "".join(
        f'<Coding guid="{g(4, n)}" creatingUser="{user}" creationDateTime="2024-03-0{n}T10:00:00">'
        f'<CodeRef targetGUID="{g(1, code)}"/></Coding>'
        for n, (user, code) in enumerate(zip(users, (1, 1, 2)), start=1))
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project origin="ATLAS.ti Windows 24.2.0" name="Reviews" creatingUserGUID="{users[0]}" creationDateTime="2024-03-01T09:00:00" modifyingUserGUID="{users[0]}" modifiedDateTime="2024-03-05T09:00:00" xmlns="urn:QDA-XML:project:1.0">
  <Users>
    <User guid="{users[0]}" name="Ana" />
    <User guid="{users[1]}" name="Ben" />
    <User guid="{users[2]}" name="Chen" />
  </Users>
  <CodeBook>
    <Codes>
      <Code guid="{g(1, 1)}" name="Waiting" isCodable="true" color="#46AA00"><Description>Time lost to others.</Description></Code>
      <Code guid="{g(1, 2)}" name="Rhythm of the day" isCodable="true" color="#0080FF" />
    </Codes>
  </CodeBook>
  <Cases>
    <Case guid="{g(8, 1)}" name="Reviewer pain"><SelectionRef targetGUID="{g(3, 1)}" /></Case>
  </Cases>
  <Sources>
    <TextSource guid="{g(2, 1)}" name="Review interview" plainTextPath="internal://{g(2, 1)}.txt" creatingUser="{users[0]}" creationDateTime="2024-03-01T09:10:00">
      <PlainTextSelection guid="{g(3, 1)}" name="Waiting for reviewers" startPosition="{a}" endPosition="{b}" creatingUser="{users[0]}" creationDateTime="2024-03-01T10:00:00">{codings}</PlainTextSelection>
      <PlainTextSelection guid="{g(3, 2)}" name="the review queue" startPosition="{c}" endPosition="{d}" creatingUser="{users[1]}" creationDateTime="2024-03-02T10:00:00"><Coding guid="{g(4, 9)}" creatingUser="{users[1]}" creationDateTime="2024-03-02T10:00:00"><CodeRef targetGUID="{g(1, 2)}"/></Coding></PlainTextSelection>
    </TextSource>
  </Sources>
  <Notes>
    <Note guid="{g(6, 1)}" name="Comment on relation" creatingUser="{users[1]}" creationDateTime="2024-03-02T10:00:00"><PlainTextContent>Afternoons are when reviewers disappear.</PlainTextContent></Note>
    <Note guid="{g(6, 2)}" name="Theory memo" creatingUser="{users[0]}" creationDateTime="2024-03-03T10:00:00"><Description>Type: theory</Description><PlainTextContent>Waiting is a rhythm, not an accident.</PlainTextContent></Note>
  </Notes>
  <Links>
    <Link guid="{g(11, 1)}" name="is associated with" direction="Associative" color="#FF0000" originGUID="{g(1, 1)}" targetGUID="{g(1, 2)}"><NoteRef targetGUID="{g(6, 1)}" /></Link>
    <Link guid="{g(11, 2)}" name="explains" direction="OneWay" originGUID="{g(3, 2)}" targetGUID="{g(3, 1)}" />
  </Links>
  <Sets>
    <Set guid="{g(9, 1)}" name="Time codes"><Description>Codes about when things happen.</Description><MemberCode targetGUID="{g(1, 1)}" /><MemberCode targetGUID="{g(1, 2)}" /><MemberNote targetGUID="{g(6, 2)}" /></Set>
  </Sets>
  <Graphs>
    <Graph guid="{g(12, 1)}" name="Waiting network">
      <Vertex guid="{g(13, 1)}" representedGUID="{g(1, 1)}" name="Waiting" firstX="10" firstY="10" />
      <Vertex guid="{g(13, 2)}" representedGUID="{g(1, 2)}" name="Rhythm of the day" firstX="200" firstY="10" />
      <Vertex guid="{g(13, 3)}" representedGUID="{g(3, 1)}" name="Waiting for reviewers" firstX="100" firstY="120" />
      <Edge guid="{g(14, 1)}" representedGUID="{g(11, 1)}" name="is associated with" sourceVertex="{g(13, 1)}" targetVertex="{g(13, 2)}" direction="Associative" />
    </Graph>
  </Graphs>
</Project>"""
    return qde, {f"sources/{g(2, 1)}.txt": TEXT.encode()}


def qualcoder() -> tuple[str, dict[str, bytes]]:
    """QualCoder 3.6 (its ``refi.py``): lower-case GUIDs, ``<Description />`` when empty, case
    variables as FloatValue and TextValue, a picture with a coded region, an audio recording with a
    coded time range and a transcript read through sync points."""
    g = lambda k, n: guid(k, n, upper=False)  # noqa: E731
    owner = g(15, 1)
    a, b = _span(TRANSCRIPT, "Quiet rooms, old microphones")
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:QDA-XML:project:1.0 Project.xsd" name="Studio" origin="QualCoder 3.6" creatingUserGUID="{owner}" creationDateTime="2024-06-01T10:00:00Z">
<Users>
<User guid="{owner}" name="default"/>
</Users>
<CodeBook>
<Codes>
<Code guid="{g(1, 1)}" name="Equipment" isCodable="true" color="#F781F3">
<Description>Objects in the room.</Description>
</Code>
<Code guid="{g(1, 2)}" name="Care" isCodable="true" color="#81BEF7">
<Description />
</Code>
</Codes>
</CodeBook>
<Variables>
<Variable guid="{g(7, 1)}" name="Age" typeOfVariable="Float" />
<Variable guid="{g(7, 2)}" name="Role" typeOfVariable="Text" />
</Variables>
<Cases>
<Case guid="{g(8, 1)}" name="P2">
<Description>Sound engineer, twenty years.</Description>
<VariableValue>
<VariableRef targetGUID="{g(7, 1)}" />
<FloatValue>52.0</FloatValue>
</VariableValue>
<VariableValue>
<VariableRef targetGUID="{g(7, 2)}" />
<TextValue>engineer</TextValue>
</VariableValue>
<SourceRef targetGUID="{g(2, 1)}"/>
<SourceRef targetGUID="{g(2, 2)}"/>
</Case>
</Cases>
<Sources>
<PictureSource creatingUser="{owner}" creationDateTime="2024-06-01T10:05:00Z" path="internal://{g(2, 1)}.png" guid="{g(2, 1)}" name="mixing_desk.png" >
<Description>The desk in studio B.</Description>
<PictureSelection guid="{g(3, 1)}" firstX="5" firstY="6" secondX="105" secondY="86" name="old faders" creatingUser="{owner}" creationDateTime="2024-06-01T10:06:00Z">
<Description>old faders</Description>
<Coding guid="{g(4, 1)}" creatingUser="{owner}" >
<CodeRef targetGUID="{g(1, 1)}"/>
</Coding>
</PictureSelection>
</PictureSource>
<AudioSource creatingUser="{owner}" creationDateTime="2024-06-01T10:10:00Z" path="internal://{g(2, 2)}.mp3" guid="{g(2, 2)}" name="studio_tour.mp3" >
<Description>Walking tour of the studio.</Description>
<Transcript plainTextPath="internal://{g(2, 3)}.txt" creatingUser="{owner}" creationDateTime="2024-06-01T10:20:00Z" guid="{g(2, 3)}" name="studio_tour.mp3.transcribed" >
<SyncPoint guid="{g(5, 1)}" position="0" timeStamp="0" />
<SyncPoint guid="{g(5, 2)}" position="{a}" timeStamp="9000" />
<SyncPoint guid="{g(5, 3)}" position="{b}" timeStamp="12000" />
<TranscriptSelection guid="{g(3, 2)}" name="studio_tour.mp3.transcribed" fromSyncPoint="{g(5, 2)}" toSyncPoint="{g(5, 3)}">
<Coding guid="{g(4, 2)}" >
<CodeRef targetGUID="{g(1, 1)}" />
</Coding>
</TranscriptSelection>
</Transcript>
<AudioSelection guid="{g(3, 3)}" begin="9000" end="15500" name="gentle voice" creatingUser="{owner}" >
<Description>gentle voice</Description>
<Coding guid="{g(4, 3)}" creatingUser="{owner}" creationDateTime="2024-06-01T10:30:00Z">
<CodeRef targetGUID="{g(1, 2)}"/>
</Coding>
</AudioSelection>
</AudioSource>
</Sources>
</Project>"""
    return qde, {f"Sources/{g(2, 1)}.png": PNG, f"Sources/{g(2, 2)}.mp3": MP3,
                 f"Sources/{g(2, 3)}.txt": TRANSCRIPT.encode()}


PROJECTS = {"NVivo": nvivo, "MAXQDA": maxqda, "ATLAS.ti": atlas, "QualCoder": qualcoder}


def write(path: Path, tool: str) -> Path:
    """The tool's project as a .qdpx at ``path``."""
    qde, files = PROJECTS[tool]()
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", qde)
        for name, data in files.items():
            archive.writestr(name, data)
    return path
