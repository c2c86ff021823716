"""Speaker roles: label names first, then the share of questions, then who speaks first; each with its reason."""
from __future__ import annotations

import pytest

from study.errors import StudyError
from study.roles import assign_roles, label_role, main_interviewer, rename_speakers
from tests.factories import parsed_from_turns


def roles_of(turns, overrides=None):
    return {r.name: r.role for r in assign_roles(parsed_from_turns(turns), overrides)}


@pytest.mark.parametrize("label", [
    "Interviewer", "interviewer 2", "Interviewer 2 2", "INT", "I", "IV", "Researcher", "Moderator", "Host",
    "Q", "Pregunta", "Pergunta 3", "Frage", "Entrevistador", "Entrevistadora", "Co-host", "Cohost",
    "Dr. Jane Roe (Interviewer)", "Ana Ruiz - Moderator", "THE CHAIRMAN", "Mr. Speaker", "THE COURT",
    "Vorsitzende Dr. Anna Krämer (SPD)", "M. le président", "Mme la présidente", "El señor PRESIDENTE",
    "Präsidentin Dr. Eva Roth", "田中委員長",
])
def test_labels_that_name_the_research_team(label):
    assert label_role(label) == "interviewer"


@pytest.mark.parametrize("label", [
    "Observer", "Note-taker", "Notetaker", "Note taker 2", "Interpreter", "Translator",
    "Beobachterin", "Dolmetscher", "Intérprete", "Observadora", "Ana Ruiz (Interpreter)", "Interpreter for P3",
    "THE REPORTER", "Court Reporter", "THE VIDEOGRAPHER",
])
def test_labels_that_name_someone_neither_asking_nor_answering(label):
    assert label_role(label) == "other"


@pytest.mark.parametrize("label", [
    "Participant", "Participant 4", "Interviewee", "P3", "p 12", "R", "Respondent", "Guest", "Respuesta",
    "Resposta", "Antwort", "Réponse", "Entrevistado", "Ana Ruiz (Guest)",
])
def test_labels_that_name_a_participant(label):
    assert label_role(label) == "participant"


@pytest.mark.parametrize("label", ["Speaker 1", "Unknown Speaker", "Jane Roe", "A", "B", "A1", "A5", "Dana", "Ana Ruiz",
                                   "Reporter", "Speaker"])
def test_labels_that_say_nothing_about_the_role(label):
    assert label_role(label) is None


