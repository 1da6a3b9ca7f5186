"""`har label`: label a recording in the browser (recording, session, server, suggestions)."""
