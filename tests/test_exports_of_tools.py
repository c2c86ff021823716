"""Files that speech-to-text and meeting tools write, in shapes found in public repositories
(synthetic words): JSON segment lists, caption cues that hold several speakers' parts, and web pages."""
from __future__ import annotations

import json

import pytest

from study.errors import TranscriptFormatError
from study.transcripts import read_transcript, word_account


def _turns(parsed):
    return [(t.speaker, parsed.turn_text(t), t.timestamp) for t in parsed.turns]


def test_diarised_json_segments_are_turns_and_word_lists_are_left_out(tmp_path):
    segments = [
        {"start": 0.5, "end": 3.0, "text": " Where do you work?", "speaker": "SPEAKER_00",
         "words": [{"word": "Where", "start": 0.5, "speaker": "SPEAKER_00"}]},
        {"start": 3.4, "end": 6.0, "text": " At the harbour.", "speaker": "SPEAKER_01", "words": []},
        {"start": 61.2, "end": 64.0, "text": "Since March.", "speaker": "SPEAKER_01", "words": []},
        {"start": 65.0, "end": 66.0, "text": "Why?", "words": []},  # a segment no speaker was given
    ]
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"segments": segments, "word_segments": [{"word": "Where", "start": 0.5}]}),
                    encoding="utf-8")
    parsed = read_transcript(path)
    assert _turns(parsed) == [("SPEAKER_00", "Where do you work?", "0:00:00"),
                              ("SPEAKER_01", "At the harbour. Since March.", "0:00:03"),
                              ("Unknown", "Why?", "0:01:05")]


def test_a_json_list_names_its_speakers_by_the_field_that_holds_names(tmp_path):
    items = [{"start": "00:00:43.101", "speaker": "1", "voice": "anna", "text": "Hallo und willkommen."},
             {"start": "00:00:49.301", "speaker": "7", "voice": "jonas", "text": "Danke."}]
    path = tmp_path / "episode.json"
    path.write_text(json.dumps(items), encoding="utf-8")
    assert _turns(read_transcript(path)) == [("anna", "Hallo und willkommen.", "00:00:43"),
                                             ("jonas", "Danke.", "00:00:49")]


