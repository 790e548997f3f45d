"""The dashboard's parts (``dashboard.py`` is the page): loading, sidebar, sections, detail tabs,
charts. They draw what :mod:`logparse` computes and hold no parsing or aggregation logic."""
