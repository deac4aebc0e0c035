"""Request and response schemas, one module per resource; requests and responses kept apart."""
