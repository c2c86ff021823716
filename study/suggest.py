"""Assisted coding: keyword rules from the codebook, matched on lemmas with spaCy.

A code's ``keywords`` are phrases; a segment that contains one (in any inflection: "fine-tuned"
matches "fine-tune") gets the code suggested. ``suggest_codings`` stores the suggestions as the
codings of a pseudo-rater ("keywords": a coder without a password), on participant segments only,
so they are measured against human coding by the same statistics as raters are:
``evaluate_suggestions`` gives per-code precision, recall and F1 (scikit-learn) and Krippendorff's
alpha (the agreement module) against a human rater. ``learned_suggestions_evaluation`` measures a
TF-IDF + logistic-regression suggester trained on one rater's codings, cross-validated over
transcripts, the same way.

Example::

    suggest_codings(study, CLI)                       # rater "keywords"
    evaluation = evaluate_suggestions(study, CLI, "alice")
    evaluation.micro.f1, evaluation.macro.f1, evaluation.median_alpha
"""
from __future__ import annotations

import warnings
from collections import defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Iterable, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import codes as codes_mod
from .agreement import coefficient_text, defined
from .agreement.study_agreement import report_from_table
from .agreement.units import Unit, UnitTable, code_infos, unit_table
from .auth import Actor, rater_user
from .coding_write import CodingKey, CodingWrite, write_codings
from .codings import done_by, find_transcript, segments_frame, set_done
from .errors import BadValue, InvalidName, NotFound, StudyError
from .segmenting import PARTICIPANT, lemma_pipeline
from .table import Column, Table
from .store import (
    CONSENSUS,
    AuditEntry,
    Coding,
    Segment,
    Study,
    Transcript,
    TranscriptStatus,
    User,
    audit,
    get_user,
)

DEFAULT_SUGGESTER = "keywords"  # the pseudo-rater that holds keyword suggestions
LEARNED = "learned"  # the name the learned suggester's predictions go by in an evaluation


@dataclass(frozen=True)
class KeywordRule:
    code: str  # Theme/Code reference
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Suggestion:
    code: str
    keyword: str
    start: int  # character offsets of the match within the text
    end: int


class KeywordSuggester:
    """Matches every rule's keywords against texts by lemma, case-insensitively."""

    def __init__(self, rules: Iterable[KeywordRule]):
        from spacy.matcher import PhraseMatcher

        self.nlp = lemma_pipeline()
        self.matcher = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        for rule in rules:
            patterns = [self.nlp(k.lower()) for k in rule.keywords if k.strip()]
            if patterns:
                self.matcher.add(rule.code, patterns)

    def suggest(self, text: str) -> list[Suggestion]:
        doc = self.nlp(text.lower())
        found = []
        for match_id, start, end in self.matcher(doc):
            span = doc[start:end]
            found.append(Suggestion(self.nlp.vocab.strings[match_id], span.text, span.start_char, span.end_char))
        return found

    def codes_for(self, text: str) -> list[str]:
        """The distinct codes suggested for ``text``, in order of first match."""
        return list(dict.fromkeys(s.code for s in self.suggest(text)))


@lru_cache(maxsize=8)
def suggester_for(rules: tuple[KeywordRule, ...]) -> KeywordSuggester:
    return KeywordSuggester(rules)


def keyword_rules_from_codebook(session: Session) -> tuple[KeywordRule, ...]:
    """One rule per current code that has keywords, in codebook order."""
    return tuple(KeywordRule(c.ref, tuple(c.keywords)) for c in codes_mod.all_codes(session) if c.keywords)


# -- applying suggestions as a pseudo-rater's codings ------------------------------------


@dataclass(frozen=True)
class SuggestedCoding:
    transcript: str
    segment: int
    code: str
    matched: tuple[str, ...]  # the words of the segment that matched the code's keywords

    def to_dict(self) -> dict:
        return {"transcript": self.transcript, "segment": self.segment, "code": self.code,
                "matched": ", ".join(self.matched)}


