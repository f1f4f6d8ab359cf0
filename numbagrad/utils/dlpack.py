"""``numbagrad.utils.dlpack``: DLPack capsules under torch's import path
(``torch.utils.dlpack.to_dlpack``, ``from_dlpack`` and ``DLDeviceType``)."""
from numbagrad.dlpack import DLDeviceType, from_dlpack, to_dlpack

__all__ = ["DLDeviceType", "from_dlpack", "to_dlpack"]
