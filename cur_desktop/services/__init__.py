"""Use-cases the UI calls (take incident, save draft, send answer ...); no Qt types out."""
