"""Operations on tensors: the primitives (registered in :mod:`numbagrad.ops.registry`) and the
functions composed from them, by family."""
