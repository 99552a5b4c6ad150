"""What the rules count (URGENT per sender, new tickets per address, mass reports) is kept as
recent events in the store: they survive a restart, are counted with what the pass has staged,
and are dropped once their window has passed, so that state.json does not grow with history."""

from __future__ import annotations

from pathlib import Path

from mailbot.batch import Batch
from mailbot.pipeline import Decision
from mailbot.store import Commit, Store


def test_events_survive_a_restart_and_are_pruned_to_their_window(tmp_path: Path) -> None:
    store = Store(tmp_path, writer=True)
    store.commit(Commit(recent=[["urgent", "paul@x.fr", {"at": "2026-11-02T08:00:00+00:00"}],
                                ["urgent", "paul@x.fr", {"at": "2026-11-04T08:00:00+00:00"}],
                                ["urgent", "anne@x.fr", {"at": "2026-11-03T08:00:00+00:00"}]]))
    store.close()
    again = Store(tmp_path, writer=True)  # a restart
    assert [e["at"][:10] for e in again.recent("urgent", "paul@x.fr")] == ["2026-11-02",
                                                                          "2026-11-04"]
    batch = Batch(again)
    batch.stage(Decision("new_ticket", "mid:<a@x>", events=[
        ("urgent", "paul@x.fr", {"at": "2026-11-20T08:00:00+00:00"})]))
    assert len(batch.recent("urgent", "paul@x.fr")) == 3  # the staged one counts at once
    batch.commit.recent_before = {"urgent": "2026-11-03T12:00:00+00:00"}
    again.commit(batch.commit)
    assert [e["at"][:10] for e in again.recent("urgent", "paul@x.fr")] == ["2026-11-04",
                                                                          "2026-11-20"]
    assert again.recent("urgent", "anne@x.fr") == []  # her window has passed: gone entirely
    state = (tmp_path / "state.json").read_text("utf-8")
    assert "anne@x.fr" not in state


def test_replaying_a_commit_after_a_crash_does_not_count_an_event_twice(tmp_path: Path) -> None:
    store = Store(tmp_path, writer=True)
    commit = Commit(recent=[["opened", "robot@x.fr", {"at": "2026-11-23T08:00:00+00:00"}]])
    store.commit(commit)
    store.commit(commit)  # the journal re-applied on the next start
    assert len(store.recent("opened", "robot@x.fr")) == 1
