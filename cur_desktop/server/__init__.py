"""The central server: FastAPI app, auth, ingestion, sync endpoints, ratings."""
