"""Readers, templates and cleansing of operator CDRs, cell lists and ANPR reads."""
