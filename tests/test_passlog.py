"""The pass log (mailbot.passlog): a pass is durable once its trailer is fsynced, and recovery
writes back exactly the passes that committed, whatever instant a crash cut the log at."""

from __future__ import annotations

from pathlib import Path

import pytest

from mailbot.passlog import LOG, PassLog


def _files(state: Path) -> dict[str, bytes]:
    return {str(p.relative_to(state)): p.read_bytes() for p in sorted(state.rglob("*"))
            if p.is_file() and p.name != LOG}


def _two_passes(state: Path) -> tuple[PassLog, list[int]]:
    """Pass 1 writes a and b/c; pass 2 rewrites a. Returns the log and its length after each
    trailer."""
    journal = PassLog(state)
    journal.add("a.json", b'{"v": 1}')
    journal.add("b/c.eml", b"From: x\r\n\r\nbody\r\n")
    journal.commit()
    ends = [journal.path.stat().st_size]
    journal.add("a.json", b'{"v": 2}')
    journal.commit()
    ends.append(journal.path.stat().st_size)
    journal.close()
    return journal, ends


def test_replay_writes_back_every_committed_pass_in_order(tmp_path: Path) -> None:
    journal, _ = _two_passes(tmp_path)
    (tmp_path / "a.json").write_bytes(b'{"v": ')  # torn by a power cut
    assert PassLog(tmp_path).replay() == 2
    assert _files(tmp_path) == {"a.json": b'{"v": 2}', "b/c.eml": b"From: x\r\n\r\nbody\r\n"}


def test_a_log_cut_at_any_byte_replays_exactly_the_passes_before_the_cut(
        tmp_path: Path) -> None:
    """Every prefix of the log, as a crash could leave it: the passes whose trailer is whole
    are written back, nothing of the one cut."""
    source = tmp_path / "source"
    source.mkdir()
    journal, ends = _two_passes(source)
    whole = journal.path.read_bytes()
    expected = {0: {}, 1: {"a.json": b'{"v": 1}', "b/c.eml": b"From: x\r\n\r\nbody\r\n"},
                2: {"a.json": b'{"v": 2}', "b/c.eml": b"From: x\r\n\r\nbody\r\n"}}
    for cut in range(len(whole) + 1):
        state = tmp_path / f"cut{cut}"
        state.mkdir()
        (state / LOG).write_bytes(whole[:cut])
        passes = sum(1 for end in ends if end <= cut)
        assert PassLog(state).replay() == passes, cut
        assert _files(state) == expected[passes], cut


def test_a_pass_that_failed_before_its_trailer_is_not_part_of_the_next(tmp_path: Path) -> None:
    journal = PassLog(tmp_path)
    journal.add("a.json", b"1")
    journal.commit()
    journal.add("a.json", b"never committed")
    journal.abandon()  # the pass then failed (disk full, a bug)
    journal.add("b.json", b"2")  # the next pass
    journal.commit()
    journal.close()
    assert PassLog(tmp_path).replay() == 2
    assert _files(tmp_path) == {"a.json": b"1", "b.json": b"2"}


def test_a_flipped_byte_stops_the_replay_at_that_pass(tmp_path: Path) -> None:
    journal, ends = _two_passes(tmp_path)
    data = bytearray(journal.path.read_bytes())
    data[ends[0] + 12] ^= 0x01  # inside pass 2
    journal.path.write_bytes(bytes(data))
    assert PassLog(tmp_path).replay() == 1
    assert (tmp_path / "a.json").read_bytes() == b'{"v": 1}'


def test_a_checkpoint_removes_the_log_and_keeps_the_files(tmp_path: Path) -> None:
    journal = PassLog(tmp_path, checkpoint_bytes=10)
    journal.add("a.json", b"1" * 20)
    assert not journal.due()
    journal.commit()
    (tmp_path / "a.json").write_bytes(b"1" * 20)  # what the store writes after the commit
    assert journal.due()
    journal.checkpoint()
    assert not (tmp_path / LOG).exists() and _files(tmp_path) == {"a.json": b"1" * 20}
    assert PassLog(tmp_path).replay() == 0


@pytest.mark.parametrize("name", ["ré sumé.eml", "raw/2026/12/x.eml"])
def test_file_names_survive_the_log(tmp_path: Path, name: str) -> None:
    journal = PassLog(tmp_path)
    journal.add(name, b"x")
    journal.commit()
    journal.close()
    assert PassLog(tmp_path).replay() == 1 and (tmp_path / name).read_bytes() == b"x"


def test_a_replay_cuts_the_pass_that_never_committed_and_the_log_goes_on(tmp_path: Path) -> None:
    """After a crash the log is written back and new passes are appended after the last
    committed one: the uncommitted tail must not come between them."""
    journal = PassLog(tmp_path)
    journal.add("a.json", b"1")
    journal.commit()
    journal.add("a.json", b"torn")  # the process dies here, before the trailer
    journal.close()
    restarted = PassLog(tmp_path)
    assert restarted.replay() == 1
    restarted.add("b.json", b"2")
    restarted.commit()
    restarted.close()
    assert PassLog(tmp_path).replay() == 2
    assert _files(tmp_path) == {"a.json": b"1", "b.json": b"2"}

