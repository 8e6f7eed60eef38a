"""Writes of field work: a phone's sync (`sync`), settling records once their import is done (`settle`),
settling conflicts (`conflicts`)."""
