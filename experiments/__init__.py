"""Experiment machinery: runner, demo, manifests; scenario and sweep specs live beside it."""
