"""The release name (config/release.py) that keys what is kept in the cache."""

import os
from pathlib import Path

from config.release import release

PYPROJECT = '[project]\nname = "goaltree"\nversion = "1.2.3"\n'


def test_a_configured_release_is_used_as_it_is_without_whitespace(tmp_path):
    assert release(tmp_path, " 2026-12-03 build 7 ") == "2026-12-03-build-7"


def test_without_one_it_is_the_version_and_the_commit_of_the_checkout(tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    assert release(tmp_path, None) == "1.2.3"  # not a git checkout
    git = tmp_path / ".git"
    (git / "refs" / "heads").mkdir(parents=True)
    (git / "HEAD").write_text("ref: refs/heads/main\n")
    (git / "refs" / "heads" / "main").write_text("0123456789abcdef0123456789abcdef01234567\n")
    assert release(tmp_path, "") == "1.2.3+0123456789ab"
    (git / "refs" / "heads" / "main").unlink()
    (git / "packed-refs").write_text("# pack-refs\nfedcba9876543210fedcba9876543210fedcba98 refs/heads/main\n")
    assert release(tmp_path, None) == "1.2.3+fedcba987654"
    (git / "HEAD").write_text("00000000000000000000000000000000000000aa\n")  # a detached HEAD
    assert release(tmp_path, None) == "1.2.3+000000000000"


def test_a_worktree_reads_its_own_head_and_the_shared_refs(tmp_path):
    main = tmp_path / "main" / ".git"
    (main / "refs" / "heads").mkdir(parents=True)
    (main / "refs" / "heads" / "topic").write_text("abcdefabcdefabcdefabcdefabcdefabcdefabcd\n")
    own = main / "worktrees" / "topic"
    own.mkdir(parents=True)
    (own / "HEAD").write_text("ref: refs/heads/topic\n")
    (own / "commondir").write_text("../..\n")
    checkout = tmp_path / "topic"
    checkout.mkdir()
    (checkout / "pyproject.toml").write_text(PYPROJECT)
    (checkout / ".git").write_text(f"gitdir: {own}\n")
    assert release(checkout, None) == "1.2.3+abcdefabcdef"


def test_the_settings_name_this_checkout(settings):
    assert release(Path(settings.BASE_DIR), os.environ.get("RELEASE")) == settings.RELEASE
    assert settings.RELEASE and " " not in settings.RELEASE
