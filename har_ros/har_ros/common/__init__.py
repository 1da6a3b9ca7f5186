"""Small pure helpers shared by several nodes."""
