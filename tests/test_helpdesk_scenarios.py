"""The French helpdesk scenarios of the corpus, replayed through the real decision core.

Each sidecar says what a correct helpdesk concludes from one message on an empty store, or on a
store holding the ticket of its `ticket_context`. The parse-level fields are checked by
tests/test_corpus.py; here: which ticket the message lands on, for whom, and whether the
requester is acknowledged.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from mailbot import config as configuration
from mailbot.batch import Batch
from mailbot.ids import new_token
from mailbot.model import Ticket
from mailbot.parsers import parse
from mailbot.pipeline import decide
from mailbot.store import Commit, Store
from tests.corpus_path import corpus_root
from tests.harness import PARIS, ROOT

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=PARIS)
ACTIONS = {"new": "new_ticket", "forward": "new_ticket", "phone_log": "new_ticket",
           "follow_up": "follow_up", "technician_reply": "technician",
           "auto_reply": "filed_automatic", "bounce": "delivery_failure"}


def _scenarios() -> list[str]:
    return sorted(p.name.removesuffix(".eml")
                  for p in (corpus_root() / "helpdesk_fr").glob("*.eml"))


@pytest.mark.parametrize("name", _scenarios())
def test_scenario(name: str, tmp_path: Path) -> None:
    folder = corpus_root() / "helpdesk_fr"
    expected = json.loads((folder / f"{name}.expected.json").read_text("utf-8"))
    config = configuration.load(ROOT / "rules.toml")
    config.storage.dir = str(tmp_path)
    store = Store(tmp_path, writer=True)
    if context := expected.get("ticket_context"):
        number = context["number"]
        ticket = Ticket(number=number, subject=context["subject"],
                        requester=context["requester"], token=new_token(number),
                        created_at="2026-11-16T09:00:00+01:00",
                        updated_at="2026-11-16T09:00:00+01:00", status=context["status"],
                        priority=context["priority"], participants=[context["requester"]])
        store.commit(Commit(tickets={number: ticket.to_dict()}, next_number=number + 1))
    batch = Batch(store)
    parsed = parse((folder / f"{name}.eml").read_bytes(), config.parse_rules())
    decision = decide(parsed, raw_path="raw/x.eml", view=batch, config=config, now=NOW)

    # A follow-up that only thanks, on a ticket waiting for its requester, is filed on it
    # without a team notice ("filed_thanks"): still the scenario's follow-up (no ticket, no
    # acknowledgement, closing left to the technician).
    quiet = {"filed_thanks"} if expected["kind"] == "follow_up" else set()
    assert decision.action in {ACTIONS[expected["kind"]], *quiet}, decision.reasons
    assert decision.ticket is not None
    assert decision.ticket.requester == expected["requester"]
    if expected["ticket_ref"] is not None:
        assert decision.ticket.number == expected["ticket_ref"]
    acknowledged = any(m.kind == "acknowledgement" for m in decision.mails)
    assert acknowledged == expected["should_acknowledge"], decision.reasons
    if expected["kind"] == "technician_reply":  # its commands are executed
        assert decision.ticket.priority == expected["expected_priority"]
    if "relay_to_requester" in expected:
        relayed = any(m.kind in ("relay", "closure") and expected["requester"] in m.recipients
                      for m in decision.mails)
        assert relayed == expected["relay_to_requester"], decision.reasons
    if expected["kind"] in ("auto_reply", "bounce"):
        assert not any(expected["requester"] in m.recipients for m in decision.mails)