@dataclass(frozen=True)
class SuggestionRun:
    rater: str
    transcripts: tuple[str, ...]
    segments: int  # participant segments read
    suggestions: tuple[SuggestedCoding, ...]
    replaced: int  # the rater's earlier codings on these transcripts, removed (0 on a dry run)
    dry_run: bool


def suggest_codings(study: Study, actor: Actor, rater_name: str = DEFAULT_SUGGESTER,
                    transcripts: Sequence[str] | None = None, dry_run: bool = False) -> SuggestionRun:
    """Suggest codes for every participant segment (of ``transcripts``, or all) from the codebook's
    keywords and store them as the codings of the pseudo-rater ``rater_name``, replacing its earlier
    ones there and marking those transcripts done for it. ``dry_run`` stores nothing. Admins only."""
    actor.require_admin("run the keyword suggester")
    with study.session() as session:
        rules = keyword_rules_from_codebook(session)
        if not rules:
            raise StudyError("no code in the codebook has keywords",
                             "add `keywords: [...]` to codes in the YAML codebook and load it again",
                             remedy="add_keywords")
        suggester = suggester_for(rules)
        chosen = _chosen_transcripts(session, transcripts)
        suggestions: list[SuggestedCoding] = []
        segments = 0
        for transcript in chosen:
            for segment in transcript.segments:
                if segment.role == PARTICIPANT:
                    segments += 1
                    suggestions.extend(_segment_suggestions(suggester, transcript, segment.index, segment.text))
        replaced = 0
        if not dry_run:
            user = _pseudo_rater(session, rater_name)
            replaced = _store_suggestions(session, actor, user, chosen, suggestions)
    return SuggestionRun(rater_name, tuple(t.name for t in chosen), segments, tuple(suggestions), replaced, dry_run)


def suggesters(study: Study) -> list[str]:
    """The pseudo-raters the suggester has written to (and that still exist), in name order."""
    with study.session() as session:
        return list(session.scalars(
            select(User.name).where(User.name.in_(select(AuditEntry.target).where(AuditEntry.action == "suggest")))
            .order_by(User.name)))


def _chosen_transcripts(session: Session, names: Sequence[str] | None) -> list[Transcript]:
    if names:
        return [find_transcript(session, name) for name in dict.fromkeys(names)]
    found = list(session.scalars(select(Transcript).order_by(Transcript.id)))
    if not found:
        raise StudyError("the study has no transcripts", "import some first", remedy="import_transcripts")
    return found


def _segment_suggestions(suggester: KeywordSuggester, transcript: Transcript, index: int,
                         text: str) -> list[SuggestedCoding]:
    matched: dict[str, list[str]] = defaultdict(list)
    for suggestion in suggester.suggest(text):
        matched[suggestion.code].append(text[suggestion.start:suggestion.end])
    return [SuggestedCoding(transcript.name, index, code, tuple(dict.fromkeys(words)))
            for code, words in matched.items()]


def _pseudo_rater(session: Session, name: str) -> User:
    """The suggester's rater: new, or one that earlier runs wrote to; never a person's account."""
    name = name.strip()
    if not name or name.casefold() == CONSENSUS:
        raise InvalidName(f"{name!r} cannot hold suggestions; choose a rater name such as {DEFAULT_SUGGESTER!r}")
    user = get_user(session, name)
    if user is None:
        user = User(name=name, role="coder")
        session.add(user)
        session.flush()
        return user
    if user.password_hash or user.role != "coder":
        raise StudyError(f"{name!r} is a person's account ({user.role}); suggestions go to a rater of their own",
                         f"choose another rater, such as {DEFAULT_SUGGESTER!r}", remedy="choose_suggester",
                         suggester=DEFAULT_SUGGESTER)
    wrote_before = session.scalar(select(AuditEntry.id).where(AuditEntry.action == "suggest",
                                                              AuditEntry.target == name).limit(1))
    has_codings = session.scalar(select(Coding.id).where(Coding.rater_id == user.id).limit(1))
    if has_codings is not None and wrote_before is None:
        raise StudyError(f"{name!r} has codings the suggester did not make",
                         f"choose another rater, such as {DEFAULT_SUGGESTER!r}", remedy="choose_suggester",
                         suggester=DEFAULT_SUGGESTER)
    return user


