"""python manage.py import_entries FILE [--user USERNAME] [--tree CODE] [--dry-run]

Reads an entries file (docs/files.md) and saves it all or nothing. Without --user it is an admin operation:
no permission check, and the history records no person (source "import"). With --user, rows that change a node
that person may not enter are errors, and the history names them.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from goals.models import Tree
from goals.values import text_problem
from metrics import csvfiles

ATTEMPTS = 3


class Command(BaseCommand):
    help = "Import weekly numbers from a CSV file (tree,node,week,value): every row or none."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file (UTF-8 with or without BOM, or CP932); - reads standard input")
        parser.add_argument(
            "--user", help="import as this person: only nodes they may enter, and the history names them"
        )
        parser.add_argument("--tree", help="accept only rows of the tree with this code")
        parser.add_argument("--dry-run", action="store_true", help="check the file and print what it would do")

    def handle(self, *args, file, user=None, tree=None, dry_run=False, **options):
        data = self._read(file)
        person = self._user(user) if user else None
        only_tree = self._tree(tree) if tree else None

        plan = csvfiles.plan_from_bytes(data, user=person, tree=only_tree)
        for _attempt in range(ATTEMPTS):
            if plan.errors:
                raise CommandError(plan.error_report())
            if dry_run:
                self.stdout.write(
                    _(
                        "Checked, nothing saved: %(created)s to add, %(changed)s to change, %(deleted)s "
                        "to delete, %(unchanged)s unchanged."
                    )
                    % plan.counts()
                )
                return
            try:
                counts = csvfiles.apply(plan, person)
            except csvfiles.ImportStale:
                # Someone saved one of these entries meanwhile: plan again against what is stored now.
                plan = csvfiles.build_plan(plan.text, user=person, tree=only_tree)
                continue
            self.stdout.write(
                _("Imported: %(created)s added, %(changed)s changed, %(deleted)s deleted, %(unchanged)s unchanged.")
                % counts
            )
            return
        raise CommandError(csvfiles.ImportStale().message)

    def _read(self, file):
        if file == "-":
            return sys.stdin.buffer.read()
        try:
            with open(file, "rb") as f:
                return f.read()
        except OSError as exc:
            raise CommandError(_("Cannot read %(file)s: %(error)s") % {"file": file, "error": exc.strerror}) from None

    def _user(self, username):
        User = get_user_model()
        try:
            if text_problem(username):  # PostgreSQL refuses NUL in a query; no user name holds one
                raise User.DoesNotExist
            return User.objects.get(**{User.USERNAME_FIELD: username}, is_active=True)
        except User.DoesNotExist:
            raise CommandError(
                _('There is no active person with the user name "%(name)s".') % {"name": username}
            ) from None

    def _tree(self, code):
        try:
            if text_problem(code):  # PostgreSQL refuses NUL in a query; no code holds one
                raise Tree.DoesNotExist
            return Tree.objects.get(code=code)
        except Tree.DoesNotExist:
            raise CommandError(_('There is no tree with the code "%(code)s".') % {"code": code}) from None
