"""python manage.py import_tree FILE [--user USERNAME] [--department NAME]

Reads a tree file (docs/files.md "Tree file") and creates the tree, or replaces the structure of the tree with the
same code, keeping the entries of nodes whose code survives. A file with any problem changes nothing: every
problem is printed and the command exits with a non-zero status. At most treefile.MAX_FILE_BYTES are read
(one byte more tells that the file is too large), as on the upload page.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals import treefile
from goals.models import Department
from goals.values import text_problem


class Command(BaseCommand):
    help = "Import a tree file (JSON): create the tree or replace the structure of the tree with its code."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the tree file (JSON, UTF-8); - reads standard input")
        parser.add_argument("--user", help="record this person in the history")
        parser.add_argument("--department", help="owner department of a new tree (by name)")

    def handle(self, *args, file, user=None, department=None, **options):
        data = self._read(file)
        person = None
        if user:
            # PostgreSQL refuses NUL in a query; no user name or department name holds a control character.
            person = get_user_model().objects.filter(username=user).first() if not text_problem(user) else None
            if person is None:
                raise CommandError(_("There is no person with the user name %(user)s.") % {"user": user})
        owner = None
        if department:
            owner = Department.objects.filter(name=department).first() if not text_problem(department) else None
            if owner is None:
                raise CommandError(_("There is no department named %(name)s.") % {"name": department})
        try:
            tree = treefile.import_tree(treefile.loads(data), person, department=owner)
        except treefile.TreeFileError as error:
            raise CommandError(error.report()) from None
        summary = tree.import_summary
        values = {
            "code": tree.code,
            "created": summary.nodes_created,
            "updated": summary.nodes_updated,
            "unchanged": summary.nodes_unchanged,
            "archived": summary.nodes_archived,
            "deleted": summary.nodes_deleted,
        }
        if summary.created:
            message = (
                ngettext(
                    "Created the tree %(code)s with %(created)s node.",
                    "Created the tree %(code)s with %(created)s nodes.",
                    summary.nodes_created,
                )
                % values
            )
        else:
            message = (
                _(
                    "Replaced the structure of the tree %(code)s: %(created)s nodes added, %(updated)s changed, "
                    "%(unchanged)s unchanged, %(archived)s archived, %(deleted)s deleted."
                )
                % values
            )
        self.stdout.write(message)

    def _read(self, file):
        limit = treefile.MAX_FILE_BYTES + 1
        if file == "-":
            return sys.stdin.buffer.read(limit)
        try:
            with open(file, "rb") as handle:
                return handle.read(limit)
        except OSError as error:
            message = _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            raise CommandError(message) from None
