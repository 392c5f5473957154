"""Mail: raw MIME messages → the bill files they carry (the adapter every mail channel uses)."""
