"""Real protocol servers started on loopback for the tests (no mocks)."""
