"""Domain rules: entities, status machine, business calendar, deadlines, metrics. No Qt, no SQL."""