def _store_suggestions(session: Session, actor: Actor, user: User, transcripts: list[Transcript],
                       suggestions: list[SuggestedCoding]) -> int:
    """Replace the pseudo-rater's codings on ``transcripts`` by ``suggestions``; returns codings removed."""
    ids = [t.id for t in transcripts]
    old = [CodingWrite(CodingKey.of(c), applied=False)
           for c in session.scalars(select(Coding).where(Coding.rater_id == user.id, Coding.transcript_id.in_(ids)))]
    segment_ids = {(t.name, s.index): (t.id, s.id) for t in transcripts for s in t.segments}
    codes = {c.ref: c.id for c in codes_mod.all_codes(session)}
    rows = [CodingWrite(CodingKey(user.id, *segment_ids[(s.transcript, s.segment)], codes[s.code]),
                        memo="matched: " + ", ".join(s.matched)) for s in suggestions]
    # the suggester's own finished transcripts are replaced whole; the run is audited as one entry
    write_codings(session, actor, old + rows, audited=False, check_done=False)
    for transcript in transcripts:
        status = session.get(TranscriptStatus, (user.id, transcript.id))
        if status is None or not status.done:
            set_done(session, actor, user.id, transcript.id, True, carry=False)
    audit(session, actor.name, "suggest", user.name,
          after={"transcripts": [t.name for t in transcripts], "codings": len(rows), "replaced": len(old)})
    return len(old)


# -- measuring suggestions against a human rater -------------------------------------------


@dataclass(frozen=True)
class CodeScore:
    """One code: the reference's units (support), the suggester's, both, and the scores."""

    code: str
    theme: str
    support: int
    predicted: int
    true_positives: int
    precision: float | None  # None where undefined (nothing to divide by)
    recall: float | None
    f1: float | None
    alpha: float | None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class AverageScores:
    precision: float | None
    recall: float | None
    f1: float | None

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class SuggestionEvaluation:
    """Suggestions measured against a reference rater on the same participant segments."""

    reference: str
    suggester: str
    method: str
    units: int
    transcripts: tuple[str, ...]
    codes: tuple[CodeScore, ...]
    micro: AverageScores  # every (segment, code) decision pooled
    macro: AverageScores  # the mean over codes where the score is defined
    median_alpha: float | None
    codes_with_alpha: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"reference": self.reference, "suggester": self.suggester, "method": self.method,
                "units": self.units, "transcripts": list(self.transcripts), "micro": self.micro.to_dict(),
                "macro": self.macro.to_dict(), "median_alpha": self.median_alpha,
                "codes_with_alpha": self.codes_with_alpha, "codes": [c.to_dict() for c in self.codes],
                "notes": list(self.notes)}


