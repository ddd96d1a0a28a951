"""A straightforward per-agent implementation of the consumer dynamics, kept as a reference."""
