"""A simulated desk document scanner reachable through SANE's network backend (saned protocol)."""
