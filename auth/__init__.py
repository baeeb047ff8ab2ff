"""Authentication and the OAuth 2 authorization server.

    bearer.py                  a request's Authorization header -> Principal (OAuth access
                               tokens; development tokens in development mode)
    access_tokens.py           an access token -> Principal, while its grant and consent hold
    server.py                  authlib, tightened to OAuth 2.1 / RFC 9700 (PKCE S256 for all,
                               single-use codes, rotating refresh tokens, ...)
    storage.py, adapter.py     what authlib reads and writes; the async Starlette adapter
    authorization_endpoint.py  /oauth/authorize: the sign-in page and the consent screen
    sign_in.py                 passwords and upstream identity providers (NHS login, CIS2)
    endpoints.py               /oauth/token, /oauth/revoke, /oauth/introspect, metadata
    pages.py, browser.py       the HTML, and cookies, CSRF and security headers
    routes.py                  everything above, for recovery_hub.app to mount
"""
