"""A simulated handheld translation device speaking the gateway's JSON-lines protocol.

It builds and parses its wire messages with its own code (json + this package), never with
`gateway.translation.device_protocol`, so a bug in the gateway's codec cannot hide by being
symmetric. It answers from a small built-in dictionary and can misbehave on demand: latency,
busy, no network, unknown language, or falling silent.
"""