def test_json_segments_without_speakers_are_read_as_text_with_its_own_labels(tmp_path):
    path = tmp_path / "plain.json"
    path.write_text(json.dumps([{"text": "Interviewer: How long have you lived here?"},
                                {"text": "Resident: Forty years."}]), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [
        ("Interviewer", "How long have you lived here?"), ("Resident", "Forty years.")]


@pytest.mark.parametrize("content, problem", [
    ('{"segments": [', "is not valid JSON (line 1"),
    ('{"title": "Notes", "tags": ["a", "b"]}', "holds no list of segments with a text field"),
    ("[" * 100_000 + "]" * 100_000, "nests lists and objects deeper than"),  # was a RecursionError named
])
def test_json_without_segments_is_an_error_naming_the_file(tmp_path, content, problem):
    path = tmp_path / "settings.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match=r"settings\.json: " + problem.replace("(", r"\(")):
        read_transcript(path)


def test_a_cue_holding_two_speakers_under_names_in_parentheses_is_split(tmp_path):
    # a meeting app's captions: "(Name)" lines, and between two speakers' parts a "-" line and a
    # line of one space, which does not end the cue
    path = tmp_path / "meet.vtt"
    path.write_text("WEBVTT\n\n00:00:08.000 --> 00:00:12.000\n(Ada Moss)\nWhat is your\n\n"
                    "00:00:12.000 --> 00:00:16.000\n(Ada Moss)\nrole here?\n-\n \n(Ben Ruiz)\nI plan the shifts\n\n"
                    "00:00:16.000 --> 00:00:20.000\n(Ben Ruiz)\nfor the night crew.\n\n"
                    "00:00:20.000 --> 00:00:22.000\n(laughs)\n", encoding="utf-8")
    parsed = read_transcript(path)
    assert [(s, body) for s, body, _ in _turns(parsed)] == [
        ("Ada Moss", "What is your role here?"), ("Ben Ruiz", "I plan the shifts for the night crew.")]
    assert word_account(parsed).notes_text == ("(laughs)",)


def test_a_web_page_is_read_by_its_paragraphs_and_bold_labels_without_its_chrome(tmp_path):
    path = tmp_path / "ruth.html"
    path.write_text(
        "<html><head><title>Ruth Mallory - Valley Oral History</title><script>var s = 'Interviewer: no';</script>"
        "</head><body><nav><a href='/'>Home</a></nav><h1>Ruth Mallory</h1>"
        "<p><strong>Interviewer:</strong> Where were you born?</p>"
        "<p><strong>Ruth Mallory:</strong> Behind the mill &amp; the bakery.<br>My mother baked.</p>"
        "<p><b>Interviewer:</b> What do you remember?</p><p><b>Ruth Mallory:</b> The <em>noise</em>.</p>"
        "<footer>Valley Oral History Project</footer></body></html>", encoding="utf-8")
    parsed = read_transcript(path)
    assert [(s, body) for s, body, _ in _turns(parsed)] == [
        ("Interviewer", "Where were you born?"), ("Ruth Mallory", "Behind the mill & the bakery.\nMy mother baked."),
        ("Interviewer", "What do you remember?"), ("Ruth Mallory", "The *noise*.")]
    kept = parsed.header + parsed.text
    assert "Ruth Mallory - Valley Oral History" in kept
    assert not any(word in kept for word in ("var s", "Home", "Valley Oral History Project"))


def test_a_web_page_holding_a_table_of_turns(tmp_path):
    path = tmp_path / "episode.html"
    rows = [("0:05", "Nadia", "What is a repair cafe?"), ("0:12", "Oskar", "Volunteers with screwdrivers."),
            ("0:21", "Nadia", "What gets fixed most?"), ("0:24", "Oskar", "Lamps and trousers.")]
    path.write_text("<table><tr><th>Time</th><th>Speaker</th><th>Text</th></tr>"
                    + "".join(f"<tr><td>{t}</td><td>{s}</td><td>{x}</td></tr>" for t, s, x in rows) + "</table>",
                    encoding="utf-8")
    assert _turns(read_transcript(path)) == [(s, x, t) for t, s, x in rows]


def test_a_web_page_with_no_text_outside_its_scripts_is_an_error(tmp_path):
    path = tmp_path / "app.html"
    path.write_text("<html><head><script>render()</script></head><body><div id='root'></div></body></html>",
                    encoding="utf-8")
    with pytest.raises(TranscriptFormatError, match=r"app\.html: holds no text outside its scripts"):
        read_transcript(path)


def test_a_json_list_of_words_each_with_its_speaker_is_turns_beside_the_plain_transcript(tmp_path):
    # a cloud service's output: the whole text once without speakers, then one item per word, the word
    # among "alternatives", punctuation items with no speaker of their own
    words = [("spk_0", "Where"), ("spk_0", "do"), ("spk_0", "you"), ("spk_0", "work"), (None, "?"),
             ("spk_1", "At"), ("spk_1", "the"), ("spk_1", "harbour"), (None, ","), ("spk_1", "mostly"), (None, ".")]
    items = [{"alternatives": [{"confidence": "0.9", "content": word}, {"confidence": "0.1", "content": "x"}],
              "type": "punctuation" if speaker is None else "pronunciation",
              **({"speaker_label": speaker} if speaker else {})} for speaker, word in words]
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"results": {"transcripts": [{"transcript": "Where do you work? At the harbour, mostly."}],
                                            "items": items}}), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [
        ("spk_0", "Where do you work?"), ("spk_1", "At the harbour, mostly.")]


def test_json_paragraphs_whose_sentences_hold_the_words(tmp_path):
    paragraphs = [{"speaker": 0, "start": 0.0, "sentences": [{"text": "Hello.", "start": 0.0}, {"text": "Ready?", "start": 1.0}]},
                  {"speaker": 1, "start": 2.0, "sentences": [{"text": "Yes.", "start": 2.0}]}]
    path = tmp_path / "paragraphs.json"
    path.write_text(json.dumps({"results": {"paragraphs": paragraphs}}), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [("0", "Hello. Ready?"), ("1", "Yes.")]


def test_json_monologues_of_word_and_punctuation_elements_are_turns(tmp_path):
    # a transcription service's monologues: each word its own element under "value", spaces and
    # punctuation elements between them; the words were refused before ("no list of segments")
    def elements(*tokens):
        out = []
        for token in tokens:
            if token in ",.?":
                out.append({"type": "punct", "value": token})
            else:
                out += [{"type": "punct", "value": " "}] if out else []
                out.append({"type": "text", "value": token, "ts": 0.5, "end_ts": 0.8})
        return out
    monologues = [{"speaker": 0, "speaker_name": None, "elements": elements("Where", "from", "?")},
                  {"speaker": 1, "speaker_name": None, "elements": elements("Lyon", ",", "mostly", ".")}]
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"monologues": monologues}), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [("0", "Where from?"), ("1", "Lyon, mostly.")]


