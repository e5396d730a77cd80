"""Qualtran bloqs of the Carleman-QLSA pipeline, with symbolic sizes (n, T, κ, ε as sympy symbols
or numbers).

One concept per module:

- :mod:`~qmlc.circuits.bloqs.data_access`: G-table lookups under the ``qram`` / ``qrom`` /
  ``select-swap`` cost models;
- :mod:`~qmlc.circuits.bloqs.history_oracles`: row, column and entry oracles of A = I − S ⊗ M;
- :mod:`~qmlc.circuits.bloqs.history_block_encoding`: the sparse-access block encoding, α = s_A·max|A|;
- :mod:`~qmlc.circuits.bloqs.qsvt_inversion`: CKS-degree QSVT inversion + amplitude amplification;
- :mod:`~qmlc.circuits.bloqs.jennings`: Jennings et al. 2023 Theorem 1 with its constants;
- :mod:`~qmlc.circuits.bloqs.state_prep`: the history right-hand side;
- :mod:`~qmlc.circuits.bloqs.readout`: repetitions to read θ(T) to ℓ∞ error ε;
- :mod:`~qmlc.circuits.bloqs.explicit`: concrete sparse-access block encodings of small matrices that
  decompose fully (cross-validation against dense contraction).

Qualtran's symbolic ``QubitCount`` underestimates, so every bloq declares its qubit count through
``my_static_costs``. Importing this package imports Qualtran (≈ 2 s): import lazily.
"""
