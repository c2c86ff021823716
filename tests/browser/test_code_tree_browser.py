"""The code tree in a real browser (issue 19.1): the Codebook page shows a code's place and the
codes below it and adds, moves and merges codes in the tree; the Code page's chips show the
shortest path that tells two codes of one name apart. What was stored is read through the library."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from study import auth, codes, codings, workspace
from study.codebook import parse_codebook
from study.demo import DEMO_ACCOUNTS
from study.store import Study
from tests.browser.conftest import start_app, wait_until_loaded
from tests.browser.navigation import go, rerun, reveal, select_first_row, settle
from tests.factories import add_interview

pytestmark = pytest.mark.browser
WORKSPACE = '[data-testid="coding-workspace"]'
TREE = """
name: Tree
themes:
  - name: Attributes
    codes:
      - name: Performance
        definition: How fast the model is.
        codes:
          - name: Latency
            definition: Time to answer.
            codes:
              - {name: Network, definition: Time on the network.}
          - {name: Throughput, definition: Answers per second.}
  - name: Challenges
    codes:
      - {name: Latency, definition: Waiting is a challenge.}
"""


@pytest.fixture(scope="module")
def tree_app(tmp_path_factory):
    db_path = tmp_path_factory.mktemp("tree") / "study.db"
    study = Study.open(f"sqlite:///{db_path}")
    codes.load_into_study(study, parse_codebook(TREE, source="tree.yaml"), auth.CLI)
    add_interview(study, "T1", "P1", ["It was slow to answer.", "The network lagged."])
    for account in DEMO_ACCOUNTS:
        auth.add_user(study, account.name, account.role, account.password, auth.CLI)
    for ref in ("Attributes/Performance/Latency", "Challenges/Latency", "Attributes/Performance/Latency/Network"):
        codings.apply_code(study, auth.CLI, "alice", "T1", 1, ref)
    study.close()
    server = start_app(db_path)
    yield server
    server.stop()


@pytest.fixture
def tree_study(tree_app):
    study = Study.open(tree_app.db_url)
    yield study
    study.close()


def test_chips_tell_two_codes_of_one_name_apart_by_the_shortest_path(page_as, tree_app, tree_study):
    tid = workspace.transcript_progress(tree_study, auth.Actor("alice", "coder"))[0].id
    page = page_as("alice", app=tree_app)
    page.goto(f"{tree_app.url}/?transcript={tid}")
    page.wait_for_selector(f'{WORKSPACE}[data-ready="1"]')
    wait_until_loaded(page)
    chips = page.locator('.seg[data-index="1"] .chip .chip-name')
    expect(chips).to_have_count(3)
    assert sorted(chips.all_text_contents()) == ["Challenges/Latency", "Network", "Performance/Latency"]
    # the code list draws the tree: Network two levels below Performance
    network = next(c for c in codes.code_views(tree_study, include_retired=False) if c.name == "Network")
    expect(page.locator(f'button.code[data-code-id="{network.id}"]')).to_have_attribute("data-depth", "2")


def test_the_codebook_page_shows_the_tree_and_adds_moves_and_merges_codes(page_as, tree_app, tree_study):
    page = page_as("admin", app=tree_app)
    go(page, "Codebook")
    select_first_row(page)  # Attributes/Performance
    main = page.locator('[data-testid="stMain"]')
    expect(main.get_by_text("Latency, Throughput")).to_be_visible()  # the codes below it

    reveal(page, page.get_by_text("Add a code"))
    form = page.locator('[data-testid="stForm"]').filter(has_text="Add code")
    form.get_by_role("combobox", name="Under").click()
    page.get_by_role("option", name="code · Attributes/Performance/Latency", exact=True).click()
    form.get_by_label("Name").fill("Jitter")
    form.get_by_label("Definition").fill("Answers arrive unevenly.")
    form.get_by_role("button", name="Add code").click()
    expect(page.get_by_text("Added Attributes/Performance/Latency/Jitter")).to_be_visible(timeout=30_000)  # a toast

    page.get_by_role("tab", name="Move").click()
    move = page.get_by_role("combobox", name="Move under")
    move.click()
    options = page.get_by_role("option").all_text_contents()
    assert "code · Attributes/Performance/Latency" not in options  # its own branch is not offered
    with rerun(page):
        page.get_by_role("option", name="theme · Challenges", exact=True).click()
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.get_by_text("Moved to Challenges/Performance;")).to_be_visible(timeout=30_000)

    refs = [v.ref for v in codes.code_views(tree_study, include_retired=False)]
    assert "Challenges/Performance/Latency/Jitter" in refs and "Challenges/Performance/Latency/Network" in refs
    assert sorted((r.segment, r.code) for r in codings.codings_of(tree_study, auth.CLI, "alice")) == [
        (1, "Challenges/Latency"), (1, "Challenges/Performance/Latency"), (1, "Challenges/Performance/Latency/Network")]

    # merge Challenges/Latency (now the first row) into the Latency below Performance: codings joined
    settle(page)
    if page.get_by_text("Select a row to see").count():
        select_first_row(page)
    expect(main.get_by_role("heading", name="Latency", exact=True)).to_be_visible()
    page.get_by_role("tab", name="Merge").click()
    page.get_by_role("combobox", name="Merge into").click()
    with rerun(page):
        page.get_by_role("option", name="Challenges/Performance/Latency", exact=True).click()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_text("Merged into Challenges/Performance/Latency: 0 coding(s) moved.")).to_be_visible(
        timeout=30_000)  # alice had both codes on the segment: her coding is joined, not moved
    assert sorted((r.segment, r.code) for r in codings.codings_of(tree_study, auth.CLI, "alice")) == [
        (1, "Challenges/Performance/Latency"), (1, "Challenges/Performance/Latency/Network")]
