"""The database tables, one module per topic; the code imports them from ``models``, which loads
every module here (the map is in docs/ARCHITECTURE.md)."""