def evaluation_table(evaluation: SuggestionEvaluation) -> Table:
    """Per-code scores as one table for the CLI and the pages: support, predicted, both, precision,
    recall, F1 and alpha; the micro and macro averages, the median alpha and the method as notes."""
    micro, macro = evaluation.micro, evaluation.macro
    columns = (
        Column("code", "code"), Column("support", "support", numeric=True),
        Column("predicted", "predicted", numeric=True), Column("true_positives", "both", numeric=True),
        *(Column(key, label, numeric=True, format=coefficient_text)
          for key, label in (("precision", "precision"), ("recall", "recall"), ("f1", "F1"), ("alpha", "alpha"))),
    )
    notes = (
        f"Micro: precision {coefficient_text(micro.precision)}, recall {coefficient_text(micro.recall)}, "
        f"F1 {coefficient_text(micro.f1)}.",
        f"Macro (mean over codes where defined): precision {coefficient_text(macro.precision)}, "
        f"recall {coefficient_text(macro.recall)}, F1 {coefficient_text(macro.f1)}.",
        f"Median alpha {coefficient_text(evaluation.median_alpha)} over {evaluation.codes_with_alpha} of "
        f"{len(evaluation.codes)} codes.",
        "Support: segments the reference coded; predicted: segments the suggester coded; both: where they agree.",
        *(f"Note: {n}" for n in evaluation.notes),
    )
    return Table(
        title=f"{evaluation.suggester} against {evaluation.reference} on {evaluation.units} participant segment(s) "
              f"of {len(evaluation.transcripts)} transcript(s)",
        columns=columns, rows=tuple(c.to_dict() for c in evaluation.codes), caption=f"Method: {evaluation.method}.",
        notes=notes, name="suggestions",
    )


KEYWORD_METHOD = "keyword rules from the codebook, matched on lemmas"


def evaluate_suggestions(study: Study, asker: Actor, reference_rater: str,
                         suggester_rater: str = DEFAULT_SUGGESTER,
                         include_unfinished: bool = False) -> SuggestionEvaluation:
    """Per-code precision, recall, F1 and alpha of the suggester's codings against ``reference_rater``
    on the participant segments of the transcripts both marked done (``include_unfinished``: all
    either coded). Admins only."""
    asker.require_admin("measure suggestions against a rater")
    with study.session() as session:
        if get_user(session, suggester_rater) is None:
            raise NotFound(f"no suggestions by {suggester_rater!r} yet", "run the suggester first",
                             remedy="run_suggester", suggester=suggester_rater)
    table = unit_table(study, asker, [reference_rater, suggester_rater], "segment",
                       include_unfinished=include_unfinished)
    with study.session() as session:
        participant = _participant_segment_ids(session, table.transcripts)
    keep = np.array([u.segment_id in participant for u in table.units], dtype=bool)
    notes = list(table.notes)
    left_out = int(table.presence[~keep, :, 0].sum())
    if left_out:
        notes.append(f"{left_out} coding(s) of {reference_rater} on interviewer and other segments are left out: "
                     "the suggester codes participant segments only")
    table = replace(table, units=tuple(u for u, k in zip(table.units, keep) if k), presence=table.presence[keep],
                    notes=tuple(notes))
    return _evaluation(table, KEYWORD_METHOD)


def learned_suggestions_evaluation(study: Study, asker: Actor, rater: str, folds: int = 5) -> SuggestionEvaluation:
    """A TF-IDF + one-vs-rest logistic regression suggester trained on ``rater``'s codings of the
    participant segments of the transcripts they marked done, measured by cross-validation over
    transcripts (GroupKFold: a transcript is never in training and test at once)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MultiLabelBinarizer

    asker.require_rater(rater, "read the codings")
    done = sorted(done_by(study, asker, [rater])[rater])
    if len(done) < 2:
        raise StudyError(f"{rater} marked {len(done)} transcript(s) done; the learned suggester is "
                         "cross-validated over transcripts and needs at least 2")
    if folds < 2:
        raise BadValue(f"cross-validation needs at least 2 folds, not {folds}")
    segments = segments_frame(study, done)
    segments = segments[segments.role == PARTICIPANT].reset_index(drop=True)
    with study.session() as session:
        applied = _codes_by_segment(session, rater, done)
    codes = code_infos(study, set().union(*applied.values()))
    y_true = MultiLabelBinarizer(classes=[c.ref for c in codes]).fit_transform(
        [applied.get(segment_id, set()) for segment_id in segments.segment_id])
    splits = min(folds, len(done))
    model = make_pipeline(
        TfidfVectorizer(sublinear_tf=True),
        OneVsRestClassifier(LogisticRegression(class_weight="balanced", solver="liblinear")),
    )
    with warnings.catch_warnings():  # codes absent from a training fold are predicted absent, as they should be
        warnings.filterwarnings("ignore", message="Label .* is present in all training examples")
        y_pred = cross_val_predict(model, segments.text.tolist(), y_true, groups=segments.transcript.to_numpy(),
                                   cv=GroupKFold(n_splits=splits))
    units = tuple(Unit(f"{r.transcript}#{r.segment}", r.transcript, int(r.segment), int(r.segment_id))
                  for r in segments.itertuples(index=False))
    presence = np.stack([y_true, y_pred], axis=2).astype(bool)
    table = UnitTable((rater, LEARNED), "segment", f"transcripts {rater} marked done", tuple(done), units, codes,
                      presence)
    method = (f"TF-IDF + one-vs-rest logistic regression trained on {rater}'s codings, "
              f"{splits}-fold cross-validation grouped by transcript")
    return _evaluation(table, method)


def _participant_segment_ids(session: Session, transcripts: Sequence[str]) -> set[int]:
    """Ids of the participants' segments of ``transcripts``."""
    found: set[int] = set()
    for at in range(0, len(transcripts), _CHUNK):
        found.update(session.scalars(
            select(Segment.id).join(Transcript, Segment.transcript_id == Transcript.id)
            .where(Transcript.name.in_(list(transcripts[at:at + _CHUNK])), Segment.role == PARTICIPANT)))
    return found


