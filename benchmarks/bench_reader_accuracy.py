"""How well the reader reads transcripts in layouts it was not written for: the held-out set.

Reads every fixture of tests/fixtures/heldout (synthetic files in the shapes of public transcripts,
each with a ``.truth.json`` giving every word's place: a speaker's turn, a mark, the header, a
note) with ``study.transcripts.read_transcript``, aligns the words it produced with the truth and
prints per file and in total:
- right speakers: one read speaker per true speaker, each holding that speaker's words;
- right interviewer: the speakers ``study.roles`` calls interviewer are the true interviewers;
- words under the right speaker (each read speaker standing for the true speaker whose words it
  holds most of);
- words lost: words of a turn, the header or a note that are nowhere in the reading (not in a
  turn, a mark, the notes nor the header); words invented: read words that are nowhere in the source;
- non-speech in turns: header, note and mark words read as someone's speech.
When the reader can switch layouts off (``read_transcript(..., without=...)``) it also prints the
leave-one-out view: each file read without the layout that won it, and with every named layout off.

Words are runs of letters and digits (each Chinese or Japanese character one word), compared in
lower case: punctuation and markup are not words.

Run: python benchmarks/bench_reader_accuracy.py [--explain NAME] [--fixtures DIR]
"""
from __future__ import annotations

import argparse
import inspect
import json
import re
import sys
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
try:  # the installed study (another worktree's reader can be measured with its own Python)
    import study  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))

from study.errors import StudyError  # noqa: E402
from study.roles import assign_roles  # noqa: E402
from study.transcripts import read_transcript  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "heldout"
SOURCE_SUFFIXES = (".txt", ".md", ".docx", ".vtt", ".srt", ".csv", ".xlsx", ".odt", ".rtf", ".json", ".html",
                   ".sbv", ".ttml", ".xml", ".eaf", ".ass", ".ssa", ".cha", ".trs", ".exb", ".TextGrid", ".smi", ".pdf")
KEPT_KINDS = ("turn", "header", "note")  # a reading must keep these words somewhere
# Attributes that annotation tools show as text: Transcriber's events, comments and topics; EXMARaLDA's keys
_SHOWN_ATTRIBUTES = {("Event", "desc"), ("Comment", "desc"), ("Topic", "desc"), ("ud-information", "attribute-name")}

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
_WORD = re.compile(rf"[{_CJK}]|(?:(?![{_CJK}])\w)+")


def words(text: str) -> list[tuple[int, str]]:
    """(offset, word in lower case) for each word of ``text``."""
    return [(m.start(), m.group().casefold()) for m in _WORD.finditer(text)]


def fixture_files(folder: Path = FIXTURES) -> list[Path]:
    """The fixtures that have a truth file, by name."""
    return sorted(p for p in folder.iterdir()
                  if p.suffix in SOURCE_SUFFIXES and (folder / f"{p.stem}.truth.json").exists())


