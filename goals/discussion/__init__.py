"""The conversation around the numbers: threads, questions to departments, mentions, the inbox's notices and
their emails, agreed definitions of hand-off KPIs, action items, and guests. Models in models.py (imported by
goals.models); operations in the modules beside it."""
