"""billintake's development kit: generated bills and e-invoice fixtures for tests and benchmarks.

It lives beside the service, not in it: nothing in `billintake` imports it, and a wheel of
the service contains none of it.
"""
