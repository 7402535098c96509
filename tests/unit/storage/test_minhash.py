"""newsflow's MinHash is datasketch's legacy scheme, value for value."""

from __future__ import annotations

import numpy as np
import pytest
from datasketch import MinHash, MinHashLSH

from tasks.storage.dedup import _shingles
from tasks.storage.minhash import band_parameters, signature_values
from tests.conftest import RIA_SEED, RT_SEED


@pytest.mark.parametrize("num_perm", [16, 128, 256])
def test_signatures_equal_datasketch_legacy(num_perm: int) -> None:
    for seed_file in (RIA_SEED, RT_SEED):
        shingles = list(_shingles(seed_file.read_text(encoding="utf-8")))
        reference = MinHash(num_perm=num_perm, seed=1, scheme="legacy")
        reference.update_batch(shingles)
        ours = signature_values(shingles, num_perm, seed=1)
        assert ours.dtype == np.uint64
        assert np.array_equal(ours, reference.hashvalues)


def test_empty_input_has_the_empty_signature() -> None:
    assert np.array_equal(signature_values([], 16, 1), MinHash(num_perm=16, seed=1,
                                                               scheme="legacy").hashvalues)


@pytest.mark.parametrize(("threshold", "num_perm", "weights"), [
    (0.3, 128, (0.2, 0.8)), (0.5, 128, (0.5, 0.5)), (0.3, 64, (0.2, 0.8)),
    (0.8, 256, (0.5, 0.5)),
])
def test_band_parameters_equal_datasketch(threshold: float, num_perm: int,
                                          weights: tuple[float, float]) -> None:
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    assert band_parameters(threshold, num_perm, *weights) == (lsh.b, lsh.r)
