"""The sync contract shared by the central server and the client: wire schemas, mutation rules."""
