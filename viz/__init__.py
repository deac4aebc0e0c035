"""Turns analysis results into views: link charts, maps and timelines."""
