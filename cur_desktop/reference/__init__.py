"""Reference data (regions, topics, SLA policies, answer templates) and the resource finder."""
