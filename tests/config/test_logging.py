"""A 403 is logged once, as one line without a traceback."""

import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

from tests.goals.helpers import login

# The logging of the real settings, in a process of its own (pytest's capture replaces the handlers here).
_LOG_A_403 = """
import django
django.setup()
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.log import log_response
try:
    raise PermissionDenied("You can view this tree but not edit it.")
except PermissionDenied as exc:
    log_response("Forbidden (Permission denied): %s", "/trees/1/settings/", response=HttpResponse(status=403),
                 request=RequestFactory().get("/trees/1/settings/"), exception=exc)
"""


@pytest.mark.parametrize("debug", ["true", "false"])
def test_a_403_is_one_line_without_a_traceback(debug):
    environ = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DEBUG"}}
    environ.update(
        DJANGO_SETTINGS_MODULE="config.settings", DEBUG=debug, SECRET_KEY="x" * 50, ALLOWED_HOSTS="testserver"
    )
    result = subprocess.run(
        [sys.executable, "-c", _LOG_A_403], env=environ, capture_output=True, text=True, cwd=settings.BASE_DIR
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == ["Forbidden (Permission denied): /trees/1/settings/"]


@pytest.mark.django_db
def test_a_refused_change_logs_one_record_without_the_exception(client, member, tree, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = login(client, member).get(reverse("goals:tree-edit", args=[tree.pk]))
    assert response.status_code == 403
    records = [record for record in caplog.records if record.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage() == f"Forbidden (Permission denied): {reverse('goals:tree-edit', args=[tree.pk])}"
    assert records[0].exc_info is None and not records[0].exc_text
