"""Utilities with torch's import paths: ``numbagrad.utils.data`` (datasets and loaders)."""
from numbagrad.utils import data

__all__ = ["data"]
