"""Qualtran bloqs of the Carleman-QLSA pipeline, with symbolic sizes (n, T, κ, ε as sympy symbols
or numbers).

One concept per module:

- :mod:`~qmlc.circuits.bloqs.data_access`: G-table lookups under the ``qram`` / ``qrom`` /
  ``select-swap`` cost models;
- :mod:`~qmlc.circuits.bloqs.history_oracles`: row, column and entry oracles of A = I − S ⊗ M;
- :mod:`~qmlc.circuits.bloqs.history_block_encoding`: the sparse-access block encoding, α = s_A·max|A|;
- :mod:`~qmlc.circuits.bloqs.qlsa_models`: the QLSA cost models side by side (registry):
  - :mod:`~qmlc.circuits.bloqs.qsvt_inversion`: CKS-degree QSVT inversion + amplitude
    amplification (the upper reference);
  - :mod:`~qmlc.circuits.bloqs.step_qlsa`: the common step structure of the walk / filtering
    models below (1 U_A, 2 U_b, one projector-controlled phase per query);
  - :mod:`~qmlc.circuits.bloqs.jennings`: Jennings et al. v1 Theorem 1 with its constants;
  - :mod:`~qmlc.circuits.bloqs.jennings_v2`: Jennings et al. v2, 837κ (abstract only);
  - :mod:`~qmlc.circuits.bloqs.costa_da`: Costa et al. discrete adiabatic + filtering, constant
    2305 (bound) or 1.84 (measured);
  - :mod:`~qmlc.circuits.bloqs.dalzell`: Dalzell's shortcut, 56κ + 1.05κ ln(1/ε) (abstract);
- :mod:`~qmlc.circuits.bloqs.state_prep`: the history right-hand side;
- :mod:`~qmlc.circuits.bloqs.readout`: repetitions to read θ(T) to ℓ∞ error ε;
- :mod:`~qmlc.circuits.bloqs.explicit`: concrete sparse-access block encodings of small matrices that
  decompose fully (cross-validation against dense contraction).

Qualtran's symbolic ``QubitCount`` underestimates, so every bloq declares its qubit count through
``my_static_costs``. Importing this package imports Qualtran (≈ 2 s): import lazily.
"""
