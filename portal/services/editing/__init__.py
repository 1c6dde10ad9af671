"""Editing records: values, workflow steps and the write operations."""
