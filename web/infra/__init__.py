"""HTTP plumbing that knows nothing of the plan: assets and their fingerprinted URLs, compression, small caches,
proxies, JSON bodies and the session cookie.
"""

__all__ = ["asset_urls", "assets", "cache", "compression", "json_body", "proxies", "session_cookie"]
