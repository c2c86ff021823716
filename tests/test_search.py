"""Search across the study (study.search): accents and case, phrases, prefixes, filters, the
blind rule on the code filter, the index kept current by every write, and coding from results."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from study import corrections, exclusion, search
from study.auth import CLI, Actor
from study.cli import cli
from study.errors import NotAllowed, NotFound, StudyError
from study.importing.resegment import resegment
from study.participants import upsert_participant
from study.schema import codings, users
from study.search_index import TABLE, fold, fold_pairs, keep_fold_current
from study.store import Study

from factories import ADMIN, ALICE, BOB, add_interview, open_app, two_coders_study

CAROL = Actor("carol", "coder")


def found(study: Study, actor: Actor, typed: str, **filters) -> list[tuple[str, int]]:
    """(transcript, turn) of every hit."""
    results = search.search(study, actor, typed, search.Filters(**filters))
    assert results.total == len(results.hits)
    return [(hit.transcript, hit.index) for hit in results.hits]


def cafe_study(study: Study) -> None:
    """``two_coders_study`` and a third interview with accents, cases and words out of order."""
    two_coders_study(study)
    add_interview(study, "P03", "P03", ["Le Café de la Société était fermé.", "CAFE au lait, no cards model."])
    with study.session() as session:
        upsert_participant(session, "P02", {"field": "biology"})
        upsert_participant(session, "P03", {"field": "physics"})


@pytest.fixture
def cafe(study_from) -> Study:
    return study_from(cafe_study)


def test_fold_lowers_and_removes_accents():
    assert fold("Élan VITAL, Ærø, Ça, ŁÓDŹ") == "elan vital, ærø, ca, łodz"  # æ, ø and ł have no accent to remove


def test_postgresqls_fold_is_the_fold_character_for_character(study):
    """The triggers' ``translate`` (its common characters listed first, for speed) folds every
    character as ``fold`` does, the ones listed twice included."""
    if study.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's index folds with its tokenizer")
    every = "".join(chr(c) for c in range(1, 0x2100) if not 0xD800 <= c < 0xE000) + "\u2019\u201c\u2026"
    with study.engine.connect() as connection:
        folded = connection.scalar(text(f"SELECT {TABLE}_fold(:words)"), {"words": every})
    assert folded == fold(every) and folded != every


def test_a_study_made_with_an_older_fold_function_gets_this_versions_when_opened(study):
    """A PostgreSQL study made before the common characters went first keeps a fold 25 times
    slower in its triggers: opening it replaces the function once (the next opening finds it
    current), and the index still finds what it found."""
    if study.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's index folds with its tokenizer")
    add_interview(study, "P01", "P01", ["Le Café était fermé."])
    source, target = fold_pairs()  # the older body: the folded range in code point order
    with study.engine.begin() as connection:
        connection.exec_driver_sql(f"CREATE OR REPLACE FUNCTION {TABLE}_fold(words text) RETURNS text LANGUAGE sql "
                                   f"IMMUTABLE AS $$ SELECT translate(words, '{source}', '{target}') $$")
    url = study.engine.url.render_as_string(hide_password=False)

    def body(opened: Study) -> str:
        with opened.engine.connect() as connection:
            return connection.scalar(text("SELECT prosrc FROM pg_proc WHERE oid = to_regprocedure(:f)"),
                                     {"f": f"{TABLE}_fold(text)"})

    assert source[:3] in body(study)
    reopened = Study.open(url)
    try:
        assert body(reopened).startswith(" SELECT translate(words, ' etaoin")
        with reopened.engine.connect() as connection:
            assert not keep_fold_current(connection)  # current now: nothing to replace
        assert found(reopened, ALICE, "cafe") == [("P01", 1)]
    finally:
        reopened.close()


def test_the_fill_at_once_indexes_each_segment_as_its_trigger_does(study):
    """A restore's fill cuts a long transcript in blocks: segments across their edges, accented and
    not, come out as the trigger, which cuts each from the whole text, indexed them."""
    if study.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's index is filled by its trigger")
    add_interview(study, "P01", "P01", [f"Ça {n} {'wörd ' * n}’quoted’ CAFÉ" for n in range(1, 100)])

    def rows():
        with study.engine.connect() as connection:
            return connection.execute(text(f"SELECT segment_id, words::text FROM {TABLE} ORDER BY 1")).all()

    by_trigger = rows()
    with study.engine.begin() as connection:
        connection.exec_driver_sql(f"TRUNCATE {TABLE}")
        connection.exec_driver_sql(f"SELECT {TABLE}_fill()")
    assert rows() == by_trigger and len(by_trigger) == 198


@pytest.mark.parametrize("typed", ["cafe", "café", "CAFÉ", "Cafe"])
def test_accents_and_case_never_matter(cafe, typed):
    assert found(cafe, CLI, typed) == [("P03", 1), ("P03", 3)]


def test_an_accented_word_in_the_text_is_found_without_its_accents(cafe):
    assert found(cafe, CLI, "societe etait") == [("P03", 1)]


def test_a_phrase_needs_its_words_in_a_row(cafe):
    assert found(cafe, CLI, '"model cards"') == [("P02", 1)]  # "cards model" in P03 is not the phrase
    assert found(cafe, CLI, "model cards") == [("P02", 1), ("P03", 3)]  # both words, any order


def test_a_prefix_needs_its_star(cafe):
    assert found(cafe, CLI, "lic") == []
    assert found(cafe, CLI, "lic*") == [("P01", 3)]  # license
    assert found(cafe, CLI, '"model car"*') == [("P02", 1)]  # a phrase ending in a prefix


def test_the_matches_mark_the_words_in_the_transcript(cafe):
    hit = search.search(cafe, CLI, '"de la société"').hits[0]
    assert hit.text == "Le Café de la Société était fermé."
    # "Le Café " is 8 characters; "de la Société" 13 more: the phrase is characters 8 to 21
    assert [(a - hit.start, b - hit.start) for a, b in hit.matches] == [(8, 21)]
    assert hit.context(width=5) == ("…Café ", "de la Société", " étai…")
    assert hit.link() == f"?transcript={hit.transcript_id}&segment=1&match={hit.start + 8}-{hit.start + 21}"


def test_words_typed_apart_find_them_written_as_one(cafe):
    add_interview(cafe, "P04", "P04", ["We get models from HuggingFace.", "A pretrained model, or the Hugging Face hub."])
    assert found(cafe, CLI, "hugging face") == [("P04", 1), ("P04", 3)]  # one word, and two words in a row
    assert found(cafe, CLI, '"hugging face"') == [("P04", 1), ("P04", 3)]
    assert found(cafe, CLI, "pre-trained") == [("P04", 3)]  # a hyphenated word, written as one
    assert found(cafe, CLI, "hugging fac*") == [("P04", 1), ("P04", 3)]
    assert found(cafe, CLI, "hugging face models") == [("P04", 1)]  # the joined pair and the other word
    assert found(cafe, CLI, "face hugging") == [("P04", 3)]  # joined only in the order typed


def test_words_next_to_each_other_are_marked_as_one_match(cafe):
    add_interview(cafe, "P04", "P04", ["The Hugging Face hub, HuggingFace, and my face."])
    hit = search.search(cafe, CLI, "hugging face").hits[0]
    # "The " is 4 characters: "Hugging Face" 4-16, " hub, " 16-22, "HuggingFace" 22-33, ", and my " 33-42,
    # "face" 42-46
    assert [(a - hit.start, b - hit.start) for a, b in hit.matches] == [(4, 16), (22, 33), (42, 46)]
    assert hit.context(width=4)[1] == "Hugging Face"


def test_nothing_to_search_for_is_refused(cafe):
    with pytest.raises(StudyError, match="type a word"):
        search.search(cafe, CLI, ' " * ')


def test_filters_narrow_the_hits(cafe):
    assert found(cafe, CLI, "question") == [(t, i) for t in ("P01", "P02", "P03") for i in (0, 2)]
    assert found(cafe, CLI, "question", transcripts=("P02",)) == [("P02", 0), ("P02", 2)]
    assert found(cafe, CLI, "question", participants=("P01", "P03"), roles=("interviewer",)) == \
        [("P01", 0), ("P01", 2), ("P03", 0), ("P03", 2)]
    assert found(cafe, CLI, "model", attributes=(("field", "biology"),)) == [("P02", 1)]
    assert found(cafe, CLI, "cards", roles=("interviewer",)) == []


def test_a_filter_naming_no_transcript_or_participant_is_refused_not_an_empty_result(cafe):
    with pytest.raises(StudyError, match="no transcript named 'P2'"):
        found(cafe, CLI, "question", transcripts=("P2",))
    with pytest.raises(StudyError, match="no participant named 'P9', 'P7'"):
        found(cafe, CLI, "question", participants=("P01", "P9", "P7"))
    assert found(cafe, CLI, "question", transcripts=("P02",), participants=("P02",)) == [("P02", 0), ("P02", 2)]


def test_an_attribute_or_value_no_participant_has_is_refused_naming_what_there_is(cafe):
    with pytest.raises(NotFound, match=r"^no participant attribute 'feild'; the attributes are field$"):
        found(cafe, CLI, "question", attributes=(("feild", "biology"),))
    with pytest.raises(NotFound, match=r"^no participant has field='Biology'; the values of field are biology, physics$"):
        found(cafe, CLI, "question", attributes=(("field", "Biology"),))


def test_the_cli_refuses_an_unknown_attribute_value_in_one_line(cafe):
    result = CliRunner().invoke(cli, ["--db", cafe.engine.url.render_as_string(hide_password=False), "search",
                                      "question", "--attribute", "field=chemistry"])
    assert result.exit_code == 1
    assert result.stderr == "Error: no participant has field='chemistry'; the values of field are biology, physics\n"


def test_the_attribute_filter_offers_each_attribute_value_once(cafe):
    from study.participants import attribute_values

    assert attribute_values(cafe) == [("field", "biology"), ("field", "physics")]


def test_a_coder_filters_by_code_within_their_own_codings_only(cafe):
    # bob applied Attributes/Popularity to P01 turn 1; alice applied Challenges/Model search there
    assert found(cafe, BOB, "downloads", codes=("Attributes/Popularity",)) == [("P01", 1)]
    assert found(cafe, ALICE, "downloads", codes=("Attributes/Popularity",)) == []
    assert found(cafe, ALICE, "downloads", codes=("Challenges/Model search",)) == [("P01", 1)]
    with pytest.raises(NotAllowed):
        found(cafe, ALICE, "downloads", codes=("Attributes/Popularity",), rater="bob")


def test_an_admin_filters_by_any_raters_codes_or_one_named(cafe):
    assert found(cafe, ADMIN, "downloads", codes=("Attributes/Popularity",)) == [("P01", 1)]
    assert found(cafe, ADMIN, "downloads", codes=("Attributes/Popularity",), rater="alice") == []
    assert found(cafe, ADMIN, "downloads", codes=("Attributes/Popularity",), rater="bob") == [("P01", 1)]


def test_each_hit_shows_only_the_askers_own_codes(cafe):
    assert search.search(cafe, ALICE, "downloads").hits[0].codes == ("Challenges/Model search",)
    assert search.search(cafe, BOB, "downloads").hits[0].codes == ("Attributes/Traditional/Popularity",)


def test_a_corrected_word_is_found_and_the_old_one_no_longer(cafe):
    corrections.correct_text(cafe, CLI, "P01", 3, ("license", "licence"))
    assert found(cafe, CLI, "licence") == [("P01", 3)]
    assert found(cafe, CLI, "license") == []
    assert found(cafe, CLI, "question", transcripts=("P01",)) == [("P01", 0), ("P01", 2)]  # the others kept


def test_a_split_turn_is_found_in_its_new_place(cafe):
    corrections.split_turn(cafe, CLI, "P02", 1, "miss")
    assert found(cafe, CLI, "things") == [("P02", 2)]
    assert found(cafe, CLI, '"model cards"') == [("P02", 1)]


def test_resegmenting_and_removing_keep_the_index_current(cafe):
    resegment(cafe, ["P03"], "sentence", CLI)
    assert [t for t, _ in found(cafe, CLI, "cafe")] == ["P03", "P03"]
    exclusion.remove(cafe, CLI, "P03", kind="transcript")
    assert found(cafe, CLI, "cafe") == []


def test_a_study_made_before_the_index_gets_it_filled_when_opened(cafe):
    with cafe.connection() as connection:
        if connection.dialect.name == "sqlite":
            for trigger in ("insert", "update", "delete", "text"):
                connection.exec_driver_sql(f"DROP TRIGGER {TABLE}_{trigger}")
        connection.exec_driver_sql(f"DROP TABLE {TABLE}")
    reopened = Study(cafe.engine)
    reopened._ensure_schema(create=False)
    assert found(reopened, CLI, "cafe") == [("P03", 1), ("P03", 3)]
    add_interview(reopened, "P04", "P04", ["Another café."])
    assert found(reopened, CLI, "cafe") == [("P03", 1), ("P03", 3), ("P04", 1)]


def test_limit_and_offset_page_through_the_hits(cafe):
    results = search.search(cafe, CLI, "question", limit=2, offset=2)
    assert results.total == 6
    assert [(h.transcript, h.index) for h in results.hits] == [("P02", 0), ("P02", 2)]


def alice_coded(study: Study, ref_id_rows=None) -> set[tuple[int, int]]:
    with study.connection() as connection:
        alice = connection.scalar(select(users.c.id).where(users.c.name == "alice"))
        return set(connection.execute(select(codings.c.segment_id, codings.c.code_id)
                                      .where(codings.c.rater_id == alice)).all())


def test_coding_the_hits_writes_the_askers_own_codings(cafe):
    results = search.search(cafe, ALICE, "question", search.Filters(transcripts=("P02",)))
    before = alice_coded(cafe)
    done = search.code_hits(cafe, ALICE, [h.segment_id for h in results.hits], "Attributes/License")
    assert (done.applied, done.already, done.refused) == (2, 0, ())
    new = alice_coded(cafe) - before
    assert {segment for segment, _ in new} == {h.segment_id for h in results.hits}
    again = search.code_hits(cafe, ALICE, [results.hits[0].segment_id], "Attributes/License")
    assert (again.applied, again.already) == (0, 1)
    assert search.search(cafe, ALICE, "question", search.Filters(transcripts=("P02",))).hits[0].codes == ("Attributes/Portability/License",)


def test_coding_the_hits_skips_a_transcript_the_rater_marked_done(cafe):
    from study import codings as codings_mod

    codings_mod.mark_transcripts_done(cafe, ALICE, "alice", ["P02"], True, anyway=True)
    hits = search.search(cafe, ALICE, "question", search.Filters(transcripts=("P02", "P03"))).hits
    done = search.code_hits(cafe, ALICE, [h.segment_id for h in hits], "Attributes/License")
    assert done.applied == 2  # P03's two questions
    assert [name for name, _ in done.refused] == ["P02"]


def test_the_cli_searches_and_codes_the_hits(cafe):
    runner, db = CliRunner(), cafe.engine.url.render_as_string(hide_password=False)
    out = runner.invoke(cli, ["--db", db, "search", "cafe", "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)
    assert [(r["transcript"], r["turn"], r["match"]) for r in rows] == [("P03", 1, "Café"), ("P03", 3, "CAFE")]
    out = runner.invoke(cli, ["--db", db, "search", "question", "--transcript", "P02", "--apply", "Attributes/License",
                              "--rater", "alice", "--format", "json"])
    assert out.exit_code == 0, out.output
    assert [r["codes"] for r in json.loads(out.stdout)] == ["Attributes/Portability/License"] * 2
    assert search.search(cafe, ALICE, "question", search.Filters(codes=("Attributes/License",))).total == 2


def test_the_cli_refuses_to_apply_without_a_rater(cafe):
    out = CliRunner().invoke(cli, ["--db", cafe.engine.url.render_as_string(hide_password=False), "search", "cafe",
                                   "--apply", "Attributes/License"])
    assert out.exit_code != 0 and "--rater" in out.output


# -- the Search page -----------------------------------------------------------------------


def open_search(monkeypatch, study: Study, actor: Actor, words: str):
    at = open_app(monkeypatch, study, actor)
    at.switch_page("views/search.py")
    at.run()
    at.text_input(key="search.q").set_value(words)
    return at.run()


def test_the_search_page_shows_the_hits_in_context_with_links(cafe, monkeypatch):
    at = open_search(monkeypatch, cafe, ALICE, "société")
    assert not at.exception
    frame = at.dataframe[0].value
    hit = search.search(cafe, ALICE, "société").hits[0]
    assert list(frame["Match"]) == ["Société"]
    assert list(frame["Before"]) == ["Le Café de la "] and list(frame["After"]) == [" était fermé."]
    assert list(frame["Open"]) == [f"./?transcript={hit.transcript_id}&segment=1&match={hit.start + 14}-{hit.start + 21}"]


def test_the_search_page_codes_all_shown_hits_as_the_signed_in_rater(cafe, monkeypatch):
    at = open_search(monkeypatch, cafe, ALICE, "question")
    at.selectbox(key="search.code").set_value("Attributes/Portability/License")
    at.button[[b.label for b in at.button].index("Code all shown (6)")].click()
    at = at.run()
    assert not at.exception
    coded = {h.segment_id for h in search.search(cafe, ALICE, "question", search.Filters(codes=("Attributes/License",))).hits}
    assert coded == {h.segment_id for h in search.search(cafe, CLI, "question").hits}
    assert search.search(cafe, BOB, "question", search.Filters(codes=("Attributes/License",))).total == 0


def test_an_admin_filters_the_page_by_one_raters_codes(cafe, monkeypatch):
    at = open_search(monkeypatch, cafe, ADMIN, "downloads")
    codes_filter = next(w for w in at.multiselect if w.label == "Codes")
    codes_filter.set_value(["Attributes/Traditional/Popularity"])
    at = at.run()
    assert list(at.dataframe[0].value["Transcript"]) == ["P01"]  # bob applied it there
    next(w for w in at.selectbox if w.label == "Codes applied by").set_value("alice")
    at = at.run()
    assert not at.exception
    assert not at.dataframe and any("No turn matches" in info.value for info in at.info)



@pytest.mark.parametrize("command", [["search", "question", "--offset", "{}"], ["search", "question", "--limit", "{}"],
                                     ["retrieve", "Attributes/License", "--rater", "alice", "--limit", "{}"],
                                     ["fix", "merge-turns", "P1", "{}"], ["fix", "turn-speaker", "P1", "{}", "Ana"],
                                     ["codings", "remove", "P1", "{}", "--code", "x", "--rater", "alice"]])
def test_the_cli_refuses_a_number_past_the_databases_integers_in_one_line(cafe, command):
    # 10^20: the database's integers end at 2^63 (before: "OverflowError ... this is a bug in study")
    result = CliRunner().invoke(cli, ["--db", cafe.engine.url.render_as_string(hide_password=False),
                                      *(part.format(10**20) for part in command)])
    assert result.exit_code == 2 and "bug" not in result.output
    assert "is not in the range" in result.output


def test_the_cli_refuses_to_code_the_hits_for_a_mistyped_rater(cafe):
    """`--rater alcie` used to add a new rater silently and code every hit for them."""
    db = cafe.engine.url.render_as_string(hide_password=False)
    with cafe.session() as session:
        before = set(session.scalars(select(users.c.name)))
    out = CliRunner().invoke(cli, ["--db", db, "search", "question", "--apply", "Attributes/License",
                                   "--rater", "alcie"])
    assert out.exit_code != 0
    assert "no rater named 'alcie'; did you mean alice? add a new rater with `study user add alcie --role coder`" \
        in out.output
    with cafe.session() as session:
        assert set(session.scalars(select(users.c.name))) == before
        assert not session.scalar(select(codings.c.id).limit(1).where(codings.c.rater_id.not_in(
            select(users.c.id).where(users.c.name.in_(before)))))
