"""Mutations: one ``input``, a payload with the changed object and ``userErrors``."""
