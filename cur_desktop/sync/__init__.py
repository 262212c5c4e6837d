"""Client sync engine: outbox, push/pull against the central server, progress events. No Qt."""
