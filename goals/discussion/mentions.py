"""Mentions in comments: @someone or @a department, found in plain text.

A mention is "@" (not right after a Latin letter or digit, so e-mail addresses are not mentions) followed by one of the
names people and departments are known by (a :class:`Directory`): a person's user name (tanaka), family name
(田中, as Japanese teams call each other), family and given name (田中一郎, 田中 一郎), or a department's name
(インサイドセールス部). Japanese is written without spaces, so the longest known name that the text goes on
with wins: "@田中さん、確認" mentions 田中. A name ending in a Latin letter or digit must end there in the text
too: "@suzuki2" does not mention suzuki.

A name nobody has is "unknown"; a name two people share (two 田中) is "ambiguous": both reach nobody, and the
author is told which, so that they can write the user name instead.
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q

from goals.models import Department, Node

# "@" at the start, or after anything but a Latin letter or digit, "@" or what e-mail addresses have before their
# "@" (mail@example.com is an address); right after Japanese text is fine (ご確認ください@鈴木).
_AT = re.compile(r"(?<![A-Za-z0-9_.+\-@])@")
# What a Latin name may not be followed by: it would be a longer word (suzuki2, suzuki.k).
_LATIN_TAIL = re.compile(r"[A-Za-z0-9_]|[.\-+][A-Za-z0-9_]")
# Where an unknown name ends: a space, punctuation, or a Japanese honorific.
_UNKNOWN_END = re.compile(r"[\s、。，．,.!?！？「」『』（）()\[\]<>:：;；/]|さん|様|くん|君|殿")
HONORIFICS = ("さん", "様", "くん", "君", "殿")

UNKNOWN = "unknown"
AMBIGUOUS = "ambiguous"


def name_key(name):
    """How names are compared: NFKC (full-width letters as half-width), Latin letters in lower case, spaces
    (half- and full-width) taken out."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).casefold()


@dataclass(frozen=True)
class Target:
    """Someone or a department that can be mentioned."""

    user: object = None
    department: object = None

    @property
    def label(self):
        return self.department.name if self.department is not None else _person_label(self.user)


def _person_label(user):
    full = f"{user.last_name}{user.first_name}".strip()
    return full or user.get_username()


@dataclass
class Directory:
    """The names that mentions are read against: {name key: [Target]}."""

    names: dict = field(default_factory=dict)

    def add(self, name, target):
        key = name_key(name)
        if not key:
            return
        targets = self.names.setdefault(key, [])
        if target not in targets:
            targets.append(target)

    @classmethod
    def of(cls, users, departments):
        directory = cls()
        for user in users:
            target = Target(user=user)
            directory.add(user.get_username(), target)
            if user.last_name.strip():
                directory.add(user.last_name, target)
                if user.first_name.strip():
                    directory.add(user.last_name + user.first_name, target)
        for department in departments:
            directory.add(department.name, Target(department=department))
        return directory

    def longest(self, text):
        """(key, length) of the longest known name that `text` starts with, or (None, 0)."""
        found, found_end = None, 0
        key = ""
        for index, char in enumerate(text[:100]):
            if char.isspace():
                if not key or char in "\r\n":
                    break
                continue  # inside a name: 田中 一郎
            key += name_key(char)
            if key not in self.names:
                continue
            if key[-1].isascii() and key[-1].isalnum() and _LATIN_TAIL.match(text, index + 1):
                continue  # @suzuki2 is not @suzuki
            found, found_end = key, index + 1
        return found, found_end

    def targets(self):
        """Everyone and every department in the directory, once each."""
        seen = []
        for targets in self.names.values():
            for target in targets:
                if target not in seen:
                    seen.append(target)
        return seen

    def handle(self, target):
        """What to type after @ to reach `target` alone: the family name when nobody else has it, else the user
        name (people); the name (departments)."""
        if target.department is not None:
            return target.department.name
        family = target.user.last_name.strip()
        if family and self.names.get(name_key(family)) == [target]:
            return family
        return target.user.get_username()


@dataclass(frozen=True)
class Found:
    """One @mention in a text: where ("@" included), the name as typed, and what it reached."""

    start: int
    end: int
    text: str
    target: Target | None = None
    problem: str = ""  # "", UNKNOWN or AMBIGUOUS
    candidates: tuple = ()  # the people an ambiguous name could be


def parse(body, directory):
    """Every @mention in `body`, in order (see the module docstring)."""
    result = []
    for match in _AT.finditer(body):
        start = match.start()
        if result and start < result[-1].end:
            continue
        rest = body[start + 1 :]
        key, length = directory.longest(rest)
        if key is None:
            end = _UNKNOWN_END.search(rest)
            typed = rest[: end.start() if end else len(rest)][:50]
            if typed[:1].isalnum():
                result.append(Found(start, start + 1 + len(typed), typed, problem=UNKNOWN))
            continue
        targets = directory.names[key]
        typed = rest[:length]
        if len(targets) > 1:
            result.append(Found(start, start + 1 + length, typed, problem=AMBIGUOUS, candidates=tuple(targets)))
        else:
            result.append(Found(start, start + 1 + length, typed, target=targets[0]))
    return result


def directory_for(tree, access):
    """Who can be mentioned on a node of `tree` by a person with `access` (goals.access.Access): people who see
    the tree (guests only where invited to it) and every department; for a guest, only the departments taking
    part in the tree and their people, and the tree's other guests. Two queries."""
    User = get_user_model()
    users = User.objects.filter(is_active=True).filter(Q(guest__isnull=True) | Q(guest__trees=tree))
    departments = Department.objects.all()
    if access.is_guest:
        involved = set(
            Node.objects.filter(tree=tree, archived_at__isnull=True)
            .exclude(department=None)
            .values_list("department_id", flat=True)
        )
        if tree.department_id:
            involved.add(tree.department_id)
        departments = departments.filter(pk__in=involved)
        users = users.filter(Q(memberships__department__in=involved) | Q(guest__trees=tree))
    return Directory.of(users.distinct().order_by("pk"), departments.order_by("position", "name"))
