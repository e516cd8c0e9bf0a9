"""The cryptographic building blocks shared by the chip protocols and the trust store.

This is the gateway's "hazmat" layer (in pyca/cryptography's sense): object identifiers, the
ASN.1 shapes of keys and CMS, elliptic curves and DH groups with their arithmetic, symmetric
primitives of Doc 9303 (3DES/AES, retail MAC, CMAC, KDF), SubjectPublicKeyInfo parsing and
signature verification. `gateway.nfc` (what a chip says) and `gateway.pki` (whom to trust) both
build on it, and it imports nothing else of the gateway, so neither of them needs the other.

Everything here raises `gateway.crypto.errors` exceptions (ValueError subclasses) on malformed
or unsupported input, never a library's own exception, and never echoes the input's values.
"""
