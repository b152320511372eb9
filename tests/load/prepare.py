"""The load test's people: load001…loadNNN, members of the demo's departments in turn (tests/load/run).

DEBUG=true python manage.py shell < tests/load/prepare.py   (LOADTEST_PEOPLE_AVAILABLE: how many, 100)
"""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from goals.models import Department, Membership, Tree

count = int(os.environ.get("LOADTEST_PEOPLE_AVAILABLE", "100"))
departments = list(Department.objects.order_by("position", "pk"))
password = make_password("goaltree-load")  # hashed once: the same password for everyone
User = get_user_model()
for number in range(1, count + 1):
    user, created = User.objects.get_or_create(
        username=f"load{number:03d}", defaults={"password": password, "last_name": f"負荷{number:03d}"}
    )
    if created:
        Membership.objects.create(user=user, department=departments[number % len(departments)])
print(f"{count} load people ready; tree id {Tree.objects.order_by('pk').first().pk}")
