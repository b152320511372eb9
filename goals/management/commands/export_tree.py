"""python manage.py export_tree CODE [--output FILE]

Writes the tree file (docs/files.md "Tree file") of the tree with this code, to standard output or to FILE.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from goals import treefile
from goals.models import Tree
from goals.values import text_problem


class Command(BaseCommand):
    help = "Export a tree as a tree file (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("code", help="the tree's code, such as fy2026-marketing")
        parser.add_argument("--output", "-o", help="write to this file instead of standard output")

    def handle(self, *args, code, output=None, **options):
        # No code holds a control character (PostgreSQL refuses NUL in a query): such a code names no tree.
        tree = Tree.objects.filter(code=code).first() if not text_problem(code) else None
        if tree is None:
            raise CommandError(_("There is no tree with the code %(code)s.") % {"code": code})
        text = treefile.dumps(treefile.export_tree(tree))
        if output:
            try:
                with open(output, "w", encoding="utf-8") as handle:
                    handle.write(text)
            except OSError as error:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s") % {"file": output, "error": error.strerror}
                ) from None
        else:
            self.stdout.write(text, ending="")
