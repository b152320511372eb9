"""python manage.py export_progress --tree CODE [--as-of YYYY-MM-DD] [--format json|csv]

Prints the tree's progress at the week of the as-of date (default: the last complete week) in the
docs/files.md "Progress" contract, or its CSV twin (metrics.progress_files). Changes nothing. It computes
from the database (metrics.progress.compute_progress), never from the cache, so that two databases can be
compared with it (docs/operations.md).
"""

import json
import re
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from goals.models import Tree
from goals.values import text_problem
from metrics.progress import compute_progress
from metrics.progress_files import progress_to_csv, progress_to_json

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)


class Command(BaseCommand):
    help = (
        "Print a tree's progress (actual, target, achievement, status, forecast, sensitivity, impact) as JSON or CSV."
    )

    def add_arguments(self, parser):
        parser.add_argument("--tree", required=True, help="the tree's code")
        parser.add_argument("--as-of", dest="as_of", help="YYYY-MM-DD; default: the last complete week")
        parser.add_argument(
            "--format", dest="output_format", choices=["json", "csv"], default="json", help="json (default) or csv"
        )

    def handle(self, *args, tree, as_of=None, output_format="json", **options):
        errors = []
        as_of_date = None
        if as_of is not None:
            as_of_date = _parse_date(as_of)
            if as_of_date is None:
                errors.append(
                    _("--as-of: “%(value)s” is not a date. Write it as YYYY-MM-DD, such as 2026-06-29.")
                    % {"value": as_of}
                )
        # No code holds a control character (PostgreSQL refuses NUL in a query): such a code names no tree.
        tree_obj = Tree.objects.filter(code=tree).first() if not text_problem(tree) else None
        if tree_obj is None:
            errors.append(_('There is no tree with the code "%(code)s".') % {"code": tree})
        if errors:
            raise CommandError("\n".join(errors))

        progress, data = compute_progress(tree_obj, as_of_date)
        if output_format == "csv":
            self.stdout.write(progress_to_csv(progress, data), ending="")
        else:
            self.stdout.write(json.dumps(progress_to_json(progress, data), ensure_ascii=False, indent=2))


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not _ISO_DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
