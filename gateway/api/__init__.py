"""The gRPC face of the gateway: generated `gateway.v1` stubs, the servicers and the daemon."""