def _codes_by_segment(session: Session, rater: str, transcripts: Sequence[str]) -> dict[int, set[str]]:
    """{participant segment id: the references of the codes ``rater`` applied there (whole or a
    span of it)} on ``transcripts``: only the pairs the evaluation compares, not every coding."""
    rater_id = rater_user(session, rater).id
    refs = {c.id: c.ref for c in codes_mod.all_codes(session, include_retired=True)}
    applied: dict[int, set[str]] = defaultdict(set)
    for at in range(0, len(transcripts), _CHUNK):
        for segment_id, code_id in session.execute(
                select(Coding.segment_id, Coding.code_id).join(Segment, Coding.segment_id == Segment.id)
                .join(Transcript, Segment.transcript_id == Transcript.id)
                .where(Coding.rater_id == rater_id, Segment.role == PARTICIPANT,
                       Transcript.name.in_(list(transcripts[at:at + _CHUNK])))):
            applied[segment_id].add(refs[code_id])
    return dict(applied)


_CHUNK = 500  # transcript names per IN (...) list


def _evaluation(table: UnitTable, method: str) -> SuggestionEvaluation:
    """Scores of rater 1 (the suggester) against rater 0 (the reference) in ``table``."""
    from sklearn.metrics import precision_recall_fscore_support

    if not table.units:
        raise StudyError(f"no participant segments to compare {table.raters[1]} with {table.raters[0]} on")
    reference = table.presence[:, :, 0].astype(np.int8)
    suggested = table.presence[:, :, 1].astype(np.int8)
    precision, recall, f1, support = precision_recall_fscore_support(
        reference, suggested, average=None, zero_division=np.nan)
    agreement = report_from_table(table, replicates=0)
    scores = tuple(
        CodeScore(info.ref, info.theme_ref, int(support[i]), int(suggested[:, i].sum()),
                  int((reference[:, i] & suggested[:, i]).sum()), defined(precision[i]), defined(recall[i]),
                  defined(f1[i]), agreement.codes[i].alpha)
        for i, info in enumerate(table.codes)
    )
    return SuggestionEvaluation(
        table.raters[0], table.raters[1], method, len(table.units), table.transcripts, scores,
        _averages(reference, suggested, "micro"), _averages(reference, suggested, "macro"),
        agreement.overall.median_alpha, agreement.overall.codes_with_alpha, table.notes,
    )


def _averages(reference: np.ndarray, suggested: np.ndarray, average: str) -> AverageScores:
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(reference, suggested, average=average,
                                                               zero_division=np.nan)
    return AverageScores(defined(precision), defined(recall), defined(f1))


