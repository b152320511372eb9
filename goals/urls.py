from django.urls import path

from goals.views import accounts

app_name = "goals"

urlpatterns = [
    # /people/ (workspace admins)
    path("people/", accounts.people, name="people"),
    path("people/departments/", accounts.create_department, name="create-department"),
    path("people/memberships/", accounts.set_membership, name="set-membership"),
    path("people/memberships/<int:pk>/delete/", accounts.delete_membership, name="delete-membership"),
    # Trees and nodes (tree editor) -- below this line
]
