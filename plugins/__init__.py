"""Partner plugins: one package each. They import core/ and schema/ only, never each other."""
