"""The release: one string naming the code that runs, read once when the settings load (never per request).

Kept results are keyed by it (metrics.progress), so a new release never reads what older code computed or
worded. It is the RELEASE environment variable when set (a deployment sets it, e.g. to the commit it ships);
otherwise the project's version from pyproject.toml, followed by the commit of the git checkout when there is
one (`0.1.0+1a2b3c4d5e6f`).
"""

import re
import tomllib
from pathlib import Path


def release(base: Path, configured: str | None) -> str:
    """RELEASE as configured, or `<version>[+<commit>]` of the checkout at `base`; no whitespace in it."""
    text = (configured or "").strip()
    if not text:
        text = _version(base)
        commit = _commit(base)
        if commit:
            text = f"{text}+{commit[:12]}"
    return re.sub(r"\s+", "-", text)


def _version(base: Path) -> str:
    try:
        with open(base / "pyproject.toml", "rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def _commit(base: Path) -> str:
    """The commit the checkout at `base` is on, read from .git (a worktree's too); "" when there is none."""
    try:
        git = base / ".git"
        if git.is_file():  # a linked worktree: ".git" names its own git directory
            git = (base / git.read_text().strip().removeprefix("gitdir:").strip()).resolve()
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref:"):
            return head  # a detached HEAD is the commit itself
        ref = head.removeprefix("ref:").strip()
        common = git
        if (git / "commondir").is_file():
            common = (git / (git / "commondir").read_text().strip()).resolve()
        for folder in (git, common):
            if (folder / ref).is_file():
                return (folder / ref).read_text().strip()
        for line in (common / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split(" ", 1)[0]
    except OSError:
        pass
    return ""
