"""Reports: the results table, studies and figures, listings, the board."""