def test_json_whose_speaker_tags_are_only_on_a_repeated_word_list_reads_that_list(tmp_path):
    # a cloud recogniser's diarisation: the results' transcripts name no speaker, the last result
    # repeats every word with its "speakerTag"; that list holds the same words, so it is the reading
    results = [{"alternatives": [{"transcript": "Wo wohnen Sie?", "confidence": 0.9}]},
               {"alternatives": [{"transcript": "Am Hafen, seit langem.", "confidence": 0.9}]},
               {"alternatives": [{"words": [{"startTime": f"{i}s", "word": word, "speakerTag": tag}
                                            for i, (tag, word) in enumerate([(1, "Wo"), (1, "wohnen"), (1, "Sie?"),
                                                                             (2, "Am"), (2, "Hafen,"), (2, "seit"),
                                                                             (2, "langem.")])]}]}]
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"results": results}), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [("1", "Wo wohnen Sie?"),
                                                                           ("2", "Am Hafen, seit langem.")]


def test_json_utterances_beat_the_word_list_beside_them(tmp_path):
    # words and utterances both name speakers and hold the same words: the utterances, whole sentences
    # with their punctuation, are the reading, not the bare lower-case words
    words = [{"word": w, "speaker": s, "start": i} for i, (s, w) in enumerate([(0, "hola"), (1, "buenas"), (1, "tardes")])]
    paragraphs = [{"speaker": 0, "start": 0, "sentences": [{"text": "¡Hola!", "start": 0}]},
                  {"speaker": 1, "start": 1, "sentences": [{"text": "Buenas tardes.", "start": 1}]}]
    path = tmp_path / "call.json"
    path.write_text(json.dumps({"words": words, "paragraphs": paragraphs}), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [("0", "¡Hola!"), ("1", "Buenas tardes.")]


def test_json_blocks_whose_speaker_sits_in_an_object_they_hold(tmp_path):
    # a transcript editor's saved blocks: {"text", "data": {"speaker", "start", "words"}}; the speaker
    # one level down was not found, so every block was one unknown speaker's paragraph
    blocks = [{"text": "Where did you grow up?", "type": "paragraph", "data": {"speaker": "TBC 0", "start": 1.0, "words": []}},
              {"text": "By the harbour.", "type": "paragraph", "data": {"speaker": "TBC 1", "start": 3.5, "words": []}}]
    path = tmp_path / "draft.json"
    path.write_text(json.dumps({"blocks": blocks}), encoding="utf-8")
    assert _turns(read_transcript(path)) == [("TBC 0", "Where did you grow up?", "0:00:01"),
                                             ("TBC 1", "By the harbour.", "0:00:03")]


def test_json_phrases_whose_words_are_in_a_field_no_text_column_names(tmp_path):
    # a batch recogniser's phrases: the words under "nBest"[0], in "lexical" (bare) and "display" (written);
    # no field is named as a text column, so the file was refused. The written form is the reading
    def phrase(speaker, display):
        bare = display.lower().strip("?.")
        return {"speaker": speaker, "offset": "PT1S", "nBest": [{"confidence": 0.9, "lexical": bare, "display": display}]}
    data = {"combinedRecognizedPhrases": [{"lexical": "what do you grow beans and far too many courgettes",
                                           "display": "What do you grow? Beans and far too many courgettes."}],
            "recognizedPhrases": [phrase(1, "What do you grow?"), phrase(2, "Beans and far too many courgettes.")]}
    path = tmp_path / "batch.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [
        ("1", "What do you grow?"), ("2", "Beans and far too many courgettes.")]


def test_json_segments_split_into_chapters_are_all_read(tmp_path):
    # a podcast tool's chapters, each with its own segments: every chapter's words are the transcript,
    # not only the longest chapter's (the others were dropped with a success status)
    chapters = [{"title": "Opening", "segments": [
                    {"speaker": "Host", "start": 0.0, "text": "Welcome to the show. " * 20},
                    {"speaker": "Guest", "start": 30.0, "text": "Thanks for having me. " * 20}]},
                {"title": "Closing", "segments": [{"speaker": "Host", "start": 95.0, "text": "Goodbye, listeners."}]}]
    path = tmp_path / "episode.json"
    path.write_text(json.dumps({"chapters": chapters}), encoding="utf-8")
    parsed = read_transcript(path)
    assert [(s, t) for s, _, t in _turns(parsed)] == [("Host", "0:00:00"), ("Guest", "0:00:30"), ("Host", "0:01:35")]
    assert parsed.turn_text(parsed.turns[-1]) == "Goodbye, listeners."


