"""Authentication: turning a request's bearer token into a Principal.

The OAuth 2 authorization server (issue #5) lives here too; until it lands, development mode
accepts signed development tokens from ``recovery-hub token --as <user>``.
"""
