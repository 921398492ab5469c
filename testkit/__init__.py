"""Emulators of the external services (Gemini Live, Gemini generate_content, LiveKit's Twirp
API), loopback TLS, audio I/O fakes and sample inputs, shared by `tests/` and `bench/`.

Shipped beside the product code (never imported by it), so that benchmarks and tests reach the
same seams without production code growing test-only parameters and without `bench/` importing
`tests/`.
"""
