"""Walk a tree of calculations folder by folder, top-down in name order, without recursion.

Only real folders are entered, at most ``MAX_TREE_DEPTH`` levels below the root. A folder that
cannot be listed, a symbolic link to a folder (not followed, even inside the tree) and a folder
too deep are each a Problem: nothing is dropped without a line saying so, and a chain of
thousands of folders is one Problem, not a RecursionError.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from nasx.analysis.readers.records import Problem
from nasx.analysis.readers.safe_files import folder_link, list_folder
from nasx.errors import NasxInputError

MAX_TREE_DEPTH = 64
"""Folder levels below the root that are read (calculation trees are a few levels deep)."""
NOT_READ = "the calculations in it are not read"

Visit = Callable[[Path, list[Path]], list[Path]]
"""Called with a folder and its real sub-folders; returns the sub-folders to enter."""


def walk(root: Path, visit: Visit, rel: Callable[[Path], str]) -> list[Problem]:
    """``visit`` every folder under ``root`` (``root`` first, then depth-first in name order);
    the Problems of the folders not entered, their paths given by ``rel``."""
    problems: list[Problem] = []
    pending = [(root, 0)]
    while pending:
        folder, depth = pending.pop()
        try:
            entries = list_folder(folder)
        except NasxInputError as exc:
            problems.append(Problem(rel(folder), exc.problem, None, NOT_READ))
            continue
        for entry in entries:
            link = folder_link(entry)
            if link is not None:
                reason = f"{link}: not followed (nasx reads the tree's own folders)"
                problems.append(Problem(rel(Path(entry.path)), reason, None, NOT_READ))
        subfolders = [Path(e.path) for e in entries if e.is_dir(follow_symlinks=False)]
        subfolders = visit(folder, subfolders)
        if subfolders and depth >= MAX_TREE_DEPTH:
            reason = f"lies more than {MAX_TREE_DEPTH} folders below the tree's root: not read"
            problems.append(Problem(rel(subfolders[0]), reason, None, NOT_READ))
            continue
        pending += [(sub, depth + 1) for sub in reversed(subfolders)]
    return problems
