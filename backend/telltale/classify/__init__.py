"""Tell people from machines, and describe the people."""
