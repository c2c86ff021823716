"""The bundled sample study: what the README's main command shows a new user."""
from __future__ import annotations

from study import auth, codings
from study.demo import DEMO_ACCOUNTS, build_sample_study, has_transcripts
from study.listing import transcript_rows


def test_the_sample_study_has_transcripts_codebook_accounts_and_two_finished_raters(study):
    assert not has_transcripts(study)
    build_sample_study(study)
    rows = transcript_rows(study)
    assert len(rows) == 10 and len({r["participant"] for r in rows}) == 10
    names = {r["name"] for r in rows}
    assert codings.done_by(study, auth.CLI, ["alice", "bob"]) == {"alice": names, "bob": names}
    alice = codings.export_codings(study, auth.CLI, "alice")
    bob = codings.export_codings(study, auth.CLI, "bob")
    assert len(alice) > 200 and len(bob) > 200
    assert {r["transcript"] for r in alice} == names
    # close but not identical: most codings shared, some not
    key = lambda r: (r["transcript"], r["segment"], r["code"])  # noqa: E731
    shared = {key(r) for r in alice} & {key(r) for r in bob}
    assert 0.6 < len(shared) / len(alice) < 0.98
    for account in DEMO_ACCOUNTS:
        assert auth.sign_in(study, account.name, account.password).role == account.role