def test_json_channels_each_holding_one_speakers_words_are_read_in_time_order(tmp_path):
    # a cloud service's channel identification: one list of timed items per channel, each channel one
    # speaker; both channels are the conversation, in the order the words were said
    def items(speaker, words):
        return [{"start_time": str(start), "alternatives": [{"content": word}], "speaker_label": speaker}
                for start, word in words]
    channels = [{"channel_label": "ch_0", "items": items("spk_0", [(0.5, "Where"), (0.9, "from?"), (4.0, "Nice.")])},
                {"channel_label": "ch_1", "items": items("spk_1", [(2.0, "Near"), (2.4, "Porto.")])}]
    path = tmp_path / "job.json"
    path.write_text(json.dumps({"results": {"channel_labels": {"channels": channels}}}), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [
        ("spk_0", "Where from?"), ("spk_1", "Near Porto."), ("spk_0", "Nice.")]


@pytest.mark.parametrize("element", ["pre", "textarea"])
def test_a_web_page_holding_the_transcript_as_preformatted_text_keeps_its_lines(tmp_path, element):
    # an archive's page showing the plain-text transcript in <pre> (or in a <textarea> to copy it
    # from): its line breaks end the turns (read as one line, every answer went to the interviewer)
    path = tmp_path / "plain.html"
    path.write_text(f"<html><body><h1>Interview 4</h1><form><{element}>\nINTERVIEWER: How did it start?\n"
                    f"ANA: Slowly, with   one shop.\n\nINTERVIEWER: And then?\nANA: Then fast.\n</{element}>"
                    "</form></body></html>", encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [
        ("INTERVIEWER", "How did it start?"), ("ANA", "Slowly, with one shop."),
        ("INTERVIEWER", "And then?"), ("ANA", "Then fast.")]


@pytest.mark.parametrize("page", [
    # a web framework wraps the whole body in one <form>: the transcript is in it (a browser shows it)
    "<html><body><p>Recorded 1998.</p><form id='page'><input name='q'><button>Search</button>"
    "<p>Interviewer: Where were you born?</p><p>Ruth: Behind the mill.</p><p>Interviewer: When?</p><p>Ruth: In 1931.</p></form></body></html>",
    # no </head>: a browser ends the head at <body> (or at the first thing that is no head's)
    "<html><head><title>Ruth</title><meta charset='utf-8'><body><p>Recorded 1998.</p>"
    "<p>Interviewer: Where were you born?</p><p>Ruth: Behind the mill.</p><p>Interviewer: When?</p><p>Ruth: In 1931.</p></body></html>",
    "<html><head><title>Ruth</title><p>Recorded 1998.</p>"
    "<p>Interviewer: Where were you born?</p><p>Ruth: Behind the mill.</p><p>Interviewer: When?</p><p>Ruth: In 1931.</p></html>",
])
def test_a_web_page_shows_its_transcript_whatever_wraps_it(tmp_path, page):
    path = tmp_path / "ruth.html"
    path.write_text(page, encoding="utf-8")
    parsed = read_transcript(path)
    assert [(s, body) for s, body, _ in _turns(parsed)][-4:] == [
        ("Interviewer", "Where were you born?"), ("Ruth", "Behind the mill."), ("Interviewer", "When?"),
        ("Ruth", "In 1931.")]
    assert "Search" not in parsed.header + parsed.text


@pytest.mark.parametrize("odd", [{"text": ["Two lines", "of words here."]},  # a list of lines
                                 {"transcript": "Two lines of words here."}])  # another text field
def test_a_json_segment_holding_its_words_otherwise_keeps_them(tmp_path, odd):
    segments = [{"speaker": "A", "text": "Hello there friend."}, {"speaker": "B", **odd}, {"speaker": "A", "text": "Bye now."}]
    path = tmp_path / "odd.json"
    path.write_text(json.dumps(segments), encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(path))] == [
        ("A", "Hello there friend."), ("B", "Two lines of words here."), ("A", "Bye now.")]


@pytest.mark.parametrize("start", ["1e999", "NaN", "-Infinity", "-5", "1e300"])
def test_a_json_segment_time_that_is_no_time_is_left_out_and_its_words_kept(tmp_path, start):
    # before: an infinite or NaN time ended the reading in an OverflowError or ValueError (no StudyError),
    # a negative one read "-1:59:55" and 1e300 seconds a time 300 digits long
    path = tmp_path / "times.json"
    path.write_text(f'[{{"speaker": "A", "start": {start}, "text": "Hello there."}}, '
                    '{"speaker": "B", "start": 2, "text": "Yes indeed."}]', encoding="utf-8")
    assert _turns(read_transcript(path)) == [("A", "Hello there.", None), ("B", "Yes indeed.", "0:00:02")]


def _vtt(tmp_path, cues):
    blocks = [f"{ident}\n00:00:{2 * i:02d}.000 --> 00:00:{2 * i + 1:02d}.500\n{text}" for i, (ident, text) in enumerate(cues)]
    path = tmp_path / "meeting.vtt"
    path.write_text("WEBVTT\n\n" + "\n\n".join(blocks) + "\n", encoding="utf-8")
    return read_transcript(path)


def test_caption_cues_whose_identifiers_name_the_speaker_are_that_speakers(tmp_path):
    # a meeting platform's recording transcript: '3 "Dana Whitfield" (2617440768)' names the speaker
    # and the cue's words carry no label; before, every cue was one unknown speaker's
    parsed = _vtt(tmp_path, [('1 "Dana Whitfield" (2617440768)', "Can you hear me?"),
                             ('2 "Kofi Mensah" (3105522944)', "Loud and clear."),
                             ('3 "Kofi Mensah" (3105522944)', "Go ahead."),
                             ('4 "Dana Whitfield" (2617440768)', "Dana Whitfield: Tell me about week one.")])
    assert [(s, body) for s, body, _ in _turns(parsed)] == [
        ("Dana Whitfield", "Can you hear me?"), ("Kofi Mensah", "Loud and clear. Go ahead."),
        ("Dana Whitfield", "Tell me about week one.")]


@pytest.mark.parametrize("idents", [["1", "2", "3", "4"], [f"d2b0f1c4-4c1e-9a3b-2f6d/{n}-0" for n in range(4)],
                                    ["intro", "part two", "part three", "close"]],
                         ids=["numbers", "generated ids", "names used once"])
def test_caption_identifiers_that_name_no_recurring_speaker_are_not_speakers(tmp_path, idents):
    parsed = _vtt(tmp_path, list(zip(idents, ["Ana: Hello.", "Ben: Hi.", "Ana: How are you?", "Ben: Fine."])))
    assert [(s, body) for s, body, _ in _turns(parsed)] == [
        ("Ana", "Hello."), ("Ben", "Hi."), ("Ana", "How are you?"), ("Ben", "Fine.")]


def test_a_table_of_timed_text_with_no_speaker_column_is_read_as_text(tmp_path):
    # a speech-to-text tool's .tsv ("start, end, text"): refused before as a table without a speaker
    # column, every word lost; its cells are the text, with their own labels when they carry them
    from study.transcripts import table_kind
    plain = tmp_path / "episode.tsv"
    plain.write_text("start\tend\ttext\n0\t4200\tWelcome to the show, Ben.\n4200\t9100\tThanks for having me.\n",
                     encoding="utf-8")
    parsed = read_transcript(plain)
    assert [parsed.turn_text(t) for t in parsed.turns] == ["Welcome to the show, Ben.", "Thanks for having me."]
    assert table_kind(plain) == "transcript"
    labelled = tmp_path / "diarised.tsv"
    labelled.write_text("start\tend\ttext\n0\t4200\tSPEAKER_00: Where do you live?\n4200\t9100\tSPEAKER_01: By the harbour.\n"
                        "9100\t9900\tSPEAKER_00: Since when?\n9900\t11000\tSPEAKER_01: Always.\n", encoding="utf-8")
    assert [(s, body) for s, body, _ in _turns(read_transcript(labelled))] == [
        ("SPEAKER_00", "Where do you live?"), ("SPEAKER_01", "By the harbour."), ("SPEAKER_00", "Since when?"),
        ("SPEAKER_01", "Always.")]


def test_a_survey_table_is_still_a_survey(tmp_path):
    from study.transcripts import table_kind
    path = tmp_path / "answers.csv"
    path.write_text("timestamp,participant,text\n2024-01-01 10:00,P1,More buses.\n", encoding="utf-8")
    assert table_kind(path) == "survey"
