"""Use cases: the only code that writes. Each opens one transaction and checks access first."""
