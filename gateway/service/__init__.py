"""The daemon's service layer, free of gRPC: requests, verification, devices, queues, cancellation.

The gRPC servicers in `gateway.api` only translate messages to and from these types, so the same
logic can be driven in-process (benchmarks, tests) and a second transport could be added later.
"""
