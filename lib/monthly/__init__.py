"""The monthly run without opening the app (issue 19): headline figures and the report as a
user may see them, alert rules, subscriptions and their delivery by e-mail.

Each function here calls the same lib functions the pages call, with the same defaults, so a
figure in a report or an alert is the figure the page shows for the same snapshot, filters and
user (row-level scope, ``lib.store.scope``).
"""
