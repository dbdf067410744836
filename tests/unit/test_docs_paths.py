# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No guide sends a reader to a path that is not there.

A reader takes a path in the docs literally, from the collection's root: a link whose text says
``examples/first-gate.yml`` sent people to the repository's ``examples/`` (the demo's playbooks), while the file is
``docs/examples/first-gate.yml``; the emulator's README listed files that had moved away. Checked here, in every
guide: each relative link resolves; a link text that is a path names the file linked, read from the root; and each
file named in backquotes exists (from the guide's directory, the root, or a role's directory for role-relative
paths; a bare file name anywhere in the collection), except the few files the reader makes or a tool writes.
"""

import fnmatch
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
GUIDES = sorted(
    {"README.md", "SECURITY.md", "tests/emulator/README.md"}
    | {str(path.relative_to(REPO)) for path in (REPO / "docs").glob("*.md")}
    | {str(path.relative_to(REPO)) for path in (REPO / "roles").glob("*/README.md")}
)
# Files the guides name that the reader writes (a CI job's playbook) or a tool generates: not in the collection.
MADE_ELSEWHERE = {"gate.yml", ".cache/gate-timings.txt", ".cache/mutation/summary.txt", "get-pip.py"}
FILE_NAME = re.compile(r"\A[\w.-]+(/[\w.-]+)*\.(py|ya?ml|md|txt|cfg|sh|json|rst|toml|ini)\Z")
LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")


def tracked_files():
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    return [REPO / name for name in listed]


TRACKED = tracked_files()
TRACKED_NAMES = {path.name for path in TRACKED}


def prose(guide):
    """The guide without its fenced code blocks (commands are run by tests of their own, such as the quick start)."""
    return re.sub(r"```.*?```", "", (REPO / guide).read_text(), flags=re.S)


@pytest.mark.parametrize("guide", GUIDES)
def test_relative_links_resolve_and_a_path_as_link_text_names_the_file_linked(guide):
    here = (REPO / guide).parent
    wrong = []
    for text, target in LINK.findall(prose(guide)):
        path = target.split("#", 1)[0]
        if not path or re.match(r"\A[a-z]+:", path):
            continue
        linked = (here / path).resolve()
        if not linked.exists():
            wrong.append("%s: no such file" % target)
        shown = text.strip("`")
        if "/" in shown and FILE_NAME.match(shown) and (REPO / shown).resolve() != linked:
            wrong.append(
                "[%s](%s): the text is not the path of the file linked, from the collection's root" % (text, target)
            )
    assert not wrong, wrong


@pytest.mark.parametrize("guide", GUIDES)
def test_every_file_named_in_backquotes_exists(guide):
    here = (REPO / guide).parent
    missing = []
    for name in re.findall(r"`([^`\s]+)`", prose(guide)):
        if not FILE_NAME.match(name) or name in MADE_ELSEWHERE or re.match(r"\Aget_pip_[\d_]+\.py\Z", name):
            continue
        places = [here / name, REPO / name, *(role / name for role in (REPO / "roles").iterdir())]
        if any(place.exists() for place in places) or ("/" not in name and name in TRACKED_NAMES):
            continue
        missing.append(name)
    assert not missing, missing


REPOSITORY = yaml.safe_load((REPO / "galaxy.yml").read_text())["repository"]
REPOSITORY_NOTE = "not in the installed collection"


def shipped(path):
    """Whether the tarball holds ``path`` (relative to the root): ansible-galaxy leaves out what matches an entry of
    ``build_ignore``, the path itself or a folder above it."""
    ignored = yaml.safe_load((REPO / "galaxy.yml").read_text())["build_ignore"]
    parts = path.split("/")
    return not any(
        fnmatch.fnmatch("/".join(parts[:depth]), pattern) for depth in range(1, len(parts) + 1) for pattern in ignored
    )


def named_repository_files(guide, paragraph):
    """The files and folders of this repository that a paragraph of ``guide`` names and the tarball leaves out."""
    here = (REPO / guide).parent
    names = re.findall(r"`([^`\s]+)`", paragraph) + [target for _text, target in LINK.findall(paragraph)]
    found = []
    for name in names:
        path = name.split("::", 1)[0].split("#", 1)[0].rstrip("/")
        if not path or ("/" not in path and path != "Makefile") or re.match(r"\A([a-z]+:|/|~)", path):
            continue
        for base in (here, REPO):
            place = (base / path).resolve()
            if place.exists() and REPO.resolve() in place.parents:
                if not shipped(str(place.relative_to(REPO.resolve()))):
                    found.append(name)
                break
    return found


@pytest.mark.parametrize("guide", GUIDES)
def test_a_file_the_collection_does_not_ship_is_said_to_be_in_the_repository(guide):
    told = False
    for paragraph in re.split(r"\n\s*\n", prose(guide)):
        told = told or (REPOSITORY in paragraph and REPOSITORY_NOTE in re.sub(r"\s+", " ", paragraph))
        unshipped = named_repository_files(guide, paragraph)
        assert told or not unshipped, "%s names %s before saying they are in the repository (%s), %s" % (
            guide,
            unshipped,
            REPOSITORY,
            REPOSITORY_NOTE,
        )


def test_a_guide_that_installs_the_tarball_says_how_to_build_it():
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    for guide in GUIDES:
        text = (REPO / guide).read_text()
        if "collection install hwcloud-apig-%s.tar.gz" % version in text:
            assert "ansible-galaxy collection build" in text, guide


def test_the_checks_catch_a_wrong_path(tmp_path, monkeypatch):
    """The two checks above can fail: a guide with the quick start's old link and a file that is not there."""
    (tmp_path / "docs" / "examples").mkdir(parents=True)
    (tmp_path / "docs" / "examples" / "first-gate.yml").write_text("---\n")
    (tmp_path / "roles").mkdir()
    (tmp_path / "docs" / "guide.md").write_text(
        "Copy [examples/first-gate.yml](examples/first-gate.yml); see `tls.py`.\n"
    )
    module = sys.modules[__name__]
    monkeypatch.setattr(module, "REPO", tmp_path)
    monkeypatch.setattr(module, "TRACKED_NAMES", set())
    with pytest.raises(AssertionError, match="not the path of the file linked"):
        test_relative_links_resolve_and_a_path_as_link_text_names_the_file_linked("docs/guide.md")
    with pytest.raises(AssertionError, match=r"tls\.py"):
        test_every_file_named_in_backquotes_exists("docs/guide.md")
