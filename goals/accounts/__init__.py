"""Accounts: invitations by email, password reset, optional single sign-on (Google Workspace, Microsoft Entra ID),
and the first-run checklist (docs/permissions.md "People and departments", docs/deploy.md "Single sign-on")."""