def load_truth(path: Path) -> dict:
    return json.loads((path.parent / f"{path.stem}.truth.json").read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Word:
    word: str
    kind: str  # truth: turn/mark/header/note/struct; reading: turn/mark/header/note
    speaker: str | None = None


_WORD_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def source_words(path: Path) -> Counter:
    """The words a fixture holds, read with the file type's own library (not the reader under test):
    for checking that its truth accounts for every one of them."""
    suffix = path.suffix
    if suffix == ".docx":  # the body's text elements: what Word shows, tracked deletions (w:delText) not
        import zipfile
        from xml.etree import ElementTree

        with zipfile.ZipFile(path) as archive:
            body = ElementTree.fromstring(archive.read("word/document.xml"))
        texts = [element.text or "" for element in body.iter(f"{{{_WORD_NS}}}t")]
    elif suffix == ".pdf":  # the text layer of every page, as pypdf extracts it
        import pypdf

        texts = [page.extract_text() for page in pypdf.PdfReader(path).pages]
    elif suffix == ".xlsx":
        import openpyxl

        sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
        texts = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    elif suffix == ".odt":
        import zipfile
        from xml.etree import ElementTree

        with zipfile.ZipFile(path) as archive:
            texts = list(ElementTree.fromstring(archive.read("content.xml")).itertext())
    elif suffix == ".rtf":
        from striprtf.striprtf import rtf_to_text

        texts = [rtf_to_text(path.read_text(encoding="ascii"))]
    elif suffix in (".html", ".smi"):  # the page's text: its title, body and chrome, not its scripts and styles
        texts = _html_texts(path.read_text(encoding=load_truth(path).get("encoding", "utf-8")))
    elif suffix in (".ttml", ".xml", ".eaf", ".trs", ".exb"):  # the elements' text: attributes (times, agents, tiers)
        from xml.etree import ElementTree                          # are the format's, but those a tool shows as text

        root = ElementTree.fromstring(re.sub(rb"<!DOCTYPE[^>\[]*>", b"", path.read_bytes()))
        texts = list(root.itertext()) + [value for element in root.iter() for key, value in element.attrib.items()
                                         if (element.tag, key) in _SHOWN_ATTRIBUTES]
    elif suffix == ".TextGrid":  # the tiers' names and their intervals' and points' text, as Praat shows them
        texts = re.findall(r'^\s*(?:name|text|mark) = "((?:[^"]|"")*)"', path.read_text(encoding="utf-16"), re.MULTILINE)
    elif suffix in (".ass", ".ssa"):  # the events' text as shown: override tags and line breaks are the format's
        texts = [re.sub(r"\{[^}]*\}|\\[Nnh]", " ", path.read_text(encoding="utf-8-sig"))]
    elif suffix == ".json":  # the string values: the keys are the format's, not the transcript's
        texts = list(_strings(json.loads(path.read_text(encoding="utf-8"))))
    else:  # text in its own encoding: UTF-8, or the legacy one its truth names (cp949, cp1251, cp1258)
        encoding = load_truth(path).get("encoding", "utf-8-sig")
        texts = [path.read_text(encoding=encoding)]
        if encoding == "cp1258":  # its tones are marks after the vowel; a reader composes them, as UTF-8 types them
            texts = [unicodedata.normalize("NFC", texts[0])]
    return Counter(w for text in texts for _, w in words(text))


def _html_texts(page: str) -> list[str]:
    from html.parser import HTMLParser

    class Texts(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.texts: list[str] = []
            self.code = 0

        def handle_starttag(self, tag, attrs):
            self.code += tag in ("script", "style")

        def handle_endtag(self, tag):
            self.code -= tag in ("script", "style")

        def handle_data(self, data):
            if not self.code:
                self.texts.append(data)

    parser = Texts()
    parser.feed(page)
    return parser.texts


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [text for item in items for text in _strings(item)]


def truth_words(truth: dict) -> list[Word]:
    return [Word(w, piece["kind"], piece.get("speaker")) for piece in truth["pieces"] for _, w in words(piece["text"])]


def read_words(parsed) -> list[Word]:
    """The reading's words in order: the header's, then the text's, each with where it went."""
    header = getattr(parsed, "header", None)
    if header is None:  # a reader without the header's text: its metadata holds what it took
        header = " ".join(f"{key} {value}" for key, value in parsed.metadata.items())
    out = [Word(w, "header") for _, w in words(header or "")]
    out += [Word(w, "note") for _, line in getattr(parsed, "set_aside", ()) for _, w in words(line)]  # set aside: page furniture
    spans = sorted((t.start, t.end, t.speaker) for t in parsed.turns)
    marks = sorted(getattr(parsed, "marks", ()) or ())
    for offset, word in words(parsed.text):
        speaker = next((s for start, end, s in spans if start <= offset < end), None)
        if speaker is not None:
            out.append(Word(word, "turn", speaker))
        elif any(start <= offset < end for start, end in marks):
            out.append(Word(word, "mark"))
        else:
            out.append(Word(word, "note"))
    return out


def lost_words(parsed, truth: dict) -> Counter:
    """Words of the source's turns, header and notes that the reading has nowhere."""
    kept = Counter(w.word for w in truth_words(truth) if w.kind in KEPT_KINDS)
    return kept - Counter(w.word for w in read_words(parsed))


@dataclass
class FileScore:
    name: str
    layout: str
    speakers_right: bool
    interviewer_right: bool
    others_right: bool
    right_words: int
    speech_words: int
    lost: Counter
    invented: Counter
    noise_in_turns: int
    read_speakers: list[str]
    mapping: dict[str, str | None]
    diagnosis: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def share(self) -> float:
        return self.right_words / self.speech_words if self.speech_words else 1.0

    @property
    def right(self) -> bool:
        return self.speakers_right and self.interviewer_right


def score(name: str, parsed, truth: dict) -> FileScore:
    """How ``parsed`` compares with ``truth`` (see the module's docstring)."""
    expected, got = truth_words(truth), read_words(parsed)
    pairs = _aligned(expected, got)
    votes: dict[str, Counter] = {}
    for e, g in pairs:
        if e.kind == "turn" and g.kind == "turn":
            votes.setdefault(g.speaker, Counter())[e.speaker] += 1
    read_speakers = list(dict.fromkeys(w.speaker for w in got if w.kind == "turn"))
    mapping = {s: (votes[s].most_common(1)[0][0] if s in votes else None) for s in read_speakers}
    true_speakers = [s["name"] for s in truth["speakers"]]
    right_words = sum(1 for e, g in pairs if e.kind == "turn" and g.kind == "turn" and mapping[g.speaker] == e.speaker)
    speech_words = sum(1 for w in expected if w.kind == "turn")
    images = [m for m in mapping.values() if m is not None]
    speakers_right = None not in mapping.values() and len(images) == len(set(images)) \
        and set(images) == set(true_speakers)
    roles = {r.name: r.role for r in assign_roles(parsed)} if parsed.turns else {}
    true_roles = {s["name"]: s["role"] for s in truth["speakers"]}

    def read_as(role: str) -> set[str]:
        return {mapping.get(n) or f"?{n}" for n, r in roles.items() if r == role}

    def true_as(role: str) -> set[str]:
        return {n for n, r in true_roles.items() if r == role}

    noise = sum(1 for e, g in pairs if g.kind == "turn" and e.kind != "turn") \
        + _unaligned_turn_words(pairs, got)
    return FileScore(
        name=name, layout=parsed.layout, speakers_right=speakers_right,
        interviewer_right=read_as("interviewer") == true_as("interviewer"),
        others_right=read_as("other") == true_as("other"),
        right_words=right_words, speech_words=speech_words,
        lost=lost_words(parsed, truth),
        invented=Counter(w.word for w in got) - Counter(w.word for w in expected),
        noise_in_turns=noise, read_speakers=read_speakers, mapping=mapping,
        diagnosis=_diagnosis(parsed, truth, mapping, votes, got, roles, true_roles),
    )


def _aligned(expected: list[Word], got: list[Word]) -> list[tuple[Word, Word]]:
    """Words paired in order, speech with speech and the rest with the rest; a format's scaffolding
    (``struct``: caption timings, a JSON export's full text beside its diarised word list, each word's
    confidence) is left out of the pairing, being no reading's words."""
    expected = [w for w in expected if w.kind != "struct"]
    matcher = SequenceMatcher(None, [(w.word, w.kind == "turn") for w in expected],
                              [(w.word, w.kind == "turn") for w in got], autojunk=False)
    return [(expected[block.a + i], got[block.b + i])
            for block in matcher.get_matching_blocks() for i in range(block.size)]


def _unaligned_turn_words(pairs: list[tuple[Word, Word]], got: list[Word]) -> int:
    """Read speech words that match nothing in the source (invented, or moved out of order)."""
    matched = {id(g) for _, g in pairs}
    return sum(1 for g in got if g.kind == "turn" and id(g) not in matched)


def _diagnosis(parsed, truth, mapping, votes, got, roles, true_roles) -> list[str]:
    """What went wrong, in words a reader's author can act on."""
    notes = []
    true_speakers = [s["name"] for s in truth["speakers"]]
    for speaker, image in mapping.items():
        if image is None:
            sample = " ".join(w.word for w in got if w.kind == "turn" and w.speaker == speaker)[:60]
            notes.append(f"read speaker {speaker!r} holds no speech ('{sample}')")
    by_image: dict[str, list[str]] = {}
    for speaker, image in mapping.items():
        if image:
            by_image.setdefault(image, []).append(speaker)
    for image, readers in by_image.items():
        if len(readers) > 1:
            notes.append(f"{image!r} split into {readers}")
    for speaker in true_speakers:
        if speaker not in by_image:
            holders = Counter()
            for reader, counter in votes.items():
                if counter[speaker]:
                    holders[reader] += counter[speaker]
            where = ", ".join(f"{r!r}" for r, _ in holders.most_common(2)) or "no turn"
            notes.append(f"{speaker!r} ({true_roles[speaker]}) not found: its words went to {where}")
    for reader, image in mapping.items():
        if image and votes[reader][image] < sum(votes[reader].values()):
            others = {s: n for s, n in votes[reader].items() if s != image}
            notes.append(f"read {reader!r} also holds {others} words of others")
    for name, role in roles.items():
        image = mapping.get(name)
        if image and true_roles.get(image) != role and len(by_image.get(image, [])) == 1:
            notes.append(f"{image!r} is {true_roles[image]}, read as {role}")
    return notes


def read(path: Path, without: tuple[str, ...] = ()):
    return read_transcript(path, without=without) if without else read_transcript(path)


def can_switch_layouts_off() -> bool:
    return "without" in inspect.signature(read_transcript).parameters


def named_layouts() -> tuple[str, ...]:
    from study.transcripts import registry

    return tuple(getattr(registry, "NAMED_LAYOUTS", ()))


def score_file(path: Path, without: tuple[str, ...] = ()) -> FileScore:
    truth = load_truth(path)
    try:
        parsed = read(path, without)
    except StudyError as exc:
        speech = sum(1 for w in truth_words(truth) if w.kind == "turn")
        lost = Counter(w.word for w in truth_words(truth) if w.kind in KEPT_KINDS)
        return FileScore(path.name, "(refused)", False, False, False, 0, speech, lost, Counter(), 0, [], {},
                         [str(exc)], error=str(exc))
    return score(path.name, parsed, truth)


def summary(scores: list[FileScore]) -> str:
    files = len(scores)
    right = sum(s.right for s in scores)
    speech = sum(s.speech_words for s in scores)
    under = sum(s.right_words for s in scores)
    lost = sum(sum(s.lost.values()) for s in scores)
    mean = sum(s.share for s in scores) / files if files else 0
    return (f"{right} of {files} files with the right speakers and interviewer ({right / files:.0%}); "
            f"{under / speech:.1%} of words under the right speaker (mean per file {mean:.1%}); "
            f"{lost} words lost in {sum(1 for s in scores if s.lost)} files")


def print_table(scores: list[FileScore], truths: dict[str, dict]) -> None:
    print(f"{'file':<32}{'spk':>4}{'int':>4}{'words':>7}{'lost':>5}{'inv':>5}{'noise':>6}  read layout / what went wrong")
    for s in scores:
        t = truths[s.name]
        yes = lambda ok: "yes" if ok else "NO"  # noqa: E731
        print(f"{s.name:<32}{yes(s.speakers_right):>4}{yes(s.interviewer_right):>4}{s.share:>7.0%}"
              f"{sum(s.lost.values()):>5}{sum(s.invented.values()):>5}{s.noise_in_turns:>6}  {s.layout}"
              f" ({len(s.read_speakers)} speakers read, {len(t['speakers'])} true)")
        for line in s.diagnosis[:4]:
            print(f"{'':<36}- {line}")
        if s.lost:
            print(f"{'':<36}- lost: {' '.join(w for w, _ in s.lost.most_common(8))}")


def print_groups(scores: list[FileScore], truths: dict[str, dict]) -> None:
    groups: dict[str, list[FileScore]] = {}
    for s in scores:
        groups.setdefault(f"language {truths[s.name]['language']}", []).append(s)
        groups.setdefault(f"type {Path(s.name).suffix}", []).append(s)
    for key in sorted(groups):
        members = groups[key]
        print(f"  {key:<16} {sum(m.right for m in members)}/{len(members)} right, "
              f"{sum(m.right_words for m in members) / max(1, sum(m.speech_words for m in members)):.0%} words")


def explain(path: Path) -> None:
    """Each true piece with where its words went (``unmatched``: not aligned with the reading: lost, or read out of order)."""
    truth, parsed = load_truth(path), read(path)
    expected = truth_words(truth)
    where = {id(e): g for e, g in _aligned(expected, read_words(parsed))}
    print(f"{path.name}: read as {parsed.layout!r}, {len(parsed.turns)} turns, speakers "
          f"{list(dict.fromkeys(t.speaker for t in parsed.turns))}")
    index = 0
    for piece in truth["pieces"]:
        count = len(words(piece["text"]))
        placed = Counter((where[id(w)].kind, where[id(w)].speaker) if id(w) in where else ("unmatched", None)
                         for w in expected[index:index + count])
        index += count
        read_as = ", ".join(f"{kind}{':' + str(sp) if sp else ''} {n}" for (kind, sp), n in placed.most_common())
        label = f"{piece['kind']}:{piece.get('speaker', '')}"
        print(f"  {label[:24]:<24} {piece['text'][:56]:<56} -> {read_as}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fixtures", type=Path, default=FIXTURES)
    parser.add_argument("--explain", metavar="NAME", help="show where each true turn's words went in one fixture")
    args = parser.parse_args()
    if args.explain:
        explain(args.fixtures / args.explain)
        return
    paths = fixture_files(args.fixtures)
    truths = {p.name: load_truth(p) for p in paths}
    started = time.perf_counter()
    scores = [score_file(p) for p in paths]
    elapsed = time.perf_counter() - started
    print_table(scores, truths)
    print()
    print_groups(scores, truths)
    languages = len({t["language"] for t in truths.values()})
    layouts = len({t["layout"] for t in truths.values()})
    print(f"\nheld-out set: {len(paths)} files, {layouts} layouts, {languages} languages; read in {elapsed:.1f} s")
    print(f"as shipped: {summary(scores)}")
    print(f"roles: {sum(s.others_right for s in scores)} of {len(scores)} files with the right 'other' speakers "
          f"(note-takers, interpreters, co-hosts); {sum(s.noise_in_turns for s in scores)} non-speech words read "
          f"as speech; {sum(sum(s.invented.values()) for s in scores)} words invented")
    if not can_switch_layouts_off():
        print("leave-one-out: the reader cannot switch layouts off (read_transcript has no 'without')")
        return
    named = named_layouts()
    own = [score_file(p, (s.layout,)) if s.layout in named else s for p, s in zip(paths, scores)]
    general = [score_file(p, named) for p in paths]
    print(f"without the layout that won each file: {summary(own)}")
    print(f"general reader alone (named layouts {', '.join(named)} off): {summary(general)}")
    changed = [(s.name, a, b) for s, a, b in zip(scores, own, general) if a.right != s.right or b.right != s.right]
    for name, a, b in changed:
        print(f"  {name:<32} without its layout: {'right' if a.right else 'WRONG'} ({a.share:.0%}), "
              f"general alone: {'right' if b.right else 'WRONG'} ({b.share:.0%}) [{b.layout}]")


if __name__ == "__main__":
    main()
