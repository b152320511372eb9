from django.urls import path

from metrics.views import dashboards, due, entry_history, grid, imports, initiatives, tree_copy

app_name = "metrics"

urlpatterns = [
    # Entry grid: /numbers/...
    path("numbers/", grid.grid, name="grid"),
    path("numbers/save/", grid.save_cell, name="save-cell"),
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
]
