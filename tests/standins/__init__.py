"""Local stand-ins for the providers the portal talks to: small HTTP servers on 127.0.0.1 that
speak each provider's documented API, so that the real client libraries are tested without a
network. Each is started by a pytest fixture, or as a process (`python -m tests.standins.X`)."""
