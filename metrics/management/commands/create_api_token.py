"""Make an API token on the command line (docs/api.md); only the token itself is printed on standard output."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from goals.models import Department
from metrics.models import ApiToken


class Command(BaseCommand):
    help = (
        "Make an API token for an integration, write access to the nodes of the given departments (or read-only), "
        "and print it. It is shown only this once; store it where the integration keeps secrets."
    )

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="What uses the token; shown in the history of numbers.")
        parser.add_argument(
            "--department",
            action="append",
            required=True,
            dest="departments",
            metavar="NAME",
            help="A department whose nodes the token writes; repeat for several.",
        )
        parser.add_argument("--read-only", action="store_true", help="The token reads only.")

    def handle(self, *args, name, departments, read_only, **options):
        name = name.strip()
        if not name or len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("--name must have 1 to 100 characters.")
        found = {department.name: department for department in Department.objects.filter(name__in=departments)}
        missing = [department for department in departments if department not in found]
        if missing:
            known = ", ".join(Department.objects.values_list("name", flat=True)) or "none"
            raise CommandError(f"No department named {', '.join(missing)}. Departments: {known}.")
        if ApiToken.objects.active().filter(name=name).exists():
            raise CommandError(f"A token named {name!r} already exists. Choose another name, or revoke it first.")
        with transaction.atomic():
            _token, secret = ApiToken.issue(
                name=name, departments=found.values(), read_only=read_only, created_by=None
            )
        self.stdout.write(secret)
