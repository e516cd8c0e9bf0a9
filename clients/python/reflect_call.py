"""Call any gRPC method of the gateway through server reflection - no generated stubs, no gateway code.

The grpcurl of this repository (grpcurl itself is not packaged for Debian bookworm). It shows what any
gRPC tool can do with the daemon knowing nothing but its address:

    python clients/python/reflect_call.py localhost:50051 list
    python clients/python/reflect_call.py localhost:50051 describe gateway.v1.VerifyRequest
    python clients/python/reflect_call.py localhost:50051 call gateway.v1.VerificationService/Verify \\
        '{"mrz": "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"}'
    python clients/python/reflect_call.py localhost:50051 call gateway.v1.DeviceService/WatchDevices \\
        '{"send_initial_state": true}'

Requests and responses are proto3 JSON. Server-streaming methods print one JSON object per message.
Needs only grpcio, grpcio-reflection and protobuf.
"""

from __future__ import annotations

import argparse
import json
import sys

import grpc
from google.protobuf import descriptor_pool, json_format, message_factory
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("server", help="host:port or unix:/path")
    ap.add_argument("command", choices=("list", "describe", "call"))
    ap.add_argument("symbol", nargs="?", help="service, message or Service/Method")
    ap.add_argument("request", nargs="?", default="{}", help="request as JSON (call)")
    ap.add_argument("--token", help="bearer token (metadata authorization)")
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args(argv)

    channel = grpc.insecure_channel(args.server)
    database = ProtoReflectionDescriptorDatabase(channel)
    pool = descriptor_pool.DescriptorPool(database)
    if args.command == "list":
        for service in database.get_services():
            print(service)
            if args.symbol is None or args.symbol == service:
                for method in pool.FindServiceByName(service).methods:
                    print(f"  {method.name}")
        return 0
    if args.symbol is None:
        ap.error(f"{args.command} needs a symbol")
    if args.command == "describe":
        try:
            descriptor = pool.FindMessageTypeByName(args.symbol)
        except KeyError:
            descriptor = pool.FindServiceByName(args.symbol)
        print(descriptor.file.name)
        fields = getattr(descriptor, "fields", None)
        for item in fields if fields is not None else descriptor.methods:
            print(f"  {item.name}")
        return 0

    service_name, _, method_name = args.symbol.rpartition("/")
    method = pool.FindServiceByName(service_name).methods_by_name[method_name]
    request_class = message_factory.GetMessageClass(method.input_type)
    response_class = message_factory.GetMessageClass(method.output_type)
    try:
        request = json_format.Parse(args.request, request_class())
    except json_format.ParseError as exc:
        print(f"bad request JSON: {exc}".splitlines()[0], file=sys.stderr)
        return 2
    path = f"/{service_name}/{method_name}"
    metadata = (("authorization", f"Bearer {args.token}"),) if args.token else None
    kwargs = {"request_serializer": request_class.SerializeToString,
              "response_deserializer": response_class.FromString}
    try:
        if method.server_streaming:
            for response in channel.unary_stream(path, **kwargs)(request, timeout=args.timeout, metadata=metadata):
                print(json.dumps(json_format.MessageToDict(response)), flush=True)
        else:
            response = channel.unary_unary(path, **kwargs)(request, timeout=args.timeout, metadata=metadata)
            print(json.dumps(json_format.MessageToDict(response), indent=2, ensure_ascii=False))
    except grpc.RpcError as exc:
        print(f"{exc.code().name}: {exc.details()}", file=sys.stderr)  # type: ignore[attr-defined]
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
