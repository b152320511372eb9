"""python manage.py export_entries --tree CODE [--output FILE] [--template]

Writes the tree's entries file (docs/files.md). A file gets a UTF-8 BOM so that Japanese Excel opens it
correctly; standard output gets none, so that it pipes cleanly into other programs (the file holds only codes,
dates and numbers, so nothing is lost either way).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from goals.models import Tree
from goals.values import text_problem
from metrics import csvfiles


class Command(BaseCommand):
    help = "Export a tree's weekly numbers as CSV (tree,node,week,value)."

    def add_arguments(self, parser):
        parser.add_argument("--tree", required=True, help="the tree's code")
        parser.add_argument("--output", help="write to this file instead of standard output")
        parser.add_argument(
            "--template",
            action="store_true",
            help="every measured node for every week, with the current value where there is one",
        )

    def handle(self, *args, tree, output=None, template=False, **options):
        try:
            if text_problem(tree):  # PostgreSQL refuses NUL in a query; no code holds one
                raise Tree.DoesNotExist
            tree_obj = Tree.objects.get(code=tree)
        except Tree.DoesNotExist:
            raise CommandError(_('There is no tree with the code "%(code)s".') % {"code": tree}) from None
        text = csvfiles.template_csv(tree_obj) if template else csvfiles.entries_csv(tree_obj)
        if output:
            try:
                with open(output, "w", encoding="utf-8", newline="") as f:
                    f.write(text)
            except OSError as exc:
                raise CommandError(
                    _("Cannot write %(file)s: %(error)s") % {"file": output, "error": exc.strerror}
                ) from None
        else:
            self.stdout.write(text.removeprefix(csvfiles.BOM), ending="")
