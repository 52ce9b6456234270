"""Audit checkpoints kept as files: one per ``audit checkpoint --to DIR``, the newest checked against by ``audit
verify``, and those a restore went back past set aside (the restored chain cannot reach them)."""

from __future__ import annotations

from pathlib import Path

from safetyplan.audit.services import Checkpoint
from safetyplan.crypto.keyring import write_private


class CheckpointError(Exception):
    """A file in the checkpoints folder is not a checkpoint."""


CHECKPOINT_FILE = "checkpoint-{seq:012d}.txt"


def newest_checkpoint(directory: Path) -> tuple[Checkpoint, Path] | None:
    """The checkpoint with the highest sequence in ``directory`` (files written by ``checkpoint --to``)."""
    found = []
    for path in directory.glob("checkpoint-*.txt") if directory.is_dir() else []:
        try:
            found.append((Checkpoint.parse(path.read_text().splitlines()[0]), path))
        except (ValueError, IndexError, OSError):
            raise CheckpointError(f"{path} is not a checkpoint (SEQ:HASH on its first line)") from None
    return max(found, key=lambda each: each[0].seq) if found else None


def write_checkpoint(directory: Path, mark: Checkpoint) -> Path:
    """Keep ``mark`` as a file of its own (mode 0600, written to disk before the command says so)."""
    path = directory / CHECKPOINT_FILE.format(seq=mark.seq)
    write_private(path, f"{mark}\n", exclusive=False)
    return path


def set_aside_after(directory: Path, seq: int, label: str) -> list[Path]:
    """Move the checkpoints beyond event ``seq`` (taken after a backup that has now been restored) into a folder
    of their own, kept, so that ``audit verify`` checks the restored chain against those it can reach."""
    if not directory.is_dir():
        return []
    moved = []
    for path in sorted(directory.glob("checkpoint-*.txt")):
        try:
            mark = Checkpoint.parse(path.read_text().splitlines()[0])
        except (ValueError, IndexError):
            continue
        if mark.seq > seq:
            target = directory / f"superseded-by-restore-{label}"
            target.mkdir(exist_ok=True)
            moved.append(path.rename(target / path.name))
    return moved
