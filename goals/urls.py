from django.urls import path

from goals.views import (
    accounts,
    agreements,
    backcalc,
    comments,
    inbox,
    initiatives,
    nodes,
    search,
    start,
    targets,
    tree_files,
    trees,
)

app_name = "goals"

urlpatterns = [
    # /people/ (workspace admins)
    path("people/", accounts.people, name="people"),
    path("people/<int:pk>/", accounts.person, name="person"),
    path("people/<int:pk>/active/", accounts.set_active, name="person-active"),
    path("people/invite/", accounts.invite, name="invite"),
    path("people/invitations/<int:pk>/resend/", accounts.resend_invitation, name="invitation-resend"),
    path("people/invitations/<int:pk>/revoke/", accounts.revoke_invitation, name="invitation-revoke"),
    path("people/departments/", accounts.create_department, name="create-department"),
    path("people/departments/<int:pk>/rename/", accounts.rename_department, name="rename-department"),
    path("people/memberships/", accounts.set_membership, name="set-membership"),
    path("people/memberships/<int:pk>/role/", accounts.change_role, name="membership-role"),
    path("people/memberships/<int:pk>/move/", accounts.move_membership, name="membership-move"),
    path("people/memberships/<int:pk>/delete/", accounts.delete_membership, name="delete-membership"),
    path("start/", start.start, name="start"),
    # Trees and nodes (the tree editor)
    # /trees/
    path("trees/", trees.tree_list, name="tree-list"),
    path("trees/new/", trees.new_tree, name="tree-create"),
    path("trees/new/save/", trees.create_tree, name="tree-create-save"),
    path("trees/<int:pk>/", trees.tree_detail, name="tree-detail"),
    path("trees/<int:pk>/settings/", trees.edit_tree, name="tree-edit"),
    path("trees/<int:pk>/settings/save/", trees.update_tree, name="tree-edit-save"),
    path("trees/<int:pk>/history/", trees.tree_history, name="tree-history"),
    path("trees/<int:pk>/check-formula/", nodes.check_formula_view, name="check-formula"),
    # /nodes/ (GET pages show a form; the .../save/ and action URLs are POST only)
    path("nodes/<int:pk>/", nodes.node_detail, name="node-detail"),
    path("nodes/<int:pk>/add/", nodes.add_node, name="node-add"),
    path("nodes/<int:pk>/add/save/", nodes.create_node, name="node-add-save"),
    path("nodes/<int:pk>/edit/", nodes.edit_node, name="node-edit"),
    path("nodes/<int:pk>/edit/save/", nodes.update_node, name="node-edit-save"),
    path("nodes/<int:pk>/move/", nodes.move_node_form, name="node-move"),
    path("nodes/<int:pk>/move/save/", nodes.move_node, name="node-move-save"),
    path("nodes/<int:pk>/reorder/", nodes.reorder_node, name="node-reorder"),
    path("nodes/<int:pk>/delete/", nodes.delete_node_form, name="node-delete"),
    path("nodes/<int:pk>/delete/save/", nodes.delete_node, name="node-delete-save"),
    path("nodes/<int:pk>/restore/", nodes.restore_node, name="node-restore"),
    # Discussion: threads on nodes (/nodes/<pk>/comments/, /comments/<pk>/...; GET pages show a form, the rest
    # are POST only), what open pages poll, @ completion, agreed definitions
    path("nodes/<int:pk>/comments/", comments.add_comment, name="comment-add"),
    path("nodes/<int:pk>/comments/new/", comments.node_new_comments, name="node-new-comments"),
    path("nodes/<int:pk>/notices/read/", comments.read_node_notices, name="node-notices-read"),
    path("comments/<int:pk>/reply/", comments.reply, name="comment-reply"),
    path("comments/<int:pk>/edit/", comments.edit_comment, name="comment-edit"),
    path("comments/<int:pk>/edit/save/", comments.update_comment, name="comment-edit-save"),
    path("comments/<int:pk>/delete/", comments.delete_comment, name="comment-delete"),
    path("comments/<int:pk>/answer/", comments.answer_question, name="question-answer"),
    path("comments/<int:pk>/reopen/", comments.reopen_question, name="question-reopen"),
    path("trees/<int:pk>/comments/new/", comments.tree_new_comments, name="tree-new-comments"),
    path("mentions.json", comments.mention_candidates, name="mention-candidates"),
    path("nodes/<int:pk>/agreement/", agreements.agree, name="agreement-agree"),
    path("nodes/<int:pk>/agreement/withdraw/", agreements.withdraw, name="agreement-withdraw"),
    # /search/ (the header's search box; ?q=)
    path("search/", search.search, name="search"),
    # /inbox/
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/read/", inbox.mark_read, name="inbox-read"),
    path("inbox/settings/", inbox.notice_settings, name="notice-settings"),
    path("inbox/settings/save/", inbox.save_notice_settings, name="notice-settings-save"),
    # Initiatives: /trees/<pk>/initiatives/new/ and /initiatives/<pk>/ (GET pages show a form; .../save/ and delete
    # are POST only). The tree's list with their effect is metrics:initiative-list.
    path("trees/<int:pk>/initiatives/new/", initiatives.new_initiative, name="initiative-create"),
    path("trees/<int:pk>/initiatives/new/save/", initiatives.create_initiative, name="initiative-create-save"),
    path("initiatives/<int:pk>/edit/", initiatives.edit_initiative, name="initiative-edit"),
    path("initiatives/<int:pk>/edit/save/", initiatives.update_initiative, name="initiative-edit-save"),
    path("initiatives/<int:pk>/delete/", initiatives.delete_initiative, name="initiative-delete"),
    path("nodes/<int:pk>/initiatives.json", initiatives.node_initiatives, name="node-initiatives"),
    # Tree files and templates; copying a tree is in metrics (it needs the actuals)
    # /trees/... (GET pages show a form; the .../save/ URLs are POST only)
    path("trees/import/", tree_files.import_tree_form, name="tree-import"),
    path("trees/import/save/", tree_files.import_tree_upload, name="tree-import-save"),
    path("trees/new-from-template/", tree_files.tree_from_template_form, name="tree-from-template"),
    path("trees/new-from-template/save/", tree_files.create_tree_from_template, name="tree-from-template-save"),
    path("trees/<int:pk>/export.json", tree_files.export_tree_file, name="tree-export"),
    # /nodes/<pk>/...
    path("trees/<int:pk>/backcalc/", backcalc.tree_backcalc, name="tree-backcalc"),
    path("trees/<int:pk>/backcalc/save/", backcalc.apply_tree_backcalc, name="tree-backcalc-save"),
    path("nodes/<int:pk>/backcalc/", targets.node_backcalc, name="node-backcalc"),
    path("nodes/<int:pk>/backcalc/save/", targets.apply_backcalc, name="node-backcalc-save"),
    path("nodes/<int:pk>/seasonality/", targets.node_seasonality, name="node-seasonality"),
    path("nodes/<int:pk>/seasonality/save/", targets.save_seasonality, name="node-seasonality-save"),
]
