"""ELFT's GraphQL: types, queries and mutations, each calling the plugin's services."""
