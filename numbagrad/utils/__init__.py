"""Utilities with torch's import paths: ``numbagrad.utils.data`` (datasets and loaders),
``numbagrad.utils.dlpack`` (DLPack capsules)."""
from numbagrad.utils import data, dlpack

__all__ = ["data", "dlpack"]