def test_a_labelled_interviewer_wins_over_questions():
    # Dana asks 2 questions in 2 turns (100%), the interviewer none: the label still decides.
    turns = [("Interviewer", "Tell me about your work."), ("Dana", "Why do you ask?"),
             ("Interviewer", "It is the study."), ("Dana", "What study?")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [(r.name, r.role) for r in roles] == [("Interviewer", "interviewer"), ("Dana", "participant")]
    assert roles[0].reason == "the label says interviewer"


def test_without_labels_the_speaker_asking_the_larger_share_of_questions_is_the_interviewer():
    # Kim: 2 of 3 turns hold a '?' (67%); Sam: 0 of 3 (0%); 7 words each (50%); Sam speaks first.
    # Lead = question share - word share / 2: Kim 0.67 - 0.25 = 0.42, Sam 0 - 0.25 = -0.25.
    turns = [("Sam", "I started in 2019."), ("Kim", "What did you build?"), ("Sam", "Classifiers."),
             ("Kim", "Which models?"), ("Sam", "BERT mostly."), ("Kim", "Thanks.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [(r.name, r.role) for r in roles] == [("Sam", "participant"), ("Kim", "interviewer")]
    assert roles[1].reason == "asks questions in 2 of 3 turns (67%) and says 50% of the words; Sam: 0% and 50%"
    # words by hand: Sam 4 + 1 + 2 = 7, Kim 4 + 2 + 1 = 7; turns 3 each
    assert (roles[0].turns, roles[0].words, roles[1].turns, roles[1].words) == (3, 7, 3, 7)


def test_the_speaker_saying_much_less_leads_when_both_ask_as_often():
    # Both ask in 1 of 2 turns (50%). Ana says 3 + 1 = 4 of 17 words (24%), Ben 8 + 5 = 13 (76%):
    # lead Ana 0.50 - 0.12 = 0.38, Ben 0.50 - 0.38 = 0.12: 0.26 apart, so Ana, though Ben speaks first.
    turns = [("Ben", "Hello there, shall I begin with my story?"), ("Ana", "Please go ahead?"),
             ("Ben", "I started five years ago."), ("Ana", "Thanks.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [r.role for r in roles] == ["participant", "interviewer"]
    assert [r.words for r in roles] == [13, 4]


def test_when_questions_do_not_tell_them_apart_there_is_no_interviewer_not_the_first_speaker():
    # Both ask in 1 of 2 turns (50%) and say 4 of 8 words (50%): no lead; who speaks first decides nothing.
    turns = [("Ana", "Shall we start?"), ("Ben", "Sure, why not?"), ("Ana", "Good."), ("Ben", "Yes.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [r.role for r in roles] == ["participant", "participant"]
    assert roles[0].reason.startswith("no interviewer found")


def test_a_speaker_labelled_participant_is_never_the_interviewer_even_asking_every_question():
    turns = [("P3", "Why?"), ("Jane Roe", "Because the models are open."), ("P3", "How so?"),
             ("Jane Roe", "Licenses.")]
    assert roles_of(turns) == {"P3": "participant", "Jane Roe": "interviewer"}


def test_several_interviewers_and_a_note_taker_are_allowed():
    turns = [("Interviewer 1", "Hello?"), ("Note-taker", "Recording now."), ("Interviewer 2", "Ready?"),
             ("Dana", "Yes."), ("Interviewer 1", "What do you use?"), ("Dana", "BERT.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert {r.name: r.role for r in roles} == {
        "Interviewer 1": "interviewer", "Note-taker": "other", "Interviewer 2": "interviewer",
        "Dana": "participant"}
    assert main_interviewer(roles) == "Interviewer 1"  # 2 turns; the others 1 each
    assert roles[1].reason == "the label says other"


def test_a_podcast_two_hosts_by_name_and_a_guest():
    # Questions: Ana 3 of 4 turns (75%), Ben 2 of 3 (67%), Carla 0 of 5; 5 questions in all, each host a quarter or more.
    # Words: Ana 3+4+5+2 = 14, Ben 5+5+5 = 15, Carla 8+9+9+9+9 = 44; of 73: 19%, 21%, 60%.
    # Lead = question share - word share / 2: Ana .75 - .10 = .65, Ben .67 - .10 = .56, Carla 0 - .30 = -.30:
    # the hosts lead the guest by far more than 0.15.
    turns = [("Ana", "Welcome back, Carla!"), ("Carla", "Thanks for having me on the show today."),
             ("Ana", "How did you start?"), ("Carla", "I started as a nurse in a small town."),
             ("Ben", "And why did you leave?"), ("Carla", "The hours were long and the pay was low."),
             ("Ana", "What came next for you?"), ("Carla", "A course in data science, in the evenings, mostly."),
             ("Ben", "Was that hard to juggle?"), ("Carla", "Very much so, with two small children at home."),
             ("Ana", "Where now?"), ("Ben", "Thank you so much, Carla.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert {r.name: r.role for r in roles} == {"Ana": "interviewer", "Carla": "participant", "Ben": "interviewer"}
    assert [r.words for r in roles] == [14, 44, 15]
    assert roles[0].reason == "asks questions in 3 of 4 turns (75%) and says 19% of the words; Carla: 0% and 60%"
    assert roles[1].reason == "not the interviewer (Ana and Ben are)"


def test_a_silent_note_taker_who_speaks_first_is_not_the_interviewer():
    # Lea opens the recording and is silent after; Kim asks in 3 of 3 turns, Sam in none.
    turns = [("Lea", "Recording is on now."), ("Kim", "Thanks. How did you start?"),
             ("Sam", "By accident, a friend needed help with a model."), ("Kim", "Which one was it?"),
             ("Sam", "A sentiment model for reviews."), ("Kim", "Why that one?"), ("Sam", "It was free.")]
    roles = {r.name: (r.role, r.reason) for r in assign_roles(parsed_from_turns(turns))}
    assert roles["Kim"][0] == "interviewer" and roles["Kim"][1].startswith("asks questions in 3 of 3 turns")
    assert roles["Lea"] == ("participant", "not the interviewer (Kim is)")
    assert roles["Sam"][0] == "participant"


def test_who_presides_is_an_interviewer_when_asking_and_other_when_only_keeping_order():
    asking = [("THE CHAIRMAN", "Ms. Okonjo, how many vans run today?"), ("MS. OKONJO", "Four."),
              ("MR. HALVERSEN", "And last year?"), ("MS. OKONJO", "Six.")]
    assert roles_of(asking) == {"THE CHAIRMAN": "interviewer", "MS. OKONJO": "participant", "MR. HALVERSEN": "interviewer"}
    keeping_order = [("Mrs. Arkwright", "How many routes were withdrawn?"), ("Mr. Lyle", "Forty-two."),
                     ("Mr. Speaker", "Order, order."), ("Mrs. Arkwright", "And how many new ones?"), ("Mr. Lyle", "Thirty-one.")]
    roles = {r.name: (r.role, r.reason) for r in assign_roles(parsed_from_turns(keeping_order))}
    assert roles["Mr. Speaker"][0] == "other" and "asks nothing" in roles["Mr. Speaker"][1]
    assert roles["Mrs. Arkwright"][0] == "interviewer"


def test_a_third_party_beside_two_labelled_sides_is_other():
    # opposing counsel objects between the question and the answer; a court reporter speaks once
    turns = [("Q", "Who decided the order of the trucks?"), ("MS. PRYCE", "Objection. Form."),
             ("Q", "You can answer."), ("Answer", "The dispatcher printed a sheet, and we changed it on the floor."),
             ("THE REPORTER", "Could you spell dispatcher?"), ("Answer", "D-I-S-P-A-T-C-H-E-R, like it sounds.")]
    roles = {r.name: (r.role, r.reason) for r in assign_roles(parsed_from_turns(turns))}
    assert {name: role for name, (role, _) in roles.items()} == {
        "Q": "interviewer", "MS. PRYCE": "other", "Answer": "participant", "THE REPORTER": "other"}
    assert roles["MS. PRYCE"][1].startswith("asks nothing and answers less")


def test_opposing_counsel_beside_an_examining_lawyer_and_the_witness_is_other():
    # a trial transcript: the examining lawyer is named, not labelled; only "THE WITNESS" names a side.
    # Before, the lawyer who objects once was a participant beside the witness
    turns = [("THE COURT", "Call your next witness."), ("MR. OSEI", "Where did you work that spring?"),
             ("THE WITNESS", "At the depot, as the night dispatcher for six years."),
             ("MR. OSEI", "Did you keep the log that night?"), ("MS. LAMB", "Objection. Narrative."),
             ("THE COURT", "Overruled."), ("THE WITNESS", "I did, and I wrote a note in the margin of it.")]
    roles = {r.name: (r.role, r.reason) for r in assign_roles(parsed_from_turns(turns))}
    assert {name: role for name, (role, _) in roles.items()} == {
        "THE COURT": "other", "MR. OSEI": "interviewer", "THE WITNESS": "participant", "MS. LAMB": "other"}
    assert roles["MS. LAMB"][1].startswith("asks nothing and answers less")


def test_with_one_side_labelled_a_speaker_who_asks_nothing_stays_a_participant():
    turns = [("Interviewer", "How do you get to school?"), ("TN1", "By bus, every day of the week."),
             ("TN2", "On foot."), ("Interviewer", "And in winter?"), ("TN1", "The same bus, it is warm.")]
    assert roles_of(turns) == {"Interviewer": "interviewer", "TN1": "participant", "TN2": "participant"}


def test_a_five_word_cue_does_not_make_its_speaker_the_interviewer():
    # Lea's one turn asks ("Can everyone hear me okay?": 100% of her turns, 5 words), but it is 1 of the
    # interview's 5 questions (20%, under a quarter): her questions do not count, Kim's 4 of 4 do.
    turns = [("Lea", "Can everyone hear me okay?"), ("Kim", "Yes. So how did you start?"),
             ("Sam", "By accident, a friend needed help."), ("Kim", "Which model was it?"),
             ("Sam", "A sentiment model."), ("Kim", "Why that one?"), ("Sam", "It was free."),
             ("Kim", "And today?"), ("Sam", "Still the same one, mostly.")]
    roles = {r.name: r.role for r in assign_roles(parsed_from_turns(turns))}
    assert roles == {"Lea": "participant", "Kim": "interviewer", "Sam": "participant"}


@pytest.mark.parametrize("asking, answering", [
    (["so what do you use", "and how long did that take", "tell me about the licences"],
     ["we use BERT mostly", "when I started it took weeks", "what I did was read them all"]),
    (["y cómo empezaste", "qué modelos usas", "cuéntame de las licencias"],
     ["empecé por casualidad", "uso BERT casi siempre", "las leo todas"]),
    (["und wie lange haben Sie gebraucht", "warum gerade dieses Modell", "erzählen Sie von den Lizenzen"],
     ["ein paar Wochen", "es war frei verfügbar", "ich lese sie alle"]),
    (["pourquoi ce modèle", "est-ce que vous lisez les licences", "comment avez-vous commencé"],
     ["il était gratuit", "oui toutes", "par hasard"]),
    (["o que você usa", "por que esse modelo", "quando você começou"],
     ["uso o BERT", "era gratuito", "há dois anos"]),
    (["come mai questo modello", "mi racconti delle licenze", "quanto tempo ci vuole"],
     ["perché era gratuito", "come ho detto le leggo", "due settimane"]),
    (["waarom dit model", "hoe lang duurde dat", "vertel over de licenties"],
     ["het was gratis", "twee weken", "ik lees ze allemaal"]),
    (["bagaimana Ibu mulai", "kenapa model itu", "berapa lama"],
     ["kebetulan saja", "karena gratis", "dua minggu"]),
    (["你用什么模型吗", "为什么选这个呢", "许可证你看吗"], ["用BERT", "因为免费", "都看"]),
    (["どのモデルを使いますか", "なぜですか", "ライセンスは読みましたか"], ["BERTです", "無料だからです", "全部読みました"]),
])
def test_the_interviewer_asks_without_question_marks_in_the_languages_we_read(asking, answering):
    # A speech-recognition transcript has no question marks; the asking speaker speaks second.
    turns = [("Speaker 2", "hello")]
    for question, answer in zip(asking, answering):
        turns += [("Speaker 1", question), ("Speaker 2", answer)]
    roles = {r.name: r.role for r in assign_roles(parsed_from_turns(turns))}
    assert roles == {"Speaker 2": "participant", "Speaker 1": "interviewer"}


def test_a_participant_asking_back_now_and_then_stays_the_participant():
    # Kim asks in 4 of 4 turns; Sam in 1 of 4 (1 of the 5 questions: 20%, under a quarter, so it does not count).
    turns = [("Kim", "How did you start?"), ("Sam", "By accident, do you mean how I got the job?"),
             ("Kim", "Yes, the job?"), ("Sam", "A friend needed help with a model at the time."),
             ("Kim", "Which one?"), ("Sam", "A sentiment model for product reviews."),
             ("Kim", "And now?"), ("Sam", "Still the same model, mostly.")]
    assert roles_of(turns) == {"Kim": "interviewer", "Sam": "participant"}


def test_other_is_a_role_you_can_give():
    turns = [("Kim", "How did you start?"), ("Lea", "Sorry, one moment."), ("Sam", "By accident.")]
    roles = assign_roles(parsed_from_turns(turns), {"lea": "Other"})
    assert [(r.name, r.role, r.reason) for r in roles][1] == ("Lea", "other", "set by you")


def test_the_only_speaker_is_a_participant():
    roles = assign_roles(parsed_from_turns([("Dana", "I reuse models?"), ("Dana", "Often.")]))
    assert [(r.role, r.reason) for r in roles] == [("participant", "the only speaker")]
    assert main_interviewer(roles) is None


def test_what_you_say_wins_over_labels_and_questions():
    turns = [("A1", "What do you use?"), ("Interviewer", "Mostly BERT."), ("A5", "And why?")]
    roles = assign_roles(parsed_from_turns(turns), {"a1": "participant", "A5": "Interviewer",
                                                    "interviewer": "participant"})
    assert [(r.role, r.reason) for r in roles] == [
        ("participant", "set by you"), ("participant", "set by you"), ("interviewer", "set by you")]


def test_an_unknown_role_is_refused():
    with pytest.raises(StudyError, match="unknown role 'boss'") as raised:
        assign_roles(parsed_from_turns([("A", "x")]), {"A": "boss"})
    assert "interviewer, a participant or other" in raised.value.fix


def test_a_reader_hint_decides_when_the_label_says_nothing():
    from dataclasses import replace

    parsed = parsed_from_turns([("Sam", "Yes."), ("Kim", "Tell me more.")])
    hinted = replace(parsed, turns=(parsed.turns[0], replace(parsed.turns[1], role_hint="interviewer")))
    assert {r.name: r.role for r in assign_roles(hinted)} == {"Sam": "participant", "Kim": "interviewer"}


def test_renaming_a_speaker_changes_the_turns_not_the_text():
    parsed = parsed_from_turns([("Unknown Speaker", "Why?"), ("A5", "Because.")])
    renamed = rename_speakers(parsed, {"unknown speaker": "P7"})
    assert [t.speaker for t in renamed.turns] == ["P7", "A5"]
    assert renamed.text == parsed.text and [renamed.turn_text(t) for t in renamed.turns] == ["Why?", "Because."]


def test_p_and_r_labels_with_no_interviewer_read_as_question_and_answer():
    # Spanish protocols mark turns "P1." / "R1." (pregunta, respuesta); "P" alone reads as participant.
    # P asks in 2 of 2 turns, R in none: with nobody else the interviewer, P is.
    turns = [("P", "¿Desde cuándo acude al centro?"), ("R", "Desde hace tres años."),
             ("P", "¿Qué cambiaría?"), ("R", "El horario de la comida.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [(r.name, r.role) for r in roles] == [("P", "interviewer"), ("R", "participant")]
    assert roles[0].reason.endswith("(a one-letter label may mark a question: P for pregunta)")
    assert roles[1].reason == "the label says participant"


def test_p_who_asks_beside_e_who_answers_is_the_pesquisador():
    # Brazilian transcripts write "P:" for the pesquisador and "E:" for the entrevistado. "P" reads as
    # participant and "E" says nothing: before, E was the interviewer as the only speaker not labelled
    # participant, though P asks in 2 of 2 turns and E in none.
    turns = [("P", "Como foi a sua chegada na cidade?"), ("E", "Foi difícil, eu não conhecia ninguém."),
             ("P", "E o trabalho, como começou?"), ("E", "Numa padaria, às quatro da manhã.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [(r.name, r.role) for r in roles] == [("P", "interviewer"), ("E", "participant")]
    assert roles[1].reason == "not the interviewer (P is)"


def test_the_only_speaker_not_labelled_participant_is_the_interviewer_when_the_letter_does_not_ask():
    turns = [("Ana", "Where did you grow up?"), ("P", "In Porto."), ("Ana", "And then?"), ("P", "Lisbon.")]
    assert roles_of(turns) == {"Ana": "interviewer", "P": "participant"}


def test_a_one_letter_participant_label_stays_when_someone_else_interviews():
    turns = [("Interviewer", "How did you start?"), ("P", "By accident?"), ("Interviewer", "Which model?"),
             ("P", "A small one?")]
    assert roles_of(turns) == {"Interviewer": "interviewer", "P": "participant"}


def test_a_team_member_who_asks_nothing_while_another_asks_is_other():
    # Researcher B only starts the recorder; Researcher A asks in 2 of 2 turns.
    turns = [("Researcher B", "Recorder's on."), ("Researcher A", "How do you get to work?"),
             ("Participant 12", "Bus, then train."), ("Researcher A", "And on a bad day?"),
             ("Participant 12", "Two hours.")]
    roles = assign_roles(parsed_from_turns(turns))
    assert [(r.name, r.role) for r in roles] == [
        ("Researcher B", "other"), ("Researcher A", "interviewer"), ("Participant 12", "participant")]
    assert roles[0].reason == "the label says interviewer, but asks nothing while Researcher A asks"


def test_a_co_host_who_asks_is_an_interviewer_and_one_who_does_not_is_other():
    asking = [("Priya (host)", "Welcome! Where did it start?"), ("Lena (co-host)", "And why bikes?"),
              ("Omar (guest)", "My grandfather fixed them.")]
    assert roles_of(asking)["Lena (co-host)"] == "interviewer"
    silent = [("Priya (host)", "Welcome! Where did it start?"), ("Lena (co-host)", "Great to have you."),
              ("Omar (guest)", "My grandfather fixed them.")]
    assert roles_of(silent)["Lena (co-host)"] == "other"
