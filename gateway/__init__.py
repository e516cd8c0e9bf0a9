"""Gateway: identity-document hardware behind one verification API."""
__version__ = "0.1.0"
