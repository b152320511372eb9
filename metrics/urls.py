from django.urls import path

from metrics.views import (
    api_tokens,
    dashboards,
    due,
    entry_history,
    grid,
    grid_kpi,
    imports,
    initiatives,
    review,
    tree_copy,
    tree_map,
    webhooks,
)

app_name = "metrics"

urlpatterns = [
    # Entry grid: /numbers/...
    path("numbers/", grid.grid, name="grid"),
    path("numbers/save/", grid.save_cell, name="save-cell"),
    path("numbers/kpi/", grid_kpi.grid_kpi, name="grid-kpi"),
    path("numbers/due/", due.due, name="due"),
    path("numbers/history/<int:node_id>/", entry_history.entry_history, name="entry-history"),
    path("numbers/history/restore/<int:change_id>/", entry_history.restore_entry, name="restore-entry"),
    # /trees/<tree_id>/entries... (entries files: import and export)
    path("trees/<int:tree_id>/entries.csv", imports.export_entries, name="export-entries"),
    path("trees/<int:tree_id>/entries/template.csv", imports.entries_template, name="entries-template"),
    path("trees/<int:tree_id>/entries/import/", imports.import_entries, name="import-entries"),
    path("trees/<int:tree_id>/entries/import/confirm/", imports.confirm_import, name="confirm-import"),
    # Dashboards: /trees/<pk>/dashboard/ and its downloads, /nodes/<pk>/chart.json and progress/, /departments/<pk>/
    path("trees/<int:pk>/dashboard/", dashboards.dashboard, name="dashboard"),
    # The tree as a picture (boxes and links, as in slides): /trees/<pk>/map/
    path("trees/<int:pk>/map/", tree_map.tree_map_view, name="tree-map"),
    path("trees/<int:pk>/progress.json", dashboards.progress_json, name="progress-json"),
    path("trees/<int:pk>/progress.csv", dashboards.progress_csv, name="progress-csv"),
    path("nodes/<int:pk>/chart.json", dashboards.node_chart_data, name="node-chart-data"),
    path("nodes/<int:pk>/progress/", dashboards.node_progress, name="node-progress"),
    path("departments/<int:pk>/", dashboards.department, name="department"),
    # Initiatives with their effect on their KPIs: /trees/<pk>/initiatives/ (adding and editing: goals)
    path("trees/<int:pk>/initiatives/", initiatives.initiative_list, name="initiative-list"),
    # Copy a tree to the next period, with last period's actuals as baselines: /trees/<pk>/copy/
    path("trees/<int:pk>/copy/", tree_copy.copy_tree_form, name="tree-copy"),
    path("trees/<int:pk>/copy/save/", tree_copy.copy_tree, name="tree-copy-save"),
    # API tokens for integrations: /api-tokens/ (the API itself is metrics.api, under /api/v1/)
    path("api-tokens/", api_tokens.api_tokens, name="api-tokens"),
    path("api-tokens/new/", api_tokens.create_api_token, name="api-token-create"),
    path("api-tokens/<int:pk>/revoke/", api_tokens.revoke_api_token, name="api-token-revoke"),
    # A tree's webhooks: /trees/<pk>/webhooks/ (adding and removing are POST only)
    path("trees/<int:pk>/webhooks/", webhooks.tree_webhooks, name="tree-webhooks"),
    path("trees/<int:pk>/webhooks/new/", webhooks.create_webhook, name="webhook-create"),
    path("webhooks/<int:pk>/delete/", webhooks.delete_webhook, name="webhook-delete"),
    # The weekly review (定例) of a tree: /trees/<pk>/review/ (the last complete week), /trees/<pk>/review/<week>/
    # (shareable), its action items (POST only); the tree's activity: /trees/<pk>/activity/
    path("trees/<int:pk>/review/", review.review_now, name="review"),
    path("trees/<int:pk>/review/<str:week>/", review.review_week, name="review-week"),
    path("trees/<int:pk>/review/<str:week>/actions/", review.add_action_item, name="action-item-add"),
    path("actions/<int:pk>/done/", review.toggle_action_item, name="action-item-toggle"),
    path("actions/<int:pk>/delete/", review.delete_action_item, name="action-item-delete"),
    path("trees/<int:pk>/activity/", review.tree_activity, name="activity"),
]
