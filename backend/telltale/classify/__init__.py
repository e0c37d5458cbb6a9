"""Tell people from machines, and describe the people: pure, no Flask, Redis or SQL."""
